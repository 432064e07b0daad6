/* The shell on the serial console: one thread reads COM1 through the line editor and runs each line. The
 * console is physical access, so it needs no login. */
#include <stdint.h>
#include "drivers/uart.h"
#include "kernel/arch.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "shell/frontend.h"
#include "shell/line_edit.h"
#include "shell/registry.h"
#include "shell/serial.h"

#define PROMPT "keel> "

static void console_write(void *sink, const char *s, size_t n)
{
	(void)sink;
	uart_write(s, n);
}

static int console_read(void *ctx)
{
	(void)ctx;
	return uart_read_byte();
}

void shell_serial_main(void *arg)
{
	static struct line_editor le;
	uint64_t entry_tsc = (uint64_t)(uintptr_t)arg;
	struct shell_frontend frontend = { .read_byte = console_read, .console = true };
	struct shell_ctx ctx = { .write = console_write, .priv = &frontend };
	size_t count;
	const struct shell_command *table = shell_commands(&count);

	line_edit_init(&le, PROMPT, console_write, NULL);
	log_printf("boot: entry tsc=%llu prompt tsc=%llu\n", (unsigned long long)entry_tsc,
		   (unsigned long long)rdtsc());
	line_edit_prompt(&le);
	for (;;) {
		switch (line_edit_feed(&le, uart_read_byte())) {
		case LINE_EDIT_DONE:
			shell_dispatch(table, count, &ctx, le.line, le.len);
			line_edit_prompt(&le);
			break;
		case LINE_EDIT_TOO_LONG:
			shell_printf(&ctx, "error: line too long (over %d characters), ignored\n", SHELL_LINE_MAX);
			line_edit_prompt(&le);
			break;
		case LINE_EDIT_CANCEL:
		case LINE_EDIT_EOF:
			line_edit_prompt(&le);
			break;
		default:
			break;
		}
	}
}
