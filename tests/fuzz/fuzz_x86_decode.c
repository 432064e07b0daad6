/* libFuzzer target for hv/decode: random instruction bytes are decoded in a random mode and emulated on a
 * random CPU state over a fake guest RAM whose page tables come from the input too. Invariants: decoding
 * reads nothing past its length, a decoded length is at most 15 and the input's, decoding is a function
 * of the first len bytes; emulation and fetch return only their documented results. */
#include "../../hv/decode/x86_emulate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RAM_SIZE 0x10000u
#define HEADER   72u   /* mode and control bits, CR3, then sixteen 32-bit registers */
#define INSN     16u   /* instruction bytes after the header; the rest of the input is RAM */

struct fake {
	uint8_t ram[RAM_SIZE];
	unsigned device_calls;
};

static int read_phys(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct fake *f = ctx;

	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(buf, f->ram + gpa, len);
	return 0;
}

static int write_phys(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	struct fake *f = ctx;

	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(f->ram + gpa, buf, len);
	return 0;
}

static int cmpxchg_phys(void *ctx, uint64_t gpa, uint64_t old, uint64_t val, unsigned size)
{
	uint64_t cur = 0;

	if (size != 4 && size != 8)
		abort();
	if (read_phys(ctx, gpa, &cur, size))
		return -EFAULT;
	return cur == old ? write_phys(ctx, gpa, &val, size) : -EAGAIN;
}

static int mmio_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct fake *f = ctx;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
	f->device_calls++;
	*val = gpa * 0x9e3779b97f4a7c15ull;
	return 0;
}

static int mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct fake *f = ctx;

	(void)gpa;
	(void)val;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
	f->device_calls++;
	return 0;
}

static const struct x86_mem_ops ops = { read_phys, write_phys, cmpxchg_phys, mmio_read, mmio_write };

/* A CPU state in one of the modes and paging setups, from the header bytes. */
static void make_state(const uint8_t *h, struct x86_cpu_state *s)
{
	static const uint16_t cs_attr[3] = { 0x29b, 0xc9b, 0x09b };  /* 64-bit, 32-bit, 16-bit code */
	unsigned paging = h[0] % 6, code = (h[0] >> 3) % 3;

	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < X86_SEG_COUNT; i++)
		s->seg[i] = (struct x86_segment){ (h[1] & 1) ? 0x1000u * (i + 1) : 0, (h[1] & 2) ? 0xffff : UINT32_MAX,
						  0, (h[1] & 4) ? 0x491 : 0xc93 };
	s->seg[X86_SEG_CS].attr = cs_attr[code];
	s->cr0 = (h[1] & 8) ? 0 : X86_CR0_PE;
	if (paging)
		s->cr0 |= X86_CR0_PG | X86_CR0_PE | ((h[1] & 16) ? X86_CR0_WP : 0);
	s->cr4 = (paging == 2 ? X86_CR4_PSE : 0) | (paging >= 3 ? X86_CR4_PAE : 0) |
		 (paging == 5 ? X86_CR4_LA57 : 0) | ((h[1] & 32) ? X86_CR4_SMEP | X86_CR4_SMAP : 0);
	s->efer = (paging >= 4 ? X86_EFER_LMA : 0) | ((h[1] & 64) ? X86_EFER_NXE : 0);
	if (!(s->efer & X86_EFER_LMA) && code == 0)
		s->seg[X86_SEG_CS].attr = cs_attr[1];
	s->rflags = 2 | ((h[1] & 128) ? X86_RFLAGS_DF : 0) | ((h[0] & 64) ? X86_RFLAGS_AC | X86_RFLAGS_CF : 0);
	s->cpl = (h[0] & 128) ? 3 : 0;
	s->cr3 = (uint64_t)(h[2] | h[3] << 8) & 0xffe0;
	for (unsigned i = 0; i < X86_GPR_COUNT; i++) {
		uint32_t v;

		memcpy(&v, h + 8 + 4 * i, 4);
		s->gpr[i] = (h[4] >> (i & 7) & 1) ? (uint64_t)(int64_t)(int32_t)v : v;  /* some sign-extended */
	}
	s->rip = s->gpr[X86_RSI] ^ s->gpr[X86_RDI];
}

static void check_fault(int r, const struct x86_fault *fault)
{
	if (r == -EFAULT && fault->vector != X86_EXC_PF && fault->vector != X86_EXC_GP &&
	    fault->vector != X86_EXC_SS)
		abort();
	if (r && r != -EFAULT && r != -ENXIO && r != -EAGAIN)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake mem;
	uint8_t header[HEADER] = { 0 }, fetched[X86_INSN_MAX];
	struct x86_cpu_state s;
	struct x86_insn in, again;
	struct x86_fault fault;
	size_t n, fetched_len;
	uint64_t rip;
	bool string;
	uint8_t *insn;
	int r;

	memcpy(header, data, size < HEADER ? size : HEADER);
	n = size > HEADER ? size - HEADER : 0;
	if (n > INSN)
		n = INSN;
	/* An exact-sized heap copy: ASan reports any read past the bytes given. */
	insn = malloc(n ? n : 1);
	if (n)
		memcpy(insn, data + HEADER, n);
	memset(mem.ram, 0, RAM_SIZE);
	if (size > HEADER + INSN)
		memcpy(mem.ram, data + HEADER + INSN, size - HEADER - INSN < RAM_SIZE ? size - HEADER - INSN : RAM_SIZE);
	mem.device_calls = 0;
	make_state(header, &s);

	r = x86_decode(insn, n, x86_cpu_mode(&s), &in);
	if (r == 0) {
		if (in.len == 0 || in.len > X86_INSN_MAX || in.len > n)
			abort();
		if (x86_decode(insn, in.len, x86_cpu_mode(&s), &again) || again.len != in.len || again.op != in.op ||
		    again.opsize != in.opsize || again.dst.kind != in.dst.kind || again.src.kind != in.src.kind ||
		    again.imm != in.imm || again.mem.disp != in.mem.disp)
			abort();
		rip = s.rip;
		string = in.op == X86_OP_MOVS || in.op == X86_OP_STOS;

		r = x86_emulate_mmio(&s, &in, &ops, &mem, &fault);
		check_fault(r, &fault);
		if (r == 0 && !string && x86_cpu_mode(&s) == X86_MODE_LONG64 && s.rip != rip + in.len)
			abort();
		if (mem.device_calls > 16u * X86_REP_MAX)
			abort();
	} else if (r != -EINVAL && r != -ENOTSUP) {
		abort();
	} else if (r == -EINVAL && n >= X86_INSN_MAX) {
		abort();  /* with 15 bytes at hand nothing is truncated */
	}

	r = x86_fetch(&s, &ops, &mem, fetched, &fetched_len, &fault);
	check_fault(r, &fault);
	if (fetched_len > X86_INSN_MAX || (r == 0 && fetched_len != X86_INSN_MAX))
		abort();
	free(insn);
	return 0;
}
