# Tests and figures: `make systest` (pytest + QEMU), `make test` (unit, fuzz, systest, then one summary line),
# `make bench` (figures: deterministic ones under -icount, wall-clock ones beside an anchor from the same run),
# `make soak`. Each stage writes $(RESULTS)/STAGE.txt: "PASSED FAILED".
RESULTS := $(BUILD)/results
PYTHON := /usr/bin/python3
# Parallel QEMU machines (pytest-xdist workers). Measured on 2 cores with the first kernel, whole suite:
# -n 2 19 s, -n 3 17 s, -n 4 17 s, -n 6 16 s; 3 keeps the load (and the risk of deadline misses) moderate.
SYSTEST_JOBS ?= 3
# A test whose machine ended by QEMU's own failure (keel.EmulatorFault: QEMU aborted, or the known host fault
# after #VMEXIT) runs once more; `-rR` lists each rerun. docs/EMULATOR_FAULTS.md.
EMULATOR_RERUN := --reruns 1 --only-rerun EmulatorFault
# The image for VM tests: the shipped one plus every test guest as a GRUB module named after it.
TEST_ISO := $(BUILD)/keel-test.iso
SYSTEST_ENV := KEEL_BUILD=$(abspath $(BUILD)) KEEL_ISO=$(abspath $(ISO)) KEEL_PXE=$(abspath $(PXE_DIR)) \
	KEEL_KERNEL=$(abspath $(KERNEL)) KEEL_LOGS=$(abspath $(RESULTS))/logs KEEL_TEST_ISO=$(abspath $(TEST_ISO)) \
	KEEL_LINUX_ISO=$(abspath $(LINUX_ISO))

$(TEST_ISO): $(KERNEL) $(KEEL_CFG) $(GUESTS) grub.cfg image/mkiso.sh | $(DEPS_STAMP)
	GUESTS="$(GUESTS)" image/mkiso.sh $(KERNEL) $(KEEL_CFG) $@

systest: iso pxe $(TEST_ISO) $(LINUX_ISO) $(KEELCTL) $(SHELL_TEST_SERVER) | $(DEPS_STAMP)
	@mkdir -p $(RESULTS)/logs
	@rm -f $(RESULTS)/system.txt $(RESULTS)/system.xml
	@status=0; $(SYSTEST_ENV) tests/system/netns.sh $(PYTHON) -m pytest tests/system -m "not soak" -n $(SYSTEST_JOBS) \
		--dist loadgroup $(EMULATOR_RERUN) --junitxml=$(RESULTS)/system.xml -rfER -q $(PYTEST_ARGS) || status=$$?; \
	$(PYTHON) tests/system/junit_counts.py $(RESULTS)/system.xml > $(RESULTS)/system.txt.tmp && \
		mv $(RESULTS)/system.txt.tmp $(RESULTS)/system.txt; \
	rm -f $(RESULTS)/system.txt.tmp; \
	exit $$status

# Every stage runs even if an earlier one failed; tests/summary.sh prints the last line, N passed, N failed.
test: | $(DEPS_STAMP)
	@mkdir -p $(RESULTS)
	@rm -f $(RESULTS)/unit.txt $(RESULTS)/fuzz.txt $(RESULTS)/system.txt
	-@$(MAKE) --no-print-directory unit
	-@$(MAKE) --no-print-directory fuzz
	-@$(MAKE) --no-print-directory systest
	@tests/summary.sh $(RESULTS) unit fuzz system

bench: iso $(TEST_ISO) $(LINUX_ISO) | $(DEPS_STAMP)
	@mkdir -p $(RESULTS)/logs
	@$(PYTHON) tests/bench/boot.py --iso $(ISO) --kernel $(KERNEL) --log $(RESULTS)/logs/bench-boot.log
	@$(PYTHON) tests/bench/cpuid_roundtrip.py --iso $(TEST_ISO) --logs $(RESULTS)/logs
	@$(SYSTEST_ENV) $(PYTHON) tests/bench/linux.py --logs $(RESULTS)/logs
	@$(SYSTEST_ENV) tests/system/netns.sh $(PYTHON) tests/bench/net_shell.py --log $(RESULTS)/logs/bench-net-shell.log

# Long runs outside `make test`: the system tests marked soak (@pytest.mark.soak), such as Debian's kernel
# under Bochs with VT-x (3-5 minutes of wall time).
soak: iso $(TEST_ISO) $(LINUX_ISO) | $(DEPS_STAMP)
	@mkdir -p $(RESULTS)/logs
	$(SYSTEST_ENV) tests/system/netns.sh $(PYTHON) -m pytest tests/system -m soak -n 2 -rfE -q $(PYTEST_ARGS)

.PHONY: systest test bench soak
