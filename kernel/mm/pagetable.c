/* Walking, building and freeing four-level page tables. */
#include <stddef.h>
#include "kernel/mm/pagetable.h"
#include "kernel/mm/phys.h"

static uint64_t *table(uint64_t entry) { return phys_to_virt(entry & PAGETABLE_ADDR_MASK); }

uint64_t *pagetable_entry(const struct pagetable_format *f, uint64_t root, uint64_t va, int level, int create)
{
	uint64_t *t = table(root);
	for (int l = 4; l > level; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(*e & f->present)) {
			uint64_t pa;
			if (!create || page_alloc_contig(1, 1, 4ull << 30, &pa))
				return NULL;
			*e = pa | f->table_flags;
		} else if (l <= 3 && (*e & f->large)) {
			return NULL;
		}
		t = table(*e);
	}
	return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

static void free_level(const struct pagetable_format *f, uint64_t table_pa, int level)
{
	if (level > 1) {
		uint64_t *t = phys_to_virt(table_pa);
		for (int i = 0; i < 512; i++)
			if ((t[i] & f->present) && !(level <= 3 && (t[i] & f->large)))
				free_level(f, t[i] & PAGETABLE_ADDR_MASK, level - 1);
	}
	page_free(table_pa);
}

void pagetable_free(const struct pagetable_format *f, uint64_t root) { free_level(f, root & PAGETABLE_ADDR_MASK, 4); }
