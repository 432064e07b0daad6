/* Every instruction form the hypervisor's MMIO emulator decodes, each run once on ordinary RAM and once on
 * the scratch MMIO page with the same inputs; results, flags and memory must match. Builds for real mode
 * (big real mode, 32-bit addresses), 32-bit and 64-bit code; 64-bit adds 64-bit operands, REX registers,
 * movsxd and 64-bit addresses. */
#ifndef GUEST_MMIO_FORMS_H
#define GUEST_MMIO_FORMS_H

#include <stdint.h>

/* Runs every form with its MMIO operand at virtual address scratch_va (a page that reads back what was
 * written; the forms use its first 1 KiB), calling the code at its address plus code_offset (an alias
 * mapping, so that fetching the instruction needs the guest's page tables too; 0 for none). Prints one
 * check line `mmio decoder forms (LABEL), N forms` and returns the number of forms that differed. */
unsigned mmio_forms_run(const char *label, uintptr_t scratch_va, uintptr_t code_offset);

#endif
