/* Reset guest: resets the VM through port 0xCF9, then through the i8042 (command 0xFE), keeping its
 * progress in battery-backed CMOS bytes 0x3E/0x3F (a stage and its complement) across the resets; the third
 * run reports both resets, clears the marker and powers off. Only the last run prints check lines. */
#include "../lib/guest.h"
#include "../lib/platform.h"

#define CMOS_STAGE 0x3e
#define CMOS_STAGE_CHECK 0x3f

static unsigned read_stage(void)
{
	unsigned s = cmos_read(CMOS_STAGE), c = cmos_read(CMOS_STAGE_CHECK);
	return (s ^ 0xffu) == c && (s == 1 || s == 2) ? s : 0;
}

static void write_stage(uint8_t s)
{
	cmos_write(CMOS_STAGE, s);
	cmos_write(CMOS_STAGE_CHECK, (uint8_t)~s);
}

void guest_main(void);
void guest_main(void)
{
	guest_begin("reset");
	switch (read_stage()) {
	case 0:
		guest_line("stage 1 of 3: resetting through port 0xcf9");
		write_stage(1);
		outb(0xcf9, 0x02);
		outb(0xcf9, 0x06);
		pm_delay_us(500000);
		write_stage(0);
		guest_abort("reset through port 0xcf9", "still running 500 ms later");
	case 1:
		guest_line("stage 2 of 3: back after the 0xcf9 reset, resetting through the i8042");
		write_stage(2);
		for (int i = 0; i < 10000 && (inb(0x64) & 2); i++)
			;
		outb(0x64, 0xfe);
		pm_delay_us(500000);
		write_stage(0);
		guest_abort("reset through the i8042", "still running 500 ms later");
	default:
		write_stage(0);
		guest_line("stage 3 of 3: back after the i8042 reset");
		guest_check("reset through port 0xcf9", 1, 0);
		guest_check("reset through the i8042", 1, 0);
		guest_check("cmos marker cleared", read_stage() == 0, "marker still set");
		guest_end();
	}
}
