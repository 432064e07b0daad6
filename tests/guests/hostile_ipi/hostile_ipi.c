/* Hostile guest: a storm of self-IPIs. 10,000 with interrupts on (each taken and EOIed), then 10,000 with
 * interrupts off on 8 vectors in turn, which must collapse into one pending interrupt per vector. About
 * 40,000 exits. Then NMIs sent to its own APIC ID: taken with interrupts off, and one each time (the handler
 * returns before the next is sent) while a pending fixed interrupt waits behind them. */
#include "../lib/guest.h"
#include "../lib/platform.h"
#include "../lib/trap.h"

#define VEC_FIRST 0x60
#define VECTORS 8
#define STORM 10000

static volatile unsigned delivered, nmis;

static void on_ipi(struct guest_frame *f)
{
	(void)f;
	delivered++;
	lapic_eoi();
}

static void on_nmi(struct guest_frame *f)
{
	(void)f;
	nmis++;
}

#define NMI_ROUNDS 100

void guest_main(void);
void guest_main(void)
{
	char detail[48];
	guest_begin("hostile_ipi");
	trap_init();
	for (unsigned v = 0; v < VECTORS; v++)
		trap_set(VEC_FIRST + v, on_ipi);
	pic_init(0x20, 0x28);
	lapic_enable(1);

	guest_line("sending %u self-ipis with interrupts enabled", STORM);
	cpu_sti();
	for (unsigned i = 0; i < STORM; i++)
		lapic_write(LAPIC_ICR_LO, ICR_SELF | VEC_FIRST);
	pm_delay_us(1000);
	guest_snprintf(detail, sizeof(detail), "%u delivered", delivered);
	guest_check("every self-ipi delivered", delivered == STORM, detail);

	guest_line("sending %u self-ipis with interrupts disabled", STORM);
	cpu_cli();
	delivered = 0;
	for (unsigned i = 0; i < STORM; i++)
		lapic_write(LAPIC_ICR_LO, ICR_SELF | (VEC_FIRST + i % VECTORS));
	cpu_sti();
	pm_delay_us(1000);
	guest_snprintf(detail, sizeof(detail), "%u delivered", delivered);
	guest_check("pending self-ipis collapse to one per vector", delivered == VECTORS, detail);

	trap_set(2, on_nmi);
	guest_line("sending %u nmis to itself with interrupts disabled", NMI_ROUNDS);
	cpu_cli();
	delivered = 0;
	lapic_write(LAPIC_ICR_LO, ICR_SELF | VEC_FIRST); /* stays pending until sti */
	unsigned id = lapic_read(LAPIC_ID) >> 24, in_order = 0;
	for (unsigned i = 0; i < NMI_ROUNDS; i++) {
		lapic_write(LAPIC_ICR_HI, id << 24);
		lapic_write(LAPIC_ICR_LO, ICR_NMI);
		for (unsigned spin = 0; nmis == i && spin < 1000000; spin++)
			cpu_pause();
		in_order += nmis == i + 1;
	}
	guest_snprintf(detail, sizeof(detail), "%u of %u, %u in order", nmis, NMI_ROUNDS, in_order);
	guest_check("every nmi taken with interrupts disabled", nmis == NMI_ROUNDS && in_order == NMI_ROUNDS, detail);
	guest_check("the fixed interrupt waited for sti", delivered == 0, "it arrived with interrupts off");
	cpu_sti();
	pm_delay_us(1000);
	guest_check("then it arrived", delivered == 1, "it was lost");
	guest_check("no unexpected interrupts", trap_unexpected() == 0, "an unhandled vector arrived");
	guest_end();
}
