/* The emulated PC a guest sees: which devices sit where on the VM's bus, how their interrupts reach the
 * vCPUs, the local APIC page and MMIO exits. */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;
struct vcpu_exit;

/* Creates the devices of vm and claims their ranges on vm->bus. 0 or a negative errno. */
int platform_create(struct vm *vm);
/* Frees them; battery-backed CMOS bytes are kept in vm for the next start (a guest's reset). */
void platform_destroy(struct vm *vm);
/* Guest time: nanoseconds since the VM started. */
uint64_t platform_now_ns(const struct vm *vm);
/* True when v has something that ends its HLT (or its wait for a start-up IPI). Lock-free and approximate. */
bool platform_interrupt_pending(struct vcpu *v);
/* Fires due device timers, handles INIT and start-up IPIs, and injects the highest pending interrupt if v can
 * take it now (else asks for an interrupt window). Returns the TSC value of the next device timer, 0 for
 * none. */
uint64_t platform_deliver_interrupts(struct vcpu *v);
/* A guest access to its own local APIC page: true when gpa is in it (and the access is done). */
bool platform_local_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val);
/* IA32_TSC_DEADLINE of v's local APIC. */
int platform_lapic_tsc_deadline(struct vcpu *v, bool write, uint64_t *value);
/* Queues a byte for the guest's COM1 receiver (caller holds the bus lock); false when its FIFO is full. */
bool platform_console_input(struct vm *vm, uint8_t byte);
/* Presses the ACPI power button (caller holds the bus lock); false when the guest has not enabled it. */
bool platform_power_button(struct vm *vm);
/* Completes a guest access to an address no RAM backs. */
void platform_mmio(struct vcpu *v, const struct vcpu_exit *e);

#endif
