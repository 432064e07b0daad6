/* Multiboot kernels: ELF32 or a.out-kludge images, their modules, command line and memory map. The
 * information structure and its strings go below 640 KiB; modules go page-aligned above the kernel. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "hv/backend.h"
#include "hv/boot/loader.h"
#include "hv/boot/multiboot.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "kernel/boot/boot_info.h"
#include "kernel/mm/phys.h"

#define FLAG_ADDRESSES (1u << 16)
#define INFO_BASE 0x8000u /* the information structure and everything it points to */
#define INFO_LIMIT 0x9f000u

#define INFO_MEMORY (1u << 0)
#define INFO_CMDLINE (1u << 2)
#define INFO_MODULES (1u << 3)
#define INFO_MMAP (1u << 6)
#define INFO_LOADER_NAME (1u << 9)

struct elf32_header {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

size_t multiboot_find_header(const uint8_t *image, size_t size)
{
	size_t limit = size < MULTIBOOT_SEARCH_LIMIT ? size : MULTIBOOT_SEARCH_LIMIT;
	for (size_t off = 0; off + 12 <= limit; off += 4) {
		struct multiboot_header h;
		memcpy(&h, image + off, 12);
		if (h.magic == MULTIBOOT_HEADER_MAGIC && h.magic + h.flags + h.checksum == 0)
			return off + 1;
	}
	return 0;
}

/* Zeroes [gpa, gpa + len) of guest RAM. */
static int zero_guest(struct vm *vm, uint64_t gpa, uint64_t len)
{
	static const uint8_t zeros[4096];
	while (len) {
		size_t n = len < sizeof zeros ? (size_t)len : sizeof zeros;
		if (guest_memory_write(&vm->memory, gpa, zeros, n))
			return -EFAULT;
		gpa += n;
		len -= n;
	}
	return 0;
}

/* Loads the PT_LOAD segments at their physical addresses; *end is the highest byte used, *entry the entry. */
static int load_elf(struct vm *vm, const uint8_t *image, size_t size, uint32_t *entry, uint64_t *end)
{
	struct elf32_header eh;
	if (size < sizeof eh)
		return -ENOEXEC;
	memcpy(&eh, image, sizeof eh);
	if (memcmp(eh.ident, "\x7f" "ELF", 4) || eh.ident[4] != 1 || eh.machine != 3 || eh.phentsize != sizeof(struct elf32_phdr))
		return -ENOEXEC;
	if (eh.phoff > size || (uint64_t)eh.phnum * sizeof(struct elf32_phdr) > size - eh.phoff)
		return -ENOEXEC;
	*end = 0;
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf32_phdr ph;
		memcpy(&ph, image + eh.phoff + i * sizeof ph, sizeof ph);
		if (ph.type != 1 || !ph.memsz)
			continue;
		if (ph.filesz > ph.memsz || ph.offset > size || ph.filesz > size - ph.offset)
			return -ENOEXEC;
		if (guest_memory_write(&vm->memory, ph.paddr, image + ph.offset, ph.filesz) ||
		    zero_guest(vm, (uint64_t)ph.paddr + ph.filesz, ph.memsz - ph.filesz))
			return -E2BIG;
		if ((uint64_t)ph.paddr + ph.memsz > *end)
			*end = (uint64_t)ph.paddr + ph.memsz;
	}
	*entry = eh.entry;
	return *end ? 0 : -ENOEXEC;
}

/* Loads an image that gives its addresses in the header (flag bit 16). */
static int load_kludge(struct vm *vm, const uint8_t *image, size_t size, size_t header_off,
		       const struct multiboot_header *h, uint32_t *entry, uint64_t *end)
{
	if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > header_off)
		return -ENOEXEC;
	size_t file_off = header_off - (h->header_addr - h->load_addr);
	uint64_t load_end = h->load_end_addr ? h->load_end_addr : h->load_addr + (size - file_off);
	if (load_end < h->load_addr || load_end - h->load_addr > size - file_off)
		return -ENOEXEC;
	if (guest_memory_write(&vm->memory, h->load_addr, image + file_off, load_end - h->load_addr))
		return -E2BIG;
	*end = load_end;
	if (h->bss_end_addr > load_end) {
		if (zero_guest(vm, load_end, h->bss_end_addr - load_end))
			return -E2BIG;
		*end = h->bss_end_addr;
	}
	*entry = h->entry_addr;
	return 0;
}

/* A bump allocator for the information area below 640 KiB. */
struct info_area {
	struct vm *vm;
	uint32_t next;
};

static uint32_t info_put(struct info_area *a, const void *data, size_t len)
{
	uint32_t at = a->next;
	if (len > INFO_LIMIT - at || guest_memory_write(&a->vm->memory, at, data, len))
		return 0;
	a->next = (uint32_t)((at + len + 7) & ~7u);
	return at;
}

int loader_multiboot(struct vm *vm, const uint8_t *image, size_t size, char *err, size_t errlen)
{
	size_t header_off = multiboot_find_header(image, size) - 1;
	struct multiboot_header h;
	memset(&h, 0, sizeof h);
	memcpy(&h, image + header_off, size - header_off < sizeof h ? size - header_off : sizeof h);
	uint32_t entry;
	uint64_t end;
	int e = (h.flags & FLAG_ADDRESSES) ? load_kludge(vm, image, size, header_off, &h, &entry, &end)
					   : load_elf(vm, image, size, &entry, &end);
	if (e) {
		snprintf(err, errlen, "%s: %s", vm->config.kernel,
			 e == -E2BIG ? "the kernel does not fit in the VM's memory" : "not a loadable Multiboot kernel");
		return e;
	}

	struct info_area area = { vm, INFO_BASE + 128 };
	uint8_t info[128] = { 0 };
	uint32_t flags = INFO_MEMORY | INFO_MMAP | INFO_LOADER_NAME | INFO_CMDLINE | INFO_MODULES;
	uint64_t ram = vm->config.mem_bytes;
	uint32_t mem_lower = 639, mem_upper = (uint32_t)(((ram < GUEST_LOW_RAM_LIMIT ? ram : GUEST_LOW_RAM_LIMIT) >> 10) - 1024);

	/* The memory map: conventional memory, the legacy hole, RAM above 1 MiB (and above 4 GiB). */
	uint8_t mmap[4 * 24];
	size_t mmap_len = 0;
	uint64_t ranges[4][3] = { { 0, 0x9fc00, 1 }, { 0xf0000, 0x10000, 2 },
				  { 0x100000, (ram < GUEST_LOW_RAM_LIMIT ? ram : GUEST_LOW_RAM_LIMIT) - 0x100000, 1 },
				  { 4ull << 30, ram > GUEST_LOW_RAM_LIMIT ? ram - GUEST_LOW_RAM_LIMIT : 0, 1 } };
	for (int i = 0; i < 4; i++) {
		if (!ranges[i][1])
			continue;
		uint32_t entry_size = 20, type = (uint32_t)ranges[i][2];
		memcpy(mmap + mmap_len, &entry_size, 4);
		memcpy(mmap + mmap_len + 4, &ranges[i][0], 8);
		memcpy(mmap + mmap_len + 12, &ranges[i][1], 8);
		memcpy(mmap + mmap_len + 20, &type, 4);
		mmap_len += 24;
	}
	uint32_t mmap_addr = info_put(&area, mmap, mmap_len);
	uint32_t cmdline = info_put(&area, vm->config.cmdline, strlen(vm->config.cmdline) + 1);
	uint32_t loader_name = info_put(&area, "Keel", 5);

	/* Modules, page-aligned after the kernel; their names become their command lines. */
	uint8_t mods[VM_MAX_MODULES * 16];
	uint64_t next = (end + 4095) & ~4095ull;
	for (unsigned i = 0; i < vm->config.module_count; i++) {
		const struct boot_module *m = boot_info_module(&boot_info, vm->config.modules[i]);
		uint64_t msize = m ? m->end - m->start : 0;
		if (!m || next + msize > (ram < GUEST_LOW_RAM_LIMIT ? ram : GUEST_LOW_RAM_LIMIT) ||
		    guest_memory_write(&vm->memory, next, phys_to_virt(m->start), msize)) {
			snprintf(err, errlen, "module '%s' does not fit in the VM's memory", vm->config.modules[i]);
			return -E2BIG;
		}
		uint32_t fields[4] = { (uint32_t)next, (uint32_t)(next + msize),
				       info_put(&area, vm->config.modules[i], strlen(vm->config.modules[i]) + 1), 0 };
		memcpy(mods + i * 16, fields, 16);
		next = (next + msize + 4095) & ~4095ull;
	}
	uint32_t mods_addr = info_put(&area, mods, vm->config.module_count * 16 + 1);
	if (!mmap_addr || !cmdline || !loader_name || !mods_addr) {
		snprintf(err, errlen, "the Multiboot information does not fit below 640 KiB");
		return -E2BIG;
	}
	uint32_t fields[] = { flags, mem_lower, mem_upper, 0, cmdline, vm->config.module_count, mods_addr };
	memcpy(info, fields, sizeof fields);
	uint32_t mmap_fields[2] = { (uint32_t)mmap_len, mmap_addr };
	memcpy(info + 44, mmap_fields, 8);
	memcpy(info + 64, &loader_name, 4);
	if (guest_memory_write(&vm->memory, INFO_BASE, info, sizeof info)) {
		snprintf(err, errlen, "the VM's memory is too small for the Multiboot information");
		return -E2BIG;
	}

	struct vcpu *boot = vm->vcpus[0];
	hv->vcpu_reset_protected32(boot, entry);
	boot->gpr[REG_RAX] = MULTIBOOT_BOOTLOADER_MAGIC;
	boot->gpr[REG_RBX] = INFO_BASE;
	for (unsigned i = 1; i < vm->config.cpus; i++)
		vm->vcpus[i]->waiting_for_sipi = true;
	return 0;
}
