/* PCI: the devices found at boot (configuration space through ports 0xCF8/0xCFC), their BARs, the
 * capability list, and message-signalled interrupts (MSI, MSI-X) aimed at the boot CPU's local APIC. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/cpu/irq.h"

#define PCI_MAX_DEVICES 64

#define PCI_CAP_MSI 0x05
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_MSIX 0x11

struct pci_bar {
	uint64_t base; /* bus address (memory) or port (I/O); 0 when the BAR is absent or unassigned */
	uint64_t size;
	bool io;
	bool is64;
	bool prefetchable;
};

struct pci_device {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t irq_pin; /* 1-4 for INTA-INTD, 0 for none */
	struct pci_bar bar[6];
	uint8_t msi_cap, msix_cap; /* capability offsets, 0 when absent */
	volatile uint32_t *msix_table;
	unsigned msix_entries;
};

/* Walks bus 0 and the buses behind its bridges; logs one line per device. Call once, with the heap. */
void pci_init(void);
/* The index-th device found (0 up) with vendor and device ids, or NULL. */
struct pci_device *pci_find(uint16_t vendor, uint16_t device, unsigned index);

uint32_t pci_read32(const struct pci_device *d, uint8_t offset);
uint16_t pci_read16(const struct pci_device *d, uint8_t offset);
uint8_t pci_read8(const struct pci_device *d, uint8_t offset);
void pci_write32(const struct pci_device *d, uint8_t offset, uint32_t v);
void pci_write16(const struct pci_device *d, uint8_t offset, uint16_t v);

/* Turns on memory and I/O decoding and bus mastering (the device may DMA from now on). */
void pci_enable(const struct pci_device *d);
/* The capability list: offset of the first capability with id at or after offset start (0: from the list
 * head), or 0. Walks at most 48 entries, so a looping list ends. */
uint8_t pci_find_capability(const struct pci_device *d, uint8_t id, uint8_t start);
/* An uncached mapping of [offset, offset + len) of memory BAR n; NULL when the BAR is I/O, absent, too
 * small for the range, or cannot be mapped. */
volatile void *pci_map_bar(const struct pci_device *d, unsigned n, uint64_t offset, uint64_t len);

/* MSI-X: maps the table, masks every entry and enables MSI-X (legacy INTx off). 0, or -ENODEV / -ENOMEM. */
int pci_msix_enable(struct pci_device *d);
/* Points table entry at a fresh vector that runs fn and unmasks it. Returns the vector, or 0. */
uint8_t pci_msix_route(struct pci_device *d, unsigned entry, irq_handler_fn fn, void *ctx);
/* MSI with one message: a fresh vector that runs fn; INTx off. Returns the vector, or 0 when the device
 * offers no MSI or no vector is left. */
uint8_t pci_msi_enable(struct pci_device *d, irq_handler_fn fn, void *ctx);
/* INTx through the IOAPIC. Without the ACPI interpreter's _PRT the line's GSI is found by asking:
 * raise(ctx) makes the device assert its interrupt, lower(ctx) clears it again, and the PCI inputs of the
 * IOAPIC (GSI 16 up) not yet in use are tried one at a time. On success fn is installed on that GSI (level, active low,
 * unmasked) and the GSI is returned; -ENODEV when no free input saw the device (a line shared with a device
 * routed earlier is not found: the driver then polls). Interrupts must be on. */
int pci_intx_route(struct pci_device *d, void (*raise)(void *ctx), void (*lower)(void *ctx), irq_handler_fn fn,
		   void *ctx);

#endif
