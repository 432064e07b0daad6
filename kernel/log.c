/* The kernel log ring (64 KiB) and its console echo. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "drivers/uart.h"
#include "kernel/log.h"
#include "kernel/sched/spinlock.h"

#define LOG_RING_SIZE 65536

static char ring[LOG_RING_SIZE];
static uint64_t ring_head; /* bytes ever written */
static struct spinlock ring_lock = SPINLOCK_INIT;

void log_printf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;

	uint64_t flags = spin_lock(&ring_lock);
	for (size_t i = 0; i < len; i++)
		ring[ring_head++ % LOG_RING_SIZE] = line[i];
	spin_unlock(&ring_lock, flags);
	uart_write(line, len);
}

void log_dump(void (*emit)(void *ctx, const char *s, size_t n), void *ctx)
{
	/* Copy under the lock, emit outside it: emitting may block on a slow console or network peer. */
	char *copy = malloc(LOG_RING_SIZE);
	if (!copy)
		return;
	uint64_t flags = spin_lock(&ring_lock);
	uint64_t head = ring_head;
	size_t len = head < LOG_RING_SIZE ? head : LOG_RING_SIZE;
	for (size_t i = 0; i < len; i++)
		copy[i] = ring[(head - len + i) % LOG_RING_SIZE];
	spin_unlock(&ring_lock, flags);
	emit(ctx, copy, len);
	free(copy);
}
