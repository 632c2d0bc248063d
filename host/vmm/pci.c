/* SPDX-License-Identifier: MIT */
/*
 * The guest's PCIe host bridge, as QEMU's virt machine has it: configuration space by
 * ECAM at 0x40_1000_0000 (256 buses of 1 MiB), windows for I/O and 32-bit memory, and
 * no device yet but the host bridge itself at 00:00.0 (QEMU's gpex host bridge,
 * 1b36:0008, class 06 00 00), so that guests probe the bus as on virt. Any other
 * function reads as absent (all ones); writes to it go nowhere. Guest virtio-pci
 * devices will go here.
 */
#include <host/pci.h>
#include <host/vmm.h>

#define CFG_VENDOR_DEVICE  0x00
#define CFG_COMMAND_STATUS 0x04
#define CFG_CLASS_REVISION 0x08
#define CFG_SUBSYSTEM	   0x2c

#define HOST_BRIDGE_ID	      0x00081b36u /* Red Hat, QEMU's PCIe host bridge */
#define HOST_BRIDGE_CLASS     0x06000000u /* bridge, host, rev 0 */
#define HOST_BRIDGE_SUBSYSTEM 0x11001af4u /* as QEMU gives it */
#define COMMAND_WRITABLE      0x0547u	  /* I/O, memory, master, parity, SERR, INTx off */

/* The host bridge's 32-bit configuration register at `reg` (4-byte aligned). */
static uint32_t host_bridge_read(const struct pci_bus *bus, unsigned reg)
{
	switch (reg) {
	case CFG_VENDOR_DEVICE:
		return HOST_BRIDGE_ID;
	case CFG_COMMAND_STATUS:
		return bus->command;
	case CFG_CLASS_REVISION:
		return HOST_BRIDGE_CLASS;
	case CFG_SUBSYSTEM:
		return HOST_BRIDGE_SUBSYSTEM;
	default:
		return 0;
	}
}

int pci_ecam_access(struct pci_bus *bus, uint64_t ipa, unsigned size, bool write, uint64_t *data)
{
	uint64_t off = ipa - PCI_ECAM_BASE;
	unsigned reg = (unsigned)(off & 0xfff), shift = (reg & 3) * 8;
	bool host_bridge = (off >> 12) == 0; /* bus 0, device 0, function 0 */
	uint32_t word;

	if (!bus->present || ipa < PCI_ECAM_BASE || off >= PCI_ECAM_SIZE || size > 4 ||
	    (reg & (size - 1))) {
		return -1; /* no such device register, or an access ECAM does not have */
	}
	if (!host_bridge) {
		if (!write) {
			*data = size == 4 ? 0xffffffffu : (1ull << (8 * size)) - 1;
		}
		return 0;
	}
	if (write) {
		if ((reg & ~3u) == CFG_COMMAND_STATUS && shift < 16) {
			uint32_t v = (uint32_t)(*data << shift) & COMMAND_WRITABLE;
			uint32_t keep = size >= 2 ? 0 : ~(0xffu << shift) & COMMAND_WRITABLE;

			bus->command = (uint16_t)((bus->command & keep) | v);
		}
		return 0;
	}
	word = host_bridge_read(bus, reg & ~3u);
	*data = size == 4 ? word : (word >> shift) & ((1u << (8 * size)) - 1);
	return 0;
}
