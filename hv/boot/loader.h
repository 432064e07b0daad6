/* Guest image loaders: they copy a boot module into a fresh VM's RAM and set the boot vCPU's entry state. */
#ifndef HV_BOOT_LOADER_H
#define HV_BOOT_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct vm;

#define LOADER_FLAT_ADDRESS 0x7c00 /* a flat image starts in real mode at 0000:7C00, like a boot sector */

/* Loads vm->config.kernel: a Multiboot (version 1) kernel when its header is found, a Linux bzImage (with
 * vm->config.initrd) when it has the boot protocol's header, else a flat binary.
 * 0, or a negative errno with the reason in err. */
int loader_load(struct vm *vm, char *err, size_t errlen);
/* The Multiboot loader proper, on an image already in memory (also used by unit tests through the guest
 * memory interface). */
int loader_multiboot(struct vm *vm, const uint8_t *image, size_t size, char *err, size_t errlen);

#endif
