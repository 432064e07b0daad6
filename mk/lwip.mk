# lwIP, the TCP/IP stack: Debian's source package, pinned and checked, compiled with the kernel's flags and
# our port (net/lwipopts.h, net/arch/cc.h) into objects linked into build/keel.elf.
LWIP_DEB_VERSION := 2.1.3+dfsg1-2
LWIP_TARBALL := lwip_2.1.3+dfsg1.orig.tar.xz
LWIP_SHA256 := 0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24

$(eval $(call debian_source,lwip,$(LWIP_DEB_VERSION),$(LWIP_TARBALL),$(LWIP_SHA256)))
