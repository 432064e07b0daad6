/* Where musl's system calls land (see kernel/libc/syscall_arch.h): the few that a kernel-resident libc
 * needs, answered directly. Anything else fails with ENOSYS and is logged once per number. */
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/sched/thread.h"
#include "kernel/arch.h"
#include "kernel/time.h"
#include "drivers/uart.h"

static long sys_writev(int fd, const struct iovec *iov, int count)
{
	if (fd != 1 && fd != 2)
		return -EBADF;
	long total = 0;
	for (int i = 0; i < count; i++) {
		uart_write(iov[i].iov_base, iov[i].iov_len);
		total += (long)iov[i].iov_len;
	}
	return total;
}

static long sys_clock_gettime(clockid_t clock, struct timespec *ts)
{
	if (clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
		return -EINVAL;
	uint64_t ticks = rdtsc() - time_boot_tsc();
	uint64_t hz = time_tsc_hz();
	ts->tv_sec = (time_t)(ticks / hz);
	ts->tv_nsec = (long)((ticks % hz) * 1000000000ull / hz);
	return 0;
}

long keel_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	(void)a4, (void)a5, (void)a6;
	switch (n) {
	case SYS_write: {
		struct iovec iov = { (void *)a2, (size_t)a3 };
		return sys_writev((int)a1, &iov, 1);
	}
	case SYS_writev:
		return sys_writev((int)a1, (const struct iovec *)a2, (int)a3);
	case SYS_clock_gettime:
		return sys_clock_gettime((clockid_t)a1, (struct timespec *)a2);
	case SYS_sched_yield:
		schedule();
		return 0;
	case SYS_exit:
	case SYS_exit_group:
		panic("libc called exit(%ld)", a1);
	default: {
		static uint8_t reported[512];
		if (n >= 0 && n < 512 && !reported[n]) {
			reported[n] = 1;
			log_printf("libc: system call %ld is not provided\n", n);
		}
		return -ENOSYS;
	}
	}
}
