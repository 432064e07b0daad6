/* Unit tests for hv/dev/uart16550.c: register read-back, the divisor latch, transmit, the receive FIFO and its
 * limits, IIR priorities, THRE interrupt semantics as Linux's 8250 driver probes them, OUT2 gating, loopback
 * with modem lines, and hostile offsets and sizes. */
#include "../../hv/dev/uart16550.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

struct sink {
	uint8_t tx[64];
	unsigned ntx;
	bool level;
	unsigned edges;   /* rising edges of the IRQ line */
};

static void tx(void *ctx, uint8_t byte)
{
	struct sink *s = ctx;

	if (s->ntx < sizeof(s->tx))
		s->tx[s->ntx] = byte;
	s->ntx++;
}

static void irq_set(void *ctx, unsigned line, bool level)
{
	struct sink *s = ctx;

	CHECK_EQ(line, UART16550_COM1_IRQ);
	if (level && !s->level)
		s->edges++;
	s->level = level;
}

static void setup(struct uart16550 *u, struct sink *s)
{
	memset(s, 0, sizeof(*s));
	uart16550_init(u, tx, s, (struct dev_irq_line){ irq_set, s, UART16550_COM1_IRQ });
}

static uint8_t rd(struct uart16550 *u, unsigned off)
{
	return (uint8_t)uart16550_read(u, off, 1);
}

static void wr(struct uart16550 *u, unsigned off, uint8_t v)
{
	uart16550_write(u, off, 1, v);
}

static void test_reset_and_registers(void)
{
	struct uart16550 u;
	struct sink s;

	setup(&u, &s);
	CHECK_EQ(rd(&u, UART16550_IER), 0);
	CHECK_EQ(rd(&u, UART16550_IIR), 0x01);
	CHECK_EQ(rd(&u, UART16550_LSR), 0x60);
	CHECK_EQ(rd(&u, UART16550_MSR), 0xB0);
	wr(&u, UART16550_SCR, 0x5A);
	CHECK_EQ(rd(&u, UART16550_SCR), 0x5A);
	wr(&u, UART16550_LCR, 0x03);
	CHECK_EQ(rd(&u, UART16550_LCR), 0x03);
	wr(&u, UART16550_MCR, 0xFF);
	CHECK_EQ(rd(&u, UART16550_MCR), 0x1F);

	/* Divisor latch: DLAB switches offsets 0 and 1, and IER is untouched. */
	wr(&u, UART16550_MCR, 0);
	wr(&u, UART16550_LCR, 0x83);
	wr(&u, 0, 0x01);
	wr(&u, 1, 0x00);
	CHECK_EQ(rd(&u, 0), 0x01);
	CHECK_EQ(rd(&u, 1), 0x00);
	wr(&u, UART16550_LCR, 0x03);
	CHECK_EQ(rd(&u, UART16550_IER), 0);
	CHECK_EQ(u.divisor, 1);
	CHECK_EQ(s.ntx, 0);
}

static void test_transmit(void)
{
	struct uart16550 u;
	struct sink s;

	setup(&u, &s);
	wr(&u, 0, 'h');
	wr(&u, 0, 'i');
	CHECK_EQ(s.ntx, 2);
	CHECK_EQ(s.tx[0], 'h');
	CHECK_EQ(s.tx[1], 'i');
	CHECK_EQ(rd(&u, UART16550_LSR) & 0x60, 0x60);
}

static void test_fifo(void)
{
	struct uart16550 u;
	struct sink s;

	setup(&u, &s);
	/* FIFOs off: one byte of holding register. */
	CHECK(uart16550_rx_space(&u));
	CHECK(uart16550_receive(&u, 'a'));
	CHECK(!uart16550_receive(&u, 'b'));
	CHECK(!uart16550_rx_space(&u));
	CHECK_EQ(rd(&u, UART16550_LSR) & 1, 1);
	CHECK_EQ(rd(&u, 0), 'a');
	CHECK_EQ(rd(&u, UART16550_LSR) & 1, 0);
	CHECK_EQ(rd(&u, 0), 0);   /* empty: nothing popped */

	/* FIFOs on: 16 bytes, order kept, the 17th refused without loss. */
	wr(&u, UART16550_IIR, 0xC1);
	CHECK_EQ(rd(&u, UART16550_IIR) & 0xC0, 0xC0);
	for (unsigned i = 0; i < 16; i++)
		CHECK(uart16550_receive(&u, (uint8_t)('A' + i)));
	CHECK(!uart16550_receive(&u, 'x'));
	CHECK_EQ(rd(&u, UART16550_LSR) & 0x02, 0);   /* refusing is not an overrun */
	for (unsigned i = 0; i < 16; i++)
		CHECK_EQ(rd(&u, 0), 'A' + i);
	CHECK_EQ(rd(&u, UART16550_LSR) & 1, 0);

	/* FCR clear-RX empties the FIFO. */
	CHECK(uart16550_receive(&u, 'z'));
	wr(&u, UART16550_IIR, 0xC3);
	CHECK_EQ(rd(&u, UART16550_LSR) & 1, 0);
	/* Disabling the FIFO clears it too. */
	CHECK(uart16550_receive(&u, 'z'));
	wr(&u, UART16550_IIR, 0x00);
	CHECK_EQ(rd(&u, UART16550_LSR) & 1, 0);
	CHECK_EQ(rd(&u, UART16550_IIR) & 0xC0, 0);
}

static void test_interrupts(void)
{
	struct uart16550 u;
	struct sink s;

	setup(&u, &s);
	wr(&u, UART16550_MCR, UART16550_MCR_OUT2);
	wr(&u, UART16550_IIR, 0xC1);   /* FIFO, trigger 14 */

	/* Received data below the trigger level: character timeout, at once. */
	wr(&u, UART16550_IER, UART16550_IER_RDI);
	CHECK(!s.level);
	uart16550_receive(&u, 'q');
	CHECK(s.level);
	CHECK_EQ(rd(&u, UART16550_IIR), 0xC0 | UART16550_IIR_CTI);
	CHECK_EQ(rd(&u, 0), 'q');
	CHECK(!s.level);
	CHECK_EQ(rd(&u, UART16550_IIR), 0xC1);

	/* Trigger level 4 (FCR 0x41): data-available once 4 bytes are in. */
	wr(&u, UART16550_IIR, 0x41);
	for (unsigned i = 0; i < 4; i++)
		uart16550_receive(&u, 'x');
	CHECK_EQ(rd(&u, UART16550_IIR) & 0x0F, UART16550_IIR_RDI);
	rd(&u, 0);
	CHECK_EQ(rd(&u, UART16550_IIR) & 0x0F, UART16550_IIR_CTI);
	for (unsigned i = 0; i < 3; i++)
		rd(&u, 0);

	/* THRE: enabling ETBEI with THR empty raises it; reading IIR takes it; transmitting raises it again. */
	wr(&u, UART16550_IER, UART16550_IER_THRI);
	CHECK(s.level);
	CHECK_EQ(rd(&u, UART16550_IIR) & 0x0F, UART16550_IIR_THRI);
	CHECK(!s.level);
	CHECK_EQ(rd(&u, UART16550_IIR) & 0x0F, UART16550_IIR_NO_INT);
	wr(&u, 0, '!');
	CHECK(s.level);
	/* Linux's THRE re-assert probe: IER=THRI, IIR, IER=0, IER=THRI, IIR must show THRI again. */
	rd(&u, UART16550_IIR);
	wr(&u, UART16550_IER, 0);
	wr(&u, UART16550_IER, UART16550_IER_THRI);
	CHECK_EQ(rd(&u, UART16550_IIR) & 0x0F, UART16550_IIR_THRI);
	/* Writing THR clears a pending THRE before raising it again: still one level-high line, no extra edge. */
	wr(&u, UART16550_IER, UART16550_IER_THRI);
	unsigned edges = s.edges;
	wr(&u, 0, 'a');
	CHECK_EQ(s.edges, edges);

	/* Priority: line status > received data > THR empty > modem status. */
	wr(&u, UART16550_IER, 0x0F);
	wr(&u, UART16550_MCR, UART16550_MCR_OUT2 | UART16550_MCR_LOOP);   /* MSR deltas and loopback */
	for (unsigned i = 0; i < 17; i++)
		wr(&u, 0, 'o');   /* the 17th overruns */
	CHECK_EQ(rd(&u, UART16550_IIR) & 0x0F, UART16550_IIR_RLSI);
	CHECK_EQ(rd(&u, UART16550_LSR) & 0x03, 0x03);
	CHECK_EQ(rd(&u, UART16550_LSR) & 0x02, 0);   /* LSR read cleared OE */
	CHECK_EQ(rd(&u, UART16550_IIR) & 0x0F, UART16550_IIR_RDI);
	wr(&u, UART16550_IIR, 0xC3);   /* drop the data */
	CHECK_EQ(rd(&u, UART16550_IIR) & 0x0F, UART16550_IIR_THRI);
	CHECK_EQ(rd(&u, UART16550_IIR) & 0x0F, UART16550_IIR_MSI);
	rd(&u, UART16550_MSR);
	CHECK_EQ(rd(&u, UART16550_IIR) & 0x0F, UART16550_IIR_NO_INT);
}

static void test_out2_gates_irq(void)
{
	struct uart16550 u;
	struct sink s;

	setup(&u, &s);
	wr(&u, UART16550_IER, UART16550_IER_RDI);
	uart16550_receive(&u, 'k');
	CHECK(!s.level);   /* OUT2 off: the PC's IRQ line stays low */
	CHECK_EQ(rd(&u, UART16550_IIR) & 0x0F, UART16550_IIR_RDI);
	wr(&u, UART16550_MCR, UART16550_MCR_OUT2);
	CHECK(s.level);
	wr(&u, UART16550_MCR, 0);
	CHECK(!s.level);
}

static void test_loopback(void)
{
	struct uart16550 u;
	struct sink s;

	setup(&u, &s);
	/* Linux's probe: MCR = LOOP | RTS | OUT2 gives MSR 0x90 (CTS, DCD). */
	wr(&u, UART16550_MCR, UART16550_MCR_LOOP | 0x0A);
	CHECK_EQ(rd(&u, UART16550_MSR) & 0xF0, 0x90);
	wr(&u, UART16550_MCR, UART16550_MCR_LOOP | 0x05);   /* DTR, OUT1 -> DSR, RI */
	CHECK_EQ(rd(&u, UART16550_MSR), 0x60 | 0x0B);      /* DCTS, DDSR, DDCD changed */
	wr(&u, UART16550_MCR, UART16550_MCR_LOOP);
	CHECK_EQ(rd(&u, UART16550_MSR), 0x06);              /* DDSR and TERI (RI went off) */

	/* Transmitted bytes come back instead of leaving; outside input is refused meanwhile. */
	wr(&u, 0, 0x42);
	CHECK_EQ(s.ntx, 0);
	CHECK(!uart16550_rx_space(&u));
	CHECK(!uart16550_receive(&u, 1));
	CHECK_EQ(rd(&u, 0), 0x42);
	wr(&u, UART16550_MCR, 0);
	CHECK(uart16550_rx_space(&u));
}

static void test_hostile(void)
{
	struct uart16550 u;
	struct sink s;

	setup(&u, &s);
	CHECK_EQ(uart16550_read(&u, 8, 1), 0xFF);
	CHECK_EQ(uart16550_read(&u, 0xFFFFFFFFu, 4), 0xFFFFFFFFu);
	CHECK_EQ(uart16550_read(&u, 6, 4), 0xFFFF0000u | (0x00u << 8) | 0xB0);   /* MSR, SCR, then nothing */
	uart16550_write(&u, 0xFFFFFFFFu, 8, ~0ull);
	uart16550_write(&u, 100, 2, 0x1234);
	CHECK_EQ(s.ntx, 0);
	/* A 2-byte write at 6: MSR ignored, SCR set. */
	uart16550_write(&u, 6, 2, 0x7700);
	CHECK_EQ(rd(&u, UART16550_SCR), 0x77);
	CHECK_EQ(uart16550_read(&u, 0, 0), 0);
	CHECK_EQ(uart16550_read(&u, 7, 100), 0xFFFFFFFFFFFFFF77ull);
}

int main(void)
{
	test_reset_and_registers();
	test_transmit();
	test_fifo();
	test_interrupts();
	test_out2_gates_irq();
	test_loopback();
	test_hostile();
	return check_summary();
}
