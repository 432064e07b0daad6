/* The vm commands, named after Hyper-V's actions: new, list, show, start, connect, console, pause, resume,
 * turnoff, shutdown, delete. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "kernel/arch.h"
#include "kernel/config.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/wait.h"
#include "kernel/time.h"
#include "shell/frontend.h"
#include "shell/json.h"
#include "shell/registry.h"

#define DEFAULT_MEM (256ull << 20) /* Hyper-V's default */
#define SHUTDOWN_TIMEOUT_MS 30000
#define ERR_MAX 200

static const char *const no_keys[] = { NULL };
static const char *const no_flags[] = { NULL };
static const char *const json_flag[] = { "json", NULL };

/* Copies a comma-separated list into cfg->modules. */
static int parse_modules(const char *list, struct vm_config *cfg, struct shell_ctx *ctx)
{
	while (*list) {
		const char *comma = strchr(list, ',');
		size_t n = comma ? (size_t)(comma - list) : strlen(list);
		if (!n || n >= sizeof cfg->modules[0]) {
			shell_printf(ctx, "error: bad module list: empty or overlong name\n");
			return -1;
		}
		if (cfg->module_count == VM_MAX_MODULES) {
			shell_printf(ctx, "error: at most %d modules\n", VM_MAX_MODULES);
			return -1;
		}
		memcpy(cfg->modules[cfg->module_count], list, n);
		cfg->modules[cfg->module_count++][n] = 0;
		list += n + (comma ? 1 : 0);
	}
	return 0;
}

static int run_vm_new(struct shell_ctx *ctx, const struct shell_args *args)
{
	struct vm_config cfg = { .mem_bytes = DEFAULT_MEM, .cpus = 1 };
	const char *name = shell_arg_operand(args, 0);
	if (!name || shell_arg_operand_count(args) != 1) {
		shell_printf(ctx, "error: usage: vm new NAME [mem=SIZE] [cpus=N] [kernel=MODULE] [initrd=MODULE] [module=M,...] [cmdline=TEXT]\n");
		return -1;
	}
	if (strlen(name) >= sizeof cfg.name) {
		shell_printf(ctx, "error: VM name '%.40s...' is longer than %zu characters\n", name, sizeof cfg.name - 1);
		return -1;
	}
	strcpy(cfg.name, name);
	const char *v;
	if ((v = shell_arg_value(args, "mem")) && !config_parse_size(v, strlen(v), &cfg.mem_bytes)) {
		shell_printf(ctx, "error: mem=%s is not a size like 256M or 2G\n", v);
		return -1;
	}
	uint64_t cpus = 1;
	if ((v = shell_arg_value(args, "cpus")) && (!config_parse_number(v, strlen(v), &cpus) || cpus > VM_MAX_VCPUS || !cpus)) {
		shell_printf(ctx, "error: cpus=%s: give a number from 1 to %d\n", v, VM_MAX_VCPUS);
		return -1;
	}
	cfg.cpus = (unsigned)cpus;
	if ((v = shell_arg_value(args, "kernel"))) {
		if (strlen(v) >= sizeof cfg.kernel) {
			shell_printf(ctx, "error: kernel=%.40s...: module name too long\n", v);
			return -1;
		}
		strcpy(cfg.kernel, v);
	}
	if ((v = shell_arg_value(args, "initrd"))) {
		if (strlen(v) >= sizeof cfg.initrd) {
			shell_printf(ctx, "error: initrd=%.40s...: module name too long\n", v);
			return -1;
		}
		strcpy(cfg.initrd, v);
	}
	if ((v = shell_arg_value(args, "module")) && parse_modules(v, &cfg, ctx))
		return -1;
	if ((v = shell_arg_value(args, "cmdline"))) {
		if (strlen(v) >= sizeof cfg.cmdline) {
			shell_printf(ctx, "error: cmdline is longer than %zu characters\n", sizeof cfg.cmdline - 1);
			return -1;
		}
		strcpy(cfg.cmdline, v);
	}
	char err[ERR_MAX];
	if (vm_create(&cfg, err, sizeof err)) {
		shell_printf(ctx, "error: %s\n", err);
		return -1;
	}
	shell_printf(ctx, "created VM '%s' (%llu MiB, %u vCPU%s), Off\n", cfg.name,
		     (unsigned long long)(cfg.mem_bytes >> 20), cfg.cpus, cfg.cpus > 1 ? "s" : "");
	return 0;
}

SHELL_COMMAND(cmd_vm_new) = {
	.noun = "vm",
	.verb = "new",
	.usage = "vm new NAME [mem=256M] [cpus=1] [kernel=MODULE] [initrd=MODULE] [module=M,...] [cmdline=TEXT]",
	.summary = "define a new VM (it starts Off)",
	.help = "kernel=, initrd= and module= name guest images loaded by GRUB as modules. A Multiboot\n"
		"kernel gets its modules and cmdline; a Linux bzImage its initrd, cmdline, e820 map and ACPI\n"
		"tables; anything else boots as a flat real-mode image at 0000:7C00. mem takes K, M, G\n"
		"suffixes and must be a multiple of 2M.",
	.run = run_vm_new,
	.opt_keys = (const char *const[]){ "mem", "cpus", "kernel", "initrd", "module", "cmdline", NULL },
	.opt_flags = no_flags,
};

static uint64_t uptime_ms(const struct vm *vm)
{
	if (vm->state == VM_OFF)
		return 0;
	return (rdtsc() - vm->start_tsc) / (time_tsc_hz() / 1000);
}

struct list_ctx {
	struct shell_ctx *ctx;
	struct json_writer *w;
	unsigned count;
};

static void list_one(struct vm *vm, void *arg)
{
	struct list_ctx *l = arg;
	l->count++;
	if (l->w) {
		json_object_begin(l->w);
		json_kv_string(l->w, "name", vm->config.name);
		json_kv_string(l->w, "state", vm_state_name(vm->state));
		json_kv_uint(l->w, "cpus", vm->config.cpus);
		json_kv_uint(l->w, "mem_bytes", vm->config.mem_bytes);
		json_kv_uint(l->w, "uptime_ms", uptime_ms(vm));
		json_object_end(l->w);
		return;
	}
	shell_printf(l->ctx, "%-24s %-9s %4u %8llu MiB\n", vm->config.name, vm_state_name(vm->state),
		     vm->config.cpus, (unsigned long long)(vm->config.mem_bytes >> 20));
}

static int print_json(struct shell_ctx *ctx, struct json_writer *w)
{
	if (json_finish(w)) {
		shell_printf(ctx, "error: output too large for JSON\n");
		return -1;
	}
	ctx->write(ctx->sink, w->buf, w->len);
	ctx->write(ctx->sink, "\n", 1);
	return 0;
}

static int run_vm_list(struct shell_ctx *ctx, const struct shell_args *args)
{
	static char buf[VM_MAX * 160];
	struct json_writer w;
	struct list_ctx l = { ctx, NULL, 0 };
	if (shell_arg_flag(args, "json")) {
		json_init(&w, buf, sizeof buf);
		json_array_begin(&w);
		l.w = &w;
		vm_for_each(list_one, &l);
		json_array_end(&w);
		return print_json(ctx, &w);
	}
	shell_printf(ctx, "%-24s %-9s %4s %12s\n", "NAME", "STATE", "CPUS", "MEMORY");
	vm_for_each(list_one, &l);
	return 0;
}

SHELL_COMMAND(cmd_vm_list) = {
	.noun = "vm",
	.verb = "list",
	.usage = "vm list [--json]",
	.summary = "list every VM with its state",
	.run = run_vm_list,
	.opt_keys = no_keys,
	.opt_flags = json_flag,
};

/* The NAME operand of a vm verb, or NULL after printing the usage. */
static const char *vm_name_operand(struct shell_ctx *ctx, const struct shell_args *args, const char *verb)
{
	const char *name = shell_arg_operand(args, 0);
	if (!name || shell_arg_operand_count(args) != 1) {
		shell_printf(ctx, "error: usage: vm %s NAME\n", verb);
		return NULL;
	}
	return name;
}

/* The VM the NAME operand names, held (vm_put when done), or NULL after saying why. */
static struct vm *named_vm(struct shell_ctx *ctx, const struct shell_args *args, const char *verb)
{
	const char *name = vm_name_operand(ctx, args, verb);
	if (!name)
		return NULL;
	struct vm *vm = vm_find(name);
	if (!vm)
		shell_printf(ctx, "error: no VM named '%s'\n", name);
	return vm;
}

static int show_vm(struct shell_ctx *ctx, const struct shell_args *args, struct vm *vm)
{
	const struct vm_config *c = &vm->config;
	uint64_t exits = vm->exits;
	if (shell_arg_flag(args, "json")) {
		static char buf[2048];
		struct json_writer w;
		json_init(&w, buf, sizeof buf);
		json_object_begin(&w);
		json_kv_string(&w, "name", c->name);
		json_kv_string(&w, "state", vm_state_name(vm->state));
		json_kv_uint(&w, "cpus", c->cpus);
		json_kv_uint(&w, "mem_bytes", c->mem_bytes);
		json_kv_string(&w, "kernel", c->kernel);
		json_key(&w, "modules");
		json_array_begin(&w);
		for (unsigned i = 0; i < c->module_count; i++)
			json_string(&w, c->modules[i]);
		json_array_end(&w);
		json_kv_string(&w, "cmdline", c->cmdline);
		json_kv_string(&w, "off_reason", vm->off_reason);
		json_kv_uint(&w, "uptime_ms", uptime_ms(vm));
		/* The host TSC when the VM last started: guests read the same counter, so their readings line up. */
		json_kv_uint(&w, "start_tsc", vm->start_tsc);
		json_kv_uint(&w, "exits", exits);
		json_kv_uint(&w, "unclaimed_port_accesses", vm->bus.unclaimed_port_accesses);
		json_kv_uint(&w, "unclaimed_mmio_accesses", vm->bus.unclaimed_mmio_accesses);
		json_object_end(&w);
		return print_json(ctx, &w);
	}
	shell_printf(ctx, "name        %s\n", c->name);
	shell_printf(ctx, "state       %s\n", vm_state_name(vm->state));
	if (vm->state == VM_OFF && vm->off_reason[0])
		shell_printf(ctx, "off reason  %s\n", vm->off_reason);
	shell_printf(ctx, "cpus        %u\n", c->cpus);
	shell_printf(ctx, "memory      %llu MiB\n", (unsigned long long)(c->mem_bytes >> 20));
	shell_printf(ctx, "kernel      %s\n", c->kernel[0] ? c->kernel : "(none)");
	for (unsigned i = 0; i < c->module_count; i++)
		shell_printf(ctx, "module      %s\n", c->modules[i]);
	if (c->cmdline[0])
		shell_printf(ctx, "cmdline     %s\n", c->cmdline);
	shell_printf(ctx, "uptime      %llu ms\n", (unsigned long long)uptime_ms(vm));
	shell_printf(ctx, "exits       %llu\n", (unsigned long long)exits);
	shell_printf(ctx, "unclaimed   %llu port, %llu MMIO accesses\n",
		     (unsigned long long)vm->bus.unclaimed_port_accesses,
		     (unsigned long long)vm->bus.unclaimed_mmio_accesses);
	return 0;
}

static int run_vm_show(struct shell_ctx *ctx, const struct shell_args *args)
{
	struct vm *vm = named_vm(ctx, args, "show");
	if (!vm)
		return -1;
	int r = show_vm(ctx, args, vm);
	vm_put(vm);
	return r;
}

SHELL_COMMAND(cmd_vm_show) = {
	.noun = "vm",
	.verb = "show",
	.usage = "vm show NAME [--json]",
	.summary = "settings, state and counters of one VM",
	.run = run_vm_show,
	.opt_keys = no_keys,
	.opt_flags = json_flag,
};

/* The actions that take just a name share one shape. */
static int run_action(struct shell_ctx *ctx, const struct shell_args *args, const char *verb,
		      int (*action)(const char *, char *, size_t), const char *done)
{
	const char *name = vm_name_operand(ctx, args, verb);
	if (!name)
		return -1;
	char err[ERR_MAX];
	if (action(name, err, sizeof err)) {
		shell_printf(ctx, "error: %s\n", err);
		return -1;
	}
	shell_printf(ctx, "VM '%s' %s\n", name, done);
	return 0;
}

static int run_vm_start(struct shell_ctx *ctx, const struct shell_args *args)
{
	return run_action(ctx, args, "start", vm_start, "started");
}
static int run_vm_pause(struct shell_ctx *ctx, const struct shell_args *args)
{
	return run_action(ctx, args, "pause", vm_pause, "paused");
}
static int run_vm_resume(struct shell_ctx *ctx, const struct shell_args *args)
{
	return run_action(ctx, args, "resume", vm_resume, "resumed");
}
static int run_vm_turnoff(struct shell_ctx *ctx, const struct shell_args *args)
{
	return run_action(ctx, args, "turnoff", vm_turnoff, "turned off");
}
static int run_vm_delete(struct shell_ctx *ctx, const struct shell_args *args)
{
	return run_action(ctx, args, "delete", vm_delete, "deleted");
}

#define CONNECT_ESCAPE 0x1d /* Ctrl-] */

struct console_pump {
	struct vm *vm;
	struct shell_ctx *ctx;
	uint64_t pos;
	volatile bool stop, done;
	struct wait_queue done_wait;
};

static int pump_wake(void *arg)
{
	struct console_pump *p = arg;
	return p->stop || __atomic_load_n(&p->vm->console_head, __ATOMIC_ACQUIRE) != p->pos;
}

static void mark_done(void *arg) { ((struct console_pump *)arg)->done = true; }

/* Copies the guest's console output to the user until told to stop. */
static void pump_main(void *arg)
{
	struct console_pump *p = arg;
	char buf[256];
	while (!p->stop) {
		size_t n = vm_console_read(p->vm, &p->pos, buf, sizeof buf);
		if (n)
			p->ctx->write(p->ctx->sink, buf, n);
		else
			wait_until(&p->vm->console_wait, pump_wake, p);
	}
	/* The pump lives on the connecting thread's stack, which returns as soon as it sees done. */
	wait_update_and_wake(&p->done_wait, mark_done, p);
}

static int pump_done(void *arg) { return ((struct console_pump *)arg)->done; }

static int run_vm_connect(struct shell_ctx *ctx, const struct shell_args *args)
{
	struct shell_frontend *fe = ctx->priv;
	if (!fe || !fe->read_byte) {
		shell_printf(ctx, "error: vm connect needs an interactive session\n");
		return -1;
	}
	struct vm *vm = named_vm(ctx, args, "connect");
	if (!vm)
		return -1;
	if (!vm_console_attach(vm)) {
		shell_printf(ctx, "error: no VM named '%s'\n", vm->config.name);
		vm_put(vm);
		return -1;
	}
	/* The console's history comes first, so nothing the guest printed before is missed. */
	struct console_pump pump = { .vm = vm, .ctx = ctx, .done_wait = WAIT_QUEUE_INIT };
	shell_printf(ctx, "connected to '%s' (%s); Ctrl-] returns to the Keel shell\n", vm->config.name,
		     vm_state_name(vm->state));
	if (!thread_create("console", pump_main, &pump, -1)) {
		vm_console_detach(vm);
		vm_put(vm);
		shell_printf(ctx, "error: out of host memory\n");
		return -1;
	}
	for (;;) {
		int c = fe->read_byte(fe->ctx);
		if (c < 0 || c == CONNECT_ESCAPE)
			break;
		/* A full receive FIFO drains as the guest reads it; a VM that is Off takes nothing. */
		for (int tries = 0; tries < 1000 && !vm_console_input(vm, (uint8_t)c) && vm->state != VM_OFF; tries++)
			wait_sleep_until(rdtsc() + time_tsc_hz() / 1000);
	}
	pump.stop = true;
	wait_wake_all(&vm->console_wait);
	wait_until(&pump.done_wait, pump_done, &pump);
	vm_console_detach(vm);
	shell_printf(ctx, "\ndisconnected from '%s'\n", vm->config.name);
	vm_put(vm);
	return 0;
}

SHELL_COMMAND(cmd_vm_connect) = {
	.noun = "vm",
	.verb = "connect",
	.usage = "vm connect NAME",
	.summary = "attach this terminal to the VM's serial console (Ctrl-] detaches)",
	.help = "Shows what the guest printed so far (its last 64 KiB), then follows it; what you type goes to the\n"
		"guest's COM1. The VM keeps running after you detach.",
	.run = run_vm_connect,
	.opt_keys = no_keys,
	.opt_flags = no_flags,
};

#define CONSOLE_LINES_DEFAULT 40
#define CONSOLE_LINES_MAX 100000

/* Where the last `lines` lines of text[0..n) begin (a last line without its newline counts as one). */
static size_t last_lines_start(const char *text, size_t n, uint64_t lines)
{
	size_t start = n && text[n - 1] == '\n' ? n - 1 : n;
	uint64_t seen = 0;
	while (start > 0 && !(text[start - 1] == '\n' && ++seen == lines))
		start--;
	return start;
}

static int run_vm_console(struct shell_ctx *ctx, const struct shell_args *args)
{
	uint64_t lines = CONSOLE_LINES_DEFAULT;
	const char *t = shell_arg_value(args, "lines");
	if (t && (!config_parse_number(t, strlen(t), &lines) || !lines || lines > CONSOLE_LINES_MAX)) {
		shell_printf(ctx, "error: lines=%s: give a count from 1 to %u\n", t, CONSOLE_LINES_MAX);
		return -1;
	}
	struct vm *vm = named_vm(ctx, args, "console");
	if (!vm)
		return -1;
	char *history = malloc(VM_CONSOLE_SIZE);
	uint64_t pos = 0;
	size_t n = history ? vm_console_read(vm, &pos, history, VM_CONSOLE_SIZE) : 0;
	vm_put(vm);
	if (!history) {
		shell_printf(ctx, "error: out of host memory\n");
		return -1;
	}
	size_t start = last_lines_start(history, n, lines);
	ctx->write(ctx->sink, history + start, n - start);
	if (n && history[n - 1] != '\n')
		shell_printf(ctx, "\n");
	free(history);
	return 0;
}

SHELL_COMMAND(cmd_vm_console) = {
	.noun = "vm",
	.verb = "console",
	.usage = "vm console NAME [lines=40]",
	.summary = "print the last lines the guest wrote to its serial console",
	.help = "The same history vm connect shows first (the guest's last 64 KiB of output), printed without\n"
		"attaching: it works for a VM in any state, Off included, and in sessions that are not interactive.",
	.run = run_vm_console,
	.opt_keys = (const char *const[]){ "lines", NULL },
	.opt_flags = no_flags,
};

static int run_vm_shutdown(struct shell_ctx *ctx, const struct shell_args *args)
{
	const char *name = vm_name_operand(ctx, args, "shutdown");
	if (!name)
		return -1;
	uint64_t seconds = SHUTDOWN_TIMEOUT_MS / 1000;
	const char *t = shell_arg_value(args, "timeout");
	if (t && (!config_parse_number(t, strlen(t), &seconds) || !seconds || seconds > 3600)) {
		shell_printf(ctx, "error: timeout=%s: give seconds from 1 to 3600\n", t);
		return -1;
	}
	char err[ERR_MAX];
	if (vm_shutdown(name, seconds * 1000, err, sizeof err)) {
		shell_printf(ctx, "error: %s\n", err);
		return -1;
	}
	shell_printf(ctx, "VM '%s' shut down\n", name);
	return 0;
}

SHELL_COMMAND(cmd_vm_shutdown) = {
	.noun = "vm",
	.verb = "shutdown",
	.usage = "vm shutdown NAME [timeout=30]",
	.summary = "ask the guest to power off (ACPI power button) and wait for it",
	.help = "The guest's OS sees its power button pressed (acpid and friends power off). If it has not\n"
		"powered off after timeout seconds, it is left running and this says so; vm turnoff is the plug.",
	.run = run_vm_shutdown,
	.opt_keys = (const char *const[]){ "timeout", NULL },
	.opt_flags = no_flags,
};

#define VM_ACTION(ident, verb_name, summary_text)                  \
	SHELL_COMMAND(cmd_vm_##ident) = {                           \
		.noun = "vm",                                      \
		.verb = verb_name,                                 \
		.usage = "vm " verb_name " NAME",                  \
		.summary = summary_text,                           \
		.run = run_vm_##ident,                             \
		.opt_keys = no_keys,                               \
		.opt_flags = no_flags,                             \
	}

VM_ACTION(start, "start", "power the VM on");
VM_ACTION(pause, "pause", "freeze the VM's vCPUs (memory and devices are kept)");
VM_ACTION(resume, "resume", "continue a paused VM");
VM_ACTION(turnoff, "turnoff", "stop the VM at once, like pulling the plug");
VM_ACTION(delete, "delete", "remove a VM that is Off");
