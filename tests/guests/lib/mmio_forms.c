/* The MMIO decoder forms (see mmio_forms.h): a table of tiny functions, one instruction under test each. */
#include "guest.h"
#include "mmio_forms.h"

#define WINDOW 48     /* bytes compared after each form */
#define M_OFFSET 16   /* forms address m = window + 16, so negative offsets stay inside */
#define SCRATCH_WINDOW 0x100
#define SCRATCH_OTHER 0x200

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define OF 0x800u
#define F_ALL (CF | PF | AF | ZF | SF | OF)
#define F_LOGIC (CF | PF | ZF | SF | OF) /* AF is undefined after and/or/xor/test */
#define F_BT CF                          /* bt*: only CF is defined */
#define F_NONE 0u

#ifdef __x86_64__
#define PUSHF "pushfq\n\t"
#define POPF "popfq\n\t"
#define DI "%%rdi"
#define SI "%%rsi"
#define CLOBBERS "memory", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"
#else
#define PUSHF "pushfl\n\t"
#define POPF "popfl\n\t"
#define DI "%%edi"
#define SI "%%esi"
#define CLOBBERS "memory"
#endif

struct io {
	uintptr_t a, b, c, f;
};
typedef void form_fn(uint8_t *m, uint8_t *o, struct io *io);

enum other { OTHER_NONE, OTHER_RAM, OTHER_SCRATCH };

struct form {
	const char *name;
	form_fn *fn;
	uintptr_t flags_mask;
	enum other other; /* where the second operand of movs lives in the MMIO run */
	intptr_t b;       /* initial b: an index or a bit offset */
	uintptr_t c;      /* initial c: a count */
};

/* Generic forms: a (abcd, for byte and high-byte registers), b, flags in and out, m the memory operand. */
#define FORM_FN(id, insn, mask_, b_)                                                                                 \
	static void f_##id(uint8_t *m, uint8_t *o, struct io *io)                                           \
	{                                                                                                   \
		uintptr_t a = io->a, b = io->b, f = io->f;                                                  \
		(void)o;                                                                                    \
		__asm__ volatile("push %[f]\n\t" POPF insn "\n\t" PUSHF "pop %[f]"                          \
				 : [a] "+Q"(a), [b] "+r"(b), [f] "+r"(f)                                    \
				 : [m] "r"(m)                                                               \
				 : CLOBBERS);                                                               \
		io->a = a;                                                                                  \
		io->b = b;                                                                                  \
		io->f = f;                                                                                  \
	}
#define FORM_ENTRY(id, insn, mask_, b_) { #id, f_##id, mask_, OTHER_NONE, b_, 0 },

#define ALU(X, op, mask)                                                                                    \
	X(op##_rm32, #op "l %k[a], 4(%[m])", mask, 0)                                                      \
	X(op##_mr32, #op "l 4(%[m]), %k[a]", mask, 0)                                                      \
	X(op##_im32, #op "l $0x7fedcba9, 4(%[m])", mask, 0)                                                \
	X(op##_is8, #op "l $-3, 8(%[m])", mask, 0)                                                         \
	X(op##_rm8, #op "b %b[a], 5(%[m])", mask, 0)                                                       \
	X(op##_mr8h, #op "b 5(%[m]), %h[a]", mask, 0)                                                      \
	X(op##_im8, #op "b $0x9c, 7(%[m])", mask, 0)                                                       \
	X(op##_rm16, #op "w %w[a], 6(%[m])", mask, 0)

#define BT(X, op)                                                                                           \
	X(op##_reg, #op "l %k[b], 4(%[m])", F_BT, 37)                                                      \
	X(op##_regneg, #op "l %k[b], 4(%[m])", F_BT, -3)                                                   \
	X(op##_imm, #op "l $45, 4(%[m])", F_BT, 0)                                                         \
	X(op##_reg16, #op "w %w[b], 2(%[m])", F_BT, 21)

#define COMMON_FORMS(X)                                                                                     \
	X(mov_st8, "movb %b[a], 3(%[m])", F_ALL, 0)                                                         \
	X(mov_st8h, "movb %h[a], 5(%[m])", F_ALL, 0)                                                        \
	X(mov_st16, "movw %w[a], 2(%[m])", F_ALL, 0)                                                        \
	X(mov_st32, "movl %k[a], 4(%[m])", F_ALL, 0)                                                        \
	X(mov_ld8, "movb 3(%[m]), %b[a]", F_ALL, 0)                                                         \
	X(mov_ld8h, "movb 1(%[m]), %h[a]", F_ALL, 0)                                                        \
	X(mov_ld16, "movw 6(%[m]), %w[a]", F_ALL, 0)                                                        \
	X(mov_ld32, "movl 8(%[m]), %k[a]", F_ALL, 0)                                                        \
	X(mov_st32_sib, "movl %k[a], 4(%[m],%[b],4)", F_ALL, 2)                                             \
	X(mov_ld32_sib, "movl -4(%[m],%[b],2), %k[a]", F_ALL, 5)                                            \
	X(mov_ld32_noidx, "movl (%[m]), %k[a]", F_ALL, 0)                                                   \
	X(mov_st32_fs, "movl %k[a], %%fs:12(%[m])", F_ALL, 0)                                               \
	X(mov_ld16_es, "movw %%es:-6(%[m]), %w[a]", F_ALL, 0)                                               \
	X(mov_imm8, "movb $0x5a, 7(%[m])", F_ALL, 0)                                                        \
	X(mov_imm16, "movw $0xbeef, 10(%[m])", F_ALL, 0)                                                    \
	X(mov_imm32, "movl $0x12345678, 12(%[m])", F_ALL, 0)                                                \
	X(movzx_8_32, "movzbl 3(%[m]), %k[a]", F_ALL, 0)                                                    \
	X(movzx_16_32, "movzwl 2(%[m]), %k[a]", F_ALL, 0)                                                   \
	X(movsx_8_32, "movsbl 9(%[m]), %k[a]", F_ALL, 0)                                                    \
	X(movsx_16_32, "movswl 10(%[m]), %k[a]", F_ALL, 0)                                                  \
	X(movzx_8_16, "movzbw 11(%[m]), %w[a]", F_ALL, 0)                                                   \
	X(movsx_8_16, "movsbw 11(%[m]), %w[a]", F_ALL, 0)                                                   \
	ALU(X, add, F_ALL)                                                                                  \
	ALU(X, sub, F_ALL)                                                                                  \
	ALU(X, and, F_LOGIC)                                                                                \
	ALU(X, or, F_LOGIC)                                                                                 \
	ALU(X, xor, F_LOGIC)                                                                                \
	ALU(X, cmp, F_ALL)                                                                                  \
	X(test_rm32, "testl %k[a], 4(%[m])", F_LOGIC, 0)                                                    \
	X(test_rm8, "testb %h[a], 5(%[m])", F_LOGIC, 0)                                                     \
	X(test_im32, "testl $0x80000101, 4(%[m])", F_LOGIC, 0)                                              \
	X(test_im8, "testb $0x81, 7(%[m])", F_LOGIC, 0)                                                     \
	X(test_im16, "testw $0x7001, 6(%[m])", F_LOGIC, 0)                                                  \
	BT(X, bt)                                                                                           \
	BT(X, bts)                                                                                          \
	BT(X, btr)                                                                                          \
	BT(X, btc)                                                                                          \
	X(xchg32, "xchgl %k[a], 4(%[m])", F_ALL, 0)                                                         \
	X(xchg16, "xchgw %w[a], 2(%[m])", F_ALL, 0)                                                         \
	X(xchg8, "xchgb %h[a], 9(%[m])", F_ALL, 0)

#ifdef __x86_64__
#define ALU64(X, op, mask)                                                                                  \
	X(op##_rm64, #op "q %q[a], 8(%[m])", mask, 0)                                                      \
	X(op##_mr64, #op "q -8(%[m]), %q[a]", mask, 0)                                                     \
	X(op##_im64, #op "q $-0x12345679, (%[m])", mask, 0)                                                \
	X(op##_is8_64, #op "q $0x7f, 8(%[m])", mask, 0)

#define LONG_FORMS(X)                                                                                       \
	X(mov_st64, "movq %q[a], 8(%[m])", F_ALL, 0)                                                        \
	X(mov_ld64, "movq -8(%[m]), %q[a]", F_ALL, 0)                                                       \
	X(mov_imm64, "movq $-0x12345678, (%[m])", F_ALL, 0)                                                 \
	X(mov_st64_sib, "movq %q[a], -8(%[m],%[b],8)", F_ALL, 2)                                            \
	X(rex_st64_sib, "mov %q[a], %%r9\n\tmov %[m], %%r12\n\tmov %[b], %%r13\n\t"                          \
			"movq %%r9, -8(%%r12,%%r13,8)", F_ALL, 2)                                          \
	X(rex_ld32, "mov %[m], %%r12\n\tmov %q[a], %%r10\n\tmovl 4(%%r12), %%r10d\n\tmov %%r10, %q[a]",     \
	  F_ALL, 0)                                                                                         \
	X(rex_ld8, "mov %[m], %%r13\n\tmov %q[a], %%r11\n\tmovb 3(%%r13), %%r11b\n\tmov %%r11, %q[a]",      \
	  F_ALL, 0)                                                                                         \
	X(rex_st8_sil, "mov %[m], %%r12\n\tmov %q[a], %%r14\n\txchg %%r14, %%rsi\n\t"                        \
		       "movb %%sil, 3(%%r12)\n\txchg %%r14, %%rsi", F_ALL, 0)                               \
	X(rex_st16, "mov %[m], %%r15\n\tmov %q[a], %%r8\n\tmovw %%r8w, 6(%%r15)", F_ALL, 0)                 \
	X(rex_imm32, "mov %[m], %%r9\n\tmovl $0xcafef00d, 12(%%r9)", F_ALL, 0)                              \
	X(rex_add64, "mov %[m], %%r10\n\tmov %q[a], %%r11\n\taddq %%r11, 8(%%r10)\n\tmov %%r11, %q[a]",     \
	  F_ALL, 0)                                                                                         \
	X(rex_or_ld64, "mov %[m], %%r10\n\tmov %q[a], %%r12\n\torq -8(%%r10), %%r12\n\tmov %%r12, %q[a]",   \
	  F_LOGIC, 0)                                                                                       \
	X(rex_cmp_imm, "mov %[m], %%r13\n\tcmpq $-2, 8(%%r13)", F_ALL, 0)                                   \
	X(rex_xchg64, "mov %[m], %%r8\n\tmov %q[a], %%r15\n\txchgq %%r15, (%%r8)\n\tmov %%r15, %q[a]",      \
	  F_ALL, 0)                                                                                         \
	X(rex_bts64, "mov %[m], %%r9\n\tmov %[b], %%r10\n\tbtsq %%r10, (%%r9)", F_BT, 100)                  \
	X(rex_btr64_neg, "mov %[m], %%r9\n\tmov %[b], %%r10\n\tbtrq %%r10, (%%r9)", F_BT, -70)              \
	X(rex_movsxd_r9, "mov %[m], %%r14\n\tmovslq 12(%%r14), %%r9\n\tmov %%r9, %q[a]", F_ALL, 0)          \
	X(movsxd, "movslq 4(%[m]), %q[a]", F_ALL, 0)                                                        \
	X(movzx_8_64, "movzbq 3(%[m]), %q[a]", F_ALL, 0)                                                    \
	X(movsx_8_64, "movsbq 9(%[m]), %q[a]", F_ALL, 0)                                                    \
	X(movzx_16_64, "movzwq 2(%[m]), %q[a]", F_ALL, 0)                                                   \
	X(movsx_16_64, "movswq 10(%[m]), %q[a]", F_ALL, 0)                                                  \
	X(btc_imm64, "btcq $61, (%[m])", F_BT, 0)                                                           \
	X(bt_reg64, "btq %q[b], -8(%[m])", F_BT, 70)                                                        \
	X(test_rm64, "testq %q[a], 8(%[m])", F_LOGIC, 0)                                                    \
	X(test_im64, "testq $-0x100, (%[m])", F_LOGIC, 0)                                                   \
	X(xchg64, "xchgq %q[a], -8(%[m])", F_ALL, 0)                                                        \
	ALU64(X, add, F_ALL)                                                                                \
	ALU64(X, sub, F_ALL)                                                                                \
	ALU64(X, and, F_LOGIC)                                                                              \
	ALU64(X, or, F_LOGIC)                                                                               \
	ALU64(X, xor, F_LOGIC)                                                                              \
	ALU64(X, cmp, F_ALL)
#else
#define LONG_FORMS(X)
#endif

COMMON_FORMS(FORM_FN)
LONG_FORMS(FORM_FN)

/* String forms: the pointers come back as the distance moved (the RAM and MMIO runs use other buffers). */
#define STOS_FN(id, insn, start)                                                                            \
	static void f_##id(uint8_t *m, uint8_t *o, struct io *io)                                           \
	{                                                                                                   \
		uintptr_t d = (uintptr_t)(m + (start)), c = io->c, a = io->a;                               \
		(void)o;                                                                                    \
		__asm__ volatile(insn : "+D"(d), "+c"(c) : "a"(a) : "memory");                              \
		io->b = d - (uintptr_t)(m + (start));                                                       \
		io->c = c;                                                                                  \
	}
#define MOVS_FN(id, insn, from_m, start)                                                                    \
	static void f_##id(uint8_t *m, uint8_t *o, struct io *io)                                           \
	{                                                                                                   \
		uint8_t *src = ((from_m) ? m : o) + (start), *dst = ((from_m) ? o : m) + (start);           \
		uintptr_t s = (uintptr_t)src, d = (uintptr_t)dst, c = io->c;                                \
		__asm__ volatile(insn : "+S"(s), "+D"(d), "+c"(c) : : "memory");                            \
		io->a = s - (uintptr_t)src;                                                                 \
		io->b = d - (uintptr_t)dst;                                                                 \
		io->c = c;                                                                                  \
	}

STOS_FN(stosb, "stosb %%al, %%es:(" DI ")", 1)
STOS_FN(stosl, "stosl %%eax, %%es:(" DI ")", 4)
STOS_FN(rep_stosb, "rep stosb %%al, %%es:(" DI ")", -3)
STOS_FN(rep_stosw, "rep stosw %%ax, %%es:(" DI ")", 2)
STOS_FN(rep_stosl, "rep stosl %%eax, %%es:(" DI ")", 0)
STOS_FN(rep_stosl_down, "std\n\trep stosl %%eax, %%es:(" DI ")\n\tcld", 12)
STOS_FN(rep_stosl_zero, "rep stosl %%eax, %%es:(" DI ")", 0)
MOVS_FN(movsl_from, "movsl %%ds:(" SI "), %%es:(" DI ")", 1, 4)
MOVS_FN(movsb_to, "movsb %%ds:(" SI "), %%es:(" DI ")", 0, 3)
MOVS_FN(rep_movsb_from, "rep movsb %%ds:(" SI "), %%es:(" DI ")", 1, -5)
MOVS_FN(rep_movsl_from, "rep movsl %%ds:(" SI "), %%es:(" DI ")", 1, 0)
MOVS_FN(rep_movsb_to, "rep movsb %%ds:(" SI "), %%es:(" DI ")", 0, -5)
MOVS_FN(rep_movsl_to, "rep movsl %%ds:(" SI "), %%es:(" DI ")", 0, 0)
MOVS_FN(rep_movsw_within, "rep movsw %%ds:(" SI "), %%es:(" DI ")", 1, 2)
MOVS_FN(rep_movsl_down_to, "std\n\trep movsl %%ds:(" SI "), %%es:(" DI ")\n\tcld", 0, 12)
#ifdef __x86_64__
STOS_FN(rep_stosq, "rep stosq %%rax, %%es:(" DI ")", -8)
MOVS_FN(rep_movsq_from, "rep movsq %%ds:(" SI "), %%es:(" DI ")", 1, -8)
MOVS_FN(rep_movsq_to, "rep movsq %%ds:(" SI "), %%es:(" DI ")", 0, -8)
#endif

/* moffs forms (A0-A3): the address is in the instruction, so each run builds a thunk `op addr; ret`. */
static uint8_t thunk[32] __attribute__((aligned(16)));
static uintptr_t code_offset_now;

static uintptr_t run_thunk(const uint8_t *op, unsigned oplen, uintptr_t addr, uintptr_t a)
{
	unsigned n = 0;
#ifdef GUEST_REAL16
	thunk[n++] = 0x67; /* 32-bit moffs */
#endif
	for (unsigned i = 0; i < oplen; i++)
		thunk[n++] = op[i];
	for (unsigned i = 0; i < sizeof(uintptr_t); i++)
		thunk[n++] = (uint8_t)(addr >> (8 * i));
#ifdef GUEST_REAL16
	thunk[n++] = 0x66; /* gcc's 16-bit code calls with 32-bit return addresses */
#endif
	thunk[n++] = 0xc3;
	uintptr_t target = (uintptr_t)thunk + code_offset_now;
	__asm__ volatile("call *%[t]" : "+a"(a) : [t] "r"(target) : "memory", "cc");
	return a;
}

#ifdef GUEST_REAL16
#define OP32 0x66,
#define OP16
#else
#define OP32
#define OP16 0x66,
#endif
#define MOFFS_FN(id, offset, ...)                                                                           \
	static void f_##id(uint8_t *m, uint8_t *o, struct io *io)                                           \
	{                                                                                                   \
		static const uint8_t op[] = { __VA_ARGS__ };                                                \
		(void)o;                                                                                    \
		io->a = run_thunk(op, sizeof(op), (uintptr_t)(m + (offset)), io->a);                        \
	}
MOFFS_FN(moffs_ld8, 3, 0xa0)
MOFFS_FN(moffs_ld16, 6, OP16 0xa1)
MOFFS_FN(moffs_ld32, -4, OP32 0xa1)
MOFFS_FN(moffs_st8, 9, 0xa2)
MOFFS_FN(moffs_st16, 2, OP16 0xa3)
MOFFS_FN(moffs_st32, 8, OP32 0xa3)
#ifdef __x86_64__
MOFFS_FN(moffs_ld64, -8, 0x48, 0xa1)
MOFFS_FN(moffs_st64, 8, 0x48, 0xa3)
#endif

#define SPECIAL(id, other, c) { #id, f_##id, F_ALL, other, 0, c },

static const struct form forms[] = {
	COMMON_FORMS(FORM_ENTRY)
	LONG_FORMS(FORM_ENTRY)
	SPECIAL(stosb, OTHER_NONE, 0)
	SPECIAL(stosl, OTHER_NONE, 0)
	SPECIAL(rep_stosb, OTHER_NONE, 9)
	SPECIAL(rep_stosw, OTHER_NONE, 5)
	SPECIAL(rep_stosl, OTHER_NONE, 5)
	SPECIAL(rep_stosl_down, OTHER_NONE, 4)
	SPECIAL(rep_stosl_zero, OTHER_NONE, 0)
	SPECIAL(movsl_from, OTHER_RAM, 0)
	SPECIAL(movsb_to, OTHER_RAM, 0)
	SPECIAL(rep_movsb_from, OTHER_RAM, 11)
	SPECIAL(rep_movsl_from, OTHER_RAM, 4)
	SPECIAL(rep_movsb_to, OTHER_RAM, 11)
	SPECIAL(rep_movsl_to, OTHER_RAM, 4)
	SPECIAL(rep_movsw_within, OTHER_SCRATCH, 6)
	SPECIAL(rep_movsl_down_to, OTHER_RAM, 3)
	SPECIAL(moffs_ld8, OTHER_NONE, 0)
	SPECIAL(moffs_ld16, OTHER_NONE, 0)
	SPECIAL(moffs_ld32, OTHER_NONE, 0)
	SPECIAL(moffs_st8, OTHER_NONE, 0)
	SPECIAL(moffs_st16, OTHER_NONE, 0)
	SPECIAL(moffs_st32, OTHER_NONE, 0)
#ifdef __x86_64__
	SPECIAL(rep_stosq, OTHER_NONE, 3)
	SPECIAL(rep_movsq_from, OTHER_RAM, 3)
	SPECIAL(rep_movsq_to, OTHER_RAM, 3)
	SPECIAL(moffs_ld64, OTHER_NONE, 0)
	SPECIAL(moffs_st64, OTHER_NONE, 0)
#endif
};

#define NFORMS (sizeof(forms) / sizeof(forms[0]))

/* The window is filled and read with naturally aligned word accesses (each one an MMIO exit on Keel). */
typedef uintptr_t word;

static void fill(uint8_t *w, uint8_t seed)
{
	for (unsigned i = 0; i < WINDOW; i += sizeof(word)) {
		word v = 0;
		for (unsigned j = 0; j < sizeof(word); j++)
			v |= (word)(uint8_t)(seed + (i + j) * 0x1d + ((i + j) >> 3) * 0x40) << (8 * j);
		*(volatile word *)(w + i) = v;
	}
}

static void snap(uint8_t *w, word out[WINDOW / sizeof(word)])
{
	for (unsigned i = 0; i < WINDOW / sizeof(word); i++)
		out[i] = ((volatile word *)w)[i];
}

static int same_window(const word *x, const word *y)
{
	for (unsigned i = 0; i < WINDOW / sizeof(word); i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

static uint8_t ram_window[WINDOW] __attribute__((aligned(16)));
static uint8_t ram_other[WINDOW] __attribute__((aligned(16)));
static uint8_t ram_other2[WINDOW] __attribute__((aligned(16)));

static void run_one(const struct form *f, uint8_t *w, uint8_t *o, struct io *io, word win[], word oth[],
		    uintptr_t code_offset)
{
	form_fn *fn = (form_fn *)((uintptr_t)f->fn + code_offset);
	fill(w, 0x83);
	if (f->other != OTHER_NONE)
		fill(o, 0x35);
	fn(w + M_OFFSET, o + M_OFFSET, io);
	snap(w, win);
	if (f->other != OTHER_NONE)
		snap(o, oth);
}

unsigned mmio_forms_run(const char *label, uintptr_t scratch_va, uintptr_t code_offset)
{
	static char failures[160];
	unsigned bad = 0, len = 0;
	uint8_t *mw = (uint8_t *)(scratch_va + SCRATCH_WINDOW);
	failures[0] = 0;
	code_offset_now = code_offset;
	for (unsigned k = 0; k < NFORMS; k++) {
		const struct form *f = &forms[k];
		word rw[WINDOW / sizeof(word)], ro[WINDOW / sizeof(word)];
		word mwin[WINDOW / sizeof(word)], mo[WINDOW / sizeof(word)];
		struct io init = { (uintptr_t)0xf1e2d3c4b5a69788ull, (uintptr_t)f->b, f->c, (k & 1) ? 0 : F_ALL };
		struct io r = init, x = init;
		uint8_t *mo_buf = f->other == OTHER_SCRATCH ? (uint8_t *)(scratch_va + SCRATCH_OTHER) : ram_other2;

		run_one(f, ram_window, ram_other, &r, rw, ro, code_offset);
		run_one(f, mw, mo_buf, &x, mwin, mo, code_offset);
		int ok = r.a == x.a && r.b == x.b && r.c == x.c && ((r.f ^ x.f) & f->flags_mask) == 0 &&
			 same_window(rw, mwin) && (f->other == OTHER_NONE || same_window(ro, mo));
		if (!ok) {
			bad++;
			if (len + 24 < sizeof(failures)) {
				guest_snprintf(failures + len, sizeof(failures) - len, "%s%s", len ? "," : "", f->name);
				while (failures[len])
					len++;
			}
		}
	}
	char what[80];
	guest_snprintf(what, sizeof(what), "mmio decoder forms (%s), %u forms", label, (unsigned)NFORMS);
	guest_check(what, bad == 0, failures);
	return bad;
}
