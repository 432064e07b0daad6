/* Hostile guest: with paging off, jumps to guest-physical 0xE0000000 where nothing is mapped. Keel must stop
 * (or fault) only this VM. Any exception that comes back to the guest is reported and the guest powers off. */
#include "../lib/guest.h"
#include "../lib/trap.h"

void guest_main(void);
void guest_main(void)
{
	guest_begin("hostile_exec");
	trap_init();
	guest_line("jumping to unbacked guest-physical address 0xe0000000");
	__asm__ volatile("jmp *%0" : : "r"(guest_addr(0xe0000000u)));
	__builtin_unreachable();
}
