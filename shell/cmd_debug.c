/* Debug-only commands that break things on purpose: the host, to prove the crash report and the memory
 * protections (NX data, read-only text, stack guard pages); a guest's state, to prove that a state the CPU
 * refuses stops only that VM, with a reason naming what was wrong. */
#include <string.h>
#include "hv/vm.h"
#include "kernel/config.h"
#include "shell/registry.h"

static void (*volatile data_code)(void);
static unsigned char data_bytes[16] = { 0xc3 }; /* ret: would run if data were executable */

__attribute__((noinline)) static unsigned recurse(unsigned depth)
{
	volatile char frame[512];
	frame[0] = (char)depth;
	/* The bound is far beyond any stack; it only tells the compiler the recursion is deliberate. */
	if (depth > (1u << 30))
		return depth;
	return recurse(depth + 1) + frame[0];
}

static int run_debug_fault(struct shell_ctx *ctx, const struct shell_args *args)
{
	const char *kind = shell_arg_operand(args, 0);
	if (!kind || shell_arg_operand_count(args) != 1) {
		shell_printf(ctx, "error: debug fault needs one kind: exec-data, write-text or stack-overflow\n");
		return -1;
	}
	if (!strcmp(kind, "exec-data")) {
		data_code = (void (*)(void))(void *)data_bytes;
		data_code();
	} else if (!strcmp(kind, "write-text")) {
		*(volatile unsigned char *)(void *)run_debug_fault = 0xcc;
	} else if (!strcmp(kind, "stack-overflow")) {
		recurse(0);
	} else {
		shell_printf(ctx, "error: unknown fault kind '%s' (exec-data, write-text, stack-overflow)\n", kind);
		return -1;
	}
	shell_printf(ctx, "error: the fault did not happen: memory protection is not in force\n");
	return -1;
}

SHELL_COMMAND(cmd_debug_fault) = {
	.noun = "debug",
	.verb = "fault",
	.usage = "debug fault exec-data|write-text|stack-overflow",
	.summary = "crash the host on purpose to check the crash report",
	.help = "exec-data runs code from a data page (NX), write-text writes to kernel code (read-only),\n"
		"stack-overflow recurses into the stack's guard page. Each halts every CPU after the report.",
	.flags = SHELL_CMD_DEBUG,
	.run = run_debug_fault,
	.opt_keys = (const char *const[]){ NULL },
	.opt_flags = (const char *const[]){ NULL },
};

static int run_debug_rflags(struct shell_ctx *ctx, const struct shell_args *args)
{
	const char *name = shell_arg_operand(args, 0), *value = shell_arg_value(args, "value");
	uint64_t rflags;
	if (!name || shell_arg_operand_count(args) != 1 || !value ||
	    !config_parse_number(value, strlen(value), &rflags)) {
		shell_printf(ctx, "error: usage: debug rflags NAME value=NUMBER\n");
		return -1;
	}
	char err[160];
	if (vm_debug_set_rflags(name, rflags, err, sizeof err)) {
		shell_printf(ctx, "error: %s\n", err);
		return -1;
	}
	shell_printf(ctx, "VM '%s': vCPU 0 RFLAGS set to %#llx\n", name, (unsigned long long)rflags);
	return 0;
}

SHELL_COMMAND(cmd_debug_rflags) = {
	.noun = "debug",
	.verb = "rflags",
	.usage = "debug rflags NAME value=NUMBER",
	.summary = "set vCPU 0's RFLAGS in a paused VM, reserved bits too",
	.help = "For testing the backends' refusal of a bad guest state: after vm resume, a value the CPU\n"
		"refuses (a reserved bit set, bit 1 clear) must stop only this VM, with the reason in vm show.",
	.flags = SHELL_CMD_DEBUG,
	.run = run_debug_rflags,
	.opt_keys = (const char *const[]){ "value", NULL },
	.opt_flags = (const char *const[]){ NULL },
};
