/* Hostile guest: writes across the unbacked MMIO range 0xC0000000-0xFEAFFFFF (one write per MiB, sizes 1, 2
 * and 4 in turn; Keel's scratch test page at 0xFEB00000 and the IOAPIC above it are devices), then every 4 KiB of a 16 MiB window at 0xD0000000, then a rep stosl of 1 KiB; on Keel all of
 * it must be ignored and read back as all ones. About 6,500 MMIO exits. Off Keel the same addresses hold
 * QEMU's PCI devices, so the guest only reads them. */
#include "../lib/guest.h"
#include "../lib/trap.h"

#define RANGE_START 0xc0000000u
#define RANGE_END 0xfeb00000u
#define WINDOW 0xd0000000u
#define WINDOW_SIZE (16u << 20)

static void poke(uint32_t a, unsigned i, int write)
{
	volatile uint8_t *p = (volatile uint8_t *)guest_addr(a);
	if (!write) {
		(void)*(volatile uint32_t *)p;
		return;
	}
	switch (i % 3) {
	case 0:
		*p = 0x5a;
		break;
	case 1:
		*(volatile uint16_t *)p = 0x5a5a;
		break;
	default:
		*(volatile uint32_t *)p = 0x5a5a5a5a;
		break;
	}
}

void guest_main(void);
void guest_main(void)
{
	guest_begin("hostile_mmio");
	trap_init();
	int write = guest_on_keel();
	if (!write)
		guest_line("(not on Keel) reading instead of writing: QEMU has PCI devices there");
	unsigned n = 0;
	guest_line("writing every MiB of 0xc0000000-0xfeafffff");
	for (uint32_t a = RANGE_START; a < RANGE_END; a += 1u << 20)
		poke(a, n++, write);
	guest_line("writing every 4 KiB of 0xd0000000-0xd0ffffff");
	for (uint32_t a = WINDOW; a < WINDOW + WINDOW_SIZE; a += 4096)
		poke(a + (n & 0xffc), n, write), n++;
	if (write) {
		guest_line("rep stosl of 1 KiB at 0xd0001000");
		uintptr_t d = guest_addr(WINDOW + 0x1000), c = 256;
		__asm__ volatile("rep stosl" : "+D"(d), "+c"(c) : "a"(0xa5a5a5a5u) : "memory");
	}
	guest_line("%u accesses done", n);

	if (write) {
		unsigned bad = 0;
		for (uint32_t a = RANGE_START; a < RANGE_END; a += 1u << 20)
			bad += mmio_read32(a) != 0xffffffffu;
		bad += mmio_read32(WINDOW + 0x1000) != 0xffffffffu;
		bad += mmio_read32(WINDOW + 0x13fc) != 0xffffffffu;
		char detail[48];
		guest_snprintf(detail, sizeof(detail), "%u reads were not all ones", bad);
		guest_check("unbacked mmio ignores writes and reads all ones", bad == 0, detail);
	}
	guest_end();
}
