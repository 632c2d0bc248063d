/* SPDX-License-Identifier: MIT */
/*
 * Which devices the host's stage 2 maps, and why each is safe to give it:
 *  - the GICv3 distributor and the SGI_base frame of each redistributor: its own
 *    interrupts. The machine has no ITS (its=off), but QEMU's GIC still implements
 *    LPIs, whose property and pending tables a redistributor reads and writes at the
 *    addresses in GICR_PROPBASER/PENDBASER: the RD_base frames that hold those are
 *    not mapped, and EL2 emulates them for the host with LPIs off (host_gicr.c).
 *  - the PL011 behind the guests' console (alias serial0): no DMA.
 *  - the PCIe host bridge (ECAM and its memory windows): every device on it sits
 *    behind the SMMUv3, which the hypervisor owns and programs with the host's own
 *    stage 2, so their DMA reaches only pages the host owns.
 * The hypervisor's console (serial1) and the SMMU's registers are the hypervisor's.
 */
#include <arch/platform.h>
#include <hyp/log.h>
#include <hyp/pgtable.h>
#include <lib/fdt.h>
#include <lib/string.h>

struct platform platform;

static struct fdt fdt;

/* The n-th (address, size) pair of a node's "reg" (2 + 2 cells, as on virt). */
static bool reg_of(int node, unsigned n, uint64_t *base, uint64_t *size)
{
	uint32_t len;
	const uint8_t *reg = node < 0 ? NULL : fdt_get_prop(&fdt, node, "reg", &len);

	if (!reg || len < (n + 1) * 16) {
		return false;
	}
	*base = fdt_read_cells(reg + n * 16, 2);
	*size = fdt_read_cells(reg + n * 16 + 8, 2);
	return true;
}

/* Returns whether the range is now mapped for the host. */
static bool add_host_device(uint64_t base, uint64_t size, const char *what)
{
	uint64_t end = base + size;

	/* Page granular, and inside what the host's stage 2 translates. */
	base &= PAGE_MASK;
	end = (end + PAGE_SIZE - 1) & PAGE_MASK;
	if (!size || end <= base || end > (1ull << PGT_IA_BITS)) {
		return false;
	}
	if (platform.nr_host_devices == PLATFORM_MAX_HOST_DEVICES) {
		hyp_panic("too many host devices");
	}
	platform.host_devices[platform.nr_host_devices++] =
		(struct mmio_range){ base, end - base, what };
	return true;
}

/* The PCIe memory windows of a pci-host-ecam-generic node ("ranges": 3+2+2 cells). */
static void add_pci_windows(int node)
{
	uint32_t len;
	const uint8_t *r = fdt_get_prop(&fdt, node, "ranges", &len);

	for (uint32_t off = 0; r && off + 28 <= len; off += 28) {
		uint32_t space = (fdt_be32(r + off) >> 24) & 3; /* 1 I/O, 2 32-bit, 3 64-bit memory */
		uint64_t cpu = fdt_read_cells(r + off + 12, 2), size = fdt_read_cells(r + off + 20, 2);

		if (space >= 2 && add_host_device(cpu, size, "PCIe memory window") && space == 2 &&
		    !platform.pcie.mem_size) {
			platform.pcie.mem_cpu = cpu;
			platform.pcie.mem_pci = fdt_read_cells(r + off + 4, 2);
			platform.pcie.mem_size = size;
		}
	}
}

/* The ECAM and its bus range ("bus-range", else as many buses as the ECAM holds). */
static void add_pci_ecam(int node)
{
	uint64_t base, size;
	uint32_t len;
	const uint8_t *bus = fdt_get_prop(&fdt, node, "bus-range", &len);

	if (!reg_of(node, 0, &base, &size) || !add_host_device(base, size, "PCIe ECAM")) {
		return;
	}
	platform.pcie.ecam_base = base;
	platform.pcie.ecam_size = size;
	platform.pcie.bus_first = bus && len == 8 ? fdt_be32(bus) : 0;
	platform.pcie.bus_last = bus && len == 8 ? fdt_be32(bus + 4) : (uint32_t)((size >> 20) - 1);
}

/*
 * The CPUs of the machine: the nodes under /cpus named cpu@N, in order, and the
 * affinity (MPIDR_EL1 bits) each has in its "reg", which PSCI CPU_ON names it by.
 */
static void find_cpus(void)
{
	char path[32] = "/cpus/cpu@0";
	int cpus = fdt_find_node(&fdt, "/cpus");
	uint32_t len = 0;
	const void *p = cpus < 0 ? NULL : fdt_get_prop(&fdt, cpus, "#address-cells", &len);
	unsigned cells = p && len == 4 ? (unsigned)fdt_read_cells(p, 1) : 1;
	unsigned n = 0;

	if (cells < 1 || cells > 2) {
		hyp_panic("/cpus has %u address cells", cells);
	}
	for (int node; n < PLATFORM_MAX_CPUS && (node = fdt_find_node(&fdt, path)) >= 0;) {
		const uint8_t *reg = fdt_get_prop(&fdt, node, "reg", &len);

		if (!reg || len < cells * 4) {
			hyp_panic("%s has no reg", path);
		}
		platform.cpu_mpidr[n++] = fdt_read_cells(reg, cells) & MPIDR_AFF_MASK;
		path[10] = (char)('0' + n);
	}
	if (!n) {
		hyp_panic("the device tree lists no CPU");
	}
	platform.nr_cpus = n;
}

int platform_cpu_index(uint64_t mpidr)
{
	for (unsigned i = 0; i < platform.nr_cpus; i++) {
		if (platform.cpu_mpidr[i] == (mpidr & MPIDR_AFF_MASK)) {
			return (int)i;
		}
	}
	return -1;
}

void platform_init(const void *dtb, uint64_t max_size)
{
	uint64_t base, size;
	uint32_t len;
	int node;

	if (fdt_init(&fdt, dtb, max_size)) {
		hyp_panic("no valid device tree at 0x%lx", (uint64_t)dtb);
	}
	if (reg_of(fdt_find_alias(&fdt, "serial1"), 0, &base, &size)) {
		platform.log_uart = base;
	}
	node = fdt_next_compatible(&fdt, -1, "arm,smmu-v3");
	if (reg_of(node, 0, &base, &size)) {
		platform.smmu_base = base;
		platform.smmu_size = size;
	}
	node = fdt_next_compatible(&fdt, -1, "arm,gic-v3");
	if (!reg_of(node, 0, &base, &size)) {
		hyp_panic("the device tree has no GICv3");
	}
	add_host_device(base, size, "GIC distributor");
	if (!reg_of(node, 1, &base, &size)) {
		hyp_panic("the device tree has no GICv3 redistributors");
	}
	platform.gicr_base = base;
	find_cpus();
	for (unsigned i = 0; i < platform.nr_cpus && (i + 1) * GICR_FRAME_SIZE <= size; i++) {
		add_host_device(base + i * GICR_FRAME_SIZE + GICR_RD_SIZE, GICR_RD_SIZE,
				"GIC redistributor SGI_base");
	}
	if (fdt_next_compatible(&fdt, -1, "arm,gic-v3-its") >= 0) {
		/* Its tables are DMA the host would program: refuse to give it such a GIC. */
		hyp_panic("the machine has a GIC ITS: run it with its=off");
	}
	node = fdt_find_alias(&fdt, "serial0");
	if (reg_of(node, 0, &base, &size) && add_host_device(base, size, "PL011 (guest console)")) {
		const uint8_t *irq = fdt_get_prop(&fdt, node, "interrupts", &len);

		platform.uart_base = base;
		platform.uart_size = size;
		platform.uart_spi = irq && len == 12 ? fdt_be32(irq + 4) : 1;
	}
	node = fdt_next_compatible(&fdt, -1, "pci-host-ecam-generic");
	if (node >= 0 && platform.smmu_base) {
		add_pci_ecam(node);
		add_pci_windows(node);
	}
}
