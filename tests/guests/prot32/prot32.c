/* 32-bit protected mode guest: interrupts (PIT through the PIC and the IOAPIC, RTC periodic and
 * update-ended, LAPIC timer one-shot and periodic, all waking HLT), then every MMIO decoder form with paging
 * off, with 32-bit paging (4 MiB and 4 KiB pages) and with PAE paging (2 MiB and 4 KiB pages), the scratch
 * page mapped at other virtual addresses and the code run through an alias mapping. */
#include "../lib/guest.h"
#include "../lib/mmio_forms.h"
#include "../lib/platform.h"
#include "../lib/trap.h"

#define MULTIBOOT_MAGIC 0x2badb002u
#define VEC_PIC 0x20        /* master PIC; the slave at 0x28 */
#define VEC_IOAPIC_PIN0 0x30
#define VEC_IOAPIC_PIN2 0x31
#define VEC_IOAPIC_RTC 0x38
#define VEC_LAPIC_TIMER 0x40
#define PIT_100HZ 11932

#define VA_SCRATCH_BIG 0x40000000u   /* a 4 MiB or 2 MiB page holding the scratch page */
#define VA_SCRATCH_SMALL 0x50000000u /* a 4 KiB page on the scratch page */
#define VA_CODE_ALIAS 0x60000000u    /* the first 4 MiB again, to run the forms from */

static volatile unsigned pit_pic, pit_pin0, pit_pin2, rtc_periodic, rtc_update, lapic_ticks;
static uint32_t bsp_id;

static void on_pit_pic(struct guest_frame *f)
{
	(void)f;
	pit_pic++;
	pic_eoi(0);
}

static void on_pit_pin0(struct guest_frame *f)
{
	(void)f;
	pit_pin0++;
	lapic_eoi();
}

static void on_pit_pin2(struct guest_frame *f)
{
	(void)f;
	pit_pin2++;
	lapic_eoi();
}

static void rtc_ack(void)
{
	uint8_t c = cmos_read(0x0c);
	if (c & 0x40)
		rtc_periodic++;
	if (c & 0x10)
		rtc_update++;
}

static void on_rtc_pic(struct guest_frame *f)
{
	(void)f;
	rtc_ack();
	pic_eoi(8);
}

static void on_rtc_ioapic(struct guest_frame *f)
{
	(void)f;
	rtc_ack();
	lapic_eoi();
}

static void on_lapic_timer(struct guest_frame *f)
{
	(void)f;
	lapic_ticks++;
	lapic_eoi();
}

static void check_rate(const char *what, unsigned events, uint32_t us, uint32_t min_us, uint32_t max_us)
{
	char detail[64];
	guest_snprintf(detail, sizeof(detail), "%u events in %u us", events, us);
	guest_check(what, us >= min_us && us <= max_us, detail);
}

static void test_pit(void)
{
	uint32_t start;
	int ok;

	trap_set(VEC_PIC, on_pit_pic);
	pic_set_mask((uint16_t)~1u);
	start = pm_timer();
	pit_periodic(PIT_100HZ);
	ok = wait_for(&pit_pic, 10, 1000);
	uint32_t us = pm_elapsed_us(start);
	pit_stop();
	cpu_cli();
	pic_set_mask(0xffff);
	guest_check("pit irq0 through the pic wakes hlt", ok, "fewer than 10 ticks");
	check_rate("pit 100 Hz through the pic", 10, us, 80000, 2000000);

	trap_set(VEC_IOAPIC_PIN0, on_pit_pin0);
	trap_set(VEC_IOAPIC_PIN2, on_pit_pin2);
	ioapic_route(0, VEC_IOAPIC_PIN0, (uint8_t)bsp_id, 0);
	ioapic_route(2, VEC_IOAPIC_PIN2, (uint8_t)bsp_id, 0);
	start = pm_timer();
	pit_periodic(PIT_100HZ);
	cpu_cli();
	for (unsigned n = 0; pit_pin0 + pit_pin2 < 10 && n < 1000; n++) {
		cpu_sti_hlt();
		cpu_cli();
	}
	us = pm_elapsed_us(start);
	pit_stop();
	ioapic_route(0, VEC_IOAPIC_PIN0, (uint8_t)bsp_id, 1);
	ioapic_route(2, VEC_IOAPIC_PIN2, (uint8_t)bsp_id, 1);
	guest_line("pit through the ioapic: %u ticks on pin 0, %u on pin 2", pit_pin0, pit_pin2);
	guest_check("pit irq0 through the ioapic wakes hlt", pit_pin0 + pit_pin2 >= 10, "fewer than 10 ticks");
	check_rate("pit 100 Hz through the ioapic", 10, us, 80000, 2000000);
}

static unsigned bcd(unsigned v, int binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 15);
}

static void test_rtc(void)
{
	uint8_t b = cmos_read(0x0b);
	int binary = b & 4;
	unsigned sec = bcd(cmos_read(0x00), binary), min = bcd(cmos_read(0x02), binary);
	unsigned hour = bcd(cmos_read(0x04) & 0x7f, binary);
	char detail[48];
	guest_snprintf(detail, sizeof(detail), "%u:%u:%u", hour, min, sec);
	guest_check("rtc time registers", sec < 60 && min < 60 && hour < 24, detail);

	/* periodic interrupt, 32 Hz, through the slave PIC */
	trap_set(VEC_PIC + 8, on_rtc_pic);
	uint8_t a = cmos_read(0x0a);
	cmos_write(0x0a, (uint8_t)((a & 0xf0) | 0x0b));
	cmos_write(0x0b, (uint8_t)((b & ~0x70) | 0x40));
	cmos_read(0x0c);
	pic_set_mask((uint16_t)~((1u << 2) | (1u << 8)));
	uint32_t start = pm_timer();
	int ok = wait_for(&rtc_periodic, 8, 1000);
	uint32_t us = pm_elapsed_us(start);
	cpu_cli();
	cmos_write(0x0b, (uint8_t)(b & ~0x70));
	cmos_write(0x0a, a);
	pic_set_mask(0xffff);
	cmos_read(0x0c);
	guest_check("rtc periodic interrupt through the pic", ok, "fewer than 8 interrupts");
	check_rate("rtc periodic 32 Hz", 8, us, 150000, 3000000);

	/* update-ended interrupt through the IOAPIC: two of them, one second apart */
	trap_set(VEC_IOAPIC_RTC, on_rtc_ioapic);
	ioapic_route(8, VEC_IOAPIC_RTC, (uint8_t)bsp_id, 0);
	cmos_write(0x0b, (uint8_t)((b & ~0x70) | 0x10));
	cmos_read(0x0c);
	rtc_update = 0;
	ok = wait_for(&rtc_update, 1, 1000);
	unsigned s1 = bcd(cmos_read(0x00), binary);
	start = pm_timer();
	ok = ok && wait_for(&rtc_update, 2, 1000);
	unsigned s2 = bcd(cmos_read(0x00), binary);
	us = pm_elapsed_us(start);
	cpu_cli();
	cmos_write(0x0b, (uint8_t)(b & ~0x70));
	ioapic_route(8, VEC_IOAPIC_RTC, (uint8_t)bsp_id, 1);
	cmos_read(0x0c);
	guest_check("rtc update-ended interrupt through the ioapic", ok, "fewer than 2 interrupts");
	guest_snprintf(detail, sizeof(detail), "%u then %u", s1, s2);
	guest_check("rtc seconds advance by one per update", s2 == (s1 + 1) % 60, detail);
	check_rate("rtc update-ended once a second", 1, us, 500000, 2500000);
}

static void test_lapic_timer(void)
{
	uint32_t per_ms = lapic_timer_ticks_per_ms(10);
	guest_line("lapic timer: %u ticks per ms at divide 16", per_ms);
	if (!guest_check("lapic timer counts down", per_ms > 0, "current count did not move"))
		return;

	trap_set(VEC_LAPIC_TIMER, on_lapic_timer);
	lapic_write(LAPIC_TIMER_DIVIDE, 3);
	lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER);
	uint32_t start = pm_timer();
	lapic_write(LAPIC_TIMER_INIT, per_ms * 5);
	int ok = wait_for(&lapic_ticks, 1, 100);
	uint32_t us = pm_elapsed_us(start);
	guest_check("lapic timer one-shot wakes hlt", ok, "no interrupt");
	check_rate("lapic timer one-shot after 5 ms", 1, us, 3000, 500000);
	pm_delay_us(20000);
	guest_check("lapic timer one-shot fires once", lapic_ticks == 1 && lapic_read(LAPIC_TIMER_CURRENT) == 0,
		    "fired again or still counting");

	lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER | LAPIC_TIMER_PERIODIC);
	start = pm_timer();
	lapic_write(LAPIC_TIMER_INIT, per_ms * 10);
	ok = wait_for(&lapic_ticks, 6, 100);
	us = pm_elapsed_us(start);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
	cpu_cli();
	guest_check("lapic timer periodic wakes hlt", ok, "fewer than 5 interrupts");
	check_rate("lapic timer periodic 10 ms", 5, us, 30000, 2000000);
}

static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pt[1024] __attribute__((aligned(4096)));
static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pae_pd[4][512] __attribute__((aligned(4096)));
static uint64_t pae_pt[512] __attribute__((aligned(4096)));

static void paging_on(uint32_t cr3, uint32_t cr4_bits)
{
	uint32_t cr0, cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | cr4_bits));
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0; jmp 1f; 1:" : : "r"(cr0 | 0x80000000u) : "memory");
}

static void paging_off(void)
{
	uint32_t cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0; jmp 1f; 1:" : : "r"(cr0 & ~0x80000000u) : "memory");
	__asm__ volatile("mov %0, %%cr4" : : "r"(0));
}

static void test_mmio(void)
{
	uint32_t scratch = (uint32_t)guest_scratch_phys();

	mmio_forms_run("paging off", scratch, 0);

	for (uint32_t i = 0; i < 1024; i++)
		pd[i] = i << 22 | 0x83;
	pd[VA_SCRATCH_BIG >> 22] = (scratch & ~0x3fffffu) | 0x83;
	pd[VA_SCRATCH_SMALL >> 22] = (uint32_t)pt | 0x03;
	pt[0] = scratch | 0x03;
	pd[VA_CODE_ALIAS >> 22] = 0x83;
	paging_on((uint32_t)pd, 0x10);
	mmio_forms_run("32-bit paging, 4 MiB page", VA_SCRATCH_BIG + (scratch & 0x3fffff), 0);
	mmio_forms_run("32-bit paging, 4 KiB page, code alias", VA_SCRATCH_SMALL, VA_CODE_ALIAS);
	paging_off();

	for (uint32_t g = 0; g < 4; g++) {
		for (uint32_t i = 0; i < 512; i++)
			pae_pd[g][i] = (uint64_t)(g * 512 + i) << 21 | 0x83;
		pdpt[g] = (uint32_t)pae_pd[g] | 1;
	}
	pae_pd[1][(VA_SCRATCH_BIG >> 21) & 511] = (scratch & ~0x1fffffu) | 0x83;
	pae_pd[1][(VA_SCRATCH_SMALL >> 21) & 511] = (uint32_t)pae_pt | 0x03;
	pae_pt[0] = scratch | 0x03;
	pae_pd[1][(VA_CODE_ALIAS >> 21) & 511] = 0x83;
	pae_pd[1][((VA_CODE_ALIAS >> 21) & 511) + 1] = 0x200000 | 0x83;
	paging_on((uint32_t)pdpt, 0x20);
	mmio_forms_run("pae paging, 2 MiB page", VA_SCRATCH_BIG + (scratch & 0x1fffff), 0);
	mmio_forms_run("pae paging, 4 KiB page, code alias", VA_SCRATCH_SMALL, VA_CODE_ALIAS);
	paging_off();

	if (guest_on_keel()) {
		volatile uint32_t *unbacked = (volatile uint32_t *)0xe0000000u;
		*unbacked = 0x12345678;
		guest_check("unbacked mmio reads all ones", *unbacked == 0xffffffffu, "read back something else");
	}
}

void guest_main(uint32_t magic, const void *mbi);
void guest_main(uint32_t magic, const void *mbi)
{
	(void)mbi;
	guest_begin("prot32");
	guest_check("multiboot magic", magic == MULTIBOOT_MAGIC, "wrong EAX at entry");
	trap_init();

	uint64_t apic_base = rdmsr(0x1b);
	guest_check("apic base msr", (apic_base & 0xfffff000u) == LAPIC_BASE && (apic_base & (1u << 11)) &&
			(apic_base & (1u << 8)), "not enabled at 0xfee00000 with BSP set");
	pic_init(VEC_PIC, VEC_PIC + 8);
	lapic_enable(1);
	bsp_id = lapic_id();
	guest_check("ioapic has 24 pins", (ioapic_read(1) >> 16 & 0xff) == 23, "wrong maximum redirection entry");
	for (unsigned pin = 0; pin < 24; pin++)
		ioapic_route(pin, 0x30, (uint8_t)bsp_id, 1);
	uint32_t t0 = pm_timer();
	pm_delay_us(1000);
	guest_check("pm timer advances", ((pm_timer() - t0) & 0xffffff) >= 3000, "stuck");

	test_pit();
	test_rtc();
	test_lapic_timer();
	guest_check("no unexpected interrupts", trap_unexpected() == 0, "an unhandled vector arrived");

	test_mmio();
	guest_end();
}
