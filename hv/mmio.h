/* MMIO exits: the guest touched a guest-physical address that no RAM backs. The instruction is fetched
 * through the guest's own page tables, decoded and emulated against the VM's bus. */
#ifndef HV_MMIO_H
#define HV_MMIO_H

struct vcpu;
struct vcpu_exit;

/* Completes the access of exit e on v: registers, flags and RIP updated, or a fault injected, or (for an
 * instruction Keel cannot emulate, or code run from device space) the VM stopped with the reason. */
void mmio_emulate(struct vcpu *v, const struct vcpu_exit *e);

#endif
