/* Hostile guest: every SVM instruction (VMRUN, VMMCALL, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA) with
 * junk operands; each must raise #UD (counted by the handler, which skips the 3-byte instruction). On Keel,
 * setting EFER.SVME must raise #GP as well. */
#include "../lib/guest.h"
#include "../lib/trap.h"

static volatile unsigned ud, gp;

static void on_ud(struct guest_frame *f)
{
	ud++;
	f->ip += 3;
}

static void on_gp(struct guest_frame *f)
{
	gp++;
	f->ip += 2;
}

#define SVM_INSN(name, byte)                                                                                \
	static void name(void)                                                                              \
	{                                                                                                   \
		__asm__ volatile(".byte 0x0f, 0x01, " #byte                                                 \
				 : : "a"(0xdeadb000u), "c"(0xfeedfaceu), "d"(0x12345678u) : "memory");      \
	}
SVM_INSN(do_vmrun, 0xd8)
SVM_INSN(do_vmmcall, 0xd9)
SVM_INSN(do_vmload, 0xda)
SVM_INSN(do_vmsave, 0xdb)
SVM_INSN(do_stgi, 0xdc)
SVM_INSN(do_clgi, 0xdd)
SVM_INSN(do_skinit, 0xde)
SVM_INSN(do_invlpga, 0xdf)

static const struct {
	const char *name;
	void (*run)(void);
} insns[] = {
	{ "vmrun", do_vmrun }, { "vmmcall", do_vmmcall }, { "vmload", do_vmload }, { "vmsave", do_vmsave },
	{ "stgi", do_stgi },   { "clgi", do_clgi },       { "skinit", do_skinit }, { "invlpga", do_invlpga },
};

void guest_main(void);
void guest_main(void)
{
	char what[48];
	guest_begin("hostile_svm");
	trap_init();
	trap_set(6, on_ud);
	trap_set(13, on_gp);
	for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		unsigned before = ud;
		guest_line("executing %s with junk operands", insns[i].name);
		insns[i].run();
		guest_snprintf(what, sizeof(what), "%s raises #ud", insns[i].name);
		guest_check(what, ud == before + 1, "no #UD");
	}

	guest_line("setting EFER.SVME");
	uint64_t efer = rdmsr(0xc0000080);
	unsigned before = gp;
	__asm__ volatile("wrmsr" : : "c"(0xc0000080u), "a"((uint32_t)efer | (1u << 12)), "d"((uint32_t)(efer >> 32)));
	int faulted = gp != before;
	if (!faulted)
		wrmsr(0xc0000080, efer);
	if (guest_on_keel())
		guest_check("efer.svme cannot be set", faulted, "wrmsr took it");
	else
		guest_line("(not on Keel) EFER.SVME %s", faulted ? "refused" : "accepted, restored");
	guest_end();
}
