/* The test guests' little runtime: port I/O, the serial console, result lines and power off. Guests report
 * on COM1 as `guest NAME: CHECK ok` or `guest NAME: CHECK FAIL detail`, and end with
 * `guest NAME: done, N passed, M failed` before powering off through ACPI S5. */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

void guest_begin(const char *name);
void guest_puts(const char *s);
void guest_put_hex(uint64_t v);
void guest_check(const char *what, int ok, const char *detail);
/* Prints the done line and powers the VM off. */
__attribute__((noreturn)) void guest_end(void);

#endif
