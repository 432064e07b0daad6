/* Hostile guest: masks interrupts and spins forever. Keel must still preempt it, keep the host and other
 * VMs running, and `vm turnoff` must stop it. */
#include "../lib/guest.h"

void guest_main(void);
void guest_main(void)
{
	guest_begin("hostile_spin");
	guest_line("cli and spinning forever");
	__asm__ volatile("cli; 1: jmp 1b");
	__builtin_unreachable();
}
