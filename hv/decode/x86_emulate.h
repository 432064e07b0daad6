/* Emulation of a decoded instruction against guest state and memory, for MMIO exits: fetching the
 * instruction at CS:RIP, segmentation and paging of its operands, the operation with its RFLAGS, and RIP. */
#ifndef KEEL_HV_DECODE_X86_EMULATE_H
#define KEEL_HV_DECODE_X86_EMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "x86_decode.h"
#include "x86_regs.h"
#include "x86_walk.h"

#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14

/* A guest exception the emulated instruction raised; the caller injects it, leaving RIP on the instruction. */
struct x86_fault {
	uint8_t vector;   /* X86_EXC_SS, X86_EXC_GP or X86_EXC_PF */
	uint32_t error;   /* the error code: 0 for #SS and #GP, X86_PF_* bits for #PF */
	uint64_t addr;    /* #PF: the faulting linear address, for CR2 */
};

/* REP string instructions stop after this many iterations per call with RIP left on the instruction and
 * rCX/rSI/rDI updated: the guest re-executes it, the CPU doing RAM iterations natively, and the next MMIO
 * one exits again. This bounds the time one exit takes. */
#define X86_REP_MAX 4096

/* Fetches the instruction bytes at CS:RIP into bytes[0..X86_INSN_MAX) through the guest's segmentation and
 * paging, from two pages when it crosses a boundary. *len receives the bytes fetched. Returns 0 with all
 * X86_INSN_MAX bytes; -EFAULT with *fault when the fetch stopped at a fault (CS limit, non-canonical RIP, a
 * page fault): the first *len bytes are valid, and the fault is the guest's only when the instruction needs
 * more of them (x86_decode answers -EINVAL). -ENXIO when code lies outside guest RAM and -EAGAIN (see
 * x86_translate) likewise stop the fetch after *len valid bytes. */
int x86_fetch(const struct x86_cpu_state *s, const struct x86_mem_ops *mem, void *ctx, uint8_t *bytes,
	      size_t *len, struct x86_fault *fault);

/* Performs insn (decoded from the bytes at s->rip in the mode x86_cpu_mode(s)) on s and guest memory: the
 * effective address with its segment (base, limit and type checks outside 64-bit mode, canonical checks in
 * it) and the address-size wrap; translated by x86_translate; then accessed as RAM through read_phys and
 * write_phys or, failing that, as a device through mmio_read and mmio_write. An access that crosses a page
 * goes byte by byte. Results and RFLAGS follow the manuals (AF cleared by logical operations; BT* change
 * only CF); 32-bit register writes zero-extend. RIP advances past the instruction, except when a REP
 * instruction stops at X86_REP_MAX iterations (see there). Every translation of an instruction (both of
 * MOVS) precedes its first access, so a fault leaves no device touched for that iteration.
 * LOCK is accepted without atomicity against other vCPUs' plain accesses; RFLAGS.TF is not acted upon.
 * Returns 0; -EFAULT with *fault (inject it; RIP is unchanged, completed REP iterations stay done); -ENXIO
 * when the guest's page tables lie outside its RAM; -EAGAIN (re-enter the guest); or a device callback's
 * error. */
int x86_emulate_mmio(struct x86_cpu_state *s, const struct x86_insn *insn, const struct x86_mem_ops *mem,
		     void *ctx, struct x86_fault *fault);

#endif
