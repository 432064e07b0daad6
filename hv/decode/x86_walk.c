/* The guest page-table walk: every x86 paging mode, permission checks with the #PF error code they
 * produce, and the accessed/dirty bits a successful walk sets. */
#include "x86_walk.h"

#include <errno.h>
#include <stdbool.h>

#define PTE_P     (UINT64_C(1) << 0)
#define PTE_RW    (UINT64_C(1) << 1)
#define PTE_US    (UINT64_C(1) << 2)
#define PTE_A     (UINT64_C(1) << 5)
#define PTE_D     (UINT64_C(1) << 6)
#define PTE_PS    (UINT64_C(1) << 7)
#define PTE_NX    (UINT64_C(1) << 63)

/* Physical address bits of a 64-bit entry (MAXPHYADDR 52) and of a 32-bit one. */
#define PTE64_ADDR  UINT64_C(0x000ffffffffff000)
#define PTE32_ADDR  UINT64_C(0xfffff000)

/* A PAE PDPTE has no permission bits: bits 1, 2 and 6-8 are reserved, and so is bit 63. Bit 5 is
 * reserved too on paper, but QEMU's emulated CPUs set it as an accessed bit while walking: tolerate it, as it
 * is the guest's own table and grants nothing. */
#define PDPTE_PAE_RSVD (UINT64_C(0x1c6) | PTE_NX)

#define MAX_LEVELS 5

/* The shape of one paging mode: where the walk starts and how each level indexes. */
struct walk_shape {
	uint64_t table;      /* guest-physical address of the top table */
	unsigned levels;     /* tables walked, the top one included */
	unsigned top_shift;  /* linear-address bit the top index starts at */
	unsigned esize;      /* bytes per entry: 4 or 8 */
	bool pae_pdpt;       /* the top level is PAE's 4-entry PDPT */
};

/* One entry met on the way down, kept to set its accessed bit once the walk has succeeded. */
struct walk_entry {
	uint64_t gpa, val;
};

static void shape_of(const struct x86_cpu_state *s, struct walk_shape *w)
{
	if (s->efer & X86_EFER_LMA) {
		bool la57 = s->cr4 & X86_CR4_LA57;

		*w = (struct walk_shape){ s->cr3 & PTE64_ADDR, la57 ? 5 : 4, la57 ? 48 : 39, 8, false };
	} else if (s->cr4 & X86_CR4_PAE) {
		*w = (struct walk_shape){ s->cr3 & UINT64_C(0xffffffe0), 3, 30, 8, true };
	} else {
		*w = (struct walk_shape){ s->cr3 & PTE32_ADDR, 2, 22, 4, false };
	}
}

/* Whether an entry whose index starts at linear-address bit `shift` maps a page when its PS bit is set. */
static bool may_map_page(const struct x86_cpu_state *s, const struct walk_shape *w, unsigned shift)
{
	if (w->esize == 4)
		return shift == 22 && (s->cr4 & X86_CR4_PSE);
	return shift == 21 || (shift == 30 && !w->pae_pdpt);
}

/* The reserved bits of an entry at this level (PS tells whether it maps a page). */
static uint64_t reserved_bits(const struct x86_cpu_state *s, const struct walk_shape *w, unsigned shift,
			      uint64_t entry)
{
	uint64_t rsvd = (s->efer & X86_EFER_NXE) ? 0 : PTE_NX;

	if (w->esize == 4)  /* only a 4 MiB page's bit 21, above PSE-36's eight address bits */
		return ((entry & PTE_PS) && may_map_page(s, w, shift)) ? UINT64_C(1) << 21 : 0;
	if (w->pae_pdpt && shift == 30)
		return PDPTE_PAE_RSVD;
	if (shift >= 39)
		return rsvd | PTE_PS;
	if ((entry & PTE_PS) && shift >= 21)
		rsvd |= ((UINT64_C(1) << shift) - 1) & ~UINT64_C(0x1fff);  /* below the page, above the PAT bit */
	return rsvd;
}

/* The #PF error code for an access that failed; present tells a violation from a missing page. */
static uint32_t pf_code(const struct x86_cpu_state *s, unsigned access, bool present, bool rsvd)
{
	uint32_t code = 0;
	bool nx_on = (s->cr4 & X86_CR4_PAE) && (s->efer & X86_EFER_NXE);

	if (present)
		code |= X86_PF_P;
	if (rsvd)
		code |= X86_PF_RSVD;
	if (access & X86_ACCESS_WRITE)
		code |= X86_PF_W;
	if (access & X86_ACCESS_USER)
		code |= X86_PF_U;
	if ((access & X86_ACCESS_EXEC) && (nx_on || (s->cr4 & X86_CR4_SMEP)))
		code |= X86_PF_I;
	return code;
}

/* Whether the combined permissions of the walk allow the access. */
static bool allowed(const struct x86_cpu_state *s, unsigned access, bool rw, bool us, bool nx)
{
	bool user = access & X86_ACCESS_USER;
	bool exec = access & X86_ACCESS_EXEC;

	if ((access & X86_ACCESS_WRITE) && !rw && (user || (s->cr0 & X86_CR0_WP)))
		return false;
	if (user && !us)
		return false;
	if (!user && us && exec && (s->cr4 & X86_CR4_SMEP))
		return false;
	if (!user && us && !exec && (s->cr4 & X86_CR4_SMAP) && !(s->rflags & X86_RFLAGS_AC))
		return false;
	return !(exec && nx && (s->efer & X86_EFER_NXE));
}

/* Sets `bits` in an entry unless already set; a concurrent change of the entry makes it -EAGAIN. */
static int set_bits(const struct x86_mem_ops *mem, void *ctx, const struct walk_entry *e, uint64_t bits,
		    unsigned esize)
{
	int r;

	if ((e->val & bits) == bits)
		return 0;
	r = mem->cmpxchg_phys(ctx, e->gpa, e->val, e->val | bits, esize);
	return r == -EFAULT ? -ENXIO : r;
}

int x86_translate(const struct x86_cpu_state *s, uint64_t gva, unsigned access, const struct x86_mem_ops *mem,
		  void *ctx, uint64_t *gpa, uint32_t *pf_error)
{
	struct walk_entry seen[MAX_LEVELS];
	struct walk_shape w;
	uint64_t table, entry = 0, addr_mask;
	unsigned shift, page_shift = 12, n;
	bool rw = true, us = true, nx = false;
	int r;

	if (!(s->cr0 & X86_CR0_PG)) {
		*gpa = gva & UINT32_MAX;
		return 0;
	}
	shape_of(s, &w);
	if (!(s->efer & X86_EFER_LMA))
		gva &= UINT32_MAX;
	addr_mask = w.esize == 8 ? PTE64_ADDR : PTE32_ADDR;
	table = w.table;
	shift = w.top_shift;
	for (n = 0; n < w.levels; n++, shift -= (w.esize == 8 ? 9 : 10)) {
		unsigned index_bits = w.pae_pdpt && n == 0 ? 2 : (w.esize == 8 ? 9 : 10);
		uint64_t index = (gva >> shift) & ((UINT64_C(1) << index_bits) - 1);

		entry = 0;
		r = mem->read_phys(ctx, table + index * w.esize, &entry, w.esize);
		if (r)
			return r == -EFAULT ? -ENXIO : r;
		seen[n] = (struct walk_entry){ table + index * w.esize, entry };
		if (!(entry & PTE_P)) {
			*pf_error = pf_code(s, access, false, false);
			return -EFAULT;
		}
		if (entry & reserved_bits(s, &w, shift, entry)) {
			*pf_error = pf_code(s, access, true, true);
			return -EFAULT;
		}
		if (!(w.pae_pdpt && n == 0)) {
			rw = rw && (entry & PTE_RW);
			us = us && (entry & PTE_US);
			nx = nx || (w.esize == 8 && (entry & PTE_NX));
		}
		if ((entry & PTE_PS) && may_map_page(s, &w, shift)) {
			page_shift = shift;
			n++;
			break;
		}
		table = entry & addr_mask;
	}
	if (!allowed(s, access, rw, us, nx)) {
		*pf_error = pf_code(s, access, true, false);
		return -EFAULT;
	}
	/* Accessed bits top-down, then dirty on the leaf, as a locked update each. */
	for (unsigned i = 0; i < n; i++) {
		bool leaf = i == n - 1;
		uint64_t bits = PTE_A | (leaf && (access & X86_ACCESS_WRITE) ? PTE_D : 0);

		if (w.pae_pdpt && i == 0)
			continue;
		r = set_bits(mem, ctx, &seen[i], bits, w.esize);
		if (r)
			return r;
	}
	if (page_shift == 22 && w.esize == 4) {
		/* PSE-36: bits 20:13 of a 4 MiB PDE hold physical address bits 39:32. */
		*gpa = (entry & UINT64_C(0xffc00000)) | (((entry >> 13) & 0xff) << 32) | (gva & 0x3fffff);
		return 0;
	}
	*gpa = (entry & addr_mask & ~((UINT64_C(1) << page_shift) - 1)) | (gva & ((UINT64_C(1) << page_shift) - 1));
	return 0;
}
