/* Unit tests for hv/decode/x86_emulate.c, the instructions: every form against a fake device and fake RAM
 * under real page tables; RFLAGS of the ALU and BT operations compared with what this CPU computes for
 * random operands; REP string loops. */
#include "x86_fake_guest.h"

/* Reference results from this CPU: `insn` on registers, status flags in and out through the stack. The
 * 128-byte step over the red zone keeps the pushes off the compiler's locals. */
#define HOST_ASM(insn, sfx, mod)                                                                             \
	__asm__("sub $128, %%rsp\n\tpush %[f]\n\tpopf\n\t" insn sfx " %" mod "[b], %" mod "[a]\n\t"             \
		"pushf\n\tpop %[f]\n\tadd $128, %%rsp" : [a] "+r"(a), [f] "+r"(f) : [b] "r"(b) : "cc")

#define HOST_OP(name, insn)                                                                                  \
	static uint64_t host_##name(unsigned size, uint64_t a, uint64_t b, uint64_t *flags)                 \
	{                                                                                                     \
		uint64_t f = *flags;                                                                          \
		if (size == 1)                                                                                \
			HOST_ASM(insn, "b", "b");                                                             \
		else if (size == 2)                                                                           \
			HOST_ASM(insn, "w", "w");                                                             \
		else if (size == 4)                                                                           \
			HOST_ASM(insn, "l", "k");                                                             \
		else                                                                                          \
			HOST_ASM(insn, "q", "q");                                                             \
		*flags = f;                                                                                   \
		return a;                                                                                     \
	}

/* The BT family has no byte form. */
#define HOST_BT(name, insn)                                                                                  \
	static uint64_t host_##name(unsigned size, uint64_t a, uint64_t b, uint64_t *flags)                 \
	{                                                                                                     \
		uint64_t f = *flags;                                                                          \
		if (size == 2)                                                                                \
			HOST_ASM(insn, "w", "w");                                                             \
		else if (size == 4)                                                                           \
			HOST_ASM(insn, "l", "k");                                                             \
		else                                                                                          \
			HOST_ASM(insn, "q", "q");                                                             \
		*flags = f;                                                                                   \
		return a;                                                                                     \
	}

HOST_OP(add, "add")
HOST_OP(or, "or")
HOST_OP(adc, "adc")
HOST_OP(sbb, "sbb")
HOST_OP(and, "and")
HOST_OP(sub, "sub")
HOST_OP(xor, "xor")
HOST_OP(cmp, "cmp")
HOST_OP(test, "test")
HOST_BT(bt, "bt")
HOST_BT(bts, "bts")
HOST_BT(btr, "btr")
HOST_BT(btc, "btc")

typedef uint64_t (*host_fn)(unsigned size, uint64_t a, uint64_t b, uint64_t *flags);
static const host_fn host[] = {
	[X86_OP_ADD] = host_add, [X86_OP_OR] = host_or, [X86_OP_ADC] = host_adc, [X86_OP_SBB] = host_sbb,
	[X86_OP_AND] = host_and, [X86_OP_SUB] = host_sub, [X86_OP_XOR] = host_xor, [X86_OP_CMP] = host_cmp,
	[X86_OP_TEST] = host_test, [X86_OP_BT] = host_bt, [X86_OP_BTS] = host_bts, [X86_OP_BTR] = host_btr,
	[X86_OP_BTC] = host_btc,
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Operands worth trying: signed and unsigned boundaries of every size, and random ones. */
static uint64_t pick(void)
{
	static const uint64_t edge[] = { 0, 1, 2, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
					 0x7fffffff, 0x80000000, 0xffffffff, INT64_MAX, (uint64_t)INT64_MIN,
					 UINT64_MAX };
	uint64_t r = rnd();

	return (r & 3) ? rnd() >> (r >> 58) : edge[(r >> 8) % (sizeof(edge) / sizeof(edge[0]))];
}

static uint64_t mask_of(unsigned size)
{
	return size == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;
}

static int emu_raw(const uint8_t *b, size_t n)
{
	struct x86_insn in;

	if (!CHECK_EQ(x86_decode(b, n, x86_cpu_mode(&st), &in), 0) || !CHECK_EQ(in.len, n))
		return -999;
	return x86_emulate_mmio(&st, &in, &ops, &fk, &fault);
}

/* Prefixes for an operand size in 64-bit mode; returns their count. */
static size_t size_prefix(uint8_t *b, unsigned size)
{
	if (size == 2)
		b[0] = 0x66;
	else if (size == 8)
		b[0] = 0x48;
	return size == 2 || size == 8;
}

/* One ALU or TEST case in three forms, "op [mem], reg", "op reg, [mem]" and "op [mem], imm8", each checked
 * against the host for result and flags. */
static void alu_case(unsigned op, unsigned size, uint64_t a, uint64_t b, uint64_t fin)
{
	uint64_t status = op <= X86_OP_CMP && op != X86_OP_OR && op != X86_OP_AND && op != X86_OP_XOR ?
		X86_RFLAGS_STATUS : X86_RFLAGS_STATUS & ~X86_RFLAGS_AF;
	uint64_t want_flags = fin, want, junk = rnd() & ~mask_of(size);
	int8_t imm = (int8_t)rnd();
	uint8_t code[8];
	size_t n = size_prefix(code, size);
	bool writes = op != X86_OP_CMP && op != X86_OP_TEST;

	b &= mask_of(size);
	/* op [rdi], rcx */
	want = host[op](size, a, b, &want_flags) & mask_of(size);
	code[n] = op == X86_OP_TEST ? 0x84 + (size > 1) : (uint8_t)(op * 8 + (size > 1));
	code[n + 1] = 0x0f;
	memcpy(fk.regs, &a, 8);
	st.gpr[X86_RDI] = MMIO_BASE;
	st.gpr[X86_RCX] = b | junk;
	st.rflags = fin;
	CHECK_EQ(emu_raw(code, n + 2), 0);
	CHECK_EQ(reg_value(0, size), writes ? want : a & mask_of(size));
	if (!CHECK_EQ(st.rflags & status, want_flags & status))
		printf("  op %u size %u a %#llx b %#llx flags in %#llx\n", op, size, (unsigned long long)a,
		       (unsigned long long)b, (unsigned long long)fin);
	if (op == X86_OP_TEST)
		return;

	/* op rcx, [rdi]: the register result zero-extends at 32 bits and merges below. */
	want_flags = fin;
	want = host[op](size, b, a, &want_flags) & mask_of(size);
	code[n] = (uint8_t)(op * 8 + 2 + (size > 1));
	memcpy(fk.regs, &a, 8);
	st.gpr[X86_RCX] = b | junk;
	st.rflags = fin;
	CHECK_EQ(emu_raw(code, n + 2), 0);
	CHECK_EQ(st.gpr[X86_RCX], !writes ? (b | junk) : size == 4 ? want : want | junk);
	CHECK_EQ(st.rflags & status, want_flags & status);

	/* 80 or 83 /op [rdi], imm8: sign-extended to the operand size. */
	want_flags = fin;
	want = host[op](size, a, (uint64_t)(int64_t)imm, &want_flags) & mask_of(size);
	code[n] = size == 1 ? 0x80 : 0x83;
	code[n + 1] = (uint8_t)(op << 3 | 7);
	code[n + 2] = (uint8_t)imm;
	memcpy(fk.regs, &a, 8);
	st.rflags = fin;
	CHECK_EQ(emu_raw(code, n + 3), 0);
	CHECK_EQ(reg_value(0, size), writes ? want : a & mask_of(size));
	CHECK_EQ(st.rflags & status, want_flags & status);
}

/* BT* as "op eax, ecx" (register forms mask the offset) and "op [mem], imm8", against the host. */
static void bt_case(unsigned op, unsigned size, uint64_t a, uint64_t b, uint64_t fin)
{
	static const uint8_t reg_opcode[4] = { 0xa3, 0xab, 0xb3, 0xbb };
	uint64_t want_flags = fin, want = host[op](size, a, b, &want_flags) & mask_of(size);
	uint8_t code[8];
	size_t n = size_prefix(code, size);

	code[n] = 0x0f;
	code[n + 1] = reg_opcode[op - X86_OP_BT];
	code[n + 2] = 0xc8;
	st.gpr[X86_RAX] = a;
	st.gpr[X86_RCX] = b;
	st.rflags = fin;
	CHECK_EQ(emu_raw(code, n + 3), 0);
	CHECK_EQ(st.gpr[X86_RAX] & mask_of(size), op == X86_OP_BT ? a & mask_of(size) : want);
	CHECK_EQ(st.rflags & X86_RFLAGS_CF, want_flags & X86_RFLAGS_CF);
	CHECK_EQ(st.rflags & ~(uint64_t)X86_RFLAGS_CF, fin & ~(uint64_t)X86_RFLAGS_CF);

	want_flags = fin;
	want = host[op](size, a, b & 0xff, &want_flags) & mask_of(size);
	code[n + 1] = 0xba;
	code[n + 2] = (uint8_t)((4 + op - X86_OP_BT) << 3 | 7);
	code[n + 3] = (uint8_t)b;
	memcpy(fk.regs, &a, 8);
	st.gpr[X86_RDI] = MMIO_BASE;
	st.rflags = fin;
	CHECK_EQ(emu_raw(code, n + 4), 0);
	CHECK_EQ(reg_value(0, size), op == X86_OP_BT ? a & mask_of(size) : want);
	CHECK_EQ(st.rflags & X86_RFLAGS_CF, want_flags & X86_RFLAGS_CF);
}

static void test_against_host(void)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };

	reset_long();
	for (unsigned i = 0; i < 300; i++) {
		for (unsigned s = 0; s < 4; s++) {
			uint64_t fin = (rnd() & X86_RFLAGS_STATUS) | 2;

			for (unsigned op = X86_OP_ADD; op <= X86_OP_TEST; op++)
				alu_case(op, sizes[s], pick(), pick(), fin);
			for (unsigned op = X86_OP_BT; op <= X86_OP_BTC && s; op++)
				bt_case(op, sizes[s], pick(), pick(), fin);
		}
	}
}

static void test_mov(void)
{
	const uint64_t pattern = 0xf0debc9a78563412ull;

	reset_long();
	st.gpr[X86_RDI] = MMIO_BASE + 0x10;
	st.gpr[X86_RAX] = 0x1122334455667788ull;
	CHECK_EQ(emu("48 89 07"), 0);
	CHECK_EQ(reg_value(0x10, 8), 0x1122334455667788ull);
	CHECK_EQ(fk.nlog, 1);
	CHECK(fk.log[0].write && fk.log[0].size == 8 && fk.log[0].gpa == MMIO_BASE + 0x10);
	CHECK_EQ(st.rip, 0x100003);
	memset(fk.regs + 0x10, 0, 8);
	CHECK_EQ(emu("89 07"), 0);
	CHECK_EQ(reg_value(0x10, 8), 0x55667788);
	CHECK_EQ(emu("66 89 47 04"), 0);
	CHECK_EQ(reg_value(0x10, 8), 0x778855667788ull);
	CHECK_EQ(emu("88 67 07"), 0);  /* AH */
	CHECK_EQ(reg_value(0x17, 1), 0x77);
	CHECK_EQ(fk.log[3].size, 1);

	memcpy(fk.regs + 0x10, &pattern, 8);
	st.gpr[X86_RAX] = UINT64_MAX;
	CHECK_EQ(emu("8b 07"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0x78563412);
	st.gpr[X86_RAX] = UINT64_MAX;
	CHECK_EQ(emu("66 8b 07"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0xffffffffffff3412ull);
	CHECK_EQ(emu("8a 27"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0xffffffffffff1212ull);
	CHECK_EQ(emu("44 8a 47 07"), 0);
	CHECK_EQ(st.gpr[X86_R8] & 0xff, 0xf0);
	CHECK_EQ(emu("48 8b 07"), 0);
	CHECK_EQ(st.gpr[X86_RAX], pattern);
	CHECK_EQ(emu("0f b6 07"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0x12);
	CHECK_EQ(emu("0f b7 47 04"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0xbc9a);
	CHECK_EQ(emu("48 0f bf 47 06"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0xfffffffffffff0deull);
	st.gpr[X86_RBX] = 0x5555555555555555ull;
	CHECK_EQ(emu("66 0f be 5f 07"), 0);
	CHECK_EQ(st.gpr[X86_RBX], 0x555555555555fff0ull);
	CHECK_EQ(emu("0f be 5f 01"), 0);
	CHECK_EQ(st.gpr[X86_RBX], 0x34);
	CHECK_EQ(emu("48 63 47 04"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0xfffffffff0debc9aull);
	CHECK_EQ(emu("63 47 04"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0xf0debc9a);
	CHECK_EQ(emu("c6 47 01 aa"), 0);
	CHECK_EQ(reg_value(0x11, 1), 0xaa);
	CHECK_EQ(emu("48 c7 47 08 00 00 00 80"), 0);
	CHECK_EQ(reg_value(0x18, 8), 0xffffffff80000000ull);
	CHECK_EQ(emu("66 c7 47 08 34 12"), 0);
	CHECK_EQ(reg_value(0x18, 8), 0xffffffff80001234ull);

	/* Absolute offsets, RIP-relative, and a memory operand that is RAM after all. */
	CHECK_EQ(emu("a1 10 00 e0 fe 00 00 00 00"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0x7856aa12);
	CHECK_EQ(emu("48 a3 20 00 e0 fe 00 00 00 00"), 0);
	CHECK_EQ(reg_value(0x20, 8), 0x7856aa12);
	CHECK_EQ(emu("a2 28 00 e0 fe 00 00 00 00"), 0);
	CHECK_EQ(reg_value(0x28, 1), 0x12);
	st.rip = MMIO_BASE - 0x100;
	CHECK_EQ(emu("8b 05 0a 01 00 00"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0x7856aa12);
	CHECK_EQ(st.rip, MMIO_BASE - 0x100 + 6);
	fk.nlog = 0;
	st.gpr[X86_RBX] = 0x5000;
	CHECK_EQ(emu("89 03"), 0);
	CHECK_EQ(get64(0x5000), 0x7856aa12);
	CHECK_EQ(fk.nlog, 0);

	/* XCHG swaps a register with memory, AH included. */
	st.gpr[X86_RAX] = 0x0102030405060708ull;
	CHECK_EQ(emu("48 87 07"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0xf0debc9a7856aa12ull);
	CHECK_EQ(reg_value(0x10, 8), 0x0102030405060708ull);
	CHECK_EQ(emu("86 27"), 0);
	CHECK_EQ(st.gpr[X86_RAX], 0xf0debc9a78560812ull);
	CHECK_EQ(reg_value(0x10, 1), 0xaa);
	CHECK_EQ(emu("87 07"), 0);  /* 32-bit: zero-extends */
	CHECK_EQ(st.gpr[X86_RAX], 0x050607aa);
}

static void test_bt_memory(void)
{
	reset_long();
	st.gpr[X86_RDI] = MMIO_BASE + 0x10;
	memset(fk.regs, 0x0f, 0x40);
	CHECK_EQ(emu("0f ba 27 03"), 0);
	CHECK_EQ(st.rflags & X86_RFLAGS_CF, X86_RFLAGS_CF);
	CHECK_EQ(fk.log[0].gpa, MMIO_BASE + 0x10);
	st.gpr[X86_RCX] = 36;  /* the next dword, bit 4 */
	CHECK_EQ(emu("0f a3 0f"), 0);
	CHECK_EQ(st.rflags & X86_RFLAGS_CF, 0);
	CHECK_EQ(fk.log[1].gpa, MMIO_BASE + 0x14);
	st.gpr[X86_RCX] = 0xffffffff;  /* -1: bit 31 of the dword before */
	CHECK_EQ(emu("0f ab 0f"), 0);
	CHECK_EQ(st.rflags & X86_RFLAGS_CF, 0);
	CHECK_EQ(fk.log[2].gpa, MMIO_BASE + 0xc);
	CHECK_EQ(reg_value(0xc, 4), 0x8f0f0f0f);
	st.gpr[X86_RCX] = 64 + 2;
	CHECK_EQ(emu("48 0f b3 0f"), 0);
	CHECK_EQ(st.rflags & X86_RFLAGS_CF, X86_RFLAGS_CF);
	CHECK_EQ(reg_value(0x18, 8), 0x0f0f0f0f0f0f0f0bull);
	st.gpr[X86_RCX] = 0x1234fff0;  /* cx = -16: the word before */
	CHECK_EQ(emu("66 0f bb 0f"), 0);
	CHECK_EQ(fk.log[fk.nlog - 1].gpa, MMIO_BASE + 0xe);
	CHECK_EQ(reg_value(0xe, 2), 0x8f0e);
	CHECK_EQ(emu("f0 0f ba 3f 21"), 0);  /* imm 33 is bit 1 of a dword */
	CHECK_EQ(reg_value(0x10, 4), 0x0f0f0f0d);
}

static void test_string(void)
{
	reset_long();
	st.gpr[X86_RDI] = MMIO_BASE;
	st.gpr[X86_RCX] = 5;
	st.gpr[X86_RAX] = 0x11223344;
	CHECK_EQ(emu("f3 ab"), 0);
	CHECK_EQ(fk.nlog, 5);
	CHECK_EQ(fk.log[4].gpa, MMIO_BASE + 16);
	CHECK_EQ(reg_value(16, 4), 0x11223344);
	CHECK_EQ(st.gpr[X86_RCX], 0);
	CHECK_EQ(st.gpr[X86_RDI], MMIO_BASE + 20);
	CHECK_EQ(st.rip, 0x100002);
	CHECK_EQ(emu("f3 ab"), 0);  /* count 0: nothing touched, RIP moves on */
	CHECK_EQ(fk.nlog, 5);
	CHECK_EQ(st.rip, 0x100004);
	st.rflags |= X86_RFLAGS_DF;
	st.gpr[X86_RDI] = MMIO_BASE + 0x100;
	st.gpr[X86_RCX] = 3;
	CHECK_EQ(emu("f3 aa"), 0);
	CHECK_EQ(fk.log[7].gpa, MMIO_BASE + 0xfe);
	CHECK_EQ(st.gpr[X86_RDI], MMIO_BASE + 0xfd);
	st.gpr[X86_RCX] = 7;
	CHECK_EQ(emu("48 ab"), 0);  /* no REP: once, RCX untouched */
	CHECK_EQ(st.gpr[X86_RCX], 7);
	CHECK_EQ(st.gpr[X86_RDI], MMIO_BASE + 0xf5);
	st.rflags &= ~(uint64_t)X86_RFLAGS_DF;

	/* The iteration cap: RIP stays until the count is done. */
	st.rip = 0x100000;
	st.gpr[X86_RDI] = 0x200000;
	st.gpr[X86_RCX] = X86_REP_MAX + 904;
	CHECK_EQ(emu("f3 aa"), 0);
	CHECK_EQ(st.gpr[X86_RCX], 904);
	CHECK_EQ(st.gpr[X86_RDI], 0x200000 + X86_REP_MAX);
	CHECK_EQ(st.rip, 0x100000);
	CHECK_EQ(emu("f3 aa"), 0);
	CHECK_EQ(st.gpr[X86_RCX], 0);
	CHECK_EQ(st.rip, 0x100002);
	CHECK_EQ(fk.ram[0x200000 + X86_REP_MAX + 903], 0x44);
	CHECK_EQ(fk.ram[0x200000 + X86_REP_MAX + 904], 0);

	/* MOVS from RAM to the device and back, with an FS override on the source. */
	for (unsigned i = 0; i < 64; i++)
		fk.ram[0x3000 + i] = (uint8_t)i;
	fk.nlog = 0;
	st.gpr[X86_RSI] = 0x3000;
	st.gpr[X86_RDI] = MMIO_BASE + 0x40;
	st.gpr[X86_RCX] = 4;
	CHECK_EQ(emu("f3 48 a5"), 0);
	CHECK_EQ(fk.nlog, 4);
	CHECK(memcmp(fk.regs + 0x40, fk.ram + 0x3000, 32) == 0);
	CHECK_EQ(st.gpr[X86_RSI], 0x3020);
	st.seg[X86_SEG_FS].base = MMIO_BASE;
	st.gpr[X86_RSI] = 0x40;
	st.gpr[X86_RDI] = 0x4000;
	st.gpr[X86_RCX] = 8;
	CHECK_EQ(emu("f3 64 a4"), 0);
	CHECK_EQ(fk.nlog, 12);
	CHECK(!fk.log[11].write && fk.log[11].gpa == MMIO_BASE + 0x47);
	CHECK(memcmp(fk.ram + 0x4000, fk.ram + 0x3000, 8) == 0);

	/* A faulting destination: the source device is not read, and done iterations stay done. */
	map4k(HIGH, 0x6000, 3);
	fk.nlog = 0;
	st.rip = 0x100000;
	st.gpr[X86_RSI] = MMIO_BASE;
	st.gpr[X86_RDI] = HIGH + 0xffe;
	st.gpr[X86_RCX] = 4;
	CHECK_EQ(emu("f3 a4"), -EFAULT);
	CHECK_EQ(fault.vector, X86_EXC_PF);
	CHECK_EQ(fault.addr, HIGH + 0x1000);
	CHECK_EQ(fault.error, X86_PF_W);
	CHECK_EQ(fk.nlog, 2);
	CHECK_EQ(st.gpr[X86_RCX], 2);
	CHECK_EQ(st.rip, 0x100000);

	/* 16-bit addressing: DI and CX wrap in their low halves, the high halves stay. */
	reset_real();
	st.seg[X86_SEG_ES] = (struct x86_segment){ 0x10000, 0xffff, 0x1000, 0x93 };
	st.gpr[X86_RDI] = 0x1234fffe;
	st.gpr[X86_RCX] = 0xabcd0003;
	st.gpr[X86_RAX] = 0x5a;
	CHECK_EQ(emu("f3 aa"), 0);
	CHECK_EQ(fk.ram[0x1fffe], 0x5a);
	CHECK_EQ(fk.ram[0x1ffff], 0x5a);
	CHECK_EQ(fk.ram[0x10000], 0x5a);
	CHECK_EQ(st.gpr[X86_RDI], 0x12340001);
	CHECK_EQ(st.gpr[X86_RCX], 0xabcd0000);
}

int main(void)
{
	test_mov();
	test_bt_memory();
	test_string();
	test_against_host();
	return check_summary();
}
