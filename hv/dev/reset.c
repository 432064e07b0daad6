/* Reset control (0xCF9), the minimal i8042 (0x60/0x64) and POST codes (0x80). */
#include "reset.h"

#include <string.h>

static const unsigned window_ports[3] = { 1, 5, 1 };

void reset_init(struct reset_dev *r, void (*reset)(void *ctx), void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->reset = reset;
	r->ctx = ctx;
	r->ctr = 0x30;
	r->output_port = 0x03;   /* reset line high (inactive), A20 on */
}

static void do_reset(struct reset_dev *r)
{
	if (r->reset)
		r->reset(r->ctx);
}

static void reply(struct reset_dev *r, uint8_t byte)
{
	r->out = byte;
	r->out_full = true;
}

static void i8042_command(struct reset_dev *r, uint8_t cmd)
{
	r->pending_cmd = 0;
	switch (cmd) {
	case 0x20:
		reply(r, r->ctr);
		break;
	case 0x60:
	case 0xD1:
		r->pending_cmd = cmd;
		break;
	case 0xAA:
		reply(r, 0x55);
		break;
	case 0xAB:
		reply(r, 0x00);
		break;
	case 0xD0:
		reply(r, r->output_port);
		break;
	default:
		/* 0xF0-0xFF pulse output port lines for 6 us: those whose bit is 0; bit 0 is the reset line. */
		if (cmd >= 0xF0 && !(cmd & 1))
			do_reset(r);
		break;
	}
}

static void i8042_data(struct reset_dev *r, uint8_t value)
{
	uint8_t cmd = r->pending_cmd;

	r->pending_cmd = 0;
	if (cmd == 0x60) {
		r->ctr = value;
	} else if (cmd == 0xD1) {
		r->output_port = value;
		if (!(value & 1))
			do_reset(r);   /* the reset line is active low */
	}
	/* Otherwise a byte for the keyboard, which is absent. */
}

static uint8_t read_byte(struct reset_dev *r, unsigned window, unsigned offset)
{
	switch (window) {
	case RESET_WIN_CF9:
		return r->cf9;
	case RESET_WIN_I8042:
		if (offset == 4)
			return (uint8_t)(RESET_I8042_SYS | RESET_I8042_UNLOCKED | (r->last_was_cmd ? RESET_I8042_CMD : 0) |
					 (r->out_full ? RESET_I8042_OBF : 0));
		if (offset == 0) {
			r->out_full = false;   /* an empty buffer reads its last byte again */
			return r->out;
		}
		return 0xFF;
	default:
		return 0xFF;
	}
}

static void write_byte(struct reset_dev *r, unsigned window, unsigned offset, uint8_t value)
{
	switch (window) {
	case RESET_WIN_CF9:
		r->cf9 = value & (RESET_CF9_SYS_RST | RESET_CF9_FULL_RST);
		if (value & RESET_CF9_RST_CPU)
			do_reset(r);
		break;
	case RESET_WIN_I8042:
		if (offset == 4) {
			r->last_was_cmd = true;
			i8042_command(r, value);
		} else if (offset == 0) {
			r->last_was_cmd = false;
			i8042_data(r, value);
		}
		break;
	default:
		r->post = value;
		break;
	}
}

uint64_t reset_read(struct reset_dev *r, unsigned window, unsigned offset, unsigned size)
{
	uint64_t v = 0;

	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = 0xFF;

		if (window <= RESET_WIN_POST && offset < window_ports[window] && i < window_ports[window] - offset)
			b = read_byte(r, window, offset + i);
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

void reset_write(struct reset_dev *r, unsigned window, unsigned offset, unsigned size, uint64_t value)
{
	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size; i++) {
		if (window <= RESET_WIN_POST && offset < window_ports[window] && i < window_ports[window] - offset)
			write_byte(r, window, offset + i, (uint8_t)(value >> (8 * i)));
	}
}

uint8_t reset_post_code(const struct reset_dev *r)
{
	return r->post;
}
