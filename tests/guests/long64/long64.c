/* 64-bit long mode guest: every MMIO decoder form with 64-bit operands, REX registers and addresses above
 * 4 GiB (a 4 KiB page and a 2 MiB page on the scratch page, code run through an alias), self-IPIs, the other
 * vCPUs started with INIT-SIPI-SIPI (each checks in with its LAPIC ID), IPIs from the BSP to each AP and
 * around a ring of APs, HLT wake-ups by IPI. The expected vCPU count comes from the command line (`cpus=N`). */
#include "../lib/guest.h"
#include "../lib/mmio_forms.h"
#include "../lib/platform.h"
#include "../lib/trap.h"

#define MULTIBOOT_MAGIC 0x2badb002u
#define TRAMPOLINE 0x8000u
#define MAX_APS 15
#define VEC_TIMEOUT 0x41
#define VEC_SELF 0x50
#define VEC_CHECKIN 0x51
#define VEC_PING 0x52
#define VEC_PONG 0x53
#define VEC_RING 0x54
#define VEC_RING_DONE 0x55

#define VA_SCRATCH_SMALL 0x100000000ull /* 4 KiB page on the scratch page */
#define VA_SCRATCH_BIG 0x140000000ull   /* 2 MiB page holding it */
#define VA_CODE_ALIAS 0x180000000ull    /* the first 4 MiB again */

struct multiboot_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

extern char ap_trampoline[], ap_trampoline_end[], ap_trampoline_cr3[], ap_trampoline_gdtr[];
extern const char guest_gdtr[6];
extern uint64_t guest_pml4[512], guest_pdpt[512];

static volatile unsigned self_ipis, checkins, pongs, ring_done, ring_hops, timed_out;
static volatile unsigned ap_slots, ap_pings[MAX_APS], ap_wakeups[MAX_APS];
static volatile uint32_t ap_ids[MAX_APS];
static volatile uint32_t bsp_id;
static unsigned nr_aps;
static uint32_t ticks_per_ms;

static void eoi_only(struct guest_frame *f)
{
	(void)f;
	lapic_eoi();
}

static void on_self(struct guest_frame *f)
{
	(void)f;
	self_ipis++;
	lapic_eoi();
}

static void on_timeout(struct guest_frame *f)
{
	(void)f;
	timed_out = 1;
	lapic_eoi();
}

static void on_pong(struct guest_frame *f)
{
	(void)f;
	pongs++;
	lapic_eoi();
}

static void on_ring_done(struct guest_frame *f)
{
	(void)f;
	ring_done++;
	lapic_eoi();
}

static int my_index(void)
{
	uint32_t id = lapic_id();
	for (unsigned i = 0; i < MAX_APS; i++)
		if (ap_ids[i] == id)
			return (int)i;
	return -1;
}

static void on_ping(struct guest_frame *f)
{
	(void)f;
	int i = my_index();
	if (i >= 0)
		ap_pings[i]++;
	lapic_eoi();
	lapic_ipi(bsp_id, VEC_PONG);
}

static void on_ring(struct guest_frame *f)
{
	(void)f;
	int i = my_index();
	__atomic_fetch_add(&ring_hops, 1, __ATOMIC_SEQ_CST);
	lapic_eoi();
	if (i >= 0 && (unsigned)i + 1 < nr_aps)
		lapic_ipi(ap_ids[i + 1], VEC_RING);
	else
		lapic_ipi(bsp_id, VEC_RING_DONE);
}

void ap_main(void);
void ap_main(void)
{
	trap_load();
	lapic_enable(0);
	unsigned slot = __atomic_fetch_add(&ap_slots, 1, __ATOMIC_SEQ_CST);
	if (slot < MAX_APS) {
		ap_ids[slot] = lapic_id();
		__atomic_fetch_add(&checkins, 1, __ATOMIC_SEQ_CST);
		lapic_ipi(bsp_id, VEC_CHECKIN);
	}
	for (;;) {
		cpu_sti_hlt();
		if (slot < MAX_APS)
			ap_wakeups[slot]++;
	}
}

/* HLT until *c reaches target or the LAPIC timer's one-shot of ms milliseconds fires. */
static int wait_timeout(volatile unsigned *c, unsigned target, unsigned ms)
{
	timed_out = 0;
	lapic_write(LAPIC_TIMER_DIVIDE, 3);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMEOUT);
	lapic_write(LAPIC_TIMER_INIT, ticks_per_ms * ms);
	cpu_cli();
	while (*c < target && !timed_out) {
		cpu_sti_hlt();
		cpu_cli();
	}
	lapic_write(LAPIC_TIMER_INIT, 0);
	cpu_sti();
	return *c >= target;
}

static unsigned cmdline_cpus(const struct multiboot_info *mbi)
{
	if (!(mbi->flags & 4) || !mbi->cmdline)
		return 0;
	for (const char *p = (const char *)(uintptr_t)mbi->cmdline; *p; p++) {
		if (p[0] == 'c' && p[1] == 'p' && p[2] == 'u' && p[3] == 's' && p[4] == '=') {
			unsigned n = 0;
			for (p += 5; *p >= '0' && *p <= '9'; p++)
				n = n * 10 + (unsigned)(*p - '0');
			return n;
		}
	}
	return 0;
}

static uint64_t pd4[512] __attribute__((aligned(4096)));
static uint64_t pt4[512] __attribute__((aligned(4096)));
static uint64_t pd5[512] __attribute__((aligned(4096)));
static uint64_t pd6[512] __attribute__((aligned(4096)));

static void test_mmio(void)
{
	uint64_t scratch = guest_scratch_phys();
	guest_pdpt[4] = (uintptr_t)pd4 | 3;
	pd4[0] = (uintptr_t)pt4 | 3;
	pt4[0] = scratch | 3;
	guest_pdpt[5] = (uintptr_t)pd5 | 3;
	pd5[0] = (scratch & ~0x1fffffull) | 0x83;
	guest_pdpt[6] = (uintptr_t)pd6 | 3;
	pd6[0] = 0x83;
	pd6[1] = 0x200000 | 0x83;
	__asm__ volatile("mov %0, %%cr3" : : "r"((uintptr_t)guest_pml4) : "memory");

	mmio_forms_run("long mode, identity", scratch, 0);
	mmio_forms_run("long mode, 2 MiB page above 4 GiB", VA_SCRATCH_BIG + (scratch & 0x1fffff), 0);
	mmio_forms_run("long mode, 4 KiB page above 4 GiB, code alias", VA_SCRATCH_SMALL, VA_CODE_ALIAS);
}

static void test_self_ipi(void)
{
	trap_set(VEC_SELF, on_self);
	lapic_ipi(0, ICR_SELF | VEC_SELF);
	int ok = wait_timeout(&self_ipis, 1, 100);
	guest_check("self-ipi by shorthand wakes hlt", ok, "not delivered");
	lapic_ipi(bsp_id, VEC_SELF);
	ok = wait_timeout(&self_ipis, 2, 100);
	guest_check("self-ipi by destination id wakes hlt", ok, "not delivered");
}

static void test_aps(unsigned expected)
{
	char what[64], detail[96];
	volatile uint8_t *tramp = (volatile uint8_t *)guest_addr(TRAMPOLINE);
	for (char *p = ap_trampoline; p < ap_trampoline_end; p++)
		tramp[p - ap_trampoline] = (uint8_t)*p;
	uintptr_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	*(volatile uint32_t *)(tramp + (ap_trampoline_cr3 - ap_trampoline)) = (uint32_t)cr3;
	for (unsigned i = 0; i < 6; i++)
		tramp[ap_trampoline_gdtr - ap_trampoline + i] = (uint8_t)guest_gdtr[i];

	trap_set(VEC_CHECKIN, eoi_only);
	trap_set(VEC_PONG, on_pong);
	trap_set(VEC_PING, on_ping);
	trap_set(VEC_RING, on_ring);
	trap_set(VEC_RING_DONE, on_ring_done);
	lapic_ipi(0, ICR_ALL_BUT_SELF | ICR_INIT | ICR_ASSERT);
	pm_delay_us(10000);
	lapic_ipi(0, ICR_ALL_BUT_SELF | ICR_STARTUP | (TRAMPOLINE >> 12));
	pm_delay_us(200);
	lapic_ipi(0, ICR_ALL_BUT_SELF | ICR_STARTUP | (TRAMPOLINE >> 12));
	wait_timeout(&checkins, expected ? expected - 1 : MAX_APS, 1000);
	nr_aps = checkins;

	int distinct = 1;
	guest_snprintf(detail, sizeof(detail), "%u cpus, apic ids %u", nr_aps + 1, bsp_id);
	for (unsigned i = 0; i < nr_aps; i++) {
		unsigned len = 0;
		while (detail[len])
			len++;
		guest_snprintf(detail + len, sizeof(detail) - len, ",%u", ap_ids[i]);
		if (ap_ids[i] == bsp_id)
			distinct = 0;
		for (unsigned j = 0; j < i; j++)
			if (ap_ids[j] == ap_ids[i])
				distinct = 0;
	}
	guest_line("vcpus checked in: %s", detail);
	if (expected) {
		guest_snprintf(what, sizeof(what), "ap startup, %u cpus", expected);
		guest_check(what, nr_aps + 1 == expected && distinct, detail);
	} else if (nr_aps) {
		guest_check("ap startup", distinct, detail);
	}
	if (!nr_aps) {
		guest_line("one vcpu: no ipis between vcpus to test");
		return;
	}

	unsigned answered = 0;
	for (unsigned i = 0; i < nr_aps; i++) {
		lapic_ipi(ap_ids[i], VEC_PING);
		if (wait_timeout(&pongs, i + 1, 200) && ap_pings[i] == 1)
			answered++;
	}
	guest_snprintf(detail, sizeof(detail), "%u of %u answered", answered, nr_aps);
	guest_check("ipi to each ap and back wakes hlt on both", answered == nr_aps, detail);

	lapic_ipi(ap_ids[0], VEC_RING);
	int ok = wait_timeout(&ring_done, 1, 500);
	guest_snprintf(detail, sizeof(detail), "%u hops of %u", ring_hops, nr_aps);
	guest_check("ipi ring through every ap", ok && ring_hops == nr_aps, detail);

	unsigned woken = 0;
	for (unsigned i = 0; i < nr_aps; i++)
		woken += ap_wakeups[i] >= 1;
	guest_snprintf(detail, sizeof(detail), "%u of %u", woken, nr_aps);
	guest_check("every ap woke from hlt", woken == nr_aps, detail);
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi);
void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
	guest_begin("long64");
	guest_check("multiboot magic", magic == MULTIBOOT_MAGIC, "wrong EAX at entry");
	uint64_t efer = rdmsr(0xc0000080);
	guest_check("long mode active", (efer & 0x500) == 0x500, "EFER.LMA/LME clear");
	trap_init();
	unsigned expected = cmdline_cpus(mbi);

	test_mmio();

	pic_init(0x20, 0x28);
	lapic_enable(1);
	bsp_id = lapic_id();
	trap_set(VEC_TIMEOUT, on_timeout);
	ticks_per_ms = lapic_timer_ticks_per_ms(10);
	if (!guest_check("lapic timer counts down", ticks_per_ms > 0, "current count did not move"))
		guest_end();
	cpu_sti();
	test_self_ipi();
	test_aps(expected);
	guest_check("no unexpected interrupts", trap_unexpected() == 0, "an unhandled vector arrived");
	guest_end();
}
