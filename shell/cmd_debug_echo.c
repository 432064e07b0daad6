/* debug echo-listen: a TCP echo service on net/listener.h, the accept path the TLS shell uses, so the system
 * tests can drive that path (accept, blocking reads and writes with backpressure, close, peer address) with
 * real traffic. It echoes bytes only: no command ever runs from the network here. */
#include <stdio.h>
#include <string.h>
#include "kernel/config.h"
#include "kernel/log.h"
#include "kernel/sched/thread.h"
#include "net/listener.h"
#include "shell/registry.h"

#define ECHO_CHUNK 1024

static struct net_listener *listener;

static void echo_session(void *arg)
{
	struct net_conn *c = arg;
	char buf[ECHO_CHUNK];
	unsigned long long bytes = 0;
	long n;
	while ((n = net_conn_read(c, buf, sizeof buf, 0)) > 0) {
		if (net_conn_write(c, buf, (size_t)n, 0))
			break;
		bytes += (unsigned long long)n;
	}
	log_printf("echo: %s closed after %llu bytes\n", net_conn_peer(c), bytes);
	net_conn_close(c);
}

/* On the tcpip thread: never blocks. */
static bool on_accept(struct net_conn *c, void *ctx)
{
	(void)ctx;
	return thread_create("echo", echo_session, c, -1) != NULL;
}

static int run_debug_echo_listen(struct shell_ctx *ctx, const struct shell_args *args)
{
	const char *v = shell_arg_value(args, "port");
	uint64_t port;
	if (!v || !config_parse_number(v, strlen(v), &port) || port < 1 || port > 65535) {
		shell_printf(ctx, "error: debug echo-listen needs port=N (1 to 65535)\n");
		return -1;
	}
	if (listener) {
		shell_printf(ctx, "error: debug echo-listen: an echo listener runs already\n");
		return -1;
	}
	listener = net_listen((uint16_t)port, NULL, on_accept, NULL);
	if (!listener) {
		shell_printf(ctx, "error: debug echo-listen: cannot listen on port %llu (no network, or port taken)\n",
			     (unsigned long long)port);
		return -1;
	}
	shell_printf(ctx, "echo listening on port %llu\n", (unsigned long long)port);
	return 0;
}

SHELL_COMMAND(cmd_debug_echo_listen) = {
	.noun = "debug",
	.verb = "echo-listen",
	.usage = "debug echo-listen port=N",
	.summary = "echo TCP connections on port N (tests the network accept path)",
	.flags = SHELL_CMD_DEBUG,
	.run = run_debug_echo_listen,
	.opt_keys = (const char *const[]){ "port", NULL },
	.opt_flags = (const char *const[]){ NULL },
};
