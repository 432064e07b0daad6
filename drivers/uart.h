/* The host's 16550 serial port (COM1): the console. Output is polled; input arrives by interrupt into a
 * ring that the shell reads. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stddef.h>
#include <stdint.h>

/* Programs COM1 for 115200 8N1 with FIFOs; call once, first thing at boot. */
void uart_init(void);
/* Writes n bytes, turning "\n" into "\r\n". Safe from any CPU and thread, never from an interrupt handler. */
void uart_write(const char *s, size_t n);
/* The same without taking the port's lock: only for the panic report. */
void uart_write_unlocked(const char *s, size_t n);
/* Routes the receive interrupt through the IOAPIC; call after interrupts and threads exist. */
void uart_enable_rx(void);
/* Blocks the calling thread until a byte arrives. */
uint8_t uart_read_byte(void);

#endif
