/* musl's per-thread block (its struct pthread): every kernel thread owns one and FS points at it while the
 * thread runs, so errno and the locale work as musl expects. */
#ifndef KERNEL_LIBC_THREAD_H
#define KERNEL_LIBC_THREAD_H

/* A zeroed block with musl's self pointer and locale set, or NULL when out of memory. */
void *libc_thread_block_new(void);
void libc_thread_block_free(void *block);

#endif
