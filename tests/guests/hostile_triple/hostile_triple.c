/* Hostile guest: loads an empty IDT and raises #UD, so the CPU triple-faults. Keel must turn the VM off
 * with the reason; nothing else is affected. */
#include "../lib/guest.h"

void guest_main(void);
void guest_main(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} empty = { 0, 0 };
	guest_begin("hostile_triple");
	guest_line("loading an empty IDT and raising #UD: this triple-faults");
	__asm__ volatile("lidt %0; ud2" : : "m"(empty));
	guest_abort("triple fault stops the vm", "still running");
}
