# Keel: the top-level build. `make run` boots the appliance in QEMU, `make test` runs every test,
# `make bench` prints deterministic figures. Each piece of the build lives in one file under mk/.
BUILD := build
SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

include mk/deps.mk
include mk/musl.mk
include mk/mbedtls.mk
include mk/lwip.mk
include mk/kernel.mk
include mk/guests.mk
include mk/linux.mk
include mk/image.mk
include mk/keelctl.mk
include mk/unit.mk
include mk/system.mk

all: iso pxe

clean:
	rm -rf $(BUILD)/kernel $(BUILD)/unit $(BUILD)/fuzz $(BUILD)/keel.elf $(BUILD)/keel.iso $(BUILD)/pxe $(BUILD)/results

.PHONY: all clean
