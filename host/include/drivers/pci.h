/* SPDX-License-Identifier: MIT */
/*
 * PCI Express through the host bridge's ECAM (QEMU virt's pci-host-ecam-generic,
 * found in the device tree). The host has no firmware that set the bus up, so it
 * assigns BARs itself from the bridge's 32-bit memory window. Bus 0 only: the
 * machine has no bridges, and the SMMU's stream table covers bus 0 alone.
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_BARS 6

struct pci_dev {
	uint8_t dev, fn;
	uint16_t vendor, device;
	volatile uint8_t *cfg;          /* its 4 KiB of configuration space */
	uint64_t bar[PCI_MAX_BARS];     /* assigned addresses (0: none) */
	uint64_t bar_size[PCI_MAX_BARS];
	unsigned irq;                   /* GIC INTID of its INTx line, 0 if none */
};

/* Finds the host bridge in the device tree. 0, or -1 if the machine has none. */
int pci_init(uint64_t dtb);

/*
 * Finds the n-th function with this vendor and device ID on bus 0, assigns its
 * memory BARs and enables memory decoding and bus mastering. 0, or -1 if there is
 * no such function or its BARs do not fit the window.
 */
int pci_find(uint16_t vendor, uint16_t device, unsigned nth, struct pci_dev *d);

/* The requester ID (stream ID at the SMMU) of a function: bus 0, device, function. */
static inline uint32_t pci_rid(const struct pci_dev *d)
{
	return (uint32_t)d->dev << 3 | d->fn;
}

uint8_t pci_cfg_read8(const struct pci_dev *d, unsigned off);
uint16_t pci_cfg_read16(const struct pci_dev *d, unsigned off);
uint32_t pci_cfg_read32(const struct pci_dev *d, unsigned off);
void pci_cfg_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_cfg_write32(const struct pci_dev *d, unsigned off, uint32_t v);

/* Offset of the first capability with this ID at or after `from` (0: the first), or 0. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned from);

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)

#endif
