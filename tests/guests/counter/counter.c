/* Counter guest, for pause, resume and shutdown: prints `guest counter: N` every 100 ms (two ticks of the PIT
 * at 20 Hz, HLT in between) until the ACPI power button is pressed; then it says so and powers off, as an OS
 * running acpid would. */
#include "../lib/guest.h"
#include "../lib/platform.h"
#include "../lib/trap.h"

#define VEC_PIC 0x20
#define PIT_20HZ 59659
#define SCI_IRQ 9
#define PM1_STATUS 0x600
#define PM1_ENABLE 0x602
#define PWRBTN (1u << 8)

static volatile unsigned ticks;
static volatile unsigned button;

static void on_tick(struct guest_frame *f)
{
	(void)f;
	ticks++;
	pic_eoi(0);
}

/* The SCI is level-triggered: clear the status bit (write 1) before the EOI, or it fires again. */
static void on_sci(struct guest_frame *f)
{
	(void)f;
	if (inw(PM1_STATUS) & PWRBTN) {
		outw(PM1_STATUS, PWRBTN);
		button = 1;
		ticks++;
	}
	pic_eoi(SCI_IRQ);
}

void guest_main(void);
void guest_main(void)
{
	guest_begin("counter");
	trap_init();
	trap_set(VEC_PIC, on_tick);
	trap_set(VEC_PIC + SCI_IRQ, on_sci);
	pic_init(VEC_PIC, VEC_PIC + 8);
	lapic_enable(1); /* virtual wire: LINT0 ExtINT, so the PIC reaches the CPU either way */
	outb(0x4d1, 1u << (SCI_IRQ - 8)); /* ELCR: the SCI is level-triggered */
	pic_set_mask((uint16_t)~(1u | (1u << 2) | (1u << SCI_IRQ)));
	outw(PM1_ENABLE, PWRBTN);
	pit_periodic(PIT_20HZ);
	for (unsigned n = 1; !button; n++) {
		wait_for(&ticks, 2 * n, 0xffffffffu);
		if (!button)
			guest_line("%u", n);
	}
	guest_line("power button pressed, powering off");
	guest_end();
}
