/* The kernel log: every line goes to the console and into a ring kept for `log show`. */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <stddef.h>

/* Formats one message (vsnprintf rules), prints it on the console and keeps it in the ring. Not for
 * interrupt handlers (the console is slow and its lock is theirs to never take). */
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Calls emit with the ring's contents in order, oldest first, in one or two pieces. */
void log_dump(void (*emit)(void *ctx, const char *s, size_t n), void *ctx);

#endif
