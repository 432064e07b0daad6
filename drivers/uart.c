/* COM1: polled transmit, interrupt-driven receive into a ring buffer with one waiting reader. */
#include "drivers/uart.h"
#include "kernel/arch.h"
#include "kernel/cpu/irq.h"
#include "kernel/cpu/percpu.h"
#include "kernel/sched/spinlock.h"
#include "kernel/sched/wait.h"
#include "kernel/time.h"

#define COM1 0x3f8
#define UART_IRQ 4
#define RX_RING_SIZE 4096

enum { RBR = 0, THR = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

static struct spinlock tx_lock = SPINLOCK_INIT;
static struct spinlock rx_lock = SPINLOCK_INIT;
static uint8_t rx_ring[RX_RING_SIZE];
static uint32_t rx_head, rx_tail;
static struct wait_queue rx_wait = WAIT_QUEUE_INIT;

void uart_init(void)
{
	outb(COM1 + IER, 0);
	outb(COM1 + LCR, 0x80); /* divisor latch */
	outb(COM1 + 0, 1);      /* 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + LCR, 0x03); /* 8N1 */
	outb(COM1 + FCR, 0x07); /* FIFOs on and cleared; interrupt at the first byte, as typing is slow */
	outb(COM1 + MCR, 0x0b); /* DTR, RTS, OUT2 (gates the IRQ line) */
}

static void put_byte(uint8_t c)
{
	for (unsigned spins = 0; !(inb(COM1 + LSR) & LSR_THR_EMPTY) && spins < 1000000; spins++)
		cpu_relax();
	outb(COM1 + THR, c);
}

void uart_write_unlocked(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put_byte('\r');
		put_byte((uint8_t)s[i]);
	}
}

/* Interrupts stay enabled while a line goes out: at 115200 baud a long line takes milliseconds, and input
 * arriving meanwhile must not overrun the receive FIFO. The lock is never taken by interrupt handlers. */
void uart_write(const char *s, size_t n)
{
	preempt_disable();
	while (__atomic_exchange_n(&tx_lock.locked, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	uart_write_unlocked(s, n);
	__atomic_store_n(&tx_lock.locked, 0, __ATOMIC_RELEASE);
	preempt_enable();
}

/* Drains the receive FIFO into the ring. */
static void uart_rx_interrupt(void *ctx)
{
	(void)ctx;
	uint64_t flags = spin_lock(&rx_lock);
	(void)inb(COM1 + FCR); /* IIR: acknowledges the interrupt */
	while (inb(COM1 + LSR) & LSR_DATA_READY) {
		uint8_t c = inb(COM1 + RBR);
		/* A full ring drops new input: the reader is far behind a person typing. */
		if (rx_head - rx_tail < RX_RING_SIZE)
			rx_ring[rx_head++ % RX_RING_SIZE] = c;
	}
	spin_unlock(&rx_lock, flags);
	wait_wake_all(&rx_wait);
}

void uart_enable_rx(void)
{
	irq_register_isa(UART_IRQ, uart_rx_interrupt, NULL);
	outb(COM1 + IER, 0x01);
	uart_rx_interrupt(NULL); /* bytes that came before the IRQ was routed */
}

static int rx_available(void *ctx)
{
	(void)ctx;
	return rx_head != rx_tail;
}

#define RX_POLL_MS 100

uint8_t uart_read_byte(void)
{
	for (;;) {
		uint64_t flags = spin_lock(&rx_lock);
		if (rx_head != rx_tail) {
			uint8_t c = rx_ring[rx_tail++ % RX_RING_SIZE];
			spin_unlock(&rx_lock, flags);
			return c;
		}
		spin_unlock(&rx_lock, flags);
		/* An edge-triggered interrupt can be lost when a byte lands while the line is still raised, so the
		 * reader also looks at the port itself every 100 ms. */
		if (!wait_until_deadline(&rx_wait, rx_available, NULL, rdtsc() + time_tsc_hz() / 1000 * RX_POLL_MS))
			uart_rx_interrupt(NULL);
	}
}
