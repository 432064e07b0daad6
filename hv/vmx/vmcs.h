/* VMCS field encodings, control bits, exit reasons and the VMX instructions as inline functions (Intel SDM
 * vol. 3C, chapters 24-27 and appendices B and C). Only what hv/vmx uses. */
#ifndef HV_VMX_VMCS_H
#define HV_VMX_VMCS_H

#include <stdint.h>

/* Capability and control MSRs. */
#define MSR_FEATURE_CONTROL 0x3a
#define FEATURE_CONTROL_LOCK (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED_CTLS 0x481
#define MSR_VMX_PROCBASED_CTLS 0x482
#define MSR_VMX_EXIT_CTLS 0x483
#define MSR_VMX_ENTRY_CTLS 0x484
#define MSR_VMX_MISC 0x485
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_PROCBASED_CTLS2 0x48b
#define MSR_VMX_EPT_VPID_CAP 0x48c
#define MSR_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS 0x490
#define VMX_BASIC_TRUE_CTLS (1ull << 55)
#define VMX_BASIC_32BIT_ADDRESSES (1ull << 48)
#define VMX_MISC_STORES_LMA (1ull << 5)
#define VMX_MISC_PREEMPTION_RATE(misc) ((misc) & 0x1f) /* the timer ticks every 2^rate TSC ticks */

/* EPT and VPID capabilities (IA32_VMX_EPT_VPID_CAP). */
#define EPT_CAP_WALK4 (1ull << 6)
#define EPT_CAP_UC (1ull << 8)
#define EPT_CAP_WB (1ull << 14)
#define EPT_CAP_2M (1ull << 16)
#define EPT_CAP_INVEPT (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL (1ull << 26)
#define VPID_CAP_INVVPID (1ull << 32)
#define VPID_CAP_INVVPID_SINGLE (1ull << 41)
#define VPID_CAP_INVVPID_ALL (1ull << 42)

/* Pin-based controls. */
#define PIN_EXTERNAL_INTERRUPT (1u << 0)
#define PIN_NMI_EXITING (1u << 3)
#define PIN_VIRTUAL_NMIS (1u << 5)
#define PIN_PREEMPTION_TIMER (1u << 6)
/* Primary processor-based controls. */
#define PROC_INTERRUPT_WINDOW (1u << 2)
#define PROC_HLT (1u << 7)
#define PROC_INVLPG (1u << 9)
#define PROC_MWAIT (1u << 10)
#define PROC_RDTSC (1u << 12)
#define PROC_CR3_LOAD (1u << 15)
#define PROC_CR3_STORE (1u << 16)
#define PROC_NMI_WINDOW (1u << 22)
#define PROC_MOV_DR (1u << 23)
#define PROC_UNCOND_IO (1u << 24)
#define PROC_IO_BITMAPS (1u << 25)
#define PROC_MSR_BITMAPS (1u << 28)
#define PROC_MONITOR (1u << 29)
#define PROC_SECONDARY (1u << 31)
/* Secondary processor-based controls. */
#define PROC2_EPT (1u << 1)
#define PROC2_VPID (1u << 5)
#define PROC2_WBINVD (1u << 6)
#define PROC2_UNRESTRICTED (1u << 7)
/* VM-exit controls. */
#define EXIT_SAVE_DEBUG (1u << 2)
#define EXIT_HOST_64 (1u << 9)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
/* VM-entry controls. */
#define ENTRY_LOAD_DEBUG (1u << 2)
#define ENTRY_IA32E (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* 16-bit fields. */
#define VMCS_VPID 0x0000
#define VMCS_GUEST_ES_SEL 0x0800 /* ES, CS, SS, DS, FS, GS, LDTR, TR follow two apart */
#define VMCS_GUEST_LDTR_SEL 0x080c
#define VMCS_GUEST_TR_SEL 0x080e
#define VMCS_HOST_ES_SEL 0x0c00
#define VMCS_HOST_CS_SEL 0x0c02
#define VMCS_HOST_SS_SEL 0x0c04
#define VMCS_HOST_DS_SEL 0x0c06
#define VMCS_HOST_FS_SEL 0x0c08
#define VMCS_HOST_GS_SEL 0x0c0a
#define VMCS_HOST_TR_SEL 0x0c0c
/* 64-bit fields. */
#define VMCS_IO_BITMAP_A 0x2000
#define VMCS_IO_BITMAP_B 0x2002
#define VMCS_MSR_BITMAP 0x2004
#define VMCS_EXIT_MSR_STORE_ADDR 0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR 0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR 0x200a
#define VMCS_EPTP 0x201a
#define VMCS_GUEST_PHYSICAL_ADDRESS 0x2400
#define VMCS_LINK_POINTER 0x2800
#define VMCS_GUEST_DEBUGCTL 0x2802
#define VMCS_GUEST_PAT 0x2804
#define VMCS_GUEST_EFER 0x2806
#define VMCS_GUEST_PDPTE0 0x280a /* PDPTE1-3 follow two apart */
#define VMCS_HOST_PAT 0x2c00
#define VMCS_HOST_EFER 0x2c02
/* 32-bit fields. */
#define VMCS_PIN_CONTROLS 0x4000
#define VMCS_PROC_CONTROLS 0x4002
#define VMCS_EXCEPTION_BITMAP 0x4004
#define VMCS_PF_ERROR_MASK 0x4006
#define VMCS_PF_ERROR_MATCH 0x4008
#define VMCS_CR3_TARGET_COUNT 0x400a
#define VMCS_EXIT_CONTROLS 0x400c
#define VMCS_EXIT_MSR_STORE_COUNT 0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT 0x4010
#define VMCS_ENTRY_CONTROLS 0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT 0x4014
#define VMCS_ENTRY_INTR_INFO 0x4016
#define VMCS_ENTRY_EXCEPTION_ERROR 0x4018
#define VMCS_ENTRY_INSTRUCTION_LEN 0x401a
#define VMCS_PROC2_CONTROLS 0x401e
#define VMCS_INSTRUCTION_ERROR 0x4400
#define VMCS_EXIT_REASON 0x4402
#define VMCS_EXIT_INTR_INFO 0x4404
#define VMCS_EXIT_INTR_ERROR 0x4406
#define VMCS_IDT_VECTORING_INFO 0x4408
#define VMCS_IDT_VECTORING_ERROR 0x440a
#define VMCS_EXIT_INSTRUCTION_LEN 0x440c
#define VMCS_GUEST_ES_LIMIT 0x4800 /* then CS ... TR, then GDTR 0x4810, IDTR 0x4812 */
#define VMCS_GUEST_GDTR_LIMIT 0x4810
#define VMCS_GUEST_IDTR_LIMIT 0x4812
#define VMCS_GUEST_ES_AR 0x4814 /* then CS ... TR */
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824
#define VMCS_GUEST_ACTIVITY 0x4826
#define VMCS_GUEST_SYSENTER_CS 0x482a
#define VMCS_GUEST_PREEMPTION_TIMER 0x482e
#define VMCS_HOST_SYSENTER_CS 0x4c00
/* Natural-width fields. */
#define VMCS_CR0_MASK 0x6000
#define VMCS_CR4_MASK 0x6002
#define VMCS_CR0_SHADOW 0x6004
#define VMCS_CR4_SHADOW 0x6006
#define VMCS_EXIT_QUALIFICATION 0x6400
#define VMCS_GUEST_CR0 0x6800
#define VMCS_GUEST_CR3 0x6802
#define VMCS_GUEST_CR4 0x6804
#define VMCS_GUEST_ES_BASE 0x6806 /* then CS ... TR, then GDTR 0x6816, IDTR 0x6818 */
#define VMCS_GUEST_GDTR_BASE 0x6816
#define VMCS_GUEST_IDTR_BASE 0x6818
#define VMCS_GUEST_DR7 0x681a
#define VMCS_GUEST_RSP 0x681c
#define VMCS_GUEST_RIP 0x681e
#define VMCS_GUEST_RFLAGS 0x6820
#define VMCS_GUEST_PENDING_DEBUG 0x6822
#define VMCS_GUEST_SYSENTER_ESP 0x6824
#define VMCS_GUEST_SYSENTER_EIP 0x6826
#define VMCS_HOST_CR0 0x6c00
#define VMCS_HOST_CR3 0x6c02
#define VMCS_HOST_CR4 0x6c04
#define VMCS_HOST_FS_BASE 0x6c06
#define VMCS_HOST_GS_BASE 0x6c08
#define VMCS_HOST_TR_BASE 0x6c0a
#define VMCS_HOST_GDTR_BASE 0x6c0c
#define VMCS_HOST_IDTR_BASE 0x6c0e
#define VMCS_HOST_SYSENTER_ESP 0x6c10
#define VMCS_HOST_SYSENTER_EIP 0x6c12
#define VMCS_HOST_RSP 0x6c14
#define VMCS_HOST_RIP 0x6c16

/* Segment register n (enum x86_seg order, then LDTR 6 and TR 7) in a guest field family. */
#define VMCS_SEG(family, n) ((family) + 2 * (n))

/* Segment access rights beyond the descriptor bits. */
#define VMX_AR_UNUSABLE (1u << 16)

/* Guest interruptibility state. */
#define INTR_BLOCK_STI (1u << 0)
#define INTR_BLOCK_MOV_SS (1u << 1)
#define INTR_BLOCK_NMI (1u << 3)

/* Event fields: VM-entry interruption information, VM-exit interruption and IDT-vectoring information. */
#define EVENT_VALID (1u << 31)
#define EVENT_ERROR_VALID (1u << 11)
#define EVENT_NMI_UNBLOCKED_BY_IRET (1u << 12)
#define EVENT_TYPE(info) (((info) >> 8) & 7)
#define EVENT_TYPE_EXTERNAL (0u << 8)
#define EVENT_TYPE_NMI (2u << 8)
#define EVENT_TYPE_HW_EXCEPTION (3u << 8)

/* Basic exit reasons (bits 15:0 of the exit reason; bit 31 marks a failed VM entry). */
#define EXIT_REASON_ENTRY_FAILED (1u << 31)
enum vmx_exit_reason {
	EXIT_EXCEPTION_NMI = 0,
	EXIT_EXTERNAL_INTERRUPT = 1,
	EXIT_TRIPLE_FAULT = 2,
	EXIT_INIT = 3,
	EXIT_SIPI = 4,
	EXIT_INTERRUPT_WINDOW = 7,
	EXIT_NMI_WINDOW = 8,
	EXIT_TASK_SWITCH = 9,
	EXIT_CPUID = 10,
	EXIT_GETSEC = 11,
	EXIT_HLT = 12,
	EXIT_INVD = 13,
	EXIT_VMCALL = 18,
	EXIT_VMCLEAR = 19,
	EXIT_VMLAUNCH = 20,
	EXIT_VMPTRLD = 21,
	EXIT_VMPTRST = 22,
	EXIT_VMREAD = 23,
	EXIT_VMRESUME = 24,
	EXIT_VMWRITE = 25,
	EXIT_VMXOFF = 26,
	EXIT_VMXON = 27,
	EXIT_CR_ACCESS = 28,
	EXIT_IO = 30,
	EXIT_RDMSR = 31,
	EXIT_WRMSR = 32,
	EXIT_INVALID_GUEST_STATE = 33,
	EXIT_MSR_LOADING = 34,
	EXIT_MWAIT = 36,
	EXIT_MONITOR = 39,
	EXIT_MACHINE_CHECK = 41,
	EXIT_EPT_VIOLATION = 48,
	EXIT_EPT_MISCONFIG = 49,
	EXIT_INVEPT = 50,
	EXIT_PREEMPTION_TIMER = 52,
	EXIT_INVVPID = 53,
	EXIT_WBINVD = 54,
	EXIT_XSETBV = 55,
	EXIT_VMFUNC = 59,
};

/* The VMX instructions. Each returns 0, or -1 when the CPU reported VMfailInvalid or VMfailValid (CF or ZF). */
static inline int vmx_on(uint64_t pa)
{
	uint8_t fail;
	__asm__ volatile("vmxon %1; setbe %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline int vmcs_clear(uint64_t pa)
{
	uint8_t fail;
	__asm__ volatile("vmclear %1; setbe %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline int vmcs_load(uint64_t pa)
{
	uint8_t fail;
	__asm__ volatile("vmptrld %1; setbe %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline int vmcs_write(uint32_t field, uint64_t value)
{
	uint8_t fail;
	__asm__ volatile("vmwrite %2, %1; setbe %0" : "=q"(fail) : "r"((uint64_t)field), "rm"(value) : "cc", "memory");
	return fail ? -1 : 0;
}

/* A field of the current VMCS; 0 when it cannot be read. */
static inline uint64_t vmcs_read(uint32_t field)
{
	uint64_t value = 0;
	__asm__ volatile("vmread %1, %0" : "+rm"(value) : "r"((uint64_t)field) : "cc", "memory");
	return value;
}

/* INVEPT and INVVPID take a 128-bit descriptor and a type (1 single context, 2 all contexts). */
static inline void vmx_invept(uint64_t type, uint64_t eptp)
{
	struct {
		uint64_t eptp, reserved;
	} d = { eptp, 0 };
	__asm__ volatile("invept %0, %1" : : "m"(d), "r"(type) : "cc", "memory");
}

static inline void vmx_invvpid(uint64_t type, uint16_t vpid)
{
	struct {
		uint64_t vpid, address;
	} d = { vpid, 0 };
	__asm__ volatile("invvpid %0, %1" : : "m"(d), "r"(type) : "cc", "memory");
}

#endif
