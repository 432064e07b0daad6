/* The emulated PC a guest sees: which devices sit where on the VM's bus, how their interrupts reach the
 * vCPUs, and MMIO exits. */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <stdbool.h>

struct vm;
struct vcpu;
struct vcpu_exit;

/* Creates the devices of vm and claims their ranges on vm->bus. 0 or a negative errno. */
int platform_create(struct vm *vm);
void platform_destroy(struct vm *vm);
/* True when v has an interrupt to take (it ends a HLT). */
bool platform_interrupt_pending(struct vcpu *v);
/* Injects the highest pending interrupt if v can take it now, or asks for an interrupt window. */
void platform_deliver_interrupts(struct vcpu *v);
/* Queues a byte for the guest's COM1 receiver (caller holds the bus lock); false when its FIFO is full. */
bool platform_console_input(struct vm *vm, uint8_t byte);
/* Completes a guest access to an address no RAM backs. */
void platform_mmio(struct vcpu *v, const struct vcpu_exit *e);

#endif
