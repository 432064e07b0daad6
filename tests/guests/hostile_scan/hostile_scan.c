/* Hostile guest: scans the whole 4 GiB physical address space, one dword every 2 MiB, plus every 64 KiB of
 * the 16 MiB after the end of RAM. RAM (from the Multiboot memory map) must keep what is written; on Keel
 * everything else must read all ones, except the IOAPIC (0xFEC00000) and the local APIC (0xFEE00000).
 * About 2,300 exits. */
#include "../lib/guest.h"
#include "../lib/trap.h"

struct multiboot_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr, syms[4];
	uint32_t mmap_length, mmap_addr;
};
struct __attribute__((packed)) mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
};

extern char _end[];
static const struct multiboot_info *mbi;

static int is_ram(uint64_t a)
{
	if (mbi->flags & (1u << 6)) {
		uint32_t p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
		while (p < end) {
			const struct mmap_entry *e = (const struct mmap_entry *)guest_addr(p);
			if (e->type == 1 && a >= e->addr && a + 4 <= e->addr + e->len)
				return 1;
			p += e->size + 4;
		}
		return 0;
	}
	return a + 4 <= 640u << 10 || (a >= 1u << 20 && a + 4 <= (1u << 20) + ((uint64_t)mbi->mem_upper << 10));
}

static uint64_t ram_end_below_4g(void)
{
	uint64_t end = 0;
	for (uint64_t a = 1u << 20; a < 0x100000000ull; a += 1u << 20)
		if (is_ram(a))
			end = a + (1u << 20);
	return end;
}

static unsigned ram_ok, ram_bad, other_ones, other_bad;
static char bad_list[120];

static void note_bad(uint64_t a, uint32_t v)
{
	unsigned len = 0;
	while (bad_list[len])
		len++;
	if (len + 24 < sizeof(bad_list))
		guest_snprintf(bad_list + len, sizeof(bad_list) - len, "%s%x=%x", len ? "," : "", (uint32_t)a, v);
}

static void probe(uint64_t a)
{
	volatile uint32_t *p = (volatile uint32_t *)guest_addr((uintptr_t)a);
	if (is_ram(a)) {
		if (a < (uintptr_t)_end && a + 4 > 0x100000)
			return; /* this guest's own image */
		uint32_t old = *p, mark = 0x4b000000u | (uint32_t)(a >> 16);
		*p = mark;
		int ok = *p == mark;
		*p = old;
		if (ok)
			ram_ok++;
		else
			ram_bad++;
		return;
	}
	if (a == 0xfec00000u || a == 0xfee00000u)
		return;
	uint32_t v = *p;
	if (v == 0xffffffffu) {
		other_ones++;
	} else {
		other_bad++;
		note_bad(a, v);
	}
}

void guest_main(uint32_t magic, const struct multiboot_info *info);
void guest_main(uint32_t magic, const struct multiboot_info *info)
{
	char detail[160];
	(void)magic;
	mbi = info;
	guest_begin("hostile_scan");
	trap_init();
	uint64_t ram_end = ram_end_below_4g();
	guest_line("ram ends at 0x%llx; scanning 0-4 GiB every 2 MiB", (unsigned long long)ram_end);
	for (uint64_t a = 0; a < 0x100000000ull; a += 2u << 20)
		probe(a);
	guest_line("scanning 16 MiB after the end of ram every 64 KiB");
	for (uint64_t a = ram_end; a < ram_end + (16u << 20) && a < 0x100000000ull; a += 64u << 10)
		probe(a);
	guest_line("ram: %u pages kept their value, %u did not; other: %u all ones, %u not", ram_ok, ram_bad,
		   other_ones, other_bad);
	guest_snprintf(detail, sizeof(detail), "%u of %u", ram_bad, ram_ok + ram_bad);
	guest_check("ram reads back what was written", ram_bad == 0 && ram_ok > 0, detail);
	if (guest_on_keel())
		guest_check("outside ram and devices everything reads all ones", other_bad == 0, bad_list);
	else
		guest_line("(not on Keel) not all ones at: %s", bad_list);
	guest_end();
}
