/* The host's configuration: keel.cfg, a Multiboot2 module, read once at boot. */
#ifndef KERNEL_SETTINGS_H
#define KERNEL_SETTINGS_H

#include <stdint.h>

struct boot_info;

/* Parses the module named keel.cfg, if any; each bad line is named on the console and ignored. */
void settings_load(const struct boot_info *bi);
const char *settings_hostname(void);
/* The value keel.cfg gave key (checked by its table entry), or NULL; the n-th one of a repeat key. */
const char *settings_get(const char *key);
const char *settings_get_nth(const char *key, unsigned n);
/* The value of a number key (checked against its range by the table), or def when keel.cfg has none. */
uint64_t settings_get_uint(const char *key, uint64_t def);

#endif
