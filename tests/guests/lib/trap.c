/* The test guests' IDT and the C side of interrupt entry (trap32.S / trap64.S). */
#include "guest.h"
#include "trap.h"

#ifdef __x86_64__
#define CODE_SELECTOR 0x18
struct idt_entry {
	uint16_t offset_lo, selector;
	uint8_t ist, type;
	uint16_t offset_mid;
	uint32_t offset_hi, zero;
};
#else
#define CODE_SELECTOR 0x08
struct idt_entry {
	uint16_t offset_lo, selector;
	uint8_t zero, type;
	uint16_t offset_hi;
};
#endif
#define INTERRUPT_GATE 0x8e

extern const uintptr_t guest_trap_stubs[256];
static struct idt_entry idt[256] __attribute__((aligned(16)));
static guest_handler *handlers[256];
static volatile unsigned unexpected;

void trap_load(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uintptr_t base;
	} idtr = { sizeof(idt) - 1, (uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void trap_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uintptr_t a = guest_trap_stubs[v];
		struct idt_entry *e = &idt[v];
		e->offset_lo = (uint16_t)a;
		e->selector = CODE_SELECTOR;
		e->type = INTERRUPT_GATE;
#ifdef __x86_64__
		e->ist = 0;
		e->offset_mid = (uint16_t)(a >> 16);
		e->offset_hi = (uint32_t)(a >> 32);
		e->zero = 0;
#else
		e->zero = 0;
		e->offset_hi = (uint16_t)(a >> 16);
#endif
	}
	trap_load();
}

void trap_set(unsigned vector, guest_handler *handler)
{
	handlers[vector & 255] = handler;
}

unsigned trap_unexpected(void)
{
	return unexpected;
}

void guest_trap(struct guest_frame *f);
void guest_trap(struct guest_frame *f)
{
	guest_handler *h = handlers[f->vector & 255];
	if (h) {
		h(f);
		return;
	}
	if (f->vector >= 32) {
		if (f->vector != 0x27 && f->vector != 0x2f && f->vector != 0xff)
			unexpected++;
		return;
	}
	char detail[80];
	guest_snprintf(detail, sizeof(detail), "vector %u at ip 0x%llx error 0x%llx", (unsigned)f->vector,
		       (unsigned long long)f->ip, (unsigned long long)f->error);
	guest_abort("no unexpected exception", detail);
}
