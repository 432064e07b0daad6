/* What a shell front end (serial console, TLS session) offers commands beyond output: its input, for
 * interactive commands such as `vm connect`. Passed in shell_ctx.priv. */
#ifndef KEEL_SHELL_FRONTEND_H
#define KEEL_SHELL_FRONTEND_H

struct shell_frontend {
	/* Blocks until the user sends a byte; returns it, or -1 when the session has ended. */
	int (*read_byte)(void *ctx);
	void *ctx;
};

#endif
