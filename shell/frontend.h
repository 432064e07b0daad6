/* What a shell front end (serial console, TLS session) offers commands beyond output: its input, for
 * interactive commands such as `vm connect`, and whether it is the serial console. Passed in
 * shell_ctx.priv. */
#ifndef KEEL_SHELL_FRONTEND_H
#define KEEL_SHELL_FRONTEND_H

#include <stdbool.h>
#include "shell/command.h"

struct shell_frontend {
	/* Blocks until the user sends a byte; returns it, or -1 when the session has ended. */
	int (*read_byte)(void *ctx);
	void *ctx;
	/* The serial console: physical access. Commands that set credentials or reveal the host key run only
	 * there, never over the network. */
	bool console;
};

/* Whether ctx's front end is the serial console. */
static inline bool shell_on_console(const struct shell_ctx *ctx)
{
	const struct shell_frontend *f = ctx->priv;
	return f && f->console;
}

#endif
