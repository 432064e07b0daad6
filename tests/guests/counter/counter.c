/* Counter guest, for pause and resume: prints `guest counter: N` every 100 ms (two ticks of the PIT at
 * 20 Hz, HLT in between) forever; never powers off. */
#include "../lib/guest.h"
#include "../lib/platform.h"
#include "../lib/trap.h"

#define VEC_PIC 0x20
#define PIT_20HZ 59659

static volatile unsigned ticks;

static void on_tick(struct guest_frame *f)
{
	(void)f;
	ticks++;
	pic_eoi(0);
}

void guest_main(void);
void guest_main(void)
{
	guest_begin("counter");
	trap_init();
	trap_set(VEC_PIC, on_tick);
	pic_init(VEC_PIC, VEC_PIC + 8);
	lapic_enable(1); /* virtual wire: LINT0 ExtINT, so the PIC reaches the CPU either way */
	pic_set_mask((uint16_t)~1u);
	pit_periodic(PIT_20HZ);
	for (unsigned n = 1;; n++) {
		wait_for(&ticks, 2 * n, 0xffffffffu);
		guest_line("%u", n);
	}
}
