/* Shell commands register themselves: each file defines its commands with SHELL_COMMAND, the linker gathers
 * them into one array (kernel/linker.ld), and the front ends dispatch over it. */
#ifndef KEEL_SHELL_REGISTRY_H
#define KEEL_SHELL_REGISTRY_H

#include <stddef.h>
#include "shell/command.h"

#define SHELL_COMMAND(ident) \
	static const struct shell_command ident __attribute__((used, section("keel_shell_commands"), aligned(8)))

extern const struct shell_command __start_keel_shell_commands[], __stop_keel_shell_commands[];

static inline const struct shell_command *shell_commands(size_t *count)
{
	*count = (size_t)(__stop_keel_shell_commands - __start_keel_shell_commands);
	return __start_keel_shell_commands;
}

#endif
