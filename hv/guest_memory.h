/* A VM's RAM: host frames in 2 MiB blocks (4 KiB pages where no block is free), and the one checked way from
 * a guest-physical address to host memory. Nothing else turns a guest address into a pointer. */
#ifndef HV_GUEST_MEMORY_H
#define HV_GUEST_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_LOW_RAM_LIMIT (3ull << 30) /* RAM above this moves to 4 GiB; the hole holds the APICs */

struct guest_memory {
	uint64_t size;        /* bytes of RAM */
	uint64_t slots;       /* 2 MiB slots of guest-physical space that hold RAM */
	uint64_t *block;      /* per slot: host address of a 2 MiB block, or 0 */
	uint64_t **pages;     /* per slot without a block: 512 host frames */
};

/* Allocates size bytes (a multiple of 2 MiB) of zeroed RAM. 0 or -ENOMEM (nothing kept). */
int guest_memory_alloc(struct guest_memory *m, uint64_t size);
void guest_memory_free(struct guest_memory *m);
/* Calls map(ctx, gpa, hpa, len) for every contiguous run, for the nested page tables. */
int guest_memory_each(const struct guest_memory *m, int (*map)(void *ctx, uint64_t gpa, uint64_t hpa, uint64_t len),
		      void *ctx);
/* The host pointer for [gpa, gpa + len) when all of it is RAM in one contiguous host run (never across a
 * 4 KiB boundary of a page-backed slot); NULL otherwise. Overflow-safe. */
void *guest_memory_ptr(const struct guest_memory *m, uint64_t gpa, uint64_t len);
/* Copies between guest RAM and the host across any boundaries. 0 or -EFAULT when any byte is not RAM. */
int guest_memory_read(const struct guest_memory *m, uint64_t gpa, void *buf, size_t len);
int guest_memory_write(const struct guest_memory *m, uint64_t gpa, const void *buf, size_t len);
/* Guest-physical address of RAM byte offset off (RAM above GUEST_LOW_RAM_LIMIT sits at 4 GiB). */
uint64_t guest_memory_gpa_of(uint64_t off);

#endif
