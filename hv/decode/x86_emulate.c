/* Instruction emulation for MMIO exits: operand addressing through segmentation and paging, RAM or device
 * access, the operations with their RFLAGS, REP string loops, and fetching the instruction bytes. */
#include "x86_emulate.h"

#include <errno.h>
#include <stdbool.h>

#define PAGE_SIZE 4096u

/* Everything one emulation needs, passed around as one pointer. */
struct emu {
	struct x86_cpu_state *s;
	const struct x86_insn *in;
	const struct x86_mem_ops *mem;
	void *ctx;
	struct x86_fault *fault;
	enum x86_mode mode;
};

/* Where an access of `size` bytes lands: one page, or two when it crosses a boundary. */
struct target {
	uint64_t gpa[2];
	unsigned size;
	unsigned split;   /* bytes in the first page */
};

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;
}

static int raise(struct x86_fault *fault, uint8_t vector, uint32_t error, uint64_t addr)
{
	*fault = (struct x86_fault){ vector, error, addr };
	return -EFAULT;
}

static bool canonical(const struct x86_cpu_state *s, uint64_t la)
{
	unsigned bits = (s->cr4 & X86_CR4_LA57) ? 57 : 48;

	return (uint64_t)((int64_t)(la << (64 - bits)) >> (64 - bits)) == la;
}

/* The linear address of offset ea in segment seg for an access of size bytes, after the checks the CPU
 * makes: canonical form in 64-bit mode (where only FS and GS have a base); outside it the segment's limit
 * (expand-up or expand-down) and, in protected mode, presence and type. */
static int linear(struct emu *e, unsigned seg, uint64_t ea, unsigned size, bool write, uint64_t *la)
{
	const struct x86_segment *sg = &e->s->seg[seg];
	uint8_t vector = seg == X86_SEG_SS ? X86_EXC_SS : X86_EXC_GP;
	unsigned type = sg->attr & X86_SEG_ATTR_TYPE;
	bool code = type & 8, expand_down = false;

	if (e->mode == X86_MODE_LONG64) {
		*la = ea + (seg == X86_SEG_FS || seg == X86_SEG_GS ? sg->base : 0);
		if (!canonical(e->s, *la) || !canonical(e->s, *la + size - 1))
			return raise(e->fault, vector, 0, 0);
		return 0;
	}
	if (e->mode != X86_MODE_REAL && e->mode != X86_MODE_VM86) {
		if (!(sg->attr & X86_SEG_ATTR_P) || !(sg->attr & X86_SEG_ATTR_S) || (write && (code || !(type & 2))) ||
		    (!write && code && !(type & 2)))
			return raise(e->fault, vector, 0, 0);
		expand_down = !code && (type & 4);
	}
	if (expand_down) {
		uint64_t upper = (sg->attr & X86_SEG_ATTR_DB) ? UINT32_MAX : UINT16_MAX;

		if (ea <= sg->limit || ea + size - 1 > upper)
			return raise(e->fault, vector, 0, 0);
	} else if (ea + size - 1 > sg->limit) {
		return raise(e->fault, vector, 0, 0);
	}
	*la = (sg->base + ea) & UINT32_MAX;
	return 0;
}

static int translate(struct emu *e, uint64_t la, unsigned access, uint64_t *gpa)
{
	uint32_t error;
	int r;

	if (e->s->cpl == 3)
		access |= X86_ACCESS_USER;
	r = x86_translate(e->s, la, access, e->mem, e->ctx, gpa, &error);
	if (r == -EFAULT)
		return raise(e->fault, X86_EXC_PF, error, la);
	return r;
}

/* Segmentation and paging for an access of size bytes at offset ea of segment seg. */
static int map(struct emu *e, unsigned seg, uint64_t ea, unsigned size, unsigned access, struct target *t)
{
	uint64_t la;
	int r;

	r = linear(e, seg, ea, size, access & X86_ACCESS_WRITE, &la);
	if (r)
		return r;
	t->size = size;
	t->split = PAGE_SIZE - (la & (PAGE_SIZE - 1));
	if (t->split > size)
		t->split = size;
	r = translate(e, la, access, &t->gpa[0]);
	if (r || t->split == size)
		return r;
	la += t->split;
	return translate(e, e->mode == X86_MODE_LONG64 ? la : la & UINT32_MAX, access, &t->gpa[1]);
}

/* One physical access: RAM when read_phys/write_phys take it, else the device behind the address. */
static int phys_access(struct emu *e, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	uint64_t v = write ? *val : 0;
	int r;

	r = write ? e->mem->write_phys(e->ctx, gpa, &v, size) : e->mem->read_phys(e->ctx, gpa, &v, size);
	if (r == -EFAULT)
		r = write ? e->mem->mmio_write(e->ctx, gpa, size, v) : e->mem->mmio_read(e->ctx, gpa, size, &v);
	if (!write)
		*val = v & size_mask(size);
	return r;
}

/* Reads or writes a whole target; one that crosses pages goes byte by byte. */
static int target_access(struct emu *e, const struct target *t, bool write, uint64_t *val)
{
	uint64_t v = 0, b;
	int r;

	if (t->split == t->size)
		return phys_access(e, t->gpa[0], t->size, write, val);
	for (unsigned i = 0; i < t->size; i++) {
		uint64_t gpa = i < t->split ? t->gpa[0] + i : t->gpa[1] + (i - t->split);

		b = (*val >> (8 * i)) & 0xff;
		r = phys_access(e, gpa, 1, write, &b);
		if (r)
			return r;
		v |= b << (8 * i);
	}
	if (!write)
		*val = v;
	return 0;
}

static uint64_t get_reg(const struct x86_cpu_state *s, const struct x86_operand *o)
{
	if (o->high8)
		return (s->gpr[o->reg] >> 8) & 0xff;
	return s->gpr[o->reg] & size_mask(o->size);
}

/* Byte and word writes keep the rest of the register; dword writes zero-extend; AH-BH are bits 8-15. */
static void set_reg(struct x86_cpu_state *s, const struct x86_operand *o, uint64_t v)
{
	uint64_t *reg = &s->gpr[o->reg];

	if (o->high8)
		*reg = (*reg & ~UINT64_C(0xff00)) | ((v & 0xff) << 8);
	else if (o->size < 4)
		*reg = (*reg & ~size_mask(o->size)) | (v & size_mask(o->size));
	else
		*reg = v & size_mask(o->size);
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned shift = 64 - 8 * size;

	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/* ZF, SF and PF of a result of `size` bytes. */
static uint64_t result_flags(uint64_t res, unsigned size)
{
	uint64_t f = 0, p = res & 0xff;

	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		f |= X86_RFLAGS_PF;
	if (!res)
		f |= X86_RFLAGS_ZF;
	if (res >> (8 * size - 1))
		f |= X86_RFLAGS_SF;
	return f;
}

/* The eight ALU operations and TEST on operands of `size` bytes (a, b masked to it), with their flags. */
static uint64_t alu(unsigned op, unsigned size, uint64_t a, uint64_t b, uint64_t *rflags)
{
	uint64_t msb = UINT64_C(1) << (8 * size - 1), carry = 0, res, f = 0;
	bool cf_in = (op == X86_OP_ADC || op == X86_OP_SBB) && (*rflags & X86_RFLAGS_CF);

	switch (op) {
	case X86_OP_ADD: case X86_OP_ADC:
		res = a + b + cf_in;
		carry = (a & b) | ((a | b) & ~res);   /* carry out of each bit */
		if ((a ^ res) & (b ^ res) & msb)
			f |= X86_RFLAGS_OF;
		break;
	case X86_OP_SUB: case X86_OP_SBB: case X86_OP_CMP:
		res = a - b - cf_in;
		carry = (~a & b) | ((~a | b) & res);  /* borrow out of each bit */
		if ((a ^ b) & (a ^ res) & msb)
			f |= X86_RFLAGS_OF;
		break;
	case X86_OP_OR:
		res = a | b;
		break;
	case X86_OP_XOR:
		res = a ^ b;
		break;
	default:  /* AND, TEST */
		res = a & b;
		break;
	}
	res &= size_mask(size);
	if (carry & msb)
		f |= X86_RFLAGS_CF;
	if (op != X86_OP_OR && op != X86_OP_XOR && op != X86_OP_AND && op != X86_OP_TEST && ((a ^ b ^ res) & 0x10))
		f |= X86_RFLAGS_AF;
	*rflags = (*rflags & ~(uint64_t)X86_RFLAGS_STATUS) | f | result_flags(res, size);
	return res;
}

/* BT, BTS, BTR, BTC on a value of `size` bytes: CF receives the bit; the rest of RFLAGS stays. */
static uint64_t bit_op(unsigned op, unsigned size, uint64_t a, uint64_t offset, uint64_t *rflags)
{
	unsigned bit = offset & (8 * size - 1);
	uint64_t m = UINT64_C(1) << bit;

	*rflags = (*rflags & ~(uint64_t)X86_RFLAGS_CF) | ((a & m) ? X86_RFLAGS_CF : 0);
	switch (op) {
	case X86_OP_BTS:
		return a | m;
	case X86_OP_BTR:
		return a & ~m;
	case X86_OP_BTC:
		return a ^ m;
	default:
		return a;
	}
}

/* The memory operand's offset: base + index * scale + displacement (RIP-relative from the next
 * instruction), wrapped to the address size. */
static uint64_t effective(const struct emu *e)
{
	const struct x86_mem_operand *m = &e->in->mem;
	uint64_t ea = (uint64_t)m->disp;

	if (m->base == X86_BASE_RIP)
		ea += e->s->rip + e->in->len;
	else if (m->base != X86_NO_REG)
		ea += e->s->gpr[m->base];
	if (m->index != X86_NO_REG)
		ea += e->s->gpr[m->index] * m->scale;
	return ea & size_mask(e->in->addrsize);
}

/* Every instruction but the string ones: read the operands, compute, write the result and flags. */
static int operate(struct emu *e)
{
	const struct x86_insn *in = e->in;
	struct x86_cpu_state *s = e->s;
	bool bitop = in->op >= X86_OP_BT && in->op <= X86_OP_BTC;
	bool writes = in->op != X86_OP_CMP && in->op != X86_OP_TEST && in->op != X86_OP_BT;
	bool mem_dst = in->dst.kind == X86_OPND_MEM;
	uint64_t a = 0, b = 0, res, rflags = s->rflags;
	struct target t;
	int r;

	if (in->src.kind == X86_OPND_IMM)
		b = in->imm;
	else if (in->src.kind == X86_OPND_REG)
		b = get_reg(s, &in->src);
	if (in->dst.kind == X86_OPND_REG)
		a = get_reg(s, &in->dst);
	if (mem_dst || in->src.kind == X86_OPND_MEM) {
		uint64_t ea = effective(e);
		unsigned size = mem_dst ? in->dst.size : in->src.size;

		if (bitop && mem_dst && in->src.kind == X86_OPND_REG) {
			/* A register bit offset is signed and may select an operand before or after this one. */
			unsigned log2_bits = size == 2 ? 4 : size == 4 ? 5 : 6;

			ea += (uint64_t)((int64_t)sign_extend(b, size) >> log2_bits) * size;
			ea &= size_mask(in->addrsize);
		}
		r = map(e, in->mem.seg, ea, size, mem_dst && writes ? X86_ACCESS_WRITE : X86_ACCESS_READ, &t);
		if (r)
			return r;
		if (!mem_dst)
			r = target_access(e, &t, false, &b);
		else if (in->op != X86_OP_MOV)
			r = target_access(e, &t, false, &a);
		if (r)
			return r;
	}
	switch (in->op) {
	case X86_OP_MOV: case X86_OP_MOVZX: case X86_OP_XCHG:
		res = b;
		break;
	case X86_OP_MOVSX:
		res = sign_extend(b, in->src.size);
		break;
	case X86_OP_BT: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC:
		res = bit_op(in->op, in->opsize, a, b, &rflags);
		break;
	default:
		res = alu(in->op, in->opsize, a, b & size_mask(in->opsize), &rflags);
		break;
	}
	if (writes && mem_dst) {
		res &= size_mask(in->dst.size);
		r = target_access(e, &t, true, &res);
		if (r)
			return r;
	} else if (writes) {
		set_reg(s, &in->dst, res);
	}
	if (in->op == X86_OP_XCHG)
		set_reg(s, &in->src, a);
	s->rflags = rflags;
	return 0;
}

/* MOVS and STOS, once or under REP for rCX times (the address size picks rCX/rSI/rDI's width), stepping
 * by RFLAGS.DF. Returns with *done false when X86_REP_MAX iterations left some for the guest to redo. */
static int string_op(struct emu *e, bool *done)
{
	const struct x86_insn *in = e->in;
	struct x86_cpu_state *s = e->s;
	struct x86_operand rcx = { X86_OPND_REG, in->addrsize, X86_RCX, false };
	struct x86_operand rsi = { X86_OPND_REG, in->addrsize, X86_RSI, false };
	struct x86_operand rdi = { X86_OPND_REG, in->addrsize, X86_RDI, false };
	uint64_t step = (s->rflags & X86_RFLAGS_DF) ? -(uint64_t)in->opsize : in->opsize;
	uint64_t count = in->rep ? get_reg(s, &rcx) : 1;
	struct target src, dst;
	uint64_t val;
	int r;

	for (unsigned n = 0; count && n < X86_REP_MAX; n++) {
		if (in->op == X86_OP_MOVS) {
			r = map(e, in->mem.seg, get_reg(s, &rsi), in->opsize, X86_ACCESS_READ, &src);
			if (r)
				return r;
		}
		r = map(e, X86_SEG_ES, get_reg(s, &rdi), in->opsize, X86_ACCESS_WRITE, &dst);
		if (r)
			return r;
		if (in->op == X86_OP_MOVS) {
			r = target_access(e, &src, false, &val);
			if (r)
				return r;
			set_reg(s, &rsi, get_reg(s, &rsi) + step);
		} else {
			val = get_reg(s, &in->src);
		}
		r = target_access(e, &dst, true, &val);
		if (r)
			return r;
		set_reg(s, &rdi, get_reg(s, &rdi) + step);
		count--;
		if (in->rep)
			set_reg(s, &rcx, count);
	}
	*done = count == 0;
	return 0;
}

int x86_emulate_mmio(struct x86_cpu_state *s, const struct x86_insn *insn, const struct x86_mem_ops *mem,
		     void *ctx, struct x86_fault *fault)
{
	struct emu e = { s, insn, mem, ctx, fault, x86_cpu_mode(s) };
	bool done = true;
	int r;

	if (insn->op == X86_OP_MOVS || insn->op == X86_OP_STOS)
		r = string_op(&e, &done);
	else
		r = operate(&e);
	if (r || !done)
		return r;
	s->rip += insn->len;
	if (e.mode != X86_MODE_LONG64)  /* IP or EIP wraps with the code segment's size */
		s->rip &= (s->seg[X86_SEG_CS].attr & X86_SEG_ATTR_DB) && e.mode != X86_MODE_REAL &&
			  e.mode != X86_MODE_VM86 ? UINT32_MAX : UINT16_MAX;
	return 0;
}

int x86_fetch(const struct x86_cpu_state *s, const struct x86_mem_ops *mem, void *ctx, uint8_t *bytes,
	      size_t *len, struct x86_fault *fault)
{
	enum x86_mode mode = x86_cpu_mode(s);
	const struct x86_segment *cs = &s->seg[X86_SEG_CS];
	unsigned access = X86_ACCESS_EXEC | (s->cpl == 3 ? X86_ACCESS_USER : 0);
	size_t avail = X86_INSN_MAX;
	uint64_t la = s->rip, gpa;
	uint32_t error;
	int r;

	*len = 0;
	if (mode == X86_MODE_LONG64) {
		while (avail && !(canonical(s, la) && canonical(s, la + avail - 1)))
			avail--;
	} else {
		la &= UINT32_MAX;
		if (la > cs->limit)
			avail = 0;
		else if (cs->limit - la < avail - 1)
			avail = cs->limit - la + 1;
		la = (cs->base + la) & UINT32_MAX;
	}
	while (*len < avail) {
		size_t chunk = PAGE_SIZE - (la & (PAGE_SIZE - 1));

		if (chunk > avail - *len)
			chunk = avail - *len;
		r = x86_translate(s, la, access, mem, ctx, &gpa, &error);
		if (r == -EFAULT)
			return raise(fault, X86_EXC_PF, error, la);
		if (r)
			return r;
		r = mem->read_phys(ctx, gpa, bytes + *len, chunk);
		if (r)
			return r == -EFAULT ? -ENXIO : r;
		*len += chunk;
		la = mode == X86_MODE_LONG64 ? la + chunk : (la + chunk) & UINT32_MAX;
	}
	return avail < X86_INSN_MAX ? raise(fault, X86_EXC_GP, 0, 0) : 0;
}
