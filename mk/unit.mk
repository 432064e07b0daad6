# Host unit tests (ASan + UBSan) and libFuzzer targets for the pure modules.
# `make unit` builds and runs every tests/unit/test_*.c; `make fuzz` builds and runs every
# tests/fuzz/fuzz_*.c for a fixed time. Both write "PASSED FAILED" to $(BUILD)/results/.
#
# Adding a module: list its sources in the variable named after its test, e.g.
#   test_ring_SRCS := kernel/lib/ring.c
# (and fuzz_ring_SRCS for a fuzz target), and libraries in test_ring_LIBS. Tests and targets are found by
# their file names. Modules over mbedTLS link Debian's libmbedtls-dev (the image's version, its default
# configuration).

UNIT_CC     := cc
UNIT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all -g -O1 -I.
FUZZ_CC     := clang
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-g -O1
# Per target: 20 s of fuzzing (each target reaches several hundred thousand runs), inputs up to 4 KiB.
FUZZ_RUN_FLAGS := -max_total_time=20 -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

test_frame_SRCS     := kernel/mm/frame.c
test_config_SRCS    := kernel/config.c
test_grammar_SRCS   := shell/grammar.c
test_command_SRCS   := shell/command.c shell/grammar.c
test_json_SRCS      := shell/json.c
test_line_edit_SRCS := shell/line_edit.c
test_x86_decode_SRCS  := hv/decode/x86_decode.c
test_x86_walk_SRCS    := hv/decode/x86_walk.c
test_x86_emulate_SRCS := hv/decode/x86_emulate.c hv/decode/x86_decode.c hv/decode/x86_walk.c
test_x86_access_SRCS  := $(test_x86_emulate_SRCS)
test_dev_uart16550_SRCS := hv/dev/uart16550.c
test_dev_pic8259_SRCS   := hv/dev/pic8259.c
test_dev_pit8254_SRCS   := hv/dev/pit8254.c
test_dev_rtc_SRCS       := hv/dev/rtc.c
test_dev_ioapic_SRCS    := hv/dev/ioapic.c
test_dev_lapic_SRCS     := hv/dev/lapic.c
test_dev_acpi_pm_SRCS   := hv/dev/acpi_pm.c
test_dev_reset_SRCS     := hv/dev/reset.c
test_acpi_tables_SRCS   := hv/boot/acpi_tables.c
test_linux_boot_SRCS    := hv/boot/linux.c
test_net_config_SRCS    := net/net_config.c
test_virtqueue_SRCS     := drivers/virtqueue.c

test_credentials_SRCS := shell/credentials.c
test_credentials_LIBS := -lmbedcrypto
test_backoff_SRCS     := shell/backoff.c
test_session_SRCS     := shell/session.c shell/credentials.c shell/backoff.c
test_session_LIBS     := -lmbedcrypto
test_session_conn_SRCS := shell/session_conn.c shell/session.c shell/tls_server.c shell/credentials.c shell/backoff.c \
	shell/command.c shell/grammar.c kernel/crypto/host_key.c
test_session_conn_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto

fuzz_config_SRCS    := kernel/config.c
fuzz_grammar_SRCS   := shell/grammar.c shell/command.c
fuzz_line_edit_SRCS := shell/line_edit.c
fuzz_x86_decode_SRCS := hv/decode/x86_decode.c hv/decode/x86_emulate.c hv/decode/x86_walk.c
fuzz_dev_io_SRCS := hv/dev/uart16550.c hv/dev/pic8259.c hv/dev/pit8254.c hv/dev/rtc.c hv/dev/ioapic.c \
	hv/dev/lapic.c hv/dev/acpi_pm.c hv/dev/reset.c
fuzz_linux_header_SRCS := hv/boot/linux.c
fuzz_session_SRCS := shell/session.c shell/credentials.c shell/backoff.c
fuzz_session_LIBS := -lmbedcrypto

UNIT_TESTS   := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
# Any header of the pure modules may change what a test sees: rebuild on all of them.
UNIT_HEADERS := $(wildcard kernel/*.h kernel/mm/*.h shell/*.h hv/decode/*.h hv/dev/*.h tests/unit/*.h)
UNIT_HEADERS += net/net_config.h drivers/virtqueue.h hv/boot/acpi_tables.h hv/boot/bytes.h hv/boot/linux.h hv/guest_memory.h

# A test that fails to build leaves no binary behind; the run below counts it as failed and goes on.
define UNIT_RULE
$(BUILD)/unit/$(1): tests/unit/$(1).c $$($(1)_SRCS) $$(UNIT_HEADERS) | $$(DEPS_STAMP)
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	@$$(UNIT_CC) $$(UNIT_CFLAGS) -o $$@ tests/unit/$(1).c $$($(1)_SRCS) $$($(1)_LIBS) || { rm -f $$@; echo "unit: $(1) did not build"; }
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_RULE,$(t))))

define FUZZ_RULE
$(BUILD)/fuzz/$(1): tests/fuzz/$(1).c $$($(1)_SRCS) $$(UNIT_HEADERS) | $$(DEPS_STAMP)
	@mkdir -p $$(@D)
	@echo "  CLANG   $$@"
	@$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ tests/fuzz/$(1).c $$($(1)_SRCS) $$($(1)_LIBS) || { rm -f $$@; echo "fuzz: $(1) did not build"; }
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

# Each program ends with "N passed, N failed"; a crash or a missing summary counts as one failure.
unit: $(DEPS_STAMP) $(UNIT_TESTS:%=$(BUILD)/unit/%)
	@mkdir -p $(BUILD)/results
	@passed=0; failed=0; \
	for t in $(UNIT_TESTS); do \
		bin=$(BUILD)/unit/$$t; p=0; f=1; \
		echo "== $$t"; \
		if [ -x $$bin ]; then \
			$$bin > $$bin.log 2>&1; rc=$$?; cat $$bin.log; \
			sum=$$(tail -n 1 $$bin.log | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$$/\1 \2/p'); \
			if [ -n "$$sum" ]; then p=$${sum% *}; f=$${sum#* }; \
			else echo "$$t: no summary line (exit status $$rc)"; fi; \
			if [ $$rc -ne 0 ] && [ $$f -eq 0 ]; then f=1; echo "$$t: exit status $$rc"; fi; \
		else \
			echo "$$t: not built"; \
		fi; \
		passed=$$((passed + p)); failed=$$((failed + f)); \
	done; \
	echo "$$passed $$failed" > $(BUILD)/results/unit.txt; \
	echo "unit: $$passed passed, $$failed failed"; \
	[ $$failed -eq 0 ]

# Each target fuzzes a scratch copy of its seed corpus; a crash leaves its input in $(BUILD)/fuzz/.
fuzz: $(DEPS_STAMP) $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
	@mkdir -p $(BUILD)/results
	@passed=0; failed=0; \
	for t in $(FUZZ_TARGETS); do \
		bin=$(BUILD)/fuzz/$$t; work=$(BUILD)/fuzz/$$t.corpus; \
		rm -rf $$work; mkdir -p $$work; \
		if [ -d tests/fuzz/corpus/$$t ]; then cp tests/fuzz/corpus/$$t/* $$work/ 2>/dev/null; fi; \
		if [ -x $$bin ] && $$bin $(FUZZ_RUN_FLAGS) -artifact_prefix=$(BUILD)/fuzz/$$t- $$work \
			> $$bin.log 2>&1; then \
			passed=$$((passed + 1)); \
			echo "fuzz: $$t ok: $$(grep -E '^#[0-9]+[[:space:]]+DONE' $$bin.log | tail -n 1)"; \
		else \
			failed=$$((failed + 1)); \
			echo "fuzz: $$t FAILED (log: $$bin.log)"; \
			[ -f $$bin.log ] && tail -n 40 $$bin.log; \
		fi; \
	done; \
	echo "$$passed $$failed" > $(BUILD)/results/fuzz.txt; \
	echo "fuzz: $$passed passed, $$failed failed"; \
	[ $$failed -eq 0 ]

.PHONY: unit fuzz
