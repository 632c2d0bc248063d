/* SPDX-License-Identifier: MIT */
/*
 * Probes the PCIe host bridge its device tree describes, as a kernel would: finds ECAM,
 * scans bus 0, prints each function's IDs, class and header, the host bridge's command
 * register after a write, and what an absent function reads (byte, halfword, word).
 * Run as a raw binary (tagvisor run --kernel pci.bin, or --bare --kernel pci.bin): the
 * output is the same under tagvisor and on bare QEMU.
 */
#include "guest.h"

#include <lib/fdt.h>

static volatile uint32_t *cfg32(uint64_t ecam, unsigned dev, unsigned reg)
{
	return (volatile uint32_t *)(ecam + ((uint64_t)dev << 15) + reg);
}

void guest_main(void)
{
	struct fdt fdt;
	int node;
	uint32_t len;
	const void *reg;
	uint64_t ecam;
	unsigned found = 0;

	if (fdt_init(&fdt, (const void *)boot_x0, 2u << 20) ||
	    (node = fdt_find_node(&fdt, "/pcie")) < 0 ||
	    !(reg = fdt_get_prop(&fdt, node, "reg", &len)) || len < 16) {
		printf("pci: no PCIe host bridge in the device tree\n");
		return;
	}
	ecam = fdt_read_cells(reg, 2);
	printf("pci: ECAM at 0x%lx, 0x%lx bytes\n", ecam,
	       fdt_read_cells((const uint8_t *)reg + 8, 2));
	for (unsigned dev = 0; dev < 32; dev++) {
		uint32_t id = *cfg32(ecam, dev, 0);

		if (id == 0xffffffffu) {
			continue;
		}
		found++;
		printf("pci: 00:%02x.0 %04x:%04x class %06x header type %u subsystem %08x\n", dev,
		       id & 0xffff, id >> 16, *cfg32(ecam, dev, 8) >> 8,
		       (*cfg32(ecam, dev, 0xc) >> 16) & 0x7f, *cfg32(ecam, dev, 0x2c));
		printf("pci:   BAR0 0x%x, capabilities 0x%x, interrupt pin %u\n",
		       *cfg32(ecam, dev, 0x10), *cfg32(ecam, dev, 0x34) & 0xff,
		       (*cfg32(ecam, dev, 0x3c) >> 8) & 0xff);
	}
	printf("pci: %u function(s) on bus 0\n", found);
	*(volatile uint16_t *)cfg32(ecam, 0, 4) = 0x6; /* memory space, bus master */
	printf("pci: host bridge command after writing 0x6: 0x%x (status and command 0x%x)\n",
	       *(volatile uint16_t *)cfg32(ecam, 0, 4), *cfg32(ecam, 0, 4));
	*(volatile uint16_t *)cfg32(ecam, 0, 4) = 0;
	printf("pci: an absent function reads 0x%x, 0x%x, 0x%x\n",
	       *(volatile uint8_t *)cfg32(ecam, 31, 0), *(volatile uint16_t *)cfg32(ecam, 31, 0),
	       *cfg32(ecam, 31, 0));
	printf("pci: bus 1 reads 0x%x\n", *(volatile uint32_t *)(ecam + (1u << 20)));
	printf("pci: done\n");
}
