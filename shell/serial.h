/* The serial console's shell thread. */
#ifndef KEEL_SHELL_SERIAL_H
#define KEEL_SHELL_SERIAL_H

/* Thread body; arg carries the TSC value at kernel entry, reported with the first prompt for `make bench`. */
void shell_serial_main(void *arg);

#endif
