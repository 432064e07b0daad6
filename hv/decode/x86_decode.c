/* The x86 decoder: prefixes, the supported one- and two-byte opcodes, ModRM/SIB addressing in its 16-,
 * 32- and 64-bit forms, displacements and immediates. Pure: bytes in, struct x86_insn out. */
#include "x86_decode.h"

#include <errno.h>
#include <string.h>

/* Reads bytes[pos..limit): limit is len capped at X86_INSN_MAX, so running into it means either truncated
 * input or an over-long instruction. */
struct cursor {
	const uint8_t *bytes;
	size_t limit, pos;
};

struct modrm {
	uint8_t mod;
	uint8_t reg;   /* with REX.R */
	uint8_t rm;    /* with REX.B; meaningful as a register when mod == 3 */
};

static int next(struct cursor *c, uint8_t *b)
{
	if (c->pos >= c->limit)
		return c->limit == X86_INSN_MAX ? -ENOTSUP : -EINVAL;
	*b = c->bytes[c->pos++];
	return 0;
}

/* A little-endian value of n bytes (1, 2, 4 or 8), sign-extended to 64 bits when sign is set. */
static int next_value(struct cursor *c, unsigned n, bool sign, uint64_t *v)
{
	uint64_t x = 0;
	uint8_t b;
	int r;

	for (unsigned i = 0; i < n; i++) {
		r = next(c, &b);
		if (r)
			return r;
		x |= (uint64_t)b << (8 * i);
	}
	if (sign && n < 8 && (x >> (8 * n - 1)) & 1)
		x |= ~UINT64_C(0) << (8 * n);
	*v = x;
	return 0;
}

static struct x86_operand reg_operand(uint8_t reg, unsigned size, uint8_t rex)
{
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH: the high bytes of registers 0-3. */
	if (size == 1 && !rex && reg >= 4 && reg < 8)
		return (struct x86_operand){ X86_OPND_REG, 1, (uint8_t)(reg - 4), true };
	return (struct x86_operand){ X86_OPND_REG, (uint8_t)size, reg, false };
}

static struct x86_operand rm_operand(const struct modrm *m, unsigned size, uint8_t rex)
{
	if (m->mod == 3)
		return reg_operand(m->rm, size, rex);
	return (struct x86_operand){ X86_OPND_MEM, (uint8_t)size, 0, false };
}

/* The 16-bit forms: [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP] [BX], BP-based ones in SS. */
static int modrm16(struct cursor *c, const struct modrm *m, struct x86_mem_operand *mem)
{
	static const uint8_t base[8] = { X86_RBX, X86_RBX, X86_RBP, X86_RBP, X86_RSI, X86_RDI, X86_RBP, X86_RBX };
	static const uint8_t index[8] = { X86_RSI, X86_RDI, X86_RSI, X86_RDI,
					  X86_NO_REG, X86_NO_REG, X86_NO_REG, X86_NO_REG };
	unsigned rm = m->rm & 7;
	uint64_t disp = 0;
	int r = 0;

	mem->scale = 1;
	if (m->mod == 0 && rm == 6) {
		mem->base = mem->index = X86_NO_REG;
		r = next_value(c, 2, true, &disp);
	} else {
		mem->base = base[rm];
		mem->index = index[rm];
		if (mem->base == X86_RBP)
			mem->seg = X86_SEG_SS;
		if (m->mod)
			r = next_value(c, m->mod == 1 ? 1 : 2, true, &disp);
	}
	mem->disp = (int64_t)disp;
	return r;
}

/* The 32- and 64-bit forms: SIB, disp32 alone or RIP-relative, rBP/rSP bases in SS. */
static int modrm32(struct cursor *c, const struct modrm *m, uint8_t rex, bool mode64, struct x86_mem_operand *mem)
{
	uint64_t disp = 0;
	uint8_t sib;
	int r;

	mem->scale = 1;
	mem->index = X86_NO_REG;
	if ((m->rm & 7) == 4) {
		r = next(c, &sib);
		if (r)
			return r;
		mem->scale = (uint8_t)(1u << (sib >> 6));
		mem->index = (uint8_t)(((sib >> 3) & 7) | ((rex & 2) << 2));
		if (mem->index == X86_RSP)  /* index 100b means none; with REX.X it is r12 */
			mem->index = X86_NO_REG;
		mem->base = (uint8_t)((sib & 7) | ((rex & 1) << 3));
		if ((sib & 7) == 5 && m->mod == 0)
			mem->base = X86_NO_REG;
	} else if ((m->rm & 7) == 5 && m->mod == 0) {
		mem->base = mode64 ? X86_BASE_RIP : X86_NO_REG;
	} else {
		mem->base = m->rm;
	}
	if (mem->base == X86_RSP || mem->base == X86_RBP)
		mem->seg = X86_SEG_SS;
	if (m->mod == 1)
		r = next_value(c, 1, true, &disp);
	else if (m->mod == 2 || mem->base == X86_NO_REG || mem->base == X86_BASE_RIP)
		r = next_value(c, 4, true, &disp);
	else
		r = 0;
	mem->disp = (int64_t)disp;
	return r;
}

/* Prefix state gathered before the opcode. */
struct prefixes {
	uint8_t rex, rep, seg;   /* seg: X86_SEG_COUNT when there is no override */
	bool opsize, addrsize, lock;
};

static int decode_modrm(struct cursor *c, struct x86_insn *in, const struct prefixes *p, bool mode64,
			struct modrm *m)
{
	uint8_t b;
	int r;

	r = next(c, &b);
	if (r)
		return r;
	m->mod = b >> 6;
	m->reg = (uint8_t)(((b >> 3) & 7) | ((p->rex & 4) << 1));
	m->rm = (uint8_t)((b & 7) | ((p->rex & 1) << 3));
	if (m->mod == 3)
		return 0;
	in->mem.seg = X86_SEG_DS;
	r = in->addrsize == 2 ? modrm16(c, m, &in->mem) : modrm32(c, m, p->rex, mode64, &in->mem);
	if (p->seg != X86_SEG_COUNT)
		in->mem.seg = p->seg;
	return r;
}

/* An immediate operand of `size` bytes, read as at most 4 and sign-extended (imm32 for 64-bit operands). */
static int immediate(struct cursor *c, struct x86_insn *in, unsigned size)
{
	in->src = (struct x86_operand){ X86_OPND_IMM, (uint8_t)in->opsize, 0, false };
	return next_value(c, size > 4 ? 4 : size, true, &in->imm);
}

/* ModRM forms: "op r/m, reg" (reg_is_src) or "op reg, r/m", both operands of size `size`. */
static int rm_reg(struct cursor *c, struct x86_insn *in, const struct prefixes *p, bool mode64, unsigned size,
		  bool reg_is_src)
{
	struct modrm m;
	int r = decode_modrm(c, in, p, mode64, &m);

	if (r)
		return r;
	in->opsize = (uint8_t)size;
	if (reg_is_src) {
		in->dst = rm_operand(&m, size, p->rex);
		in->src = reg_operand(m.reg, size, p->rex);
	} else {
		in->dst = reg_operand(m.reg, size, p->rex);
		in->src = rm_operand(&m, size, p->rex);
	}
	return r;
}

/* Two-byte opcodes (after 0F): MOVZX, MOVSX and the BT family. */
static int decode_0f(struct cursor *c, struct x86_insn *in, const struct prefixes *p, bool mode64, unsigned osz)
{
	static const uint8_t bt_ops[4] = { X86_OP_BT, X86_OP_BTS, X86_OP_BTR, X86_OP_BTC };
	struct modrm m;
	uint8_t b;
	int r;

	r = next(c, &b);
	if (r)
		return r;
	switch (b) {
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		in->op = bt_ops[(b >> 3) & 3];
		return rm_reg(c, in, p, mode64, osz, true);
	case 0xba:
		r = decode_modrm(c, in, p, mode64, &m);
		if (r)
			return r;
		if ((m.reg & 7) < 4)  /* a /digit: REX.R does not extend it */
			return -ENOTSUP;
		in->op = bt_ops[(m.reg & 7) - 4];
		in->opsize = (uint8_t)osz;
		in->dst = rm_operand(&m, osz, p->rex);
		in->src = (struct x86_operand){ X86_OPND_IMM, 1, 0, false };
		return next_value(c, 1, false, &in->imm);
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		r = decode_modrm(c, in, p, mode64, &m);
		if (r)
			return r;
		in->op = b < 0xb8 ? X86_OP_MOVZX : X86_OP_MOVSX;
		in->opsize = (uint8_t)osz;
		in->dst = reg_operand(m.reg, osz, p->rex);
		in->src = rm_operand(&m, (b & 1) ? 2 : 1, p->rex);
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* A0-A3: MOV between rAX and an absolute offset of the address size. */
static int moffs(struct cursor *c, struct x86_insn *in, const struct prefixes *p, uint8_t b, unsigned osz)
{
	struct x86_operand rax = reg_operand(X86_RAX, (b & 1) ? osz : 1, 0);
	struct x86_operand mem = { X86_OPND_MEM, rax.size, 0, false };
	uint64_t off;
	int r;

	r = next_value(c, in->addrsize, false, &off);
	if (r)
		return r;
	in->op = X86_OP_MOV;
	in->opsize = rax.size;
	in->mem = (struct x86_mem_operand){ p->seg != X86_SEG_COUNT ? p->seg : X86_SEG_DS, X86_NO_REG, X86_NO_REG,
					    1, (int64_t)off };
	in->dst = (b & 2) ? mem : rax;
	in->src = (b & 2) ? rax : mem;
	return 0;
}

/* Groups whose ModRM.reg picks the operation, with an immediate: 80/81/83 (ALU), C6/C7 (MOV /0),
 * F6/F7 (TEST /0). imm_size is the bytes the immediate takes. */
static int group_imm(struct cursor *c, struct x86_insn *in, const struct prefixes *p, bool mode64, uint8_t b,
		     unsigned size, unsigned imm_size)
{
	struct modrm m;
	int r;

	r = decode_modrm(c, in, p, mode64, &m);
	if (r)
		return r;
	if (b >= 0x80 && b <= 0x83)
		in->op = m.reg & 7;
	else if ((m.reg & 7) == 0)
		in->op = b >= 0xf6 ? X86_OP_TEST : X86_OP_MOV;
	else
		return -ENOTSUP;
	in->opsize = (uint8_t)size;
	in->dst = rm_operand(&m, size, p->rex);
	return immediate(c, in, imm_size);
}

static int decode_1byte(struct cursor *c, struct x86_insn *in, const struct prefixes *p, bool mode64, uint8_t b,
			unsigned osz)
{
	unsigned size = (b & 1) ? osz : 1;  /* most rows: even opcodes are the byte forms */
	int r;

	if (b < 0x40 && (b & 7) < 6) {  /* the ALU rows ADD OR ADC SBB AND SUB XOR CMP */
		in->op = b >> 3;
		if ((b & 7) < 4)
			return rm_reg(c, in, p, mode64, size, (b & 2) == 0);
		in->opsize = (uint8_t)size;
		in->dst = reg_operand(X86_RAX, size, 0);
		return immediate(c, in, size);
	}
	switch (b) {
	case 0x63:
		if (!mode64)
			return -ENOTSUP;  /* ARPL */
		in->op = X86_OP_MOVSX;
		r = rm_reg(c, in, p, mode64, osz, false);
		in->src.size = osz > 4 ? 4 : (uint8_t)osz;
		return r;
	case 0x80: case 0x81: case 0x83:
		return group_imm(c, in, p, mode64, b, b == 0x80 ? 1 : osz, b == 0x81 ? osz : 1);
	case 0xc6: case 0xc7: case 0xf6: case 0xf7:
		return group_imm(c, in, p, mode64, b, size, size);
	case 0x84: case 0x85:
		in->op = X86_OP_TEST;
		return rm_reg(c, in, p, mode64, size, true);
	case 0x86: case 0x87:
		in->op = X86_OP_XCHG;
		return rm_reg(c, in, p, mode64, size, true);
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		in->op = X86_OP_MOV;
		return rm_reg(c, in, p, mode64, size, (b & 2) == 0);
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		return moffs(c, in, p, b, osz);
	case 0xa4: case 0xa5: case 0xaa: case 0xab:
		in->op = b < 0xaa ? X86_OP_MOVS : X86_OP_STOS;
		in->opsize = (uint8_t)size;
		in->rep = p->rep;
		in->mem = (struct x86_mem_operand){ p->seg != X86_SEG_COUNT ? p->seg : X86_SEG_DS, X86_NO_REG,
						    X86_NO_REG, 1, 0 };
		if (in->op == X86_OP_STOS)
			in->src = reg_operand(X86_RAX, size, 0);
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* The operations a LOCK prefix is allowed on, with a memory destination. */
static bool lockable(const struct x86_insn *in)
{
	if (in->dst.kind != X86_OPND_MEM)
		return false;
	return (in->op <= X86_OP_XOR && in->op != X86_OP_CMP) || in->op == X86_OP_XCHG || in->op == X86_OP_BTS ||
	       in->op == X86_OP_BTR || in->op == X86_OP_BTC;
}

int x86_decode(const uint8_t *bytes, size_t len, enum x86_mode mode, struct x86_insn *out)
{
	struct cursor c = { bytes, len < X86_INSN_MAX ? len : X86_INSN_MAX, 0 };
	struct prefixes p = { 0, 0, X86_SEG_COUNT, false, false, false };
	bool mode64 = mode == X86_MODE_LONG64;
	bool wide = mode == X86_MODE_PROT32 || mode == X86_MODE_COMPAT32 || mode64;  /* 32-bit defaults */
	unsigned osz;
	uint8_t b;
	int r;

	memset(out, 0, sizeof(*out));
	for (;;) {
		r = next(&c, &b);
		if (r)
			return r;
		if (mode64 && (b & 0xf0) == 0x40) {
			p.rex = b;  /* counts only when the opcode follows it directly */
			continue;
		}
		if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e)
			p.seg = (b >> 3) & 3;  /* ES CS SS DS in encoding order */
		else if (b == 0x64 || b == 0x65)
			p.seg = b == 0x64 ? X86_SEG_FS : X86_SEG_GS;
		else if (b == 0x66)
			p.opsize = true;
		else if (b == 0x67)
			p.addrsize = true;
		else if (b == 0xf0)
			p.lock = true;
		else if (b == 0xf2 || b == 0xf3)
			p.rep = b;  /* the last of the two wins */
		else
			break;
		p.rex = 0;
	}
	if (mode64)
		osz = (p.rex & 8) ? 8 : (p.opsize ? 2 : 4);  /* REX.W beats 66 */
	else
		osz = wide != p.opsize ? 4 : 2;
	if (mode64)
		out->addrsize = p.addrsize ? 4 : 8;
	else
		out->addrsize = wide != p.addrsize ? 4 : 2;
	out->rex = p.rex;
	out->lock = p.lock;
	r = b == 0x0f ? decode_0f(&c, out, &p, mode64, osz) : decode_1byte(&c, out, &p, mode64, b, osz);
	if (r)
		return r;
	if (p.lock && !lockable(out))
		return -ENOTSUP;  /* the CPU raises #UD */
	out->len = (uint8_t)c.pos;
	return 0;
}
