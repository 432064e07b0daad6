/* The test guests' runtime: output on COM1 (polling LSR, as a real 16550 needs), results and power off. */
#include "guest.h"

#define COM1 0x3f8
#define PM1A_CONTROL 0x604
#define SLP_TYP_S5 5
#define SLP_EN (1u << 13)

static const char *guest_name;
static unsigned passed, failed;

static void putc_serial(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

void guest_puts(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

void guest_put_hex(uint64_t v)
{
	guest_puts("0x");
	for (int shift = 60; shift >= 0; shift -= 4)
		putc_serial("0123456789abcdef"[(v >> shift) & 15]);
}

static void put_uint(unsigned v)
{
	char buf[12];
	int i = 0;
	do
		buf[i++] = (char)('0' + v % 10);
	while (v /= 10);
	while (i)
		putc_serial(buf[--i]);
}

void guest_begin(const char *name)
{
	guest_name = name;
	guest_puts("guest ");
	guest_puts(name);
	guest_puts(": start\n");
}

void guest_check(const char *what, int ok, const char *detail)
{
	guest_puts("guest ");
	guest_puts(guest_name);
	guest_puts(": ");
	guest_puts(what);
	if (ok) {
		passed++;
		guest_puts(" ok\n");
	} else {
		failed++;
		guest_puts(" FAIL ");
		guest_puts(detail ? detail : "");
		guest_puts("\n");
	}
}

void guest_end(void)
{
	guest_puts("guest ");
	guest_puts(guest_name);
	guest_puts(": done, ");
	put_uint(passed);
	guest_puts(" passed, ");
	put_uint(failed);
	guest_puts(" failed\n");
	outw(PM1A_CONTROL, SLP_TYP_S5 << 10 | SLP_EN);
	for (;;)
		__asm__ volatile("cli; hlt");
}
