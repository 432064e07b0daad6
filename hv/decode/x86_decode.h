/* The x86 instruction decoder for MMIO emulation: from raw bytes to what an instruction does and where its
 * operands are. It knows only the instructions that can touch memory which devices are accessed with. */
#ifndef KEEL_HV_DECODE_X86_DECODE_H
#define KEEL_HV_DECODE_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x86_regs.h"

/* No instruction is longer, whatever its prefixes. */
#define X86_INSN_MAX 15

/* The operations, the eight ALU ones in the order of their opcode rows and /digit groups. */
enum x86_op {
	X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB, X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
	X86_OP_TEST,
	X86_OP_MOV,
	X86_OP_MOVZX,   /* also 0F B7 with a 16-bit destination: a plain move */
	X86_OP_MOVSX,   /* also MOVSXD (63), which moves without extension below a 64-bit destination */
	X86_OP_XCHG,
	X86_OP_BT, X86_OP_BTS, X86_OP_BTR, X86_OP_BTC,
	X86_OP_MOVS,    /* operands implicit: [mem.seg:rSI] to [ES:rDI] */
	X86_OP_STOS,    /* operands implicit: rAX (src) to [ES:rDI] */
};

enum x86_operand_kind {
	X86_OPND_NONE,
	X86_OPND_REG,
	X86_OPND_MEM,   /* the instruction's memory operand, described by x86_insn.mem */
	X86_OPND_IMM,   /* x86_insn.imm */
};

struct x86_operand {
	uint8_t kind;    /* enum x86_operand_kind */
	uint8_t size;    /* bytes: 1, 2, 4 or 8 */
	uint8_t reg;     /* X86_OPND_REG: enum x86_gpr */
	bool high8;      /* X86_OPND_REG of size 1: bits 8-15 of reg (AH, CH, DH, BH: no REX prefix) */
};

#define X86_NO_REG   0xff   /* no base or no index register */
#define X86_BASE_RIP 0x10   /* RIP-relative: the base is the address of the next instruction */

/* A memory operand; its effective address is computed from the registers when it is emulated. */
struct x86_mem_operand {
	uint8_t seg;     /* enum x86_seg: the override prefix, else DS, or SS for a rBP/rSP base */
	uint8_t base;    /* enum x86_gpr, X86_BASE_RIP or X86_NO_REG */
	uint8_t index;   /* enum x86_gpr or X86_NO_REG */
	uint8_t scale;   /* 1, 2, 4 or 8 */
	int64_t disp;    /* sign-extended displacement; for A0-A3 the absolute offset */
};

#define X86_PREFIX_REPNE 0xf2
#define X86_PREFIX_REP   0xf3

struct x86_insn {
	uint8_t op;        /* enum x86_op */
	uint8_t len;       /* bytes, prefixes included: 1 to X86_INSN_MAX */
	uint8_t opsize;    /* operand size of the operation in bytes (of the destination for MOVZX/MOVSX) */
	uint8_t addrsize;  /* address size in bytes: 2, 4 or 8 */
	uint8_t rep;       /* 0, X86_PREFIX_REP or X86_PREFIX_REPNE (kept for MOVS and STOS only) */
	uint8_t rex;       /* the REX prefix in effect, or 0 */
	bool lock;
	struct x86_operand dst, src;   /* dst: written (except CMP, TEST, BT), src: read */
	struct x86_mem_operand mem;    /* when dst or src is X86_OPND_MEM, and for MOVS's source */
	uint64_t imm;      /* X86_OPND_IMM: sign-extended to 64 bits (BT's imm8: zero-extended) */
};

/* Decodes the instruction at the start of bytes[0..len) as executed in `mode` (only the first X86_INSN_MAX
 * bytes are looked at; none past len is read). Handles legacy prefixes (66, 67, segment overrides, F2/F3,
 * F0), REX in 64-bit mode, ModRM with SIB, 16-bit forms and RIP-relative, displacements and immediates.
 * Returns 0 with *out filled; -EINVAL when the bytes end before the instruction does (fetch more);
 * -ENOTSUP for anything else: an opcode outside the supported set, a LOCK the CPU would refuse, or an
 * instruction longer than X86_INSN_MAX bytes. */
int x86_decode(const uint8_t *bytes, size_t len, enum x86_mode mode, struct x86_insn *out);

#endif
