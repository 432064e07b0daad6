/* The host's configuration: keel.cfg, a Multiboot2 module, read once at boot. */
#ifndef KERNEL_SETTINGS_H
#define KERNEL_SETTINGS_H

struct boot_info;

/* Parses the module named keel.cfg, if any; each bad line is named on the console and ignored. */
void settings_load(const struct boot_info *bi);
const char *settings_hostname(void);
/* The text of a key keel.cfg set, or NULL; its owner checks it. */
const char *settings_value(const char *key);

#endif
