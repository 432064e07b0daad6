/* The compiler and platform glue lwIP asks for: standard headers from musl, assertions as kernel panics,
 * diagnostics (LWIP_DEBUG output) into the kernel log. */
#ifndef KEEL_LWIP_ARCH_CC_H
#define KEEL_LWIP_ARCH_CC_H

#include <stdlib.h>
#include "kernel/log.h"
#include "kernel/panic.h"

#define LWIP_PLATFORM_DIAG(x) \
	do {                  \
		log_printf x; \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) panic("lwip: assertion \"%s\" failed at %s:%d", x, __FILE__, __LINE__)

#endif
