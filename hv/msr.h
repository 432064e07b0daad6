/* The model-specific registers a guest may read and write, and what every other index does (#GP, as on a
 * CPU that lacks it). */
#ifndef HV_MSR_H
#define HV_MSR_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* Emulates RDMSR (write false: the value goes to *value) or WRMSR of index on v. 0, or -EINVAL when the
 * guest should get #GP. */
int msr_guest_access(struct vcpu *v, bool write, uint32_t index, uint64_t *value);

#endif
