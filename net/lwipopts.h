/* lwIP's configuration for Keel: the stack runs in lwIP's tcpip thread on kernel threads (NO_SYS=0) with the
 * core lock, so any thread may call the raw and altcp APIs between LOCK_TCPIP_CORE and UNLOCK_TCPIP_CORE.
 * IPv4 only; DHCP, DNS, raw ICMP (ping) and TCP through altcp. Pools are sized for 64 concurrent TCP
 * sessions (the network shell's limit; 32 by default). */
#ifndef KEEL_LWIPOPTS_H
#define KEEL_LWIPOPTS_H

#define NO_SYS 0
#define LWIP_TCPIP_CORE_LOCKING 1
#define LWIP_TCPIP_CORE_LOCKING_INPUT 0 /* drivers post frames to the tcpip thread's mailbox */
#define SYS_LIGHTWEIGHT_PROT 1
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_NETIF_API 0
#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE 0

/* Memory: the heap for mem_malloc (pbufs of PBUF_RAM), static pools for the rest. */
#define MEM_LIBC_MALLOC 1
#define MEM_ALIGNMENT 8
#define MEMP_NUM_PBUF 128
#define MEMP_NUM_RAW_PCB 4
#define MEMP_NUM_UDP_PCB 8
#define MEMP_NUM_TCP_PCB 96 /* up to 64 shell sessions (keel.cfg shell_max_sessions), refusals, closing ones */
#define MEMP_NUM_TCP_PCB_LISTEN 4
#define MEMP_NUM_TCP_SEG 512
#define MEMP_NUM_ALTCPCB (2 * MEMP_NUM_TCP_PCB) /* a TLS connection stacks two altcp pcbs */
#define MEMP_NUM_REASSDATA 4
#define MEMP_NUM_ARP_QUEUE 32
#define MEMP_NUM_TCPIP_MSG_API 64
#define MEMP_NUM_TCPIP_MSG_INPKT 256
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define PBUF_POOL_SIZE 512
#define PBUF_POOL_BUFSIZE 1536

#define TCPIP_THREAD_NAME "lwip-tcpip"
#define TCPIP_THREAD_STACKSIZE 0 /* kernel threads have a fixed stack */
#define TCPIP_THREAD_PRIO 0
#define TCPIP_MBOX_SIZE 512
#define DEFAULT_RAW_RECVMBOX_SIZE 0
#define DEFAULT_UDP_RECVMBOX_SIZE 0
#define DEFAULT_TCP_RECVMBOX_SIZE 0
#define DEFAULT_ACCEPTMBOX_SIZE 0
#define DEFAULT_THREAD_STACKSIZE 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define LWIP_ETHERNET 1
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_UDP 1
#define LWIP_DHCP 1
#define LWIP_DHCP_DOES_ACD_CHECK 0
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 2
#define DNS_TABLE_SIZE 8
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1

#define LWIP_TCP 1
#define TCP_MSS 1460
#define TCP_WND (8 * TCP_MSS)
#define TCP_SND_BUF (8 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 8
#define LWIP_TCP_KEEPALIVE 1
#define LWIP_ALTCP 1
/* No altcp TLS layer: the network shell runs TLS (shell/tls_server.c) in each session's own thread over plain
 * TCP, so a handshake's public-key work never holds the tcpip thread that every connection needs. */
#define LWIP_ALTCP_TLS 0

#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0
#define LWIP_CHECKSUM_ON_COPY 0

/* lwIP's own random numbers (DNS ids and ports, TCP ISN and local ports): RDRAND when present, else TSC. */
#define LWIP_RAND() sys_random32()
#include <stdint.h>
uint32_t sys_random32(void);

#endif
