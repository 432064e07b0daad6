# Host programs over Debian's libmbedtls-dev: keelctl (`make keelctl` writes build/keelctl) and the test
# server that runs the image's session and TLS files on loopback for tests without Keel's network.
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. -DKEEL_VERSION='"$(KEEL_VERSION)"'
HOST_TLS_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto
KEELCTL := $(BUILD)/keelctl
KEELCTL_SRCS := tools/keelctl.c shell/credentials.c
SHELL_TEST_SERVER := $(BUILD)/tools/shell_test_server
SHELL_TEST_SERVER_SRCS := tests/tools/shell_test_server.c shell/session_conn.c shell/session.c shell/tls_server.c shell/credentials.c \
	shell/backoff.c shell/command.c shell/grammar.c shell/json.c kernel/crypto/host_key.c

$(KEELCTL): $(KEELCTL_SRCS) $(wildcard shell/*.h) mk/keelctl.mk | $(DEPS_STAMP)
	@mkdir -p $(@D)
	gcc $(HOST_CFLAGS) -o $@ $(KEELCTL_SRCS) $(HOST_TLS_LIBS)

$(SHELL_TEST_SERVER): $(SHELL_TEST_SERVER_SRCS) $(wildcard shell/*.h kernel/crypto/*.h) mk/keelctl.mk | $(DEPS_STAMP)
	@mkdir -p $(@D)
	gcc $(HOST_CFLAGS) -pthread -o $@ $(SHELL_TEST_SERVER_SRCS) $(HOST_TLS_LIBS)

keelctl: $(KEELCTL)
.PHONY: keelctl
