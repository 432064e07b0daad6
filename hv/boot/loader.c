/* Chooses the loader for a guest image (Multiboot, Linux bzImage, else flat) and runs the flat one. */
#include <errno.h>
#include <stdio.h>
#include "hv/backend.h"
#include "hv/boot/linux.h"
#include "hv/boot/loader.h"
#include "hv/boot/multiboot.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "kernel/boot/boot_info.h"
#include "kernel/mm/phys.h"

int loader_load(struct vm *vm, char *err, size_t errlen)
{
	const struct boot_module *m = boot_info_module(&boot_info, vm->config.kernel);
	if (!vm->config.kernel[0] || !m) {
		snprintf(err, errlen, "no guest image: give kernel=MODULE with a boot module named in keel.cfg");
		return -ENOENT;
	}
	const uint8_t *image = phys_to_virt(m->start);
	size_t size = m->end - m->start;
	if (multiboot_find_header(image, size))
		return loader_multiboot(vm, image, size, err, errlen);
	struct linux_header h;
	if (linux_parse_header(image, size, &h) != -ENOEXEC) {
		const struct boot_module *rd = vm->config.initrd[0] ? boot_info_module(&boot_info, vm->config.initrd) : NULL;
		return linux_load(vm, image, size, rd ? phys_to_virt(rd->start) : NULL, rd ? rd->end - rd->start : 0,
				  err, errlen);
	}
	if (guest_memory_write(&vm->memory, LOADER_FLAT_ADDRESS, image, size)) {
		snprintf(err, errlen, "flat image '%s' (%zu bytes) does not fit in the VM's memory", vm->config.kernel,
			 size);
		return -E2BIG;
	}
	hv->vcpu_reset_real(vm->vcpus[0], 0, LOADER_FLAT_ADDRESS);
	for (unsigned i = 1; i < vm->config.cpus; i++)
		vm->vcpus[i]->waiting_for_sipi = true;
	return 0;
}
