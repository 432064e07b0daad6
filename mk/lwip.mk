# lwIP, the TCP/IP stack: Debian's source package, pinned and checked, compiled with the kernel's flags and
# our port (net/lwipopts.h, net/arch/cc.h) into objects linked into build/keel.elf.
LWIP_DEB_VERSION := 2.1.3+dfsg1-2
LWIP_TARBALL := lwip_2.1.3+dfsg1.orig.tar.xz
LWIP_SHA256 := 0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24

$(eval $(call debian_source,lwip,$(LWIP_DEB_VERSION),$(LWIP_TARBALL),$(LWIP_SHA256)))
LWIP_SRC := $(BUILD)/third_party/lwip-2.1.3
LWIP_STAMP := $(LWIP_SRC)/.unpacked
LWIP_INC := -Inet -I$(LWIP_SRC)/src/include
# The core with IPv4, DHCP, DNS, raw and UDP, TCP behind altcp, the tcpip thread and Ethernet framing.
# No altcp TLS files: TLS runs in the network shell's session threads (net/lwipopts.h says why).
LWIP_FILES := core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c \
	core/timeouts.c core/udp.c core/altcp.c core/altcp_tcp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c \
	core/ipv4/ip4_frag.c api/tcpip.c api/err.c netif/ethernet.c
LWIP_OBJS := $(LWIP_FILES:%.c=$(BUILD)/kernel/lwip/%.o)

$(LWIP_STAMP): $(DEBSRC_DIR)/$(LWIP_TARBALL) mk/lwip.mk
	rm -rf $(LWIP_SRC)
	mkdir -p $(dir $(LWIP_SRC))
	tar -xJf $< -C $(dir $(LWIP_SRC))
	touch $@

# lwIP's sources, and ours that include its headers (net/), build with the kernel's flags.
$(LWIP_OBJS): $(BUILD)/kernel/lwip/%.o: $(LWIP_STAMP) $(MUSL_LIB) net/lwipopts.h net/arch/cc.h net/arch/sys_arch.h
	@mkdir -p $(dir $@)
	gcc $(KCFLAGS) $(LWIP_INC) -c $(LWIP_SRC)/src/$*.c -o $@

lwip: $(LWIP_OBJS)
.PHONY: lwip
