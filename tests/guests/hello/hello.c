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

/* A page of the guest's own RAM for the Hyper-V hypercall stub. */
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

/* The Hyper-V interface: frequency MSRs, the VP index, and a hypercall through the page Keel fills in,
 * answered "invalid hypercall code" (2) in EDX:EAX under the 32-bit convention. */
static void check_hyperv(void)
{
	guest_check("hyper-v tsc frequency", rdmsr(0x40000022) >= 1000000ull, "TSC frequency under 1 MHz");
	guest_check("hyper-v apic frequency", rdmsr(0x40000023) == 1000000000ull, "APIC timer not 1 GHz");
	guest_check("hyper-v vp index", rdmsr(0x40000002) == 0, "BSP's VP index not 0");
	wrmsr(0x40000001, (uintptr_t)hypercall_page | 1);
	guest_check("hyper-v hypercall needs guest os id", !(rdmsr(0x40000001) & 1), "enabled without an OS id");
	wrmsr(0x40000000, 0x8100000000000000ull);
	wrmsr(0x40000001, (uintptr_t)hypercall_page | 1);
	guest_check("hyper-v hypercall enabled", rdmsr(0x40000001) == ((uintptr_t)hypercall_page | 1),
		    "hypercall MSR did not keep the page");
	const uint8_t *p = hypercall_page;
	guest_check("hyper-v hypercall page", p[0] == 0x0f && p[1] == 0x01 && (p[2] == 0xd9 || p[2] == 0xc1) &&
			    p[3] == 0xc3, "no VMMCALL/VMCALL; RET stub");
	uint32_t lo, hi;
	static void *volatile entry = hypercall_page;
	__asm__ volatile("call *%2" : "=a"(lo), "=d"(hi) : "m"(entry), "a"(0xffffu), "d"(0u),
			 "b"(0u), "c"(0u), "S"(0u), "D"(0u) : "memory");
	guest_check("hyper-v hypercall status", lo == 2 && hi == 0, "status not HV_STATUS_INVALID_HYPERCALL_CODE");
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
	uint32_t r[4];
	guest_begin("hello");
	guest_check("multiboot magic", magic == MULTIBOOT_MAGIC, "wrong EAX at entry");
	guest_check("multiboot memory", (mbi->flags & 1) && mbi->mem_upper >= 4 * 1024, "no memory size");

	/* Off Keel (plain QEMU) only the checks that hold on any PC are made. */
	int keel = guest_on_keel();
	if (keel) {
		cpuid(0x40000000, 0, r);
		guest_check("cpuid hyper-v interface", same((const char *)&r[1], "Micr", 4) &&
				  same((const char *)&r[2], "osof", 4) && same((const char *)&r[3], "t Hv", 4) &&
				  r[0] >= 0x40000005,
			    "no Microsoft Hv signature");
		cpuid(0x40000001, 0, r);
		guest_check("cpuid hyper-v interface id", r[0] == 0x31237648u, "not Hv#1");
		check_hyperv();
	}
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
