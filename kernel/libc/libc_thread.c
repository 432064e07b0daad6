/* Built against musl's internal headers (mk/kernel.mk adds their paths for this file only): the one place
 * that knows the layout of musl's struct pthread. */
#include <stdlib.h>
#include "pthread_impl.h"
#include "kernel/libc/libc_thread.h"

void *libc_thread_block_new(void)
{
	struct pthread *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->self = t;
	t->locale = &libc.global_locale;
	return t;
}

void libc_thread_block_free(void *block) { free(block); }
