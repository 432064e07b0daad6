/* The first test guest: proves Multiboot entry, CPUID (Keel's signature and the hidden features), port I/O
 * and power off. */
#include <stdint.h>
#include "../lib/guest.h"

#define MULTIBOOT_MAGIC 0x2badb002u

struct multiboot_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
};

static int same(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
	uint32_t r[4];
	guest_begin("hello");
	guest_check("multiboot magic", magic == MULTIBOOT_MAGIC, "wrong EAX at entry");
	guest_check("multiboot memory", (mbi->flags & 1) && mbi->mem_upper >= 4 * 1024, "no memory size");

	/* Off Keel (plain QEMU) only the checks that hold on any PC are made. */
	int keel = guest_on_keel();
	cpuid(0x40000000, 0, r);
	if (keel)
		guest_check("cpuid hypervisor signature", same((const char *)&r[1], "KeelKeelKeel", 4) &&
				  same((const char *)&r[2], "Keel", 4) && same((const char *)&r[3], "Keel", 4),
			    "not Keel");
	cpuid(1, 0, r);
	guest_check("cpuid hypervisor bit", r[2] & (1u << 31), "bit 31 of ECX clear");
	guest_check("cpuid hides vmx", !(r[2] & (1u << 5)), "VMX visible");
	cpuid(0x80000001, 0, r);
	if (keel)
		guest_check("cpuid hides svm", !(r[2] & (1u << 2)), "SVM visible");

	outb(0x3f8 + 7, 0x5a);
	guest_check("port scratch register", inb(0x3f8 + 7) == 0x5a, "16550 scratch did not keep its value");
	if (keel)
		guest_check("unclaimed port reads ones", inl(0x510) == 0xffffffffu,
			    "unclaimed port read not all ones");
	guest_end();
}
