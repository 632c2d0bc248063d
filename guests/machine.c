/* SPDX-License-Identifier: MIT */
/*
 * What a guest's machine looks like from its device tree, read where the loader says
 * (x0): the nodes and properties a KVM guest on QEMU's virt machine relies on. Run as a
 * raw binary (tagvisor run --kernel machine.bin, or --bare machine.bin) so that it gets
 * a device tree; its output must be the same under tagvisor and on bare QEMU.
 */
#include "guest.h"

#include <lib/fdt.h>
#include <lib/string.h>

static struct fdt fdt;

/* Prints a property as cells, or says it is missing. */
static void print_cells(const char *path, const char *prop)
{
	int node = fdt_find_node(&fdt, path);
	uint32_t len;
	const uint8_t *v = node < 0 ? NULL : fdt_get_prop(&fdt, node, prop, &len);

	printf("%s %s:", path, prop);
	if (!v) {
		printf(" (none)\n");
		return;
	}
	for (uint32_t i = 0; i + 4 <= len; i += 4) {
		printf(" 0x%x", fdt_be32(v + i));
	}
	printf("\n");
}

/* Prints a string-list property (NUL-separated), or says it is missing. */
static void print_strings(const char *path, const char *prop)
{
	int node = fdt_find_node(&fdt, path);
	uint32_t len;
	const char *v = node < 0 ? NULL : fdt_get_prop(&fdt, node, prop, &len);

	printf("%s %s:", path, prop);
	if (!v) {
		printf(" (none)\n");
		return;
	}
	for (uint32_t i = 0; i < len; i += (uint32_t)strlen(v + i) + 1) {
		printf(" \"%s\"", v + i);
	}
	printf("\n");
}

/* The GIC node's phandle (the interrupt controller in /). */
static uint32_t gic_phandle(void)
{
	int node = fdt_find_node(&fdt, "/");
	uint32_t len;
	const uint8_t *v = node < 0 ? NULL : fdt_get_prop(&fdt, node, "interrupt-parent", &len);

	return v ? fdt_be32(v) : 0;
}

/*
 * The PCIe windows a guest can use: I/O and 32-bit memory, and the 64-bit ones inside a
 * 39-bit IPA space (QEMU's lies at 2^39, which a guest of tagvisor cannot address).
 */
static void print_pcie_windows(void)
{
	int node = fdt_find_node(&fdt, "/pcie");
	uint32_t len;
	const uint8_t *v = node < 0 ? NULL : fdt_get_prop(&fdt, node, "ranges", &len);

	for (uint32_t i = 0; v && i + 28 <= len; i += 28) {
		uint32_t space = fdt_be32(v + i) >> 24 & 3;
		uint64_t cpu = fdt_read_cells(v + i + 12, 2), size = fdt_read_cells(v + i + 20, 2);

		if (space == 3 && cpu + size > 1ull << 39) {
			continue;
		}
		printf("/pcie window: %s at 0x%lx, 0x%lx bytes\n",
		       space == 1   ? "I/O"
		       : space == 2 ? "32-bit memory"
				    : "64-bit memory",
		       cpu, size);
	}
}

/* Each INTx: its slot and pin, whether it goes to the GIC, and as which interrupt. */
static void print_pcie_interrupts(void)
{
	int node = fdt_find_node(&fdt, "/pcie");
	uint32_t len, gic = gic_phandle();
	const uint8_t *v = node < 0 ? NULL : fdt_get_prop(&fdt, node, "interrupt-map", &len);

	for (uint32_t i = 0; v && i + 40 <= len; i += 40) {
		printf("/pcie INTx: slot %u pin %u -> %s SPI %u flags 0x%x\n",
		       fdt_be32(v + i) >> 11, fdt_be32(v + i + 12),
		       fdt_be32(v + i + 16) == gic ? "GIC" : "elsewhere", fdt_be32(v + i + 32),
		       fdt_be32(v + i + 36));
	}
}

void guest_main(void)
{
	uint64_t dtb = boot_x0;

	if (dtb % 8 || dtb < RAM_BASE || fdt_init(&fdt, (const void *)dtb, 2u << 20)) {
		printf("machine: x0 0x%lx is not a device tree\n", dtb);
		return;
	}
	printf("machine: x0 is a device tree in RAM\n");
	print_strings("/chosen", "bootargs");
	print_strings("/psci", "compatible");
	print_strings("/psci", "method");
	print_strings("/timer", "compatible");
	print_cells("/timer", "interrupts");
	print_strings("/pmu", "compatible");
	print_cells("/pmu", "interrupts");
	print_strings("/pcie", "compatible");
	print_strings("/pcie", "device_type");
	print_cells("/pcie", "reg");
	print_cells("/pcie", "bus-range");
	print_pcie_windows();
	print_cells("/pcie", "interrupt-map-mask");
	print_pcie_interrupts();
	printf("machine: done\n");
}
