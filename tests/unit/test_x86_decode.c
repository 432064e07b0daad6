/* Unit tests for hv/decode/x86_decode.c: every supported encoding checked against a table of expected
 * decodes, written as text, in each mode; every truncation of each; prefix rules; rejected encodings. */
#include "../../hv/decode/x86_decode.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum { R = X86_MODE_REAL, V86 = X86_MODE_VM86, P16 = X86_MODE_PROT16, P32 = X86_MODE_PROT32,
       C32 = X86_MODE_COMPAT32, L64 = X86_MODE_LONG64 };

static const char *const op_names[] = {
	"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test", "mov", "movzx", "movsx", "xchg",
	"bt", "bts", "btr", "btc", "movs", "stos",
};
static const char *const seg_names[] = { "es", "cs", "ss", "ds", "fs", "gs" };
static const char *const reg64[] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
				     "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
static const char *const reg32[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
				     "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
static const char *const reg16[] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
				     "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
static const char *const reg8[] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
				    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };
static const char *const reg8h[] = { "ah", "ch", "dh", "bh" };

static size_t fmt_mem(char *p, size_t n, const struct x86_insn *in, unsigned size)
{
	const struct x86_mem_operand *m = &in->mem;
	size_t k = (size_t)snprintf(p, n, "%s:[", seg_names[m->seg]);
	const char *sep = "";

	if (m->base == X86_BASE_RIP) {
		k += (size_t)snprintf(p + k, n - k, "rip");
		sep = "+";
	} else if (m->base != X86_NO_REG) {
		k += (size_t)snprintf(p + k, n - k, "%s", reg64[m->base]);
		sep = "+";
	}
	if (m->index != X86_NO_REG) {
		k += (size_t)snprintf(p + k, n - k, "%s%s*%u", sep, reg64[m->index], m->scale);
		sep = "+";
	}
	if (m->disp < 0 && *sep)
		k += (size_t)snprintf(p + k, n - k, "-0x%llx", (unsigned long long)-(uint64_t)m->disp);
	else if (m->disp || !*sep)
		k += (size_t)snprintf(p + k, n - k, "%s0x%llx", sep, (unsigned long long)m->disp);
	return k + (size_t)snprintf(p + k, n - k, "].%u", size);
}

static size_t fmt_operand(char *p, size_t n, const struct x86_insn *in, const struct x86_operand *o)
{
	switch (o->kind) {
	case X86_OPND_REG:
		if (o->high8)
			return (size_t)snprintf(p, n, "%s", reg8h[o->reg]);
		return (size_t)snprintf(p, n, "%s", (o->size == 8 ? reg64 : o->size == 4 ? reg32 :
						     o->size == 2 ? reg16 : reg8)[o->reg]);
	case X86_OPND_MEM:
		return fmt_mem(p, n, in, o->size);
	case X86_OPND_IMM:
		return (size_t)snprintf(p, n, "$0x%llx", (unsigned long long)in->imm);
	default:
		return (size_t)snprintf(p, n, "-");
	}
}

/* One line per decode: "op/size len=N a=N [lock] [rep|repne] dst, src", string ops naming the segment. */
static void fmt(char *p, size_t n, const struct x86_insn *in)
{
	size_t k = (size_t)snprintf(p, n, "%s/%u len=%u a=%u%s%s", op_names[in->op], in->opsize, in->len,
				    in->addrsize, in->lock ? " lock" : "",
				    in->rep == X86_PREFIX_REP ? " rep" : in->rep == X86_PREFIX_REPNE ? " repne" : "");

	if (in->op == X86_OP_MOVS || in->op == X86_OP_STOS) {
		k += (size_t)snprintf(p + k, n - k, " %s", in->op == X86_OP_MOVS ? seg_names[in->mem.seg] : "es");
		if (in->op == X86_OP_STOS) {
			k += (size_t)snprintf(p + k, n - k, ", ");
			fmt_operand(p + k, n - k, in, &in->src);
		}
		return;
	}
	k += (size_t)snprintf(p + k, n - k, " ");
	k += fmt_operand(p + k, n - k, in, &in->dst);
	k += (size_t)snprintf(p + k, n - k, ", ");
	fmt_operand(p + k, n - k, in, &in->src);
}

static size_t parse_hex(const char *hex, uint8_t *out)
{
	size_t n = 0;

	while (*hex) {
		while (*hex == ' ')
			hex++;
		if (!*hex)
			break;
		out[n++] = (uint8_t)strtoul(hex, (char **)&hex, 16);
	}
	return n;
}

/* Decodes from a heap copy of exactly len bytes, so that ASan sees any read past them. */
static int decode_exact(const uint8_t *bytes, size_t len, int mode, struct x86_insn *in)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, bytes, len);
	r = x86_decode(copy, len, (enum x86_mode)mode, in);
	free(copy);
	return r;
}

struct expect {
	int mode;
	const char *hex;
	const char *want;  /* the formatted decode, or NULL when decoding fails with -ENOTSUP */
};

static const struct expect table[] = {
	/* MOV 88-8B: registers, REX, high bytes, every addressing form in 64-bit mode. */
	{ L64, "88 07", "mov/1 len=2 a=8 ds:[rdi].1, al" },
	{ L64, "88 27", "mov/1 len=2 a=8 ds:[rdi].1, ah" },
	{ L64, "40 88 27", "mov/1 len=3 a=8 ds:[rdi].1, spl" },
	{ L64, "89 07", "mov/4 len=2 a=8 ds:[rdi].4, eax" },
	{ L64, "48 89 07", "mov/8 len=3 a=8 ds:[rdi].8, rax" },
	{ L64, "66 89 07", "mov/2 len=3 a=8 ds:[rdi].2, ax" },
	{ L64, "66 48 89 07", "mov/8 len=4 a=8 ds:[rdi].8, rax" },
	{ L64, "48 66 89 07", "mov/2 len=4 a=8 ds:[rdi].2, ax" },     /* REX not last: ignored */
	{ L64, "4c 89 04 24", "mov/8 len=4 a=8 ss:[rsp].8, r8" },
	{ L64, "4c 89 44 24 08", "mov/8 len=5 a=8 ss:[rsp+0x8].8, r8" },
	{ L64, "45 89 7c 24 f0", "mov/4 len=5 a=8 ds:[r12-0x10].4, r15d" },
	{ L64, "8b 05 78 56 34 12", "mov/4 len=6 a=8 eax, ds:[rip+0x12345678].4" },
	{ L64, "67 8b 05 f0 ff ff ff", "mov/4 len=7 a=4 eax, ds:[rip-0x10].4" },
	{ L64, "8b 04 25 00 10 00 00", "mov/4 len=7 a=8 eax, ds:[0x1000].4" },
	{ L64, "42 8b 04 a0", "mov/4 len=4 a=8 eax, ds:[rax+r12*4].4" },
	{ L64, "8b 04 60", "mov/4 len=3 a=8 eax, ds:[rax].4" },
	{ L64, "41 8b 45 00", "mov/4 len=4 a=8 eax, ds:[r13].4" },
	{ L64, "41 8b 04 24", "mov/4 len=4 a=8 eax, ds:[r12].4" },
	{ L64, "8b 84 88 00 01 00 00", "mov/4 len=7 a=8 eax, ds:[rax+rcx*4+0x100].4" },
	{ L64, "8b 04 cd 00 00 e0 fe", "mov/4 len=7 a=8 eax, ds:[rcx*8-0x1200000].4" },
	{ L64, "8b 44 2d 00", "mov/4 len=4 a=8 eax, ss:[rbp+rbp*1].4" },
	{ L64, "64 48 8b 04 25 28 00 00 00", "mov/8 len=9 a=8 rax, fs:[0x28].8" },
	{ L64, "65 8a 06", "mov/1 len=3 a=8 al, gs:[rsi].1" },
	{ L64, "8a 65 fc", "mov/1 len=3 a=8 ah, ss:[rbp-0x4].1" },
	{ L64, "26 8a 65 fc", "mov/1 len=4 a=8 ah, es:[rbp-0x4].1" },
	{ L64, "89 c8", "mov/4 len=2 a=8 eax, ecx" },
	{ L64, "88 e0", "mov/1 len=2 a=8 al, ah" },
	{ L64, "4d 8b c1", "mov/8 len=3 a=8 r8, r9" },
	/* MOV C6/C7 /0 and A0-A3. */
	{ L64, "c6 07 ff", "mov/1 len=3 a=8 ds:[rdi].1, $0xffffffffffffffff" },
	{ L64, "66 c7 07 34 12", "mov/2 len=5 a=8 ds:[rdi].2, $0x1234" },
	{ L64, "c7 07 78 56 34 12", "mov/4 len=6 a=8 ds:[rdi].4, $0x12345678" },
	{ L64, "48 c7 07 00 00 00 80", "mov/8 len=7 a=8 ds:[rdi].8, $0xffffffff80000000" },
	{ L64, "c7 80 00 03 e0 fe 00 00 00 00", "mov/4 len=10 a=8 ds:[rax-0x11ffd00].4, $0x0" },
	{ L64, "c6 4f 01 01", NULL },
	{ L64, "a0 88 77 66 55 44 33 22 11", "mov/1 len=9 a=8 al, ds:[0x1122334455667788].1" },
	{ L64, "48 a3 00 00 e0 fe 00 00 00 00", "mov/8 len=10 a=8 ds:[0xfee00000].8, rax" },
	{ L64, "67 a1 78 56 34 12", "mov/4 len=6 a=4 eax, ds:[0x12345678].4" },
	{ L64, "65 a2 f0 ff ff ff ff ff ff ff", "mov/1 len=10 a=8 gs:[0xfffffffffffffff0].1, al" },
	/* MOVZX, MOVSX, MOVSXD. */
	{ L64, "0f b6 07", "movzx/4 len=3 a=8 eax, ds:[rdi].1" },
	{ L64, "66 0f b6 07", "movzx/2 len=4 a=8 ax, ds:[rdi].1" },
	{ L64, "48 0f b7 07", "movzx/8 len=4 a=8 rax, ds:[rdi].2" },
	{ L64, "0f b6 c4", "movzx/4 len=3 a=8 eax, ah" },
	{ L64, "0f be 07", "movsx/4 len=3 a=8 eax, ds:[rdi].1" },
	{ L64, "4c 0f bf 07", "movsx/8 len=4 a=8 r8, ds:[rdi].2" },
	{ L64, "48 63 07", "movsx/8 len=3 a=8 rax, ds:[rdi].4" },
	{ L64, "63 07", "movsx/4 len=2 a=8 eax, ds:[rdi].4" },
	{ L64, "66 63 07", "movsx/2 len=3 a=8 ax, ds:[rdi].2" },
	/* STOS and MOVS, with REP and segment overrides. */
	{ L64, "aa", "stos/1 len=1 a=8 es, al" },
	{ L64, "f3 48 ab", "stos/8 len=3 a=8 rep es, rax" },
	{ L64, "66 ab", "stos/2 len=2 a=8 es, ax" },
	{ L64, "67 f3 ab", "stos/4 len=3 a=4 rep es, eax" },
	{ L64, "f3 a4", "movs/1 len=2 a=8 rep ds" },
	{ L64, "f2 a5", "movs/4 len=2 a=8 repne ds" },
	{ L64, "f3 64 a5", "movs/4 len=3 a=8 rep fs" },
	{ L64, "f3 f2 a4", "movs/1 len=3 a=8 repne ds" },
	/* The ALU rows and the 80/81/83 groups. */
	{ L64, "00 07", "add/1 len=2 a=8 ds:[rdi].1, al" },
	{ L64, "01 07", "add/4 len=2 a=8 ds:[rdi].4, eax" },
	{ L64, "02 07", "add/1 len=2 a=8 al, ds:[rdi].1" },
	{ L64, "48 03 07", "add/8 len=3 a=8 rax, ds:[rdi].8" },
	{ L64, "04 7f", "add/1 len=2 a=8 al, $0x7f" },
	{ L64, "48 05 00 00 00 80", "add/8 len=6 a=8 rax, $0xffffffff80000000" },
	{ L64, "66 05 34 12", "add/2 len=4 a=8 ax, $0x1234" },
	{ L64, "09 0f", "or/4 len=2 a=8 ds:[rdi].4, ecx" },
	{ L64, "11 17", "adc/4 len=2 a=8 ds:[rdi].4, edx" },
	{ L64, "1a 1f", "sbb/1 len=2 a=8 bl, ds:[rdi].1" },
	{ L64, "21 07", "and/4 len=2 a=8 ds:[rdi].4, eax" },
	{ L64, "29 07", "sub/4 len=2 a=8 ds:[rdi].4, eax" },
	{ L64, "32 3f", "xor/1 len=2 a=8 bh, ds:[rdi].1" },
	{ L64, "3b 07", "cmp/4 len=2 a=8 eax, ds:[rdi].4" },
	{ L64, "3c 01", "cmp/1 len=2 a=8 al, $0x1" },
	{ L64, "80 0f 01", "or/1 len=3 a=8 ds:[rdi].1, $0x1" },
	{ L64, "81 27 ff 00 00 00", "and/4 len=6 a=8 ds:[rdi].4, $0xff" },
	{ L64, "48 83 2f ff", "sub/8 len=4 a=8 ds:[rdi].8, $0xffffffffffffffff" },
	{ L64, "66 81 37 34 12", "xor/2 len=5 a=8 ds:[rdi].2, $0x1234" },
	{ L64, "83 3f 00", "cmp/4 len=3 a=8 ds:[rdi].4, $0x0" },
	{ L64, "83 17 80", "adc/4 len=3 a=8 ds:[rdi].4, $0xffffffffffffff80" },
	{ L64, "80 1f 80", "sbb/1 len=3 a=8 ds:[rdi].1, $0xffffffffffffff80" },
	{ L64, "83 c0 01", "add/4 len=3 a=8 eax, $0x1" },
	/* TEST, XCHG, the BT family. */
	{ L64, "84 07", "test/1 len=2 a=8 ds:[rdi].1, al" },
	{ L64, "85 07", "test/4 len=2 a=8 ds:[rdi].4, eax" },
	{ L64, "f6 07 01", "test/1 len=3 a=8 ds:[rdi].1, $0x1" },
	{ L64, "f7 07 00 00 00 01", "test/4 len=6 a=8 ds:[rdi].4, $0x1000000" },
	{ L64, "66 f7 07 ff ff", "test/2 len=5 a=8 ds:[rdi].2, $0xffffffffffffffff" },
	{ L64, "48 f7 07 ff ff ff 7f", "test/8 len=7 a=8 ds:[rdi].8, $0x7fffffff" },
	{ L64, "86 07", "xchg/1 len=2 a=8 ds:[rdi].1, al" },
	{ L64, "48 87 07", "xchg/8 len=3 a=8 ds:[rdi].8, rax" },
	{ L64, "0f a3 07", "bt/4 len=3 a=8 ds:[rdi].4, eax" },
	{ L64, "48 0f ab 07", "bts/8 len=4 a=8 ds:[rdi].8, rax" },
	{ L64, "66 0f b3 07", "btr/2 len=4 a=8 ds:[rdi].2, ax" },
	{ L64, "0f bb 07", "btc/4 len=3 a=8 ds:[rdi].4, eax" },
	{ L64, "0f ba 27 05", "bt/4 len=4 a=8 ds:[rdi].4, $0x5" },
	{ L64, "0f ba 2f ff", "bts/4 len=4 a=8 ds:[rdi].4, $0xff" },
	{ L64, "4c 0f ba 37 3f", "btr/8 len=5 a=8 ds:[rdi].8, $0x3f" },
	{ L64, "0f ba 3f 01", "btc/4 len=4 a=8 ds:[rdi].4, $0x1" },
	/* LOCK where the CPU takes it, and where it raises #UD. */
	{ L64, "f0 01 07", "add/4 len=3 a=8 lock ds:[rdi].4, eax" },
	{ L64, "f0 87 07", "xchg/4 len=3 a=8 lock ds:[rdi].4, eax" },
	{ L64, "f0 0f ab 07", "bts/4 len=4 a=8 lock ds:[rdi].4, eax" },
	{ L64, "f0 83 37 01", "xor/4 len=4 a=8 lock ds:[rdi].4, $0x1" },
	{ L64, "f0 8b 07", NULL },
	{ L64, "f0 01 c0", NULL },
	{ L64, "f0 39 07", NULL },
	{ L64, "f0 0f a3 07", NULL },
	{ L64, "f0 0f ba 27 01", NULL },
	/* Unsupported opcodes and /digits. */
	{ L64, "90", NULL },
	{ L64, "c3", NULL },
	{ L64, "0f 0b", NULL },
	{ L64, "0f 05", NULL },
	{ L64, "ff 07", NULL },
	{ L64, "82 07 01", NULL },
	{ L64, "f6 0f 01", NULL },
	{ L64, "0f ba 07 01", NULL },
	{ L64, "c5 f9 6f 07", NULL },
	{ L64, "a6", NULL },
	/* 32-bit protected and compatibility modes: no REX, no RIP-relative, 67 selects 16-bit forms. */
	{ P32, "89 07", "mov/4 len=2 a=4 ds:[rdi].4, eax" },
	{ P32, "66 89 07", "mov/2 len=3 a=4 ds:[rdi].2, ax" },
	{ P32, "67 89 07", "mov/4 len=3 a=2 ds:[rbx].4, eax" },
	{ P32, "8b 05 78 56 34 12", "mov/4 len=6 a=4 eax, ds:[0x12345678].4" },
	{ P32, "8b 45 08", "mov/4 len=3 a=4 eax, ss:[rbp+0x8].4" },
	{ P32, "a1 00 00 e0 fe", "mov/4 len=5 a=4 eax, ds:[0xfee00000].4" },
	{ P32, "f3 a5", "movs/4 len=2 a=4 rep ds" },
	{ P32, "63 07", NULL },
	{ P32, "48 89 07", NULL },
	{ C32, "40", NULL },
	{ C32, "c7 05 b0 00 e0 fe 00 00 00 00", "mov/4 len=10 a=4 ds:[0xfffffffffee000b0].4, $0x0" },
	/* 16-bit modes: the eight ModRM forms, disp16, 66 and 67. */
	{ R, "89 07", "mov/2 len=2 a=2 ds:[rbx].2, ax" },
	{ R, "8b 00", "mov/2 len=2 a=2 ax, ds:[rbx+rsi*1].2" },
	{ R, "8b 01", "mov/2 len=2 a=2 ax, ds:[rbx+rdi*1].2" },
	{ R, "8b 02", "mov/2 len=2 a=2 ax, ss:[rbp+rsi*1].2" },
	{ R, "8b 03", "mov/2 len=2 a=2 ax, ss:[rbp+rdi*1].2" },
	{ R, "8b 04", "mov/2 len=2 a=2 ax, ds:[rsi].2" },
	{ R, "8b 05", "mov/2 len=2 a=2 ax, ds:[rdi].2" },
	{ R, "8b 06 34 12", "mov/2 len=4 a=2 ax, ds:[0x1234].2" },
	{ R, "8b 46 fe", "mov/2 len=3 a=2 ax, ss:[rbp-0x2].2" },
	{ R, "8b 87 00 80", "mov/2 len=4 a=2 ax, ds:[rbx-0x8000].2" },
	{ R, "3e 8b 46 00", "mov/2 len=4 a=2 ax, ds:[rbp].2" },
	{ R, "26 89 07", "mov/2 len=3 a=2 es:[rbx].2, ax" },
	{ R, "66 89 07", "mov/4 len=3 a=2 ds:[rbx].4, eax" },
	{ R, "67 89 07", "mov/2 len=3 a=4 ds:[rdi].2, ax" },
	{ R, "67 66 8b 04 8d 00 00 0b 00", "mov/4 len=9 a=4 eax, ds:[rcx*4+0xb0000].4" },
	{ R, "a1 34 12", "mov/2 len=3 a=2 ax, ds:[0x1234].2" },
	{ R, "f3 ab", "stos/2 len=2 a=2 rep es, ax" },
	{ R, "c6 06 00 80 41", "mov/1 len=5 a=2 ds:[0xffffffffffff8000].1, $0x41" },
	{ V86, "89 07", "mov/2 len=2 a=2 ds:[rbx].2, ax" },
	{ P16, "66 67 89 07", "mov/4 len=4 a=4 ds:[rdi].4, eax" },
	/* Fifteen bytes is the limit: 14 prefixes and an opcode decode, 15 prefixes do not. */
	{ L64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 a5", "movs/2 len=15 a=8 ds" },
	{ L64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 a5", NULL },
	{ L64, "66 66 66 66 66 66 66 66 66 66 66 66 66 48 c7 07 00 00 00 00", NULL },
};

static void test_table(void)
{
	uint8_t bytes[32];
	char got[160];
	struct x86_insn in;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct expect *e = &table[i];
		size_t n = parse_hex(e->hex, bytes);
		int r = decode_exact(bytes, n, e->mode, &in);

		if (!e->want) {
			if (!CHECK_EQ(r, -ENOTSUP))
				printf("  bytes: %s\n", e->hex);
			continue;
		}
		if (!CHECK_EQ(r, 0)) {
			printf("  bytes: %s\n", e->hex);
			continue;
		}
		fmt(got, sizeof(got), &in);
		if (!CHECK_STR(got, e->want))
			printf("  bytes: %s\n", e->hex);
		/* Every shorter prefix of the bytes is a truncated instruction; trailing bytes change nothing. */
		for (size_t k = 0; k < n; k++)
			if (!CHECK_EQ(decode_exact(bytes, k, e->mode, &in), -EINVAL))
				printf("  bytes: %s, first %zu\n", e->hex, k);
		memset(bytes + n, 0x90, sizeof(bytes) - n);
		CHECK_EQ(decode_exact(bytes, sizeof(bytes), e->mode, &in), 0);
		fmt(got, sizeof(got), &in);
		CHECK_STR(got, e->want);
	}
}

/* Fields the text form does not show. */
static void test_fields(void)
{
	struct x86_insn in;
	const uint8_t rex[] = { 0x41, 0x88, 0x07 };
	const uint8_t lock_rep[] = { 0xf3, 0xf0, 0x01, 0x07 };

	CHECK_EQ(x86_decode(rex, sizeof(rex), X86_MODE_LONG64, &in), 0);
	CHECK_EQ(in.rex, 0x41);
	CHECK_EQ(in.dst.kind, X86_OPND_MEM);
	CHECK_EQ(in.mem.base, X86_R15);
	CHECK_EQ(in.src.high8, 0);
	CHECK_EQ(x86_decode(lock_rep, sizeof(lock_rep), X86_MODE_LONG64, &in), 0);
	CHECK_EQ(in.rep, 0);  /* F3 on a non-string instruction is a hint, not a repeat */
	CHECK_EQ(in.lock, 1);
	CHECK_EQ(x86_decode(rex, 0, X86_MODE_LONG64, &in), -EINVAL);
}

int main(void)
{
	test_table();
	test_fields();
	return check_summary();
}
