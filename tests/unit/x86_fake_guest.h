/* A fake guest for the hv/decode emulator tests: 4 MiB of RAM at GPA 0 and one logging device of 4 KiB at
 * MMIO_BASE behind struct x86_mem_ops, page tables built in that RAM, CPU states for each mode, and a
 * helper that decodes and emulates one instruction given as hex. Included by one test program each. */
#ifndef KEEL_TEST_X86_FAKE_GUEST_H
#define KEEL_TEST_X86_FAKE_GUEST_H

#include "../../hv/decode/x86_emulate.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define RAM_SIZE  (4u << 20)
#define MMIO_BASE UINT64_C(0xfee00000)
#define MMIO_SIZE 0x1000u
#define HIGH      UINT64_C(0x8000000000)  /* PML4 slot 1: 4 KiB mappings made by map4k() */

struct access {
	uint64_t gpa, val;
	unsigned size;
	bool write;
};

/* Guest RAM at GPA 0 and one device of 4 KiB of registers at MMIO_BASE that logs its accesses. */
struct fake {
	uint8_t ram[RAM_SIZE];
	uint8_t regs[MMIO_SIZE];
	struct access log[64];
	unsigned nlog;
	int mmio_error;
	uint64_t next_table;
};

static struct fake fk;
static struct x86_cpu_state st;
static struct x86_fault fault;

static inline int read_phys(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct fake *f = ctx;

	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(buf, f->ram + gpa, len);
	return 0;
}

static inline int write_phys(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	struct fake *f = ctx;

	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(f->ram + gpa, buf, len);
	return 0;
}

static inline int cmpxchg_phys(void *ctx, uint64_t gpa, uint64_t old, uint64_t val, unsigned size)
{
	uint64_t cur = 0;

	if (read_phys(ctx, gpa, &cur, size))
		return -EFAULT;
	if (cur != old)
		return -EAGAIN;
	return write_phys(ctx, gpa, &val, size);
}

static inline int mmio(struct fake *f, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	if (gpa < MMIO_BASE || gpa - MMIO_BASE + size > MMIO_SIZE)
		return -EIO;
	if (f->mmio_error)
		return f->mmio_error;
	if (write)
		memcpy(f->regs + (gpa - MMIO_BASE), val, size);
	else
		memcpy(val, f->regs + (gpa - MMIO_BASE), size);
	if (f->nlog < 64)
		f->log[f->nlog++] = (struct access){ gpa, *val, size, write };
	return 0;
}

static inline int mmio_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	*val = 0;
	return mmio(ctx, gpa, size, false, val);
}

static inline int mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	return mmio(ctx, gpa, size, true, &val);
}

static const struct x86_mem_ops ops = { read_phys, write_phys, cmpxchg_phys, mmio_read, mmio_write };

static inline uint64_t get64(uint64_t gpa) { uint64_t v; memcpy(&v, fk.ram + gpa, 8); return v; }
static inline void put64(uint64_t gpa, uint64_t v) { memcpy(fk.ram + gpa, &v, 8); }
/* The device's registers at offset off, size bytes, little-endian. */
static inline uint64_t reg_value(uint64_t off, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, fk.regs + off, size);
	return v;
}

/* Maps the 4 KiB page at va (PML4 slot 1 and up) to pa, making tables as needed; flags 0 unmaps. */
static inline void map4k(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t table = 0x1000;

	for (unsigned shift = 39; shift > 12; shift -= 9) {
		uint64_t e = table + ((va >> shift) & 511) * 8;

		if (!(get64(e) & 1)) {
			put64(e, fk.next_table | 7);
			fk.next_table += 0x1000;
		}
		table = get64(e) & ~UINT64_C(0xfff);
	}
	put64(table + ((va >> 12) & 511) * 8, pa | flags);
}

/* 64-bit mode, CPL 0; the low 4 GiB identity-mapped with 1 GiB pages (PML4 at 0x1000, PDPT at 0x2000). */
static inline void reset_long(void)
{
	memset(&fk, 0, sizeof(fk));
	memset(&st, 0, sizeof(st));
	fk.next_table = 0x10000;
	put64(0x1000, 0x2000 | 7);
	for (uint64_t i = 0; i < 4; i++)
		put64(0x2000 + i * 8, (i << 30) | 0x87);
	st.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
	st.cr3 = 0x1000;
	st.cr4 = X86_CR4_PAE;
	st.efer = X86_EFER_LMA | X86_EFER_NXE | (1u << 8);
	for (unsigned i = 0; i < X86_SEG_COUNT; i++)
		st.seg[i] = (struct x86_segment){ 0, UINT32_MAX, 0x10, 0xc93 };
	st.seg[X86_SEG_CS] = (struct x86_segment){ 0, UINT32_MAX, 0x08, 0x29b };
	st.rflags = 2;
	st.rip = 0x100000;
}

/* 32-bit protected mode without paging, flat 4 GiB segments. */
static inline void reset_prot32(void)
{
	reset_long();
	st.cr0 = X86_CR0_PE;
	st.cr4 = 0;
	st.efer = 0;
	st.seg[X86_SEG_CS].attr = 0xc9b;
}

/* Real mode, segments at selector * 16 with 64 KiB limits. */
static inline void reset_real(void)
{
	reset_long();
	st.cr0 = 0;
	st.cr4 = 0;
	st.efer = 0;
	for (unsigned i = 0; i < X86_SEG_COUNT; i++)
		st.seg[i] = (struct x86_segment){ 0, 0xffff, 0, 0x93 };
	st.seg[X86_SEG_CS].attr = 0x9b;
}

static inline size_t parse_hex(const char *hex, uint8_t *out)
{
	size_t n = 0;

	while (*hex) {
		while (*hex == ' ')
			hex++;
		if (*hex)
			out[n++] = (uint8_t)strtoul(hex, (char **)&hex, 16);
	}
	return n;
}

/* Decodes hex in the current mode (all of it must be one instruction) and emulates it. */
static inline int emu(const char *hex)
{
	uint8_t b[X86_INSN_MAX];
	struct x86_insn in;
	size_t n = parse_hex(hex, b);
	int r = x86_decode(b, n, x86_cpu_mode(&st), &in);

	if (!CHECK_EQ(r, 0) || !CHECK_EQ(in.len, n)) {
		printf("  bytes: %s\n", hex);
		return -999;
	}
	memset(&fault, 0xee, sizeof(fault));
	return x86_emulate_mmio(&st, &in, &ops, &fk, &fault);
}

#endif
