/* Real-mode guest, a flat image started at 0000:7C00: COM1 output, CPUID, port I/O, the PIT through the PIC
 * waking HLT (handlers in the IVT), RTC reads (the seconds register moves on) and the RTC periodic interrupt,
 * then every MMIO decoder form in big real mode (32-bit addresses with operand- and address-size prefixes),
 * and S5 power off. */
#include "../lib/guest.h"
#include "../lib/mmio_forms.h"
#include "../lib/platform.h"

#define VEC_PIC 0x20
#define PIT_100HZ 11932

extern char realmode_irq0[], realmode_irq8[];
static volatile unsigned ticks, rtc_periodic;

void realmode_irq(uint32_t irq);
void realmode_irq(uint32_t irq)
{
	if (irq == 8) {
		if (cmos_read(0x0c) & 0x40)
			rtc_periodic++;
	} else {
		ticks++;
	}
	pic_eoi(irq);
}

static void set_vector(unsigned vector, void *handler)
{
	uintptr_t entry = vector * 4;
	__asm__("" : "+r"(entry)); /* an address, not a null pointer offset */
	volatile uint16_t *ivt = (volatile uint16_t *)entry;
	ivt[0] = (uint16_t)(uintptr_t)handler;
	ivt[1] = 0;
}

static unsigned bcd(unsigned v, int binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 15);
}

void guest_main(void);
void guest_main(void)
{
	uint32_t r[4], cr0;
	guest_begin("realmode");
	__asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
	guest_check("started in real mode", !(cr0 & 1), "CR0.PE set");

	cpuid(0, 0, r);
	guest_check("cpuid basic leaves", r[0] >= 1, "max basic leaf 0");
	cpuid(1, 0, r);
	if (guest_on_keel())
		guest_check("cpuid hypervisor bit", r[2] & (1u << 31), "bit 31 of ECX clear");

	outb(0x3f8 + 7, 0xa5);
	guest_check("port scratch register", inb(0x3f8 + 7) == 0xa5, "16550 scratch did not keep its value");

	set_vector(VEC_PIC, realmode_irq0);
	set_vector(VEC_PIC + 8, realmode_irq8);
	pic_init(VEC_PIC, VEC_PIC + 8);
	pic_set_mask((uint16_t)~1u);
	pit_periodic(PIT_100HZ);
	uint32_t start = pm_timer();
	int ok = wait_for(&ticks, 10, 1000);
	uint32_t us = pm_elapsed_us(start);
	char detail[64];
	guest_snprintf(detail, sizeof(detail), "%u ticks in %u us", ticks, us);
	guest_check("pit irq0 through the pic wakes hlt (ivt handler)", ok && us >= 80000, detail);

	/* the seconds register moves on within 3 s (300 ticks of HLT) */
	int binary = cmos_read(0x0b) & 4;
	unsigned s0 = bcd(cmos_read(0x00), binary), s1 = s0;
	for (unsigned target = ticks + 1; s1 == s0 && target < ticks + 300; target++) {
		wait_for(&ticks, target, 10);
		s1 = bcd(cmos_read(0x00), binary);
	}
	guest_snprintf(detail, sizeof(detail), "%u then %u", s0, s1);
	guest_check("rtc seconds register advances", s1 != s0 && s1 < 60, detail);
	pit_stop();
	cpu_cli();

	uint8_t a = cmos_read(0x0a), b = cmos_read(0x0b);
	cmos_write(0x0a, (uint8_t)((a & 0xf0) | 0x0b));
	cmos_write(0x0b, (uint8_t)((b & ~0x70) | 0x40));
	cmos_read(0x0c);
	pic_set_mask((uint16_t)~((1u << 2) | (1u << 8)));
	ok = wait_for(&rtc_periodic, 4, 1000);
	cpu_cli();
	cmos_write(0x0b, (uint8_t)(b & ~0x70));
	cmos_write(0x0a, a);
	cmos_read(0x0c);
	pic_set_mask(0xffff);
	guest_check("rtc periodic interrupt through the slave pic", ok, "fewer than 4 interrupts");

	mmio_forms_run("big real mode", guest_scratch_phys(), 0);
	if (guest_on_keel()) {
		mmio_write32(0xe0000000u, 0x12345678);
		guest_check("unbacked mmio reads all ones", mmio_read32(0xe0000000u) == 0xffffffffu,
			    "read back something else");
	}
	guest_end();
}
