/* Keel's version; the Makefile passes KEEL_VERSION. */
#ifndef KERNEL_VERSION_H
#define KERNEL_VERSION_H

#ifndef KEEL_VERSION
#define KEEL_VERSION "0.0.0-dev"
#endif

#endif
