/* The 8254 programmable interval timer (ports 0x40-0x43, channel 0 on IRQ 0) and the bits of port 0x61 that
 * belong to it (channel 2's gate and output, the speaker enable, the refresh toggle). Counters run at
 * 1.193182 MHz computed from now_ns; modes 0-5 are modelled, BCD counting is not (it counts in binary). */
#ifndef KEEL_HV_DEV_PIT8254_H
#define KEEL_HV_DEV_PIT8254_H

#include <stdbool.h>
#include <stdint.h>

#include "dev.h"

#define PIT8254_PORT     0x40   /* counters 0-2 at +0..+2, control word at +3 */
#define PIT8254_PORTS    4
#define PIT8254_PORT61   0x61
#define PIT8254_IRQ      0
#define PIT8254_HZ       1193182u

#define PIT8254_PORT61_GATE2   0x01
#define PIT8254_PORT61_SPEAKER 0x02
#define PIT8254_PORT61_REFRESH 0x10   /* toggles every 15.085 us */
#define PIT8254_PORT61_OUT2    0x20

struct pit8254_channel {
	uint16_t reload;        /* the count register; 0 counts as 65536 */
	uint8_t mode;           /* 0-5 */
	uint8_t rw;             /* access: 1 = LSB, 2 = MSB, 3 = LSB then MSB */
	bool armed;             /* a count has been loaded since the last control word */
	bool running;           /* the counting element moves (gate and mode allow it) */
	bool triggered;         /* modes 1 and 5: a gate rising edge started the count */
	bool gate;
	bool null_count;
	bool write_msb_next, read_msb_next;
	uint8_t write_lsb;
	bool count_latched, status_latched;
	uint16_t latched_count;
	uint8_t latched_status;
	uint64_t start_ns;      /* when the current run began */
	uint64_t base_ticks;    /* ticks counted before start_ns (runs paused by the gate) */
	uint64_t next_edge;     /* tick count of the next rising OUT edge to signal; UINT64_MAX = none */
};

struct pit8254 {
	struct pit8254_channel ch[3];
	struct dev_irq_line irq0;   /* pulsed on each rising edge of channel 0's OUT */
	uint8_t port61;             /* the writable bits 0-3 */
};

/* Resets the PIT: no channel armed (mode 0, LSB-then-MSB access), gates of channels 0 and 1 tied high, channel
 * 2's gate low (port 0x61 = 0). */
void pit8254_init(struct pit8254 *pit, struct dev_irq_line irq0);

/* A guest access at 0x40 + offset, byte by byte (offset 3, the control word, reads 0xFF; beyond it, 0xFF). */
uint64_t pit8254_read(struct pit8254 *pit, uint64_t now_ns, unsigned offset, unsigned size);
void pit8254_write(struct pit8254 *pit, uint64_t now_ns, unsigned offset, unsigned size, uint64_t value);

/* Port 0x61: reads the gate, speaker and parity-check enables (bits 0-3), the refresh toggle (bit 4) and
 * channel 2's OUT (bit 5); writes bits 0-3, a change of bit 0 being a gate edge for channel 2. */
uint8_t pit8254_read_port61(struct pit8254 *pit, uint64_t now_ns);
void pit8254_write_port61(struct pit8254 *pit, uint64_t now_ns, uint8_t value);

/* When channel 0's OUT next rises (the IRQ 0 edge), UINT64_MAX when it will not. */
uint64_t pit8254_next_deadline(const struct pit8254 *pit);

/* Pulses IRQ 0 once if channel 0's edge is due at now_ns (edges missed in between are coalesced) and schedules
 * the next one. */
void pit8254_advance(struct pit8254 *pit, uint64_t now_ns);

#endif
