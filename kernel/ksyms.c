/* Symbol lookup over the table that the second link embeds. The first link sees the weak empty table. */
#include <stddef.h>
#include "kernel/ksyms.h"

struct ksym {
	uint64_t addr;
	uint32_t name; /* offset into ksym_names */
	uint32_t reserved;
};

extern const struct ksym ksym_table[] __attribute__((weak));
extern const uint64_t ksym_count __attribute__((weak));
extern const char ksym_names[] __attribute__((weak));
extern char __text_start[], __text_end[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	if (!&ksym_count || addr < (uint64_t)__text_start || addr >= (uint64_t)__text_end)
		return NULL;
	/* The last symbol at or below addr (the table is sorted). */
	size_t lo = 0, hi = ksym_count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ksym_table[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	*offset = addr - ksym_table[lo - 1].addr;
	return ksym_names + ksym_table[lo - 1].name;
}
