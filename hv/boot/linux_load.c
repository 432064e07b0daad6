/* The Linux boot protocol's thin part: writes what hv/boot/linux.c and hv/boot/acpi_tables.c computed into a
 * VM's RAM and sets the boot vCPU's entry state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/backend.h"
#include "hv/boot/acpi_tables.h"
#include "hv/boot/linux.h"
#include "hv/vcpu.h"
#include "hv/vm.h"

static const char *parse_reason(int e)
{
	switch (e) {
	case -ENOEXEC: return "not a bzImage (no boot flag or HdrS header)";
	case -ENOTSUP: return "boot protocol older than 2.06, or a zImage";
	default: return "its setup header is inconsistent with the image";
	}
}

static const char *plan_reason(int e)
{
	return e == -E2BIG ? "the command line is longer than the kernel accepts"
			   : "the kernel, initrd and ACPI tables do not fit in the VM's memory";
}

int linux_load(struct vm *vm, const uint8_t *image, size_t size, const uint8_t *initrd, size_t initrd_size,
	       char *err, size_t errlen)
{
	struct linux_header h;
	struct linux_layout l;
	struct acpi_tables_layout al;
	const char *cmdline = vm->config.cmdline;
	int e = linux_parse_header(image, size, &h);
	if (e) {
		snprintf(err, errlen, "%s: %s", vm->config.kernel, parse_reason(e));
		return e;
	}
	struct linux_layout_request req = {
		.ram_bytes = vm->config.mem_bytes,
		.cmdline_len = strnlen(cmdline, sizeof vm->config.cmdline),
		.initrd_size = initrd ? initrd_size : 0,
		.acpi_size = ACPI_TABLES_MAX_SIZE,
		/* A backend without a long-mode reset enters x86_64 kernels through their 32-bit entry. */
		.allow_64 = hv->vcpu_reset_long64 != NULL,
	};
	if (req.cmdline_len == sizeof vm->config.cmdline) {
		snprintf(err, errlen, "%s: the command line is not terminated", vm->config.kernel);
		return -EINVAL;
	}
	if ((e = linux_plan(&h, &req, &l))) {
		snprintf(err, errlen, "%s: %s", vm->config.kernel, plan_reason(e));
		return e;
	}

	uint8_t *acpi = calloc(1, ACPI_TABLES_MAX_SIZE), *zp = calloc(1, LINUX_ZP_SIZE);
	uint8_t *pt = l.entry64 ? calloc(1, LINUX_PAGE_TABLES_SIZE) : NULL;
	uint8_t gdt[LINUX_GDT_SIZE];
	struct acpi_tables_config acfg = { .cpus = vm->config.cpus, .com1 = true, .rtc = true };
	if (!acpi || !zp || (l.entry64 && !pt)) {
		snprintf(err, errlen, "%s: no memory for the boot structures", vm->config.kernel);
		e = -ENOMEM;
		goto out;
	}
	if ((e = acpi_tables_build(&acfg, acpi, ACPI_TABLES_MAX_SIZE, l.acpi, &al))) {
		snprintf(err, errlen, "%s: cannot build ACPI tables for %u vCPUs", vm->config.kernel, vm->config.cpus);
		goto out;
	}
	linux_zero_page(image, &h, &l, vm->config.mem_bytes, l.acpi + al.rsdp, zp);
	linux_gdt(gdt, l.entry64);
	if (pt && (e = linux_page_tables(pt, LINUX_PAGE_TABLES_SIZE, l.page_tables)))
		goto out;

	struct guest_memory *m = &vm->memory;
	if (guest_memory_write(m, l.kernel_addr, image + h.setup_size, h.kernel_size) ||
	    (l.initrd_size && guest_memory_write(m, l.initrd, initrd, l.initrd_size)) ||
	    guest_memory_write(m, l.cmdline, cmdline, req.cmdline_len + 1) ||
	    guest_memory_write(m, l.zero_page, zp, LINUX_ZP_SIZE) ||
	    guest_memory_write(m, l.gdt, gdt, sizeof gdt) ||
	    (pt && guest_memory_write(m, l.page_tables, pt, LINUX_PAGE_TABLES_SIZE)) ||
	    guest_memory_write(m, l.acpi, acpi, al.size) ||
	    guest_memory_write(m, LINUX_RSDP_COPY_ADDR, acpi + al.rsdp, 36)) {
		snprintf(err, errlen, "%s: the kernel does not fit in the VM's memory", vm->config.kernel);
		e = -E2BIG;
		goto out;
	}

	struct vcpu *boot = vm->vcpus[0];
	if (l.entry64) {
		hv->vcpu_reset_long64(boot, l.entry, l.page_tables, l.gdt, LINUX_GDT_SIZE - 1);
	} else {
		hv->vcpu_reset_protected32(boot, (uint32_t)l.entry);
	}
	boot->gpr[REG_RSI] = l.zero_page; /* RBP, RDI, RBX are zero after the reset */
	for (unsigned i = 1; i < vm->config.cpus; i++)
		vm->vcpus[i]->waiting_for_sipi = true;
	e = 0;
out:
	free(pt);
	free(zp);
	free(acpi);
	return e;
}
