/* Virtual machines: their configuration, life cycle (Off, Starting, Running, Paused, Stopping), memory,
 * devices and vCPUs. The shell drives VMs only through these functions. */
#ifndef HV_VM_H
#define HV_VM_H

#include <stdbool.h>
#include <stdint.h>
#include "hv/guest_memory.h"
#include "hv/vmbus/hyperv.h"
#include "hv/io_bus.h"
#include "kernel/sched/spinlock.h"
#include "kernel/sched/wait.h"

#define VM_MAX 64
#define VM_NAME_MAX 32
#define VM_MAX_VCPUS 16
#define VM_MAX_MODULES 8
#define VM_CMDLINE_MAX 256
#define VM_CONSOLE_SIZE 65536

enum vm_state { VM_OFF, VM_STARTING, VM_RUNNING, VM_PAUSED, VM_STOPPING };

struct vcpu;
struct vm_platform;

struct vm_config {
	char name[VM_NAME_MAX];
	uint64_t mem_bytes;
	unsigned cpus;
	char kernel[64];                      /* boot module holding the guest image */
	char initrd[64];                      /* boot module holding a Linux initrd, or empty */
	unsigned module_count;
	char modules[VM_MAX_MODULES][64];
	char cmdline[VM_CMDLINE_MAX];
};

struct vm {
	unsigned id;
	struct vm_config config;
	volatile enum vm_state state;
	char off_reason[160];          /* why the VM last went Off */
	struct spinlock lock;          /* state changes */
	struct wait_queue state_wait;  /* woken on every state change and when a vCPU thread ends */
	volatile bool stop_requested, pause_requested;
	volatile unsigned running_vcpus; /* vCPU threads alive */
	volatile unsigned paused_vcpus;  /* vCPU threads parked by a pause */
	struct guest_memory memory;
	struct io_bus bus;
	struct vm_platform *platform;  /* emulated devices */
	uint64_t npt_root;             /* the backend's guest-physical tables */
	struct vcpu *vcpus[VM_MAX_VCPUS];
	uint64_t start_tsc;
	uint64_t unknown_msr_accesses;
	struct hyperv_partition hyperv;
	/* The guest's serial console, kept while nobody is connected (a ring of the last 64 KiB). */
	char console[VM_CONSOLE_SIZE];
	volatile uint64_t console_head; /* bytes ever written */
	struct wait_queue console_wait;
	volatile unsigned connections;  /* `vm connect` sessions attached; a connected VM cannot be deleted */
	unsigned refs;                  /* the registry's and every vm_find caller's (see vm_put) */
	bool deleted;                   /* out of the registry; freed at the last vm_put */
	uint64_t exits;                 /* VM exits since the last start */
	volatile bool reset_requested;  /* the guest reset itself: start again after the stop */
	uint8_t cmos[128];              /* the CMOS bytes kept across a guest's reset */
	bool cmos_saved;
};

/* All calls return 0 or a negative errno and write a one-line reason into err (errlen bytes) on failure;
 * a failed call changes nothing. */
int vm_create(const struct vm_config *cfg, char *err, size_t errlen);
int vm_start(const char *name, char *err, size_t errlen);
int vm_pause(const char *name, char *err, size_t errlen);
int vm_resume(const char *name, char *err, size_t errlen);
/* Stops the vCPUs now and frees the VM's memory; the VM stays defined, Off. */
int vm_turnoff(const char *name, char *err, size_t errlen);
/* Presses the guest's ACPI power button and waits up to timeout_ms for it to power off. -ETIMEDOUT when it
 * is still running (it is left running). */
int vm_shutdown(const char *name, uint64_t timeout_ms, char *err, size_t errlen);
int vm_delete(const char *name, char *err, size_t errlen);
/* Debug only (`debug rflags`): sets vCPU 0's RFLAGS, reserved bits included, in a Paused VM, so a test can
 * hand the backend a guest state the CPU refuses at the next entry after resume. */
int vm_debug_set_rflags(const char *name, uint64_t rflags, char *err, size_t errlen);
/* The VM with this name, or NULL. The caller holds a reference: the VM stays in memory (a vm delete meanwhile
 * only takes it out of the registry) until the caller's vm_put. */
struct vm *vm_find(const char *name);
void vm_put(struct vm *vm);
/* Calls fn for every VM, in creation order (each held for the call). */
void vm_for_each(void (*fn)(struct vm *vm, void *ctx), void *ctx);
/* A console session attaches (false: the VM was deleted meanwhile) and detaches; vm delete refuses a VM
 * with one attached. */
bool vm_console_attach(struct vm *vm);
void vm_console_detach(struct vm *vm);
const char *vm_state_name(enum vm_state s);
/* Stops the VM from one of its own vCPUs (triple fault, power off, a guest Keel cannot run): the reason
 * goes to the log and into off_reason. */
void vm_stop_from_guest(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The guest reset the machine: the VM stops and starts again, fresh but for its CMOS. */
void vm_reset_from_guest(struct vm *vm);
/* Appends guest console output to the ring and wakes a connected reader. */
void vm_console_write(struct vm *vm, const char *s, size_t n);
/* Copies console bytes from position *pos (a count of bytes ever written) up to the newest into buf (at most
 * len), advancing *pos; bytes that the ring already overwrote are skipped. Returns the count copied. */
size_t vm_console_read(struct vm *vm, uint64_t *pos, char *buf, size_t len);
/* Passes a byte typed on a connected console to the guest's serial port; false when its input is full. */
bool vm_console_input(struct vm *vm, uint8_t byte);

#endif
