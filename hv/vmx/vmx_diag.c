/* Why a VM entry failed, in words: the VM-instruction error numbers (SDM vol. 3C, 30.4) and a walk through
 * the entry checks on controls, host state and guest state (SDM 26.2 and 26.3) that names the first one the
 * current VMCS breaks. The CPU only says which class failed; this says which field. */
#include <stdarg.h>
#include <stdio.h>
#include "hv/vmx/vmcs.h"
#include "hv/vmx/vmx.h"

static const char *const instruction_errors[] = {
	[1] = "VMCALL in VMX root operation",
	[2] = "VMCLEAR with an invalid address",
	[3] = "VMCLEAR with the VMXON pointer",
	[4] = "VMLAUNCH with a non-clear VMCS",
	[5] = "VMRESUME with a non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "invalid control fields",
	[8] = "invalid host-state fields",
	[9] = "VMPTRLD with an invalid address",
	[10] = "VMPTRLD with the VMXON pointer",
	[11] = "VMPTRLD with a wrong VMCS revision",
	[12] = "unsupported VMCS component",
	[13] = "VMWRITE to a read-only component",
	[15] = "VMXON in VMX root operation",
	[16] = "invalid executive-VMCS pointer",
	[17] = "non-launched executive VMCS",
	[18] = "executive-VMCS pointer is not the VMXON pointer",
	[19] = "VMCALL with a non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit controls",
	[22] = "VMCALL with a wrong MSEG revision",
	[23] = "VMXOFF under dual-monitor treatment",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "invalid VM-execution controls in the executive VMCS",
	[26] = "entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_instruction_error_name(uint32_t error)
{
	if (error < sizeof instruction_errors / sizeof instruction_errors[0] && instruction_errors[error])
		return instruction_errors[error];
	return "unknown error number";
}

/* Each check: when cond is false, the phrase goes into buf and the walk stops. */
#define CHECK(cond, ...)                                         \
	do {                                                     \
		if (!(cond)) {                                   \
			snprintf(buf, len, __VA_ARGS__);         \
			return;                                  \
		}                                                \
	} while (0)

static bool canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }

static bool limit_matches_granularity(uint32_t limit, uint32_t ar)
{
	bool g = ar & (1u << 15);
	return ((limit & 0xfff) == 0xfff || !g) && (!(limit & 0xfff00000u) || g);
}

static const char *const control_names[] = { "pin-based", "processor-based", "secondary", "VM-exit", "VM-entry" };
static const uint32_t control_fields[] = { VMCS_PIN_CONTROLS, VMCS_PROC_CONTROLS, VMCS_PROC2_CONTROLS,
					   VMCS_EXIT_CONTROLS, VMCS_ENTRY_CONTROLS };

static void check_controls(char *buf, size_t len)
{
	uint32_t proc = (uint32_t)vmcs_read(VMCS_PROC_CONTROLS);
	for (int i = 0; i < 5; i++) {
		if (i == VMX_CTL_PROC2 && !(proc & PROC_SECONDARY))
			continue;
		uint32_t val = (uint32_t)vmcs_read(control_fields[i]);
		uint32_t must = (uint32_t)vmx_caps.ctl_msr[i], may = (uint32_t)(vmx_caps.ctl_msr[i] >> 32);
		CHECK((val & must) == must && !(val & ~may), "%s controls %#x: must set %#x, may set only %#x",
		      control_names[i], val, must, may);
	}
	uint32_t pin = (uint32_t)vmcs_read(VMCS_PIN_CONTROLS);
	uint32_t proc2 = (proc & PROC_SECONDARY) ? (uint32_t)vmcs_read(VMCS_PROC2_CONTROLS) : 0;
	CHECK(vmcs_read(VMCS_CR3_TARGET_COUNT) <= ((vmx_caps.misc >> 16) & 0x1ff), "CR3-target count too large");
	CHECK(!(vmcs_read(VMCS_IO_BITMAP_A) & 0xfff) && !(vmcs_read(VMCS_IO_BITMAP_B) & 0xfff), "I/O bitmap unaligned");
	CHECK(!(vmcs_read(VMCS_MSR_BITMAP) & 0xfff), "MSR bitmap unaligned");
	CHECK(!(pin & PIN_VIRTUAL_NMIS) || (pin & PIN_NMI_EXITING), "virtual NMIs without NMI exiting");
	CHECK(!(proc & PROC_NMI_WINDOW) || (pin & PIN_VIRTUAL_NMIS), "NMI-window exiting without virtual NMIs");
	CHECK(!(proc2 & PROC2_UNRESTRICTED) || (proc2 & PROC2_EPT), "unrestricted guest without EPT");
	CHECK(!(proc2 & PROC2_VPID) || vmcs_read(VMCS_VPID), "VPID 0 with VPID enabled");
	if (proc2 & PROC2_EPT) {
		uint64_t eptp = vmcs_read(VMCS_EPTP);
		CHECK(((eptp & 7) == 6 && (vmx_caps.ept_vpid & EPT_CAP_WB)) ||
			      ((eptp & 7) == 0 && (vmx_caps.ept_vpid & EPT_CAP_UC)),
		      "EPTP %#llx: memory type not supported", (unsigned long long)eptp);
		CHECK(((eptp >> 3) & 7) == 3, "EPTP %#llx: walk length is not 4", (unsigned long long)eptp);
		CHECK(!(eptp & 0xf80), "EPTP %#llx: reserved bits 11:7 set", (unsigned long long)eptp);
	}
	CHECK(!(vmcs_read(VMCS_EXIT_MSR_STORE_ADDR) & 15) && !(vmcs_read(VMCS_EXIT_MSR_LOAD_ADDR) & 15) &&
		      !(vmcs_read(VMCS_ENTRY_MSR_LOAD_ADDR) & 15),
	      "an MSR area is not 16-byte aligned");
	uint32_t ev = (uint32_t)vmcs_read(VMCS_ENTRY_INTR_INFO);
	if (ev & EVENT_VALID) {
		unsigned type = EVENT_TYPE(ev), vector = ev & 0xff;
		bool pe = vmcs_read(VMCS_GUEST_CR0) & 1;
		bool needs_error = type == 3 && pe && (vector == 8 || (vector >= 10 && vector <= 14) || vector == 17);
		CHECK(type != 1 && type != 7, "event injection %#x: reserved type", ev);
		CHECK(type != 2 || vector == 2, "event injection %#x: NMI with vector %u", ev, vector);
		CHECK(type != 3 || vector <= 31, "event injection %#x: exception vector above 31", ev);
		CHECK(!(ev & 0x7ffff000u), "event injection %#x: reserved bits set", ev);
		CHECK(!!(ev & EVENT_ERROR_VALID) == needs_error, "event injection %#x: error code %s for vector %u%s", ev,
		      needs_error ? "missing" : "not allowed", vector, pe ? "" : " in real mode");
	}
	CHECK(0, "no check in Keel's list of control checks fails");
}

static void check_host(char *buf, size_t len)
{
	uint64_t cr0 = vmcs_read(VMCS_HOST_CR0), cr4 = vmcs_read(VMCS_HOST_CR4);
	CHECK((cr0 & vmx_caps.cr0_fixed0) == vmx_caps.cr0_fixed0 && !(cr0 & ~vmx_caps.cr0_fixed1),
	      "host CR0 %#llx breaks the fixed bits", (unsigned long long)cr0);
	CHECK((cr4 & vmx_caps.cr4_fixed0) == vmx_caps.cr4_fixed0 && !(cr4 & ~vmx_caps.cr4_fixed1),
	      "host CR4 %#llx breaks the fixed bits", (unsigned long long)cr4);
	CHECK(vmcs_read(VMCS_EXIT_CONTROLS) & EXIT_HOST_64, "host address-space size control clear");
	static const uint32_t sels[] = { VMCS_HOST_ES_SEL, VMCS_HOST_CS_SEL, VMCS_HOST_SS_SEL, VMCS_HOST_DS_SEL,
					 VMCS_HOST_FS_SEL, VMCS_HOST_GS_SEL, VMCS_HOST_TR_SEL };
	for (size_t i = 0; i < sizeof sels / sizeof sels[0]; i++)
		CHECK(!(vmcs_read(sels[i]) & 7), "host selector field %#x has RPL or TI set", sels[i]);
	CHECK(vmcs_read(VMCS_HOST_CS_SEL) && vmcs_read(VMCS_HOST_TR_SEL), "host CS or TR selector is 0");
	static const uint32_t bases[] = { VMCS_HOST_FS_BASE, VMCS_HOST_GS_BASE, VMCS_HOST_TR_BASE, VMCS_HOST_GDTR_BASE,
					  VMCS_HOST_IDTR_BASE, VMCS_HOST_RIP, VMCS_HOST_SYSENTER_ESP,
					  VMCS_HOST_SYSENTER_EIP };
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
		CHECK(canonical(vmcs_read(bases[i])), "host field %#x is not canonical", bases[i]);
	uint64_t efer = vmcs_read(VMCS_HOST_EFER);
	CHECK((efer & (1u << 10)) && (efer & (1u << 8)), "host EFER %#llx lacks LMA/LME", (unsigned long long)efer);
	CHECK(0, "no check in Keel's list of host-state checks fails");
}

static void check_segments(bool unrestricted, bool ia32e, bool pe, char *buf, size_t len)
{
	uint32_t ar[8];
	for (int n = 0; n < 8; n++)
		ar[n] = (uint32_t)vmcs_read(VMCS_SEG(VMCS_GUEST_ES_AR, n));
	uint32_t cs = ar[X86_SEG_CS], ss = ar[X86_SEG_SS], cs_type = cs & 15;
	CHECK(!(cs & VMX_AR_UNUSABLE), "CS is unusable");
	CHECK(cs_type == 9 || cs_type == 11 || cs_type == 13 || cs_type == 15 || (unrestricted && cs_type == 3),
	      "CS access rights %#x: type %u not allowed", cs, cs_type);
	CHECK(!ia32e || !((cs & (1u << 13)) && (cs & (1u << 14))), "CS.L and CS.D both set in IA-32e mode");
	if (!(ss & VMX_AR_UNUSABLE)) {
		CHECK((ss & 15) == 3 || (ss & 15) == 7, "SS access rights %#x: not a writable data segment", ss);
		CHECK(pe || !unrestricted || !(ss & 0x60), "SS.DPL %u in real mode", (ss >> 5) & 3);
	}
	CHECK(!(cs_type == 9 || cs_type == 11) || ((cs ^ ss) & 0x60) == 0, "CS.DPL %u differs from SS.DPL %u",
	      (cs >> 5) & 3, (ss >> 5) & 3);
	for (int n = 0; n < 6; n++) {
		if (ar[n] & VMX_AR_UNUSABLE)
			continue;
		uint32_t limit = (uint32_t)vmcs_read(VMCS_SEG(VMCS_GUEST_ES_LIMIT, n));
		CHECK((ar[n] & 0x10) && (ar[n] & 0x80), "segment %d access rights %#x: S or P clear", n, ar[n]);
		CHECK(ar[n] & 1, "segment %d access rights %#x: accessed bit clear", n, ar[n]);
		CHECK(!(ar[n] & 0xfffe0f00u), "segment %d access rights %#x: reserved bits set", n, ar[n]);
		CHECK(limit_matches_granularity(limit, ar[n]), "segment %d limit %#x does not match G in %#x", n, limit,
		      ar[n]);
	}
	uint32_t tr = ar[7], tr_limit = (uint32_t)vmcs_read(VMCS_SEG(VMCS_GUEST_ES_LIMIT, 7));
	CHECK(!(tr & VMX_AR_UNUSABLE), "TR is unusable");
	CHECK((tr & 15) == 11 || (!ia32e && (tr & 15) == 3), "TR access rights %#x: not a busy TSS%s", tr,
	      ia32e ? " (64-bit)" : "");
	CHECK(!(tr & 0x10) && (tr & 0x80), "TR access rights %#x: S set or P clear", tr);
	CHECK(limit_matches_granularity(tr_limit, tr), "TR limit %#x does not match G", tr_limit);
	CHECK(!(vmcs_read(VMCS_GUEST_TR_SEL) & 4), "TR selector has TI set");
	uint32_t ldtr = ar[6];
	CHECK((ldtr & VMX_AR_UNUSABLE) || ((ldtr & 0x9f) == 0x82), "LDTR access rights %#x: not a present LDT", ldtr);
	CHECK(vmcs_read(VMCS_GUEST_GDTR_LIMIT) <= 0xffff && vmcs_read(VMCS_GUEST_IDTR_LIMIT) <= 0xffff,
	      "GDTR or IDTR limit above 0xffff");
}

static void check_guest(char *buf, size_t len)
{
	const struct vmx_caps *c = &vmx_caps;
	uint32_t proc = (uint32_t)vmcs_read(VMCS_PROC_CONTROLS), entry = (uint32_t)vmcs_read(VMCS_ENTRY_CONTROLS);
	uint32_t proc2 = (proc & PROC_SECONDARY) ? (uint32_t)vmcs_read(VMCS_PROC2_CONTROLS) : 0;
	bool unrestricted = proc2 & PROC2_UNRESTRICTED, ia32e = entry & ENTRY_IA32E;
	uint64_t cr0 = vmcs_read(VMCS_GUEST_CR0), cr4 = vmcs_read(VMCS_GUEST_CR4), efer = vmcs_read(VMCS_GUEST_EFER);
	uint64_t rflags = vmcs_read(VMCS_GUEST_RFLAGS), f0 = c->cr0_fixed0 & ~(unrestricted ? 0x80000001ull : 0);
	CHECK((cr0 & f0) == f0 && !(cr0 & ~c->cr0_fixed1), "guest CR0 %#llx breaks the fixed bits (%#llx/%#llx)",
	      (unsigned long long)cr0, (unsigned long long)c->cr0_fixed0, (unsigned long long)c->cr0_fixed1);
	CHECK(!(cr0 & (1ull << 31)) || (cr0 & 1), "guest CR0.PG set without PE");
	CHECK((cr4 & c->cr4_fixed0) == c->cr4_fixed0 && !(cr4 & ~c->cr4_fixed1), "guest CR4 %#llx breaks the fixed bits",
	      (unsigned long long)cr4);
	CHECK(!ia32e || ((cr0 & (1ull << 31)) && (cr4 & (1u << 5))), "IA-32e mode guest without CR0.PG and CR4.PAE");
	CHECK(!(vmcs_read(VMCS_GUEST_DR7) >> 32), "guest DR7 bits 63:32 set");
	if (entry & ENTRY_LOAD_EFER) {
		CHECK(!!(efer & (1u << 10)) == ia32e, "guest EFER.LMA %d differs from the IA-32e mode guest control %d",
		      !!(efer & (1u << 10)), ia32e);
		CHECK(!(cr0 & (1ull << 31)) || !!(efer & (1u << 8)) == !!(efer & (1u << 10)),
		      "guest EFER.LME differs from LMA with paging on");
	}
	CHECK((rflags & 2) && !(rflags & ~0x3f7fd7ull), "guest RFLAGS %#llx: reserved bits wrong",
	      (unsigned long long)rflags);
	CHECK(!(rflags & (1u << 17)) || (!ia32e && (cr0 & 1)), "guest RFLAGS.VM outside protected mode");
	check_segments(unrestricted, ia32e, cr0 & 1, buf, len);
	if (buf[0])
		return;
	uint32_t intr = (uint32_t)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY), ev = (uint32_t)vmcs_read(VMCS_ENTRY_INTR_INFO);
	uint64_t activity = vmcs_read(VMCS_GUEST_ACTIVITY);
	CHECK(activity <= 3, "activity state %llu", (unsigned long long)activity);
	CHECK((intr & 3) != 3, "interruptibility %#x: STI and MOV SS blocking both set", intr);
	CHECK(!(intr & INTR_BLOCK_STI) || (rflags & (1u << 9)), "STI blocking with RFLAGS.IF clear");
	if (ev & EVENT_VALID) {
		unsigned type = EVENT_TYPE(ev);
		CHECK(type != 0 || (rflags & (1u << 9)), "external interrupt injected with RFLAGS.IF clear");
		CHECK(type != 0 || !(intr & 3), "external interrupt injected during STI/MOV SS blocking");
		CHECK(type != 2 || !(intr & INTR_BLOCK_MOV_SS), "NMI injected during MOV SS blocking");
		CHECK(type != 2 || !(vmcs_read(VMCS_PIN_CONTROLS) & PIN_VIRTUAL_NMIS) || !(intr & INTR_BLOCK_NMI),
		      "NMI injected while NMIs are blocked");
	}
	CHECK(vmcs_read(VMCS_LINK_POINTER) == ~0ull, "VMCS link pointer is not all ones");
	if ((proc2 & PROC2_EPT) && (cr0 & (1ull << 31)) && (cr4 & (1u << 5)) && !ia32e) {
		for (uint32_t i = 0; i < 4; i++) {
			uint64_t p = vmcs_read(VMCS_GUEST_PDPTE0 + 2 * i);
			CHECK(!(p & 1) || !(p & 0x1e6), "PDPTE%u %#llx has reserved bits set", i, (unsigned long long)p);
		}
	}
	CHECK(0, "no check in Keel's list of guest-state checks fails");
}

void vmx_diagnose(const struct vcpu *v, uint32_t error_or_reason, char *buf, size_t len)
{
	(void)v;
	buf[0] = 0;
	if (error_or_reason & EXIT_REASON_ENTRY_FAILED)
		check_guest(buf, len);
	else if (error_or_reason == 7)
		check_controls(buf, len);
	else if (error_or_reason == 8)
		check_host(buf, len);
	else
		snprintf(buf, len, "see the error number");
}
