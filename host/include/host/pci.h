/* SPDX-License-Identifier: MIT */
/* The guest's PCIe host bridge, ECAM at QEMU virt's addresses (host/vmm/pci.c). */
#ifndef HOST_PCI_H
#define HOST_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_ECAM_BASE 0x4010000000ull /* QEMU virt's high ECAM */
#define PCI_ECAM_SIZE 0x10000000ull   /* buses 0..255 */

struct pci_bus {
	bool present;
	uint16_t command; /* the host bridge's command register */
};

/*
 * A guest access to configuration space (ECAM). Returns 0 (reads set *data), or -1 if
 * ipa is not ECAM's or the access is not one ECAM has (wider than 4 bytes, unaligned).
 */
int pci_ecam_access(struct pci_bus *bus, uint64_t ipa, unsigned size, bool write, uint64_t *data);

#endif
