/* The VMCB (AMD64 Architecture Programmer's Manual vol. 2, appendix B): control area and state save area,
 * laid out as C structs with their offsets checked at compile time. */
#ifndef HV_SVM_VMCB_H
#define HV_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

struct vmcb_segment {
	uint16_t selector;
	uint16_t attrib; /* descriptor bits 40-47 in 0-7, bits 52-55 in 8-11 */
	uint32_t limit;
	uint64_t base;
} __attribute__((packed));

struct vmcb_control {
	uint32_t intercept_cr;         /* 0x000: reads in 0-15, writes in 16-31 */
	uint32_t intercept_dr;         /* 0x004 */
	uint32_t intercept_exceptions; /* 0x008 */
	uint32_t intercept_misc1;      /* 0x00c */
	uint32_t intercept_misc2;      /* 0x010 */
	uint32_t intercept_misc3;      /* 0x014 */
	uint8_t reserved1[0x03c - 0x018];
	uint16_t pause_filter_threshold; /* 0x03c */
	uint16_t pause_filter_count;     /* 0x03e */
	uint64_t iopm_base_pa;           /* 0x040 */
	uint64_t msrpm_base_pa;          /* 0x048 */
	uint64_t tsc_offset;             /* 0x050 */
	uint32_t guest_asid;             /* 0x058 */
	uint8_t tlb_control;             /* 0x05c */
	uint8_t reserved2[3];
	uint64_t vintr;                  /* 0x060 */
	uint64_t interrupt_shadow;       /* 0x068 */
	uint64_t exit_code;              /* 0x070 */
	uint64_t exit_info1;             /* 0x078 */
	uint64_t exit_info2;             /* 0x080 */
	uint64_t exit_int_info;          /* 0x088 */
	uint64_t np_enable;              /* 0x090 */
	uint64_t avic_apic_bar;          /* 0x098 */
	uint64_t ghcb_pa;                /* 0x0a0 */
	uint64_t event_inject;           /* 0x0a8 */
	uint64_t n_cr3;                  /* 0x0b0 */
	uint64_t lbr_virtualization;     /* 0x0b8 */
	uint32_t clean_bits;             /* 0x0c0 */
	uint32_t reserved3;
	uint64_t next_rip;               /* 0x0c8 */
	uint8_t bytes_fetched;           /* 0x0d0 */
	uint8_t guest_bytes[15];
	uint8_t reserved4[0x400 - 0x0e0];
} __attribute__((packed));

struct vmcb_save {
	struct vmcb_segment es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	uint8_t reserved1[0x4cb - 0x4a0];
	uint8_t cpl; /* 0x4cb */
	uint32_t reserved2;
	uint64_t efer; /* 0x4d0 */
	uint8_t reserved3[0x548 - 0x4d8];
	uint64_t cr4, cr3, cr0, dr7, dr6, rflags, rip; /* 0x548 */
	uint8_t reserved4[0x5d8 - 0x580];
	uint64_t rsp; /* 0x5d8 */
	uint8_t reserved5[0x5f8 - 0x5e0];
	uint64_t rax;                                             /* 0x5f8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;      /* 0x600 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip, cr2;    /* 0x628 */
	uint8_t reserved6[0x668 - 0x648];
	uint64_t g_pat;   /* 0x668 */
	uint64_t dbgctl;  /* 0x670 */
	uint8_t reserved7[0x1000 - 0x678];
} __attribute__((packed));

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __attribute__((packed));

_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(offsetof(struct vmcb, control.exit_code) == 0x070, "exit code offset");
_Static_assert(offsetof(struct vmcb, control.n_cr3) == 0x0b0, "nested CR3 offset");
_Static_assert(offsetof(struct vmcb, save.cpl) == 0x4cb, "CPL offset");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4d0, "EFER offset");
_Static_assert(offsetof(struct vmcb, save.rip) == 0x578, "RIP offset");
_Static_assert(offsetof(struct vmcb, save.rsp) == 0x5d8, "RSP offset");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5f8, "RAX offset");
_Static_assert(offsetof(struct vmcb, save.cr2) == 0x640, "CR2 offset");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "PAT offset");

/* intercept_misc1 */
#define SVM_INTERCEPT_INTR (1u << 0)
#define SVM_INTERCEPT_NMI (1u << 1)
#define SVM_INTERCEPT_SMI (1u << 2)
#define SVM_INTERCEPT_INIT (1u << 3)
#define SVM_INTERCEPT_VINTR (1u << 4)
#define SVM_INTERCEPT_CPUID (1u << 18)
#define SVM_INTERCEPT_INVD (1u << 22)
#define SVM_INTERCEPT_HLT (1u << 24)
#define SVM_INTERCEPT_INVLPGA (1u << 26)
#define SVM_INTERCEPT_IOIO (1u << 27)
#define SVM_INTERCEPT_MSR (1u << 28)
#define SVM_INTERCEPT_TASK_SWITCH (1u << 29)
#define SVM_INTERCEPT_SHUTDOWN (1u << 31)
/* intercept_misc2 */
#define SVM_INTERCEPT_VMRUN (1u << 0)
#define SVM_INTERCEPT_VMMCALL (1u << 1)
#define SVM_INTERCEPT_VMLOAD (1u << 2)
#define SVM_INTERCEPT_VMSAVE (1u << 3)
#define SVM_INTERCEPT_STGI (1u << 4)
#define SVM_INTERCEPT_CLGI (1u << 5)
#define SVM_INTERCEPT_SKINIT (1u << 6)
#define SVM_INTERCEPT_ICEBP (1u << 8)
#define SVM_INTERCEPT_MONITOR (1u << 10)
#define SVM_INTERCEPT_MWAIT (1u << 11)
#define SVM_INTERCEPT_MWAIT_COND (1u << 12)
#define SVM_INTERCEPT_XSETBV (1u << 13)

/* exit codes */
#define SVM_EXIT_EXCEPTION_BASE 0x40
#define SVM_EXIT_INTR 0x60
#define SVM_EXIT_NMI 0x61
#define SVM_EXIT_SMI 0x62
#define SVM_EXIT_INIT 0x63
#define SVM_EXIT_VINTR 0x64
#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_INVD 0x76
#define SVM_EXIT_HLT 0x78
#define SVM_EXIT_INVLPGA 0x7a
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_EXIT_TASK_SWITCH 0x7d
#define SVM_EXIT_SHUTDOWN 0x7f
#define SVM_EXIT_VMRUN 0x80
#define SVM_EXIT_VMMCALL 0x81
#define SVM_EXIT_VMLOAD 0x82
#define SVM_EXIT_VMSAVE 0x83
#define SVM_EXIT_STGI 0x84
#define SVM_EXIT_CLGI 0x85
#define SVM_EXIT_SKINIT 0x86
#define SVM_EXIT_ICEBP 0x88
#define SVM_EXIT_MONITOR 0x8a
#define SVM_EXIT_MWAIT 0x8b
#define SVM_EXIT_MWAIT_COND 0x8c
#define SVM_EXIT_XSETBV 0x8d
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID ((uint64_t)-1)

/* event_inject / exit_int_info */
#define SVM_EVENT_VALID (1ull << 31)
#define SVM_EVENT_ERROR_VALID (1ull << 11)
#define SVM_EVENT_TYPE_INTR (0ull << 8)
#define SVM_EVENT_TYPE_NMI (2ull << 8)
#define SVM_EVENT_TYPE_EXCEPTION (3ull << 8)
#define SVM_EVENT_TYPE_SOFT_INT (4ull << 8)

/* vintr */
#define SVM_VINTR_V_IRQ (1ull << 8)
#define SVM_VINTR_IGN_TPR (1ull << 20)
#define SVM_VINTR_MASKING (1ull << 24)

#endif
