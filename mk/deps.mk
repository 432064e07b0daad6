# Debian packages the build and the tests need, installed when missing (every machine here runs as root).
DEB_PACKAGES := gcc binutils make clang libclang-rt-14-dev python3 python3-pytest python3-pytest-xdist \
	python3-pytest-rerunfailures iproute2 \
	qemu-utils ovmf grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools \
	bochs bochsbios vgabios dpkg-dev xz-utils ca-certificates busybox-static cpio acpica-tools \
	libmbedtls-dev openssl

DEPS_STAMP := $(BUILD)/.deps-installed
APT_UPDATE := apt-get update -q || echo "deps: warning: apt-get update failed; trying with the lists we have"

# The stamp depends on this file so that a package added here is installed on the next build.
$(DEPS_STAMP): mk/deps.mk
	@mkdir -p $(BUILD)
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing $$missing"; \
		$(APT_UPDATE); \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@$(MAKE) --no-print-directory qemu-backports
	@touch $@

# QEMU comes from bookworm-backports, pinned: bookworm's QEMU 7.2 TCG now and then fails every host page walk
# for one instruction right after a #VMEXIT, with intact page tables, and the host triple-faults (three 2-CPU
# Keels each looping two 2-vCPU Linux guests: 7.2 failed after 9 and after about 100 rounds; 10.0 ran 65
# rounds without). It is rarer with 10.0, not gone: a loop of test_linux.py still reset once in 369 boots.
QEMU_VERSION := 1:10.0.2+ds-2+deb13u1~bpo12+1
QEMU_PINS := qemu-system-x86='$(QEMU_VERSION)' qemu-system-common='$(QEMU_VERSION)' \
	qemu-system-data='$(QEMU_VERSION)' seabios=1.16.3-2~bpo12+1
BACKPORTS_LIST := /etc/apt/sources.list.d/keel-backports.sources

qemu-backports:
	@if [ "$$(dpkg-query -W -f='$${Version}' qemu-system-x86 2>/dev/null)" != '$(QEMU_VERSION)' ]; then \
		echo "deps: installing QEMU $(QEMU_VERSION) from bookworm-backports"; \
		printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > $(BACKPORTS_LIST); \
		$(APT_UPDATE); \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(QEMU_PINS); \
	fi
.PHONY: qemu-backports

deps: $(DEPS_STAMP)
.PHONY: deps

# Debian source packages. The machines' apt sources list binary packages only; this adds a deb-src twin of
# the archive's .sources file once.
DEBSRC_LIST := /etc/apt/sources.list.d/keel-deb-src.sources
DEBSRC_DIR := $(BUILD)/debsrc

$(DEBSRC_LIST): | $(DEPS_STAMP)
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then \
		sed 's/^Types: deb$$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > $@; \
	else \
		printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > $@; \
	fi
	$(APT_UPDATE)

# $(call debian_source,PACKAGE,VERSION,TARBALL,SHA256): a rule that fetches PACKAGE=VERSION's source with
# apt-get and keeps its upstream TARBALL under $(DEBSRC_DIR) only if its SHA-256 matches the pin.
define debian_source
$(DEBSRC_DIR)/$(3): | $(DEBSRC_LIST)
	mkdir -p $(DEBSRC_DIR)/tmp-$(1)
	cd $(DEBSRC_DIR)/tmp-$(1) && apt-get source -q --download-only $(1)=$(2) >/dev/null 2>&1 || \
		(apt-get update -q; apt-get source -q --download-only $(1)=$(2))
	echo "$(4)  $(DEBSRC_DIR)/tmp-$(1)/$(3)" | sha256sum -c --quiet || \
		{ echo "deps: $(3) does not match its pinned SHA-256"; exit 1; }
	mv $(DEBSRC_DIR)/tmp-$(1)/$(3) $$@
	rm -rf $(DEBSRC_DIR)/tmp-$(1)
endef
