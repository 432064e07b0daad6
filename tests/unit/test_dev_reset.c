/* Unit tests for hv/dev/reset.c: 0xCF9 resets, the i8042 status, configuration byte, self test, A20 and the
 * pulse-reset commands, POST codes, and hostile windows, offsets and sizes. */
#include "../../hv/dev/reset.h"

#include <stdint.h>

#include "check.h"

static unsigned resets;

static void on_reset(void *ctx)
{
	(*(unsigned *)ctx)++;
}

static void setup(struct reset_dev *r)
{
	resets = 0;
	reset_init(r, on_reset, &resets);
}

static void test_cf9(void)
{
	struct reset_dev r;

	setup(&r);
	CHECK_EQ(reset_read(&r, RESET_WIN_CF9, 0, 1), 0);
	/* Linux's reboot=pci: 0x02 (hard reset type), then 0x06. */
	reset_write(&r, RESET_WIN_CF9, 0, 1, 0x02);
	CHECK_EQ(resets, 0);
	CHECK_EQ(reset_read(&r, RESET_WIN_CF9, 0, 1), 0x02);
	reset_write(&r, RESET_WIN_CF9, 0, 1, 0x06);
	CHECK_EQ(resets, 1);
	CHECK_EQ(reset_read(&r, RESET_WIN_CF9, 0, 1), 0x02);   /* RST_CPU does not stick */
	/* Soft reset and full reset both restart the VM. */
	reset_write(&r, RESET_WIN_CF9, 0, 1, 0x04);
	reset_write(&r, RESET_WIN_CF9, 0, 1, 0x0E);
	CHECK_EQ(resets, 3);
	CHECK_EQ(reset_read(&r, RESET_WIN_CF9, 0, 1), 0x0A);
}

static void test_i8042(void)
{
	struct reset_dev r;

	setup(&r);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 4, 1), RESET_I8042_SYS | RESET_I8042_UNLOCKED);
	/* Read the configuration byte. */
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0x20);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 4, 1),
		 RESET_I8042_SYS | RESET_I8042_UNLOCKED | RESET_I8042_CMD | RESET_I8042_OBF);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 0, 1), 0x30);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 4, 1) & RESET_I8042_OBF, 0);
	/* Write it, read it back. */
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0x60);
	reset_write(&r, RESET_WIN_I8042, 0, 1, 0x45);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 4, 1) & RESET_I8042_CMD, 0);
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0x20);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 0, 1), 0x45);
	/* Self test and interface test. */
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0xAA);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 0, 1), 0x55);
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0xAB);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 0, 1), 0x00);
	/* A20 through the output port: 0xD1 then data with the reset line high. */
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0xD1);
	reset_write(&r, RESET_WIN_I8042, 0, 1, 0xDD);
	CHECK_EQ(resets, 0);
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0xD0);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 0, 1), 0xDD);
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0xD1);
	reset_write(&r, RESET_WIN_I8042, 0, 1, 0xDF);
	CHECK_EQ(r.output_port & 0x02, 0x02);
	/* Data with no command waiting goes to the absent keyboard. */
	reset_write(&r, RESET_WIN_I8042, 0, 1, 0xFF);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 4, 1) & RESET_I8042_OBF, 0);
	/* Unknown commands are ignored, and cancel a pending data command. */
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0x60);
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0xA7);
	reset_write(&r, RESET_WIN_I8042, 0, 1, 0x00);
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0x20);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 0, 1), 0x45);
	CHECK_EQ(resets, 0);
	/* 0xFF pulses nothing; 0xFE pulses the reset line. */
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0xFF);
	CHECK_EQ(resets, 0);
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0xFE);
	CHECK_EQ(resets, 1);
	/* Output port written with the reset line low. */
	reset_write(&r, RESET_WIN_I8042, 4, 1, 0xD1);
	reset_write(&r, RESET_WIN_I8042, 0, 1, 0x02);
	CHECK_EQ(resets, 2);
}

static void test_post(void)
{
	struct reset_dev r;

	setup(&r);
	reset_write(&r, RESET_WIN_POST, 0, 1, 0x55);
	CHECK_EQ(reset_post_code(&r), 0x55);
	CHECK_EQ(reset_read(&r, RESET_WIN_POST, 0, 1), 0xFF);
	reset_write(&r, RESET_WIN_POST, 0, 4, 0x12345678);   /* the byte at 0x80 only */
	CHECK_EQ(reset_post_code(&r), 0x78);
}

static void test_hostile(void)
{
	struct reset_dev r;

	setup(&r);
	CHECK_EQ(reset_read(&r, 3, 0, 1), 0xFF);
	CHECK_EQ(reset_read(&r, 0xFFFFFFFFu, 0, 8), UINT64_MAX);
	CHECK_EQ(reset_read(&r, RESET_WIN_CF9, 1, 1), 0xFF);
	CHECK_EQ(reset_read(&r, RESET_WIN_CF9, 0, 2), 0xFF00);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 2, 1), 0xFF);
	CHECK_EQ(reset_read(&r, RESET_WIN_I8042, 0xFFFFFFFFu, 2), 0xFFFF);
	reset_write(&r, 9, 0, 8, ~0ull);
	reset_write(&r, RESET_WIN_CF9, 1, 1, 0xFF);
	reset_write(&r, RESET_WIN_CF9, 0xFFFFFFFFu, 8, ~0ull);
	reset_write(&r, RESET_WIN_I8042, 5, 1, 0xFE);
	CHECK_EQ(resets, 0);
	/* A 4-byte write at the data port reaches 0x60 only (0x61-0x63 are not the controller's). */
	reset_write(&r, RESET_WIN_I8042, 0, 4, 0xFEFEFE00);
	CHECK_EQ(resets, 0);
	/* A 5-byte wide write across the window reaches 0x64 too: 0xFE there resets. */
	reset_write(&r, RESET_WIN_I8042, 0, 8, 0xFE00000000ull);
	CHECK_EQ(resets, 1);
}

int main(void)
{
	test_cf9();
	test_i8042();
	test_post();
	test_hostile();
	return check_summary();
}
