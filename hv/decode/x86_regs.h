/* The guest CPU state that instruction emulation reads and writes, independent of SVM and VMX: general
 * registers, RIP, RFLAGS, the control registers that shape paging, the segment caches and the CPL. Each
 * backend copies its VMCB/VMCS fields into this struct before emulating and back afterwards. */
#ifndef KEEL_HV_DECODE_X86_REGS_H
#define KEEL_HV_DECODE_X86_REGS_H

#include <stdint.h>

/* General registers in the hardware encoding order (ModRM.reg, REX.B extend it to 16). */
enum x86_gpr {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
	X86_GPR_COUNT
};

/* Segment registers in the hardware encoding order (the Sreg field of MOV Sreg). */
enum x86_seg {
	X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS,
	X86_SEG_COUNT
};

/* Segment attributes in the VMCB's compressed layout: the descriptor's access byte in bits 0-7 and its
 * flags nibble in bits 8-11. VMX's access-rights field converts as (ar & 0xff) | ((ar >> 4) & 0xf00), with
 * an unusable segment (bit 16) given attr 0 (not present). */
#define X86_SEG_ATTR_TYPE   0x000fu  /* data: bit 1 writable, bit 2 expand-down; code: bit 3, bit 1 readable */
#define X86_SEG_ATTR_S      0x0010u  /* code or data, not a system segment */
#define X86_SEG_ATTR_DPL    0x0060u
#define X86_SEG_ATTR_P      0x0080u
#define X86_SEG_ATTR_L      0x0200u  /* CS: 64-bit code */
#define X86_SEG_ATTR_DB     0x0400u  /* CS: 32-bit default operand size; data: 32-bit upper bound */
#define X86_SEG_ATTR_G      0x0800u  /* the limit below is already expanded to bytes either way */

struct x86_segment {
	uint64_t base;
	uint32_t limit;     /* in bytes, as both VMCB and VMCS hold it */
	uint16_t selector;
	uint16_t attr;      /* X86_SEG_ATTR_* */
};

struct x86_cpu_state {
	uint64_t gpr[X86_GPR_COUNT];
	uint64_t rip, rflags, cr0, cr2, cr3, cr4, efer;
	struct x86_segment seg[X86_SEG_COUNT];  /* indexed by enum x86_seg */
	uint8_t cpl;
};

#define X86_RFLAGS_CF   (1u << 0)
#define X86_RFLAGS_PF   (1u << 2)
#define X86_RFLAGS_AF   (1u << 4)
#define X86_RFLAGS_ZF   (1u << 6)
#define X86_RFLAGS_SF   (1u << 7)
#define X86_RFLAGS_DF   (1u << 10)
#define X86_RFLAGS_OF   (1u << 11)
#define X86_RFLAGS_AC   (1u << 18)
#define X86_RFLAGS_VM   (1u << 17)
/* The six status flags the arithmetic instructions define. */
#define X86_RFLAGS_STATUS (X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | X86_RFLAGS_SF | \
			   X86_RFLAGS_OF)

#define X86_CR0_PE      (1u << 0)
#define X86_CR0_WP      (1u << 16)
#define X86_CR0_PG      (1u << 31)
#define X86_CR4_PSE     (1u << 4)
#define X86_CR4_PAE     (1u << 5)
#define X86_CR4_LA57    (1u << 12)
#define X86_CR4_SMEP    (1u << 20)
#define X86_CR4_SMAP    (1u << 21)
#define X86_EFER_LMA    (1u << 10)
#define X86_EFER_NXE    (1u << 11)

/* What decides default operand and address sizes. VM86 decodes like real mode but pages and runs at CPL 3. */
enum x86_mode {
	X86_MODE_REAL,
	X86_MODE_VM86,
	X86_MODE_PROT16,    /* protected mode, CS.D = 0 */
	X86_MODE_PROT32,    /* protected mode, CS.D = 1 */
	X86_MODE_COMPAT16,  /* long mode, CS.L = 0, CS.D = 0 */
	X86_MODE_COMPAT32,  /* long mode, CS.L = 0, CS.D = 1 */
	X86_MODE_LONG64,    /* long mode, CS.L = 1 */
};

/* The mode the guest executes in, from CR0.PE, RFLAGS.VM, EFER.LMA and the CS attributes. */
static inline enum x86_mode x86_cpu_mode(const struct x86_cpu_state *s)
{
	uint16_t cs = s->seg[X86_SEG_CS].attr;

	if (!(s->cr0 & X86_CR0_PE))
		return X86_MODE_REAL;
	if (s->efer & X86_EFER_LMA) {
		if (cs & X86_SEG_ATTR_L)
			return X86_MODE_LONG64;
		return (cs & X86_SEG_ATTR_DB) ? X86_MODE_COMPAT32 : X86_MODE_COMPAT16;
	}
	if (s->rflags & X86_RFLAGS_VM)
		return X86_MODE_VM86;
	return (cs & X86_SEG_ATTR_DB) ? X86_MODE_PROT32 : X86_MODE_PROT16;
}

#endif
