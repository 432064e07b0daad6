/* The end of the line for a host bug: a report on the console, then every CPU halts. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

struct trap_frame;

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
/* The crash report for an exception in the host: vector, error code, CR2, registers, backtrace. */
__attribute__((noreturn)) void panic_exception(const struct trap_frame *f);
/* True once a panic has started; NMIs then halt their CPU. */
int panic_in_progress(void);

#endif
