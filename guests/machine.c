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
	printf("machine: done\n");
}
