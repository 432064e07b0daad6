/* The test guests' runtime: output on COM1 (polling LSR, as a real 16550 needs), results and power off. */
#include <stdarg.h>
#include "guest.h"

#define COM1 0x3f8
#define PM1A_CONTROL 0x604
#define SLP_TYP_S5 5
#define SLP_TYP_QEMU_OFF 0 /* QEMU's PIIX4/ICH9 power off on SLP_TYP 0 */
#define SLP_EN (1u << 13)

static const char *guest_name;
static unsigned passed, failed;
static int on_keel;

struct sink {
	char *buf; /* NULL: the serial port */
	unsigned size, len;
};

static void putc_serial(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

static void sink_put(struct sink *s, char c)
{
	if (!s->buf) {
		putc_serial(c);
	} else if (s->len + 1 < s->size) {
		s->buf[s->len++] = c;
		s->buf[s->len] = 0;
	}
}

static void sink_str(struct sink *s, const char *str)
{
	while (*str)
		sink_put(s, *str++);
}

/* 64-bit division without libgcc (32-bit and 16-bit guests have no __udivdi3). */
static uint64_t divmod(uint64_t n, uint32_t d, uint32_t *rem)
{
	uint64_t q = 0;
	uint32_t r = 0;
	for (int bit = 63; bit >= 0; bit--) {
		uint64_t r2 = (uint64_t)r << 1 | (n >> bit & 1);
		if (r2 >= d) {
			r2 -= d;
			q |= 1ull << bit;
		}
		r = (uint32_t)r2;
	}
	*rem = r;
	return q;
}

static void sink_num(struct sink *s, uint64_t v, unsigned base, int min_digits)
{
	char digits[24];
	int n = 0;
	do {
		uint32_t digit;
		v = divmod(v, base, &digit);
		digits[n++] = "0123456789abcdef"[digit];
	} while (v && n < 24);
	while (n < min_digits && n < 24)
		digits[n++] = '0';
	while (n)
		sink_put(s, digits[--n]);
}

static void vformat(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			sink_put(s, *fmt);
			continue;
		}
		int longs = 0;
		while (*++fmt == 'l')
			longs++;
		uint64_t v;
		switch (*fmt) {
		case 's':
			sink_str(s, va_arg(ap, const char *));
			break;
		case 'c':
			sink_put(s, (char)va_arg(ap, int));
			break;
		case 'd':
			if (longs >= 2) {
				int64_t x = va_arg(ap, long long);
				if (x < 0)
					sink_put(s, '-');
				sink_num(s, x < 0 ? -(uint64_t)x : (uint64_t)x, 10, 1);
			} else {
				long x = longs ? va_arg(ap, long) : va_arg(ap, int);
				if (x < 0)
					sink_put(s, '-');
				sink_num(s, x < 0 ? -(unsigned long)x : (unsigned long)x, 10, 1);
			}
			break;
		case 'u':
		case 'x':
			if (longs >= 2)
				v = va_arg(ap, unsigned long long);
			else if (longs)
				v = va_arg(ap, unsigned long);
			else
				v = va_arg(ap, unsigned);
			sink_num(s, v, *fmt == 'x' ? 16 : 10, 1);
			break;
		case '%':
			sink_put(s, '%');
			break;
		default:
			return;
		}
	}
}

void guest_puts(const char *s)
{
	struct sink out = { 0, 0, 0 };
	sink_str(&out, s);
}

void guest_put_hex(uint64_t v)
{
	struct sink out = { 0, 0, 0 };
	sink_str(&out, "0x");
	sink_num(&out, v, 16, 16);
}

void guest_put_uint(uint64_t v)
{
	struct sink out = { 0, 0, 0 };
	sink_num(&out, v, 10, 1);
}

void guest_line(const char *fmt, ...)
{
	struct sink out = { 0, 0, 0 };
	va_list ap;
	sink_str(&out, "guest ");
	sink_str(&out, guest_name);
	sink_str(&out, ": ");
	va_start(ap, fmt);
	vformat(&out, fmt, ap);
	va_end(ap);
	sink_put(&out, '\n');
}

void guest_snprintf(char *buf, unsigned size, const char *fmt, ...)
{
	struct sink out = { buf, size, 0 };
	va_list ap;
	if (size)
		buf[0] = 0;
	va_start(ap, fmt);
	vformat(&out, fmt, ap);
	va_end(ap);
}

static int same(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

void guest_begin(const char *name)
{
	uint32_t r[4];
	guest_name = name;
	guest_line("start");
	cpuid(0x40000100, 0, r);
	on_keel = same((const char *)&r[1], "Keel", 4) && same((const char *)&r[2], "Keel", 4) &&
		  same((const char *)&r[3], "Keel", 4);
	if (!on_keel)
		guest_line("(not on Keel)");
}

int guest_on_keel(void)
{
	return on_keel;
}

uintptr_t guest_scratch_phys(void)
{
	return on_keel ? GUEST_SCRATCH_PHYS : GUEST_SCRATCH_FALLBACK;
}

int guest_check(const char *what, int ok, const char *detail)
{
	if (ok) {
		passed++;
		guest_line("%s ok", what);
	} else {
		failed++;
		guest_line("%s FAIL %s", what, detail ? detail : "");
	}
	return ok;
}

void guest_end(void)
{
	guest_line("done, %u passed, %u failed", passed, failed);
	outw(PM1A_CONTROL, SLP_TYP_S5 << 10 | SLP_EN);
	if (!on_keel)
		outw(PM1A_CONTROL, SLP_TYP_QEMU_OFF << 10 | SLP_EN);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void guest_abort(const char *what, const char *detail)
{
	guest_check(what, 0, detail);
	guest_end();
}
