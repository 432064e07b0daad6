/* Unit tests for hv/decode/x86_walk.c: page tables built in a fake guest RAM for each paging mode, the
 * addresses they translate to, every kind of #PF with its error code, and accessed/dirty bits. */
#include "../../hv/decode/x86_walk.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

#define RAM_SIZE (1u << 20)

/* Guest RAM at GPA 0; cmpxchg can be made to fail once to look like a concurrent change. */
struct fake {
	uint8_t ram[RAM_SIZE];
	unsigned reads, cmpxchgs;
	bool fail_cmpxchg;
};

static struct fake mem;

static int read_phys(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct fake *f = ctx;

	f->reads++;
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(buf, f->ram + gpa, len);
	return 0;
}

static int cmpxchg_phys(void *ctx, uint64_t gpa, uint64_t old, uint64_t val, unsigned size)
{
	struct fake *f = ctx;
	uint64_t cur = 0;

	f->cmpxchgs++;
	if (gpa >= RAM_SIZE || size > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(&cur, f->ram + gpa, size);
	if (cur != old || f->fail_cmpxchg)
		return -EAGAIN;
	memcpy(f->ram + gpa, &val, size);
	return 0;
}

static const struct x86_mem_ops ops = { .read_phys = read_phys, .cmpxchg_phys = cmpxchg_phys };

static void put32(uint64_t gpa, uint32_t v) { memcpy(mem.ram + gpa, &v, 4); }
static void put64(uint64_t gpa, uint64_t v) { memcpy(mem.ram + gpa, &v, 8); }
static uint32_t get32(uint64_t gpa) { uint32_t v; memcpy(&v, mem.ram + gpa, 4); return v; }
static uint64_t get64(uint64_t gpa) { uint64_t v; memcpy(&v, mem.ram + gpa, 8); return v; }

#define P 1u
#define RW 2u
#define US 4u
#define A 0x20u
#define D 0x40u
#define PS 0x80u
#define NX (UINT64_C(1) << 63)

static struct x86_cpu_state st;
static uint64_t gpa;
static uint32_t err;

static int tr(uint64_t gva, unsigned access)
{
	gpa = 0xdead;
	err = 0xdead;
	return x86_translate(&st, gva, access, &ops, &mem, &gpa, &err);
}

static void reset(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t cr3)
{
	memset(&mem, 0, sizeof(mem));
	memset(&st, 0, sizeof(st));
	st.cr0 = X86_CR0_PE | cr0;
	st.cr4 = cr4;
	st.efer = efer;
	st.cr3 = cr3;
}

static void test_paging_off(void)
{
	reset(0, 0, 0, 0);
	CHECK_EQ(tr(0x123456789ull, X86_ACCESS_WRITE), 0);
	CHECK_EQ(gpa, 0x23456789);
	CHECK_EQ(mem.reads, 0);
}

static void test_32bit(void)
{
	reset(X86_CR0_PG, 0, 0, 0x1000);
	put32(0x1000 + 0x300 * 4, 0x2000 | P | RW | US);    /* 0xc0000000: PT at 0x2000 */
	put32(0x2000 + 1 * 4, 0x5000 | P | RW | US);        /* 0xc0001000 -> 0x5000 */
	put32(0x2000 + 2 * 4, 0x6000 | P);                  /* read-only, supervisor */
	CHECK_EQ(tr(0xc0001234, X86_ACCESS_READ), 0);
	CHECK_EQ(gpa, 0x5234);
	CHECK_EQ(get32(0x1000 + 0x300 * 4) & (A | D), A);   /* accessed, not dirty: a directory */
	CHECK_EQ(get32(0x2004) & (A | D), A);
	CHECK_EQ(tr(0xc0001234, X86_ACCESS_WRITE | X86_ACCESS_USER), 0);
	CHECK_EQ(get32(0x2004) & (A | D), A | D);
	CHECK_EQ(get32(0x1000 + 0x300 * 4) & D, 0);

	/* Not present, at the directory and at the table; the high half of a 64-bit address is dropped. */
	CHECK_EQ(tr(0x1000, X86_ACCESS_READ), -EFAULT);
	CHECK_EQ(err, 0);
	CHECK_EQ(tr(0xffffffffc0003000ull, X86_ACCESS_WRITE | X86_ACCESS_USER), -EFAULT);
	CHECK_EQ(err, X86_PF_W | X86_PF_U);
	/* Protection: user on a supervisor page, writes to read-only with and without CR0.WP. */
	CHECK_EQ(tr(0xc0002000, X86_ACCESS_USER), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_U);
	CHECK_EQ(get32(0x2008) & A, 0);  /* a failed walk sets no accessed bit */
	CHECK_EQ(tr(0xc0002000, X86_ACCESS_WRITE), 0);
	CHECK_EQ(gpa, 0x6000);
	st.cr0 |= X86_CR0_WP;
	CHECK_EQ(tr(0xc0002000, X86_ACCESS_WRITE), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_W);
	/* No NX without PAE: an instruction fetch sets no I/D bit unless SMEP is on. */
	CHECK_EQ(tr(0xc0002000, X86_ACCESS_EXEC | X86_ACCESS_USER), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_U);
	st.cr4 |= X86_CR4_SMEP;
	CHECK_EQ(tr(0xc0002000, X86_ACCESS_EXEC | X86_ACCESS_USER), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_U | X86_PF_I);
	CHECK_EQ(tr(0xc0001000, X86_ACCESS_EXEC), -EFAULT);  /* SMEP: supervisor fetch from a user page */
	CHECK_EQ(err, X86_PF_P | X86_PF_I);

	/* A 4 MiB page only with CR4.PSE; PSE-36 bits 20:13 give address bits 39:32; bit 21 is reserved. */
	put32(0x1000 + 0x100 * 4, 0x00c00000 | (0x12u << 13) | PS | P | RW);
	CHECK_EQ(tr(0x40123456, X86_ACCESS_READ), -ENXIO);  /* without PSE: a table at 0xc24000, outside RAM */
	st.cr4 |= X86_CR4_PSE;
	CHECK_EQ(tr(0x40123456, X86_ACCESS_READ), 0);
	CHECK_EQ(gpa, 0x1200c00000ull + 0x123456);
	put32(0x1000 + 0x100 * 4, 0x00c00000 | (1u << 21) | PS | P);
	CHECK_EQ(tr(0x40123456, X86_ACCESS_READ), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_RSVD);
}

static void test_pae(void)
{
	/* CR3 is 32-byte aligned; PDPTE 3 covers 0xc0000000-0xffffffff. */
	reset(X86_CR0_PG, X86_CR4_PAE, X86_EFER_NXE, 0x1020);
	put64(0x1020 + 3 * 8, 0x2000 | P);
	put64(0x2000 + 0 * 8, 0x3000 | P | RW);                         /* 0xc0000000: PT */
	put64(0x3000 + 5 * 8, 0x7000 | P | RW | NX);                    /* 0xc0005000 */
	put64(0x2000 + 1 * 8, 0x40000000ull | P | RW | PS | (1u << 12)); /* 0xc0200000: 2 MiB, PAT bit */
	CHECK_EQ(tr(0xc0005abc, X86_ACCESS_WRITE), 0);
	CHECK_EQ(gpa, 0x7abc);
	CHECK_EQ(get64(0x1038), 0x2000 | P);  /* PDPTEs have no accessed bit */
	CHECK_EQ(get64(0x2000) & (A | D), A);
	CHECK_EQ(get64(0x3028) & (A | D), A | D);
	CHECK_EQ(tr(0xc0005abc, X86_ACCESS_EXEC), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_I);
	CHECK_EQ(tr(0xc0312345, X86_ACCESS_EXEC), 0);
	CHECK_EQ(gpa, 0x40112345);
	CHECK_EQ(get64(0x2008) & (A | D), A);
	/* Without EFER.NXE bit 63 is reserved; so are a PDPTE's R/W bit and a 2 MiB page's bits 20:13. */
	st.efer = 0;
	CHECK_EQ(tr(0xc0005abc, X86_ACCESS_READ), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_RSVD);
	CHECK_EQ(tr(0xc0005abc, X86_ACCESS_EXEC), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_RSVD);  /* no I/D bit without NXE or SMEP */
	put64(0x2000 + 1 * 8, 0x40000000ull | P | PS | (1u << 13));
	CHECK_EQ(tr(0xc0312345, X86_ACCESS_READ), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_RSVD);
	put64(0x1020 + 3 * 8, 0x2000 | P | RW);
	CHECK_EQ(tr(0xc0005abc, X86_ACCESS_READ), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_RSVD);
	CHECK_EQ(tr(0x00005abc, X86_ACCESS_READ), -EFAULT);  /* PDPTE 0 not present */
	CHECK_EQ(err, 0);
}

/* Long mode: PML4 at 0x1000, then tables at 0x2000.. as each test needs. */
static void long_mode(uint64_t cr4)
{
	reset(X86_CR0_PG, X86_CR4_PAE | cr4, X86_EFER_LMA | X86_EFER_NXE, 0x1000);
}

static void test_long(void)
{
	long_mode(0);
	put64(0x1000 + 511 * 8, 0x2000 | P | RW);               /* 0xffffff8000000000 */
	put64(0x2000 + 510 * 8, 0x3000 | P | RW);               /* 0xffffffff80000000: PD */
	put64(0x3000 + 0 * 8, 0x4000 | P | RW);                 /* PT */
	put64(0x4000 + 1 * 8, 0x0123456789000ull | P | RW);     /* 0xffffffff80001000 */
	put64(0x3000 + 1 * 8, 0x0000000fffe00000ull | P | PS);  /* 0xffffffff80200000: 2 MiB, read-only */
	put64(0x2000 + 0 * 8, 0x00000040c0000000ull | P | RW | PS | US);  /* 0xffffff8000000000: 1 GiB, user */
	CHECK_EQ(tr(0xffffffff80001fffull, X86_ACCESS_WRITE), 0);
	CHECK_EQ(gpa, 0x0123456789fffull);
	CHECK_EQ(get64(0x1ff8) & (A | D), A);
	CHECK_EQ(get64(0x2ff0) & (A | D), A);
	CHECK_EQ(get64(0x3000) & (A | D), A);
	CHECK_EQ(get64(0x4008) & (A | D), A | D);
	CHECK_EQ(tr(0xffffffff803fffffull, X86_ACCESS_READ), 0);
	CHECK_EQ(gpa, 0xfffffffffull);
	CHECK_EQ(tr(0xffffffff803fffffull, X86_ACCESS_WRITE), 0);  /* CR0.WP clear */
	CHECK_EQ(get64(0x3008) & (A | D), A | D);
	st.cr0 |= X86_CR0_WP;
	CHECK_EQ(tr(0xffffffff803fffffull, X86_ACCESS_WRITE), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_W);
	CHECK_EQ(tr(0xffffff803fffffffull, X86_ACCESS_READ | X86_ACCESS_USER), -EFAULT);  /* PML4E not user */
	CHECK_EQ(err, X86_PF_P | X86_PF_U);
	put64(0x1000 + 511 * 8, 0x2000 | P | RW | US);
	CHECK_EQ(tr(0xffffff803fffffffull, X86_ACCESS_READ | X86_ACCESS_USER), 0);
	CHECK_EQ(gpa, 0x00000040ffffffffull);
	/* SMAP: a supervisor data access to a user page faults unless RFLAGS.AC is set. */
	CHECK_EQ(tr(0xffffff8000000000ull, X86_ACCESS_READ), 0);
	st.cr4 |= X86_CR4_SMAP;
	CHECK_EQ(tr(0xffffff8000000000ull, X86_ACCESS_WRITE), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_W);
	st.rflags |= X86_RFLAGS_AC;
	CHECK_EQ(tr(0xffffff8000000000ull, X86_ACCESS_WRITE), 0);
	/* Reserved: PS in a PML4E, bits 29:13 of a 1 GiB page. */
	put64(0x1000 + 1 * 8, 0x2000 | P | PS);
	CHECK_EQ(tr(0x0000008000000000ull, X86_ACCESS_READ), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_RSVD);
	put64(0x2000 + 0 * 8, 0x00000040c0000000ull | (1u << 20) | P | PS);
	CHECK_EQ(tr(0xffffff8000000000ull, X86_ACCESS_READ), -EFAULT);
	CHECK_EQ(err, X86_PF_P | X86_PF_RSVD);
	/* Page tables outside guest RAM; a concurrent change under the accessed-bit update. */
	put64(0x1000 + 2 * 8, 0x7ff000000ull | P | RW);
	CHECK_EQ(tr(0x0000010000000000ull, X86_ACCESS_READ), -ENXIO);
	put64(0x4000 + 2 * 8, 0x9000 | P | RW);
	mem.fail_cmpxchg = true;
	CHECK_EQ(tr(0xffffffff80002000ull, X86_ACCESS_WRITE), -EAGAIN);
	mem.fail_cmpxchg = false;
	mem.cmpxchgs = 0;
	CHECK_EQ(tr(0xffffffff80002000ull, X86_ACCESS_WRITE), 0);
	CHECK_EQ(mem.cmpxchgs, 1);  /* only the leaf still lacked its bits */
	CHECK_EQ(tr(0xffffffff80002000ull, X86_ACCESS_WRITE), 0);
	CHECK_EQ(mem.cmpxchgs, 1);
}

static void test_la57(void)
{
	long_mode(X86_CR4_LA57);
	put64(0x1000 + 256 * 8, 0x2000 | P | RW);  /* 0xff00000000000000 */
	put64(0x2000 + 0 * 8, 0x3000 | P | RW);
	put64(0x3000 + 3 * 8, 0x4000 | P | RW);    /* + 3 GiB */
	put64(0x4000 + 2 * 8, 0x00200000ull | P | RW | PS);
	CHECK_EQ(tr(0xff000000c0412345ull, X86_ACCESS_READ), 0);
	CHECK_EQ(gpa, 0x00212345);
	CHECK_EQ(tr(0xff010000c0412345ull, X86_ACCESS_READ), -EFAULT);  /* PML4 index 1: absent */
	CHECK_EQ(err, 0);
}

int main(void)
{
	test_paging_off();
	test_32bit();
	test_pae();
	test_long();
	test_la57();
	return check_summary();
}
