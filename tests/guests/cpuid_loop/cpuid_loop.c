/* Bench guest: the cost of one CPUID exit round trip in TSC ticks, which under QEMU -icount and Bochs are
 * emulated instructions. A run is BATCH iterations of a loop between two RDTSCs; the figure is the least of
 * ROUNDS runs divided by BATCH, so a run that a host interrupt or a preemption lengthened never counts and the
 * figure is the same every time. The anchor is the same loop with a NOP where CPUID was (no exit): what the
 * loop itself costs. Lines: `guest cpuid_loop: cpuid round trip N tsc` and `... anchor (nop) N tsc`. */
#include <stdint.h>
#include "../lib/guest.h"

/* Small enough that most runs fit between two host timer ticks under Bochs (50,000 instructions apart at
 * ips=50000000), many enough that the least is a run no interrupt touched. */
#define BATCH 8
#define ROUNDS 64

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Five instructions an iteration, the same in both loops but for CPUID / NOP. */
static uint64_t run_cpuid(void)
{
	uint32_t n = BATCH;
	uint64_t t0 = rdtsc();
	__asm__ volatile("1: xor %%eax, %%eax; xor %%ecx, %%ecx; cpuid; dec %0; jnz 1b"
			 : "+S"(n) : : "eax", "ebx", "ecx", "edx", "memory");
	return rdtsc() - t0;
}

static uint64_t run_nop(void)
{
	uint32_t n = BATCH;
	uint64_t t0 = rdtsc();
	__asm__ volatile("1: xor %%eax, %%eax; xor %%ecx, %%ecx; nop; dec %0; jnz 1b"
			 : "+S"(n) : : "eax", "ebx", "ecx", "edx", "memory");
	return rdtsc() - t0;
}

static uint64_t least(uint64_t (*run)(void))
{
	uint64_t best = ~0ull;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t = run();
		if (t < best)
			best = t;
	}
	return best;
}

void guest_main(void);
void guest_main(void)
{
	guest_begin("cpuid_loop");
	uint64_t exiting = least(run_cpuid), anchor = least(run_nop);
	guest_line("cpuid round trip %llu tsc", (unsigned long long)(exiting / BATCH));
	guest_line("anchor (nop) %llu tsc", (unsigned long long)(anchor / BATCH));
	guest_check("cpuid costs more than the anchor", exiting > anchor, "the TSC did not count the exits");
	guest_end();
}
