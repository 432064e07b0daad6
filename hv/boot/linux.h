/* The Linux x86 boot protocol (Documentation/x86/boot.rst) for bzImage kernels: the setup header, where the
 * kernel, command line, initrd, ACPI tables and boot structures go in guest memory, the zero page (struct
 * boot_params) with its e820 map, and the identity page tables of the 64-bit entry. The pure part (everything
 * but linux_load) works on buffers only and is what unit tests and the fuzzer see. */
#ifndef HV_BOOT_LINUX_H
#define HV_BOOT_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

/* Setup header fields (offsets in the image and in the zero page alike). */
#define LINUX_HDR_OFFSET        0x1f1  /* setup_sects: the header starts here */
#define LINUX_HDR_BOOT_FLAG     0x1fe
#define LINUX_HDR_JUMP          0x200
#define LINUX_HDR_MAGIC         0x202  /* "HdrS" */
#define LINUX_HDR_VERSION       0x206
#define LINUX_HDR_TYPE_OF_LOADER 0x210
#define LINUX_HDR_LOADFLAGS     0x211
#define LINUX_HDR_CODE32_START  0x214
#define LINUX_HDR_RAMDISK_IMAGE 0x218
#define LINUX_HDR_RAMDISK_SIZE  0x21c
#define LINUX_HDR_HEAP_END_PTR  0x224
#define LINUX_HDR_CMD_LINE_PTR  0x228
#define LINUX_HDR_INITRD_ADDR_MAX 0x22c
#define LINUX_HDR_KERNEL_ALIGNMENT 0x230
#define LINUX_HDR_RELOCATABLE   0x234
#define LINUX_HDR_XLOADFLAGS    0x236
#define LINUX_HDR_CMDLINE_SIZE  0x238
#define LINUX_HDR_SETUP_DATA    0x250
#define LINUX_HDR_PREF_ADDRESS  0x258
#define LINUX_HDR_INIT_SIZE     0x260
#define LINUX_HDR_END_MAX       0x290  /* the zero page's setup header ends here */

/* Zero page fields outside the setup header. */
#define LINUX_ZP_ACPI_RSDP_ADDR 0x070
#define LINUX_ZP_EXT_RAMDISK_IMAGE 0x0c0
#define LINUX_ZP_EXT_RAMDISK_SIZE 0x0c4
#define LINUX_ZP_EXT_CMD_LINE_PTR 0x0c8
#define LINUX_ZP_ALT_MEM_K      0x1e0
#define LINUX_ZP_E820_ENTRIES   0x1e8
#define LINUX_ZP_E820_TABLE     0x2d0
#define LINUX_ZP_SIZE           4096
#define LINUX_E820_MAX          128

#define LINUX_LOADFLAGS_LOADED_HIGH  0x01
#define LINUX_LOADFLAGS_CAN_USE_HEAP 0x80
#define LINUX_XLF_KERNEL_64          0x01

#define LINUX_E820_RAM      1
#define LINUX_E820_RESERVED 2
#define LINUX_E820_ACPI     3

/* Where Keel puts the boot structures (all below 640 KiB, in RAM Linux leaves alone until it has copied
 * them), and the RSDP copy in the BIOS area that kernels without acpi_rsdp_addr scan. */
#define LINUX_GDT_ADDR        0x1000   /* null, null, __BOOT_CS (0x10), __BOOT_DS (0x18) */
#define LINUX_GDT_SIZE        32
#define LINUX_PAGE_TABLES_ADDR 0x2000  /* PML4, PDPT, 4 page directories: 0-4 GiB in 2 MiB pages */
#define LINUX_PAGE_TABLES_SIZE (6 * 4096)
#define LINUX_ZERO_PAGE_ADDR  0x8000
#define LINUX_CMDLINE_ADDR    0x9000
#define LINUX_CMDLINE_LIMIT   0x9fc00  /* end of conventional memory: the command line ends below */
#define LINUX_RSDP_COPY_ADDR  0xf0000
#define LINUX_KERNEL_MIN      0x100000 /* a protected-mode kernel never goes below 1 MiB */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

/* The parsed and validated setup header. */
struct linux_header {
	uint16_t version;           /* 0x0206 is 2.06 */
	uint8_t setup_sects;        /* as found (0 means 4) */
	uint8_t loadflags;
	uint16_t xloadflags;        /* 0 before 2.12 */
	uint8_t relocatable;        /* 0 before 2.05 */
	uint32_t code32_start;
	uint32_t syssize;           /* protected-mode code in 16-byte units */
	uint32_t initrd_addr_max;   /* highest address the initrd may occupy */
	uint32_t kernel_alignment;  /* a power of two (relocatable kernels), else 0 */
	uint32_t cmdline_size;      /* longest command line, without its NUL */
	uint64_t pref_address;      /* where the kernel wants to be (1 MiB before 2.10) */
	uint32_t init_size;         /* bytes the kernel needs from its load address (estimated before 2.10) */
	uint32_t header_end;        /* offset one past the setup header in the image (0x202 + jump byte) */
	uint32_t setup_size;        /* bytes of real-mode setup, (setup_sects + 1) * 512: the kernel follows */
	uint32_t kernel_size;       /* bytes of protected-mode kernel: image size - setup_size */
	uint16_t kernel_version;    /* offset - 0x200 of the version string, 0 when absent */
	bool entry64;               /* has the 64-bit entry (2.12+ and XLF_KERNEL_64) */
};

/* Parses and checks the setup header of a bzImage of size bytes. 0, or -ENOEXEC (not a bzImage at all: no
 * boot flag or "HdrS"), -ENOTSUP (a protocol older than 2.06, or a zImage that loads low), -EINVAL (a header
 * whose fields contradict each other or the image's size). Reads nothing outside image[0, size). */
int linux_parse_header(const uint8_t *image, size_t size, struct linux_header *h);

/* The kernel version string ("6.1.0-... (debian-kernel@...) #1 SMP ..."), copied into out (NUL-terminated,
 * truncated to outlen), or an empty string when the image has none in bounds. */
void linux_kernel_version(const uint8_t *image, size_t size, const struct linux_header *h, char *out,
			  size_t outlen);

struct linux_layout_request {
	uint64_t ram_bytes;         /* the VM's RAM (above GUEST_LOW_RAM_LIMIT it continues at 4 GiB) */
	size_t cmdline_len;         /* without its NUL */
	uint64_t initrd_size;       /* 0: no initrd */
	uint64_t acpi_size;         /* bytes of ACPI tables to place (0: none) */
	bool allow_64;              /* the backend can start a vCPU in long mode */
};

struct linux_layout {
	bool entry64;               /* 64-bit entry (RSI = zero page, paging on) or 32-bit (ESI, paging off) */
	uint64_t low_top;           /* end of RAM below 4 GiB */
	uint64_t kernel_addr;       /* where the protected-mode kernel is copied */
	uint64_t kernel_end;        /* kernel_addr + max(kernel_size, init_size) */
	uint64_t entry;             /* kernel_addr + 0x200 (64-bit), kernel_addr (32-bit) */
	uint64_t zero_page, cmdline, gdt, page_tables;
	uint64_t initrd, initrd_size;   /* initrd 0 when there is none */
	uint64_t acpi, acpi_size;   /* the ACPI region, page-aligned at the top of low RAM (type ACPI in e820) */
};

/* Chooses every address. 0, -EINVAL (bad request), -E2BIG (the command line is longer than the kernel takes),
 * or -ENOMEM (the kernel, initrd or tables do not fit in the VM's RAM with the header's constraints). */
int linux_plan(const struct linux_header *h, const struct linux_layout_request *req, struct linux_layout *l);

struct linux_e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

/* The guest's memory map: conventional memory, the legacy hole (reserved), RAM from 1 MiB with the ACPI
 * region carved out as ACPI, RAM above 4 GiB. Returns the number of entries written (at most max). */
size_t linux_e820(const struct linux_layout *l, uint64_t ram_bytes, struct linux_e820_entry *e, size_t max);

/* Fills a 4 KiB zero page: the image's setup header copied, then the loader's fields (type_of_loader 0xFF,
 * CAN_USE_HEAP and heap_end_ptr, code32_start, command line, initrd with ext_ high halves, no setup_data), the
 * e820 table, alt_mem_k, and acpi_rsdp_addr (protocol 2.14+; 0 leaves it unset). */
void linux_zero_page(const uint8_t *image, const struct linux_header *h, const struct linux_layout *l,
		     uint64_t ram_bytes, uint64_t rsdp_addr, uint8_t zp[LINUX_ZP_SIZE]);

/* The GDT of the entry: __BOOT_CS (0x10, 64-bit code when long64, else 32-bit) and __BOOT_DS (0x18), both flat. */
void linux_gdt(uint8_t gdt[LINUX_GDT_SIZE], bool long64);

/* Identity page tables for [0, 4 GiB) in 2 MiB pages (write-back RAM, uncached from GUEST_LOW_RAM_LIMIT up),
 * to sit at guest-physical base (4 KiB aligned): CR3 = base. 0, or -EINVAL (cap below LINUX_PAGE_TABLES_SIZE or base unaligned). */
int linux_page_tables(uint8_t *buf, size_t cap, uint64_t base);

/* The thin part: loads the bzImage image (and initrd, when initrd_size is non-zero) into vm with
 * vm->config.cmdline, builds and places the ACPI tables, writes the boot structures and sets the boot vCPU's
 * entry state; the other vCPUs wait for their start-up IPI. 0, or a negative errno with the reason in err. */
int linux_load(struct vm *vm, const uint8_t *image, size_t size, const uint8_t *initrd, size_t initrd_size,
	       char *err, size_t errlen);

#endif
