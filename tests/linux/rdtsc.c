/* rdtsc: prints the time-stamp counter in decimal and exits; /init's first line for `make bench`. Under
 * QEMU's -icount shift=0 the TSC counts emulated instructions, and a guest on Keel reads the host's TSC, so
 * the value is the machine's instruction count. Freestanding (no libc) for both the amd64 and i386 userland. */
static long sys_write(int fd, const char *buf, unsigned long len)
{
	long ret;
#ifdef __x86_64__
	__asm__ volatile("syscall" : "=a"(ret) : "a"(1L), "D"((long)fd), "S"(buf), "d"(len) : "rcx", "r11", "memory");
#else
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(4L), "b"(fd), "c"(buf), "d"(len) : "memory");
#endif
	return ret;
}

static __attribute__((noreturn)) void sys_exit(int code)
{
#ifdef __x86_64__
	__asm__ volatile("syscall" : : "a"(60L), "D"((long)code) : "rcx", "r11", "memory");
#else
	__asm__ volatile("int $0x80" : : "a"(1L), "b"(code) : "memory");
#endif
	__builtin_unreachable();
}

void _start(void)
{
	unsigned lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	unsigned long long tsc = (unsigned long long)hi << 32 | lo;
	char buf[24];
	int i = sizeof buf;
	buf[--i] = '\n';
	do
		buf[--i] = (char)('0' + tsc % 10);
	while ((tsc /= 10) != 0);
	sys_write(1, buf + i, sizeof buf - i);
	sys_exit(0);
}
