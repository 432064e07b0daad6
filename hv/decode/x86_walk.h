/* Guest memory access for instruction emulation: the callbacks through which the emulator reaches guest RAM
 * and devices, and the walk of the guest's own page tables from a linear address to a guest-physical one. */
#ifndef KEEL_HV_DECODE_X86_WALK_H
#define KEEL_HV_DECODE_X86_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "x86_regs.h"

/* How the emulator reaches guest-physical memory. Every callback gets the ctx passed alongside the ops. An
 * access is tried as RAM first; when read_phys or write_phys answers -EFAULT the device callbacks get it. */
struct x86_mem_ops {
	/* Copies len bytes of guest RAM or ROM at gpa into buf: 0, or -EFAULT when any byte is not RAM/ROM. */
	int (*read_phys)(void *ctx, uint64_t gpa, void *buf, size_t len);
	/* Copies len bytes into guest RAM at gpa: 0, or -EFAULT when any byte is not writable RAM. */
	int (*write_phys)(void *ctx, uint64_t gpa, const void *buf, size_t len);
	/* Atomically replaces the size-byte (4 or 8) little-endian value at gpa with val when it still equals
	 * old (the page walker's accessed and dirty bits): 0, -EAGAIN when it differed, -EFAULT when not RAM. */
	int (*cmpxchg_phys)(void *ctx, uint64_t gpa, uint64_t old, uint64_t val, unsigned size);
	/* A device access of size 1, 2, 4 or 8 bytes: 0 or a negative errno, which the emulator passes on. */
	int (*mmio_read)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);
	int (*mmio_write)(void *ctx, uint64_t gpa, unsigned size, uint64_t val);
};

/* The kind of access a translation is for; permission checks and the #PF error code follow from it. */
#define X86_ACCESS_READ   0u
#define X86_ACCESS_WRITE  (1u << 0)
#define X86_ACCESS_EXEC   (1u << 1)
#define X86_ACCESS_USER   (1u << 2)   /* a CPL 3 access: user pages only */

/* Bits of the #PF error code. */
#define X86_PF_P     (1u << 0)   /* a protection violation, not a missing page */
#define X86_PF_W     (1u << 1)
#define X86_PF_U     (1u << 2)
#define X86_PF_RSVD  (1u << 3)
#define X86_PF_I     (1u << 4)

/* Translates the linear address gva to a guest-physical address as the guest's MMU would, for one access
 * of kind `access`: paging off (the address wraps at 4 GiB), 32-bit paging (4 MiB pages with CR4.PSE,
 * PSE-36 high address bits), PAE (2 MiB pages, NX with EFER.NXE), 4-level and 5-level long mode (1 GiB and
 * 2 MiB pages). Checks present, reserved bits, writes (with CR0.WP), user pages, NX, SMEP and SMAP (with
 * RFLAGS.AC). A successful walk sets the accessed bit of every entry it used and the dirty bit of the leaf
 * for a write, with cmpxchg_phys as the CPU would with locked updates; a failed walk sets none.
 * In long mode gva must be canonical (the caller raises #GP otherwise). PAE's PDPTEs are read from memory
 * at each walk, not from registers loaded with CR3. MAXPHYADDR is taken as 52, protection keys as off.
 * Returns 0 with *gpa; -EFAULT for a page fault with *pf_error (X86_PF_*); -ENXIO when a page-table entry
 * lies outside guest RAM; -EAGAIN when an entry changed under an accessed/dirty update (re-enter the guest:
 * it retries the instruction). */
int x86_translate(const struct x86_cpu_state *s, uint64_t gva, unsigned access, const struct x86_mem_ops *mem,
		  void *ctx, uint64_t *gpa, uint32_t *pf_error);

#endif
