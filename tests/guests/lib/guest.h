/* The test guests' little runtime: port I/O, the serial console, result lines and power off. Guests report
 * on COM1 as `guest NAME: CHECK ok` or `guest NAME: CHECK FAIL detail`, and end with
 * `guest NAME: done, N passed, M failed` before powering off through ACPI S5. Other lines a guest prints
 * (guest_line) never end in " ok" and never hold " FAIL", so a test can count the checks. The same code
 * builds for real mode (-m16, GUEST_REAL16), 32-bit protected mode and 64-bit long mode. */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>

/* Keel's scratch MMIO page: ordinary memory whose every access goes through the instruction emulator. Off
 * Keel, guests use ordinary RAM at GUEST_SCRATCH_FALLBACK instead (same offset within a 2 and 4 MiB page). */
#define GUEST_SCRATCH_PHYS 0xfeb00000u
#define GUEST_SCRATCH_FALLBACK 0x00b00000u

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
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
static inline uint64_t rdmsr(uint32_t index)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index));
	return (uint64_t)hi << 32 | lo;
}
static inline void wrmsr(uint32_t index, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
static inline void cpu_cli(void) { __asm__ volatile("cli" : : : "memory"); }
static inline void cpu_sti(void) { __asm__ volatile("sti" : : : "memory"); }
/* Enables interrupts and halts in one step (STI's shadow), so a wake-up cannot slip in between. */
static inline void cpu_sti_hlt(void) { __asm__ volatile("sti; hlt" : : : "memory"); }
static inline void cpu_pause(void) { __asm__ volatile("pause" : : : "memory"); }

/* A constant address made opaque to the compiler: gcc's 16-bit code would truncate an absolute address
 * operand to 16 bits, so addresses go through a register. */
static inline uintptr_t guest_addr(uintptr_t a)
{
	__asm__("" : "+r"(a));
	return a;
}
/* Plain accesses to a physical (identity-mapped, or big-real-mode) address. */
static inline uint32_t mmio_read32(uintptr_t a) { return *(volatile uint32_t *)guest_addr(a); }
static inline void mmio_write32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)guest_addr(a) = v; }

/* Prints the start line and detects Keel (CPUID 0x40000100); off Keel it prints `(not on Keel)`. */
void guest_begin(const char *name);
/* 1 when CPUID 0x40000100 says KeelKeelKeel; valid after guest_begin. */
int guest_on_keel(void);
/* The scratch page's physical address: Keel's MMIO page, or the RAM fallback off Keel. */
uintptr_t guest_scratch_phys(void);
void guest_puts(const char *s);
void guest_put_hex(uint64_t v);
void guest_put_uint(uint64_t v);
/* A formatted line `guest NAME: TEXT`. Formats: %s %c %u %d %x with l/ll, %%. Must not end in " ok". */
void guest_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Formats into buf (always NUL-terminated, truncated to size). */
void guest_snprintf(char *buf, unsigned size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* One result line; detail is printed after FAIL. Returns ok. */
int guest_check(const char *what, int ok, const char *detail);
/* Prints the done line and powers the VM off (ACPI S5; off Keel also QEMU's soft-off type). */
__attribute__((noreturn)) void guest_end(void);
/* Reports an unexpected event as a failed check, then ends. */
__attribute__((noreturn)) void guest_abort(const char *what, const char *detail);

#endif
