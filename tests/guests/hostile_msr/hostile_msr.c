/* Hostile guest: RDMSR and WRMSR of every index in 0-0x1FFF and 0xC0000000-0xC0011FFF (81,920 indices, about
 * 164,000 MSR exits). A #GP handler skips the instruction and counts; an MSR that reads is written back with
 * the value read, one that faults is written with 0. Prints the counts; the guest must survive. */
#include "../lib/guest.h"
#include "../lib/trap.h"

static volatile unsigned gp;

static void on_gp(struct guest_frame *f)
{
	gp++;
	f->ip += 2; /* rdmsr and wrmsr are both 2 bytes */
}

static int try_rdmsr(uint32_t index, uint64_t *v)
{
	unsigned before = gp;
	uint32_t lo = 0, hi = 0;
	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(index));
	*v = (uint64_t)hi << 32 | lo;
	return gp == before;
}

static int try_wrmsr(uint32_t index, uint64_t v)
{
	unsigned before = gp;
	__asm__ volatile("wrmsr" : : "c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
	return gp == before;
}

static void sweep(uint32_t first, uint32_t count, unsigned *read_faults, unsigned *write_faults)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t v;
		int readable = try_rdmsr(first + i, &v);
		*read_faults += !readable;
		*write_faults += !try_wrmsr(first + i, readable ? v : 0);
	}
}

void guest_main(void);
void guest_main(void)
{
	guest_begin("hostile_msr");
	trap_init();
	trap_set(13, on_gp);
	uint64_t v;
	guest_check("architectural msrs read (tsc, apic base, efer)",
		    try_rdmsr(0x10, &v) && try_rdmsr(0x1b, &v) && try_rdmsr(0xc0000080, &v), "#GP");

	unsigned rf = 0, wf = 0;
	guest_line("rdmsr and wrmsr of 0x0-0x1fff");
	sweep(0, 0x2000, &rf, &wf);
	guest_line("0x0-0x1fff: %u reads and %u writes of 8192 raised #GP", rf, wf);
	unsigned rf2 = 0, wf2 = 0;
	guest_line("rdmsr and wrmsr of 0xc0000000-0xc0011fff");
	sweep(0xc0000000u, 0x12000, &rf2, &wf2);
	guest_line("0xc0000000-0xc0011fff: %u reads and %u writes of 73728 raised #GP", rf2, wf2);
	if (guest_on_keel())
		guest_check("unknown msrs raise #gp", rf + rf2 > 70000 && wf + wf2 > 70000, "too few faults");
	guest_check("architectural msrs still read", try_rdmsr(0x10, &v) && try_rdmsr(0xc0000080, &v), "#GP");
	guest_end();
}
