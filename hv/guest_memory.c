/* Guest RAM allocation and guest-physical address translation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hv/guest_memory.h"
#include "kernel/mm/phys.h"

#define SLOT_SHIFT 21
#define SLOT_SIZE (1ull << SLOT_SHIFT)
#define SLOT_PAGES 512

uint64_t guest_memory_gpa_of(uint64_t off) { return off < GUEST_LOW_RAM_LIMIT ? off : off - GUEST_LOW_RAM_LIMIT + (4ull << 30); }

/* Slot index of a guest-physical address, or -1 when no RAM is there. */
static int64_t slot_of(const struct guest_memory *m, uint64_t gpa)
{
	uint64_t off;
	if (gpa < GUEST_LOW_RAM_LIMIT)
		off = gpa;
	else if (gpa >= (4ull << 30))
		off = gpa - (4ull << 30) + GUEST_LOW_RAM_LIMIT;
	else
		return -1;
	if (off >= m->size)
		return -1;
	return (int64_t)(off >> SLOT_SHIFT);
}

void guest_memory_free(struct guest_memory *m)
{
	for (uint64_t s = 0; s < m->slots; s++) {
		if (m->block && m->block[s])
			page_free_contig(m->block[s], SLOT_PAGES);
		if (m->pages && m->pages[s]) {
			for (unsigned i = 0; i < SLOT_PAGES; i++)
				if (m->pages[s][i])
					page_free(m->pages[s][i]);
			free(m->pages[s]);
		}
	}
	free(m->block);
	free(m->pages);
	memset(m, 0, sizeof *m);
}

int guest_memory_alloc(struct guest_memory *m, uint64_t size)
{
	memset(m, 0, sizeof *m);
	if (!size || size % SLOT_SIZE)
		return -EINVAL;
	m->slots = size / SLOT_SIZE;
	m->block = calloc(m->slots, sizeof *m->block);
	m->pages = calloc(m->slots, sizeof *m->pages);
	if (!m->block || !m->pages)
		goto fail;
	m->size = size;
	for (uint64_t s = 0; s < m->slots; s++) {
		if (!page_alloc_contig(SLOT_PAGES, SLOT_PAGES, 0, &m->block[s]))
			continue;
		m->block[s] = 0;
		m->pages[s] = calloc(SLOT_PAGES, sizeof(uint64_t));
		if (!m->pages[s])
			goto fail;
		for (unsigned i = 0; i < SLOT_PAGES; i++)
			if (page_alloc(&m->pages[s][i]))
				goto fail;
	}
	return 0;
fail:
	guest_memory_free(m);
	return -ENOMEM;
}

int guest_memory_each(const struct guest_memory *m, int (*map)(void *ctx, uint64_t gpa, uint64_t hpa, uint64_t len),
		      void *ctx)
{
	for (uint64_t s = 0; s < m->slots; s++) {
		uint64_t gpa = guest_memory_gpa_of(s * SLOT_SIZE);
		int err = 0;
		if (m->block[s]) {
			err = map(ctx, gpa, m->block[s], SLOT_SIZE);
		} else {
			for (unsigned i = 0; i < SLOT_PAGES && !err; i++)
				err = map(ctx, gpa + (uint64_t)i * 4096, m->pages[s][i], 4096);
		}
		if (err)
			return err;
	}
	return 0;
}

/* Host address of gpa and how many bytes from it stay contiguous, or 0. */
static uint64_t host_address(const struct guest_memory *m, uint64_t gpa, uint64_t *run)
{
	int64_t s = slot_of(m, gpa);
	if (s < 0)
		return 0;
	uint64_t in_slot = gpa & (SLOT_SIZE - 1);
	if (m->block[s]) {
		*run = SLOT_SIZE - in_slot;
		return m->block[s] + in_slot;
	}
	*run = 4096 - (gpa & 4095);
	return m->pages[s][in_slot >> 12] + (gpa & 4095);
}

void *guest_memory_ptr(const struct guest_memory *m, uint64_t gpa, uint64_t len)
{
	uint64_t run;
	uint64_t hpa = host_address(m, gpa, &run);
	if (!hpa || !len || len > run)
		return NULL;
	return phys_to_virt(hpa);
}

static int copy(const struct guest_memory *m, uint64_t gpa, void *buf, size_t len, int to_guest)
{
	char *b = buf;
	while (len) {
		uint64_t run;
		uint64_t hpa = host_address(m, gpa, &run);
		if (!hpa)
			return -EFAULT;
		size_t n = len < run ? len : (size_t)run;
		if (to_guest)
			memcpy(phys_to_virt(hpa), b, n);
		else
			memcpy(b, phys_to_virt(hpa), n);
		b += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int guest_memory_read(const struct guest_memory *m, uint64_t gpa, void *buf, size_t len)
{
	return copy(m, gpa, buf, len, 0);
}

int guest_memory_write(const struct guest_memory *m, uint64_t gpa, const void *buf, size_t len)
{
	return copy(m, gpa, (void *)buf, len, 1);
}
