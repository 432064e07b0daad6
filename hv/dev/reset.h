/* The PC's reset paths and port 0x80: the reset control register at 0xCF9, a minimal i8042 keyboard controller
 * at 0x60/0x64 (no keyboard or mouse behind it; enough for its status, configuration byte, A20 and pulse-reset
 * commands) and the POST code port. Every reset request reaches the same callback: the VM restarts. */
#ifndef KEEL_HV_DEV_RESET_H
#define KEEL_HV_DEV_RESET_H

#include <stdbool.h>
#include <stdint.h>

/* The three port windows and their bases. */
#define RESET_WIN_CF9   0u   /* 1 port at 0xCF9 */
#define RESET_WIN_I8042 1u   /* 5 ports at 0x60: +0 data, +4 status/command (+1..+3 are not the i8042's) */
#define RESET_WIN_POST  2u   /* 1 port at 0x80 */
#define RESET_CF9_PORT   0xCF9
#define RESET_I8042_PORT 0x60
#define RESET_POST_PORT  0x80

#define RESET_CF9_SYS_RST  0x02   /* hard reset type */
#define RESET_CF9_RST_CPU  0x04   /* writing 1 resets */
#define RESET_CF9_FULL_RST 0x08

#define RESET_I8042_OBF  0x01   /* status: output buffer full */
#define RESET_I8042_SYS  0x04   /* status: system flag (POST passed) */
#define RESET_I8042_CMD  0x08   /* status: last write was a command */
#define RESET_I8042_UNLOCKED 0x10

struct reset_dev {
	void (*reset)(void *ctx);
	void *ctx;
	uint8_t cf9;           /* SYS_RST and FULL_RST as last written */
	uint8_t post;          /* last POST code */
	uint8_t ctr;           /* i8042 configuration byte */
	uint8_t output_port;   /* i8042 output port (bit 1 = A20) */
	uint8_t out;           /* output buffer, valid when out_full */
	bool out_full;
	bool last_was_cmd;
	uint8_t pending_cmd;   /* command waiting for its data byte (0x60 or 0xD1), else 0 */
};

/* Resets the block: A20 on, configuration byte 0x30 (keyboard and mouse disabled, no interrupts), POST 0. */
void reset_init(struct reset_dev *r, void (*reset)(void *ctx), void *ctx);

/* A guest access at offset in window RESET_WIN_*, byte by byte; bytes outside a register read 0xFF. The
 * i8042 status reads SYS, UNLOCKED, CMD after a command and OBF when a reply waits at the data port; POST reads
 * 0xFF. */
uint64_t reset_read(struct reset_dev *r, unsigned window, unsigned offset, unsigned size);

/* Writes: 0xCF9 with RST_CPU resets; i8042 commands 0x20 (read configuration), 0x60 (write it), 0xAA (self
 * test: 0x55), 0xAB (interface test: 0), 0xD0 (read output port), 0xD1 (write output port: A20; bit 0 clear
 * resets), 0xF0-0xFF with bit 0 clear (pulse the reset line); other commands and data are ignored. */
void reset_write(struct reset_dev *r, unsigned window, unsigned offset, unsigned size, uint64_t value);

/* The last POST code written to port 0x80. */
uint8_t reset_post_code(const struct reset_dev *r);

#endif
