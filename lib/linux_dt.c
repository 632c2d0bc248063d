/* SPDX-License-Identifier: MIT */
#include <lib/fdt_write.h>
#include <lib/linux_dt.h>
#include <lib/string.h>

/* Interrupt specifiers of the GIC binding: type, number, flags. */
#define GIC_SPI		    0u
#define GIC_PPI		    1u
#define IRQ_TYPE_LEVEL_HIGH 4u
/* The architected timer's PPIs: secure physical, non-secure physical, virtual, hypervisor. */
#define PPI_TIMER_SEC  13u
#define PPI_TIMER_PHYS 14u
#define PPI_TIMER_VIRT 11u
#define PPI_TIMER_HYP  10u
#define PPI_PMU	       7u /* INTID 23 */

/* "prefix@hex" into out (at least FDTW_MAX_NODE_NAME + 1 bytes), as node names write it. */
static void unit_name(char *out, const char *prefix, uint64_t addr)
{
	size_t n = strlen(prefix);
	int shift = 60;

	memcpy(out, prefix, n);
	out[n++] = '@';
	while (shift > 0 && !((addr >> shift) & 0xf)) {
		shift -= 4;
	}
	for (; shift >= 0; shift -= 4) {
		out[n++] = "0123456789abcdef"[(addr >> shift) & 0xf];
	}
	out[n] = '\0';
}

/* A (base, size) pair in the root's 2 + 2 cells. */
static void put_range(uint32_t *cells, uint64_t base, uint64_t size)
{
	cells[0] = (uint32_t)(base >> 32);
	cells[1] = (uint32_t)base;
	cells[2] = (uint32_t)(size >> 32);
	cells[3] = (uint32_t)size;
}

void linux_dt_config_virt(struct linux_dt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_vcpus = 1;
	cfg->gicd_base = LINUX_DT_GICD_BASE;
	cfg->gicd_size = LINUX_DT_GICD_SIZE;
	cfg->gicr_base = LINUX_DT_GICR_BASE;
	cfg->gicr_stride = LINUX_DT_GICR_STRIDE;
	cfg->uart_base = LINUX_DT_UART_BASE;
	cfg->uart_size = LINUX_DT_UART_SIZE;
	cfg->uart_spi = LINUX_DT_UART_SPI;
	cfg->uart_clock_hz = LINUX_DT_UART_CLOCK_HZ;
}

void linux_dt_pcie_virt(struct linux_dt_pcie *p)
{
	*p = (struct linux_dt_pcie){
		.ecam_base = LINUX_DT_PCIE_ECAM,
		.ecam_size = LINUX_DT_PCIE_ECAM_SIZE,
		.bus_first = 0,
		.bus_last = 0xff,
		.mem_cpu = LINUX_DT_PCIE_MMIO,
		.mem_pci = LINUX_DT_PCIE_MMIO,
		.mem_size = LINUX_DT_PCIE_MMIO_SIZE,
		.intx_spi = LINUX_DT_PCIE_SPI,
		.pio_cpu = LINUX_DT_PCIE_PIO,
		.pio_size = LINUX_DT_PCIE_PIO_SIZE,
	};
}

static bool range_ok(uint64_t base, uint64_t size)
{
	return size && base + size > base;
}

static bool pcie_ok(const struct linux_dt_pcie *p)
{
	if (!p->ecam_size) {
		return true;
	}
	return range_ok(p->ecam_base, p->ecam_size) && range_ok(p->mem_cpu, p->mem_size) &&
	       p->mem_pci + p->mem_size <= 1ull << 32 && p->mem_pci + p->mem_size > p->mem_pci &&
	       p->bus_first <= p->bus_last && p->bus_last <= 255 &&
	       (!p->pio_size || range_ok(p->pio_cpu, p->pio_size));
}

static bool config_ok(const struct linux_dt_config *cfg)
{
	if (!range_ok(cfg->ram_base, cfg->ram_size)) {
		return false;
	}
	if (cfg->ram2_size && (!range_ok(cfg->ram2_base, cfg->ram2_size) ||
			       (cfg->ram2_base < cfg->ram_base + cfg->ram_size &&
				cfg->ram_base < cfg->ram2_base + cfg->ram2_size))) {
		return false;
	}
	if (!pcie_ok(&cfg->pcie)) {
		return false;
	}
	if (cfg->nr_vcpus == 0 || cfg->nr_vcpus > LINUX_DT_MAX_VCPUS) {
		return false;
	}
	if (cfg->initrd_start == 0) {
		return cfg->initrd_end == 0;
	}
	return cfg->initrd_end > cfg->initrd_start;
}

static void write_cpus(struct fdt_writer *w, const struct linux_dt_config *cfg)
{
	char name[FDTW_MAX_NODE_NAME + 1];

	fdtw_begin_node(w, "cpus");
	/* A cpu's reg is its MPIDR affinity: one cell is enough for Aff0. */
	fdtw_prop_u32(w, "#address-cells", 1);
	fdtw_prop_u32(w, "#size-cells", 0);
	for (uint32_t i = 0; i < cfg->nr_vcpus; i++) {
		unit_name(name, "cpu", i);
		fdtw_begin_node(w, name);
		fdtw_prop_string(w, "device_type", "cpu");
		fdtw_prop_string(w, "compatible", "arm,arm-v8");
		fdtw_prop_u32(w, "reg", i);
		fdtw_prop_string(w, "enable-method", "psci");
		fdtw_end_node(w);
	}
	fdtw_end_node(w);
}

static void write_gic(struct fdt_writer *w, const struct linux_dt_config *cfg)
{
	static const char *const compat[] = { "arm,gic-v3" };
	char name[FDTW_MAX_NODE_NAME + 1];
	uint32_t reg[8];

	unit_name(name, "intc", cfg->gicd_base);
	fdtw_begin_node(w, name);
	fdtw_prop_strings(w, "compatible", compat, 1);
	fdtw_prop_u32(w, "#interrupt-cells", 3);
	fdtw_prop_empty(w, "interrupt-controller");
	/* The distributor, then one redistributor region holding every vCPU's frames. */
	put_range(reg, cfg->gicd_base, cfg->gicd_size);
	put_range(reg + 4, cfg->gicr_base, cfg->gicr_stride * cfg->nr_vcpus);
	fdtw_prop_cells(w, "reg", reg, 8);
	fdtw_prop_u32(w, "#redistributor-regions", 1);
	/*
	 * Cells and ranges for child nodes (an ITS, which tagvisor does not give), as QEMU's
	 * tree has them: dtc warns about an interrupt provider without #address-cells.
	 */
	fdtw_prop_u32(w, "#address-cells", 2);
	fdtw_prop_u32(w, "#size-cells", 2);
	fdtw_prop_empty(w, "ranges");
	fdtw_prop_u32(w, "phandle", LINUX_DT_PHANDLE_GIC);
	fdtw_end_node(w);
}

static void write_uart(struct fdt_writer *w, const struct linux_dt_config *cfg, const char *name)
{
	static const char *const compat[] = { "arm,pl011", "arm,primecell" };
	static const char *const clock_names[] = { "uartclk", "apb_pclk" };
	const uint32_t irq[3] = { GIC_SPI, cfg->uart_spi, IRQ_TYPE_LEVEL_HIGH };
	const uint32_t clocks[2] = { LINUX_DT_PHANDLE_APBCLK, LINUX_DT_PHANDLE_APBCLK };
	uint32_t reg[4];

	fdtw_begin_node(w, name);
	fdtw_prop_strings(w, "compatible", compat, 2);
	put_range(reg, cfg->uart_base, cfg->uart_size);
	fdtw_prop_cells(w, "reg", reg, 4);
	fdtw_prop_cells(w, "interrupts", irq, 3);
	/* The primecell binding wants both clocks; on virt both are the 24 MHz APB clock. */
	fdtw_prop_cells(w, "clocks", clocks, 2);
	fdtw_prop_strings(w, "clock-names", clock_names, 2);
	fdtw_end_node(w);

	fdtw_begin_node(w, "apb-pclk");
	fdtw_prop_string(w, "compatible", "fixed-clock");
	fdtw_prop_u32(w, "#clock-cells", 0);
	fdtw_prop_u32(w, "clock-frequency", cfg->uart_clock_hz);
	fdtw_prop_string(w, "clock-output-names", "clk24mhz");
	fdtw_prop_u32(w, "phandle", LINUX_DT_PHANDLE_APBCLK);
	fdtw_end_node(w);
}

static void write_timer(struct fdt_writer *w, bool phys_only)
{
	static const char *const compat[] = { "arm,armv8-timer", "arm,armv7-timer" };
	/*
	 * As QEMU's virt tree with a GICv3: level high, and no CPU mask in bits 15:8 (a
	 * GICv2-only field).
	 */
	static const uint32_t irqs[12] = {
		GIC_PPI, PPI_TIMER_SEC,	 IRQ_TYPE_LEVEL_HIGH,
		GIC_PPI, PPI_TIMER_PHYS, IRQ_TYPE_LEVEL_HIGH,
		GIC_PPI, PPI_TIMER_VIRT, IRQ_TYPE_LEVEL_HIGH,
		GIC_PPI, PPI_TIMER_HYP,	 IRQ_TYPE_LEVEL_HIGH,
	};

	fdtw_begin_node(w, "timer");
	fdtw_prop_strings(w, "compatible", compat, 2);
	/* Without a virtual timer interrupt, Linux at EL1 takes the physical timer (PPI 14). */
	fdtw_prop_cells(w, "interrupts", irqs, phys_only ? 6 : 12);
	/* The counter never stops in a VM's idle states: Linux may use it as a clocksource. */
	fdtw_prop_empty(w, "always-on");
	fdtw_end_node(w);
}

/* The PMU as QEMU's virt tree has it with a GICv3: PPI 7, level high. */
static void write_pmu(struct fdt_writer *w)
{
	static const uint32_t irq[3] = { GIC_PPI, PPI_PMU, IRQ_TYPE_LEVEL_HIGH };

	fdtw_begin_node(w, "pmu");
	fdtw_prop_string(w, "compatible", "arm,armv8-pmuv3");
	fdtw_prop_cells(w, "interrupts", irq, 3);
	fdtw_end_node(w);
}

/* A PCI address (3 cells: space code, high, low) for a range. */
static void pci_addr(uint32_t *cells, uint32_t space, uint64_t addr)
{
	cells[0] = space;
	cells[1] = (uint32_t)(addr >> 32);
	cells[2] = (uint32_t)addr;
}

/*
 * A generic ECAM host bridge as QEMU's virt tree has it (the properties in its order):
 * configuration space, an I/O window if there is one, a 32-bit memory window (virt's
 * 64-bit one lies above a guest's 39-bit IPA space, and a host is not given it), and
 * INTx routed to four SPIs, rotated by the device's slot as virt's interrupt-map does.
 * No msi-map (no ITS), no iommu-map (the SMMU is EL2's).
 */
static void write_pcie(struct fdt_writer *w, const struct linux_dt_pcie *p)
{
	static const uint32_t mask[4] = { 0x1800, 0, 0, 7 };
	char name[FDTW_MAX_NODE_NAME + 1];
	uint32_t reg[4], ranges[14], map[4 * 4 * 10], bus[2] = { p->bus_first, p->bus_last };
	unsigned n = 0, r = 0;

	unit_name(name, "pcie", p->mem_cpu);
	fdtw_begin_node(w, name);
	fdtw_prop_cells(w, "interrupt-map-mask", mask, 4);
	for (uint32_t slot = 0; slot < 4; slot++) {
		for (uint32_t pin = 1; pin <= 4; pin++) {
			const uint32_t gic = LINUX_DT_PHANDLE_GIC;
			const uint32_t spi = p->intx_spi + (slot + pin - 1) % 4;
			/* Child address (3 cells), pin, the GIC, its address and interrupt. */
			const uint32_t entry[10] = {
				slot << 11, 0, 0, pin, gic, 0, 0, GIC_SPI, spi, IRQ_TYPE_LEVEL_HIGH
			};

			memcpy(&map[n], entry, sizeof(entry));
			n += 10;
		}
	}
	fdtw_prop_cells(w, "interrupt-map", map, n);
	fdtw_prop_u32(w, "#interrupt-cells", 1);
	if (p->pio_size) {
		pci_addr(ranges, 0x01000000, 0);
		put_range(ranges + 3, p->pio_cpu, p->pio_size);
		r = 7;
	}
	pci_addr(ranges + r, 0x02000000, p->mem_pci); /* 32-bit memory, not prefetchable */
	put_range(ranges + r + 3, p->mem_cpu, p->mem_size);
	fdtw_prop_cells(w, "ranges", ranges, r + 7);
	put_range(reg, p->ecam_base, p->ecam_size);
	fdtw_prop_cells(w, "reg", reg, 4);
	/* Devices snoop the CPUs' caches: no cache maintenance around DMA. */
	fdtw_prop_empty(w, "dma-coherent");
	fdtw_prop_cells(w, "bus-range", bus, 2);
	fdtw_prop_u32(w, "linux,pci-domain", 0);
	fdtw_prop_u32(w, "#size-cells", 2);
	fdtw_prop_u32(w, "#address-cells", 3);
	fdtw_prop_string(w, "device_type", "pci");
	fdtw_prop_string(w, "compatible", "pci-host-ecam-generic");
	fdtw_end_node(w);
}

static void write_chosen(struct fdt_writer *w, const struct linux_dt_config *cfg,
			 const char *uart_path)
{
	fdtw_begin_node(w, "chosen");
	if (cfg->bootargs) {
		fdtw_prop_string(w, "bootargs", cfg->bootargs);
	}
	fdtw_prop_string(w, "stdout-path", uart_path);
	if (cfg->initrd_start) {
		fdtw_prop_u64(w, "linux,initrd-start", cfg->initrd_start);
		fdtw_prop_u64(w, "linux,initrd-end", cfg->initrd_end);
	}
	fdtw_end_node(w);
}

int linux_dt_build(void *buf, size_t size, const struct linux_dt_config *cfg)
{
	static const char *const psci_compat[] = { "arm,psci-1.0", "arm,psci-0.2", "arm,psci" };
	struct fdt_writer w;
	char name[FDTW_MAX_NODE_NAME + 1];
	char uart_name[FDTW_MAX_NODE_NAME + 1];
	char uart_path[FDTW_MAX_NODE_NAME + 2];
	uint32_t reg[8];

	if (!cfg || !config_ok(cfg)) {
		return FDTW_ERR_ARG;
	}
	/* Errors are sticky (fdt_write.h): fdtw_finish reports the first one. */
	fdtw_init(&w, buf, size);
	unit_name(uart_name, "pl011", cfg->uart_base);
	uart_path[0] = '/';
	memcpy(uart_path + 1, uart_name, strlen(uart_name) + 1);

	fdtw_begin_node(&w, "");
	fdtw_prop_u32(&w, "interrupt-parent", LINUX_DT_PHANDLE_GIC);
	fdtw_prop_string(&w, "model", "linux,dummy-virt");
	fdtw_prop_string(&w, "compatible", "linux,dummy-virt");
	fdtw_prop_u32(&w, "#address-cells", 2);
	fdtw_prop_u32(&w, "#size-cells", 2);

	/* PSCI 0.2 and later have standard function IDs: no cpu_on etc. properties. */
	fdtw_begin_node(&w, "psci");
	fdtw_prop_strings(&w, "compatible", psci_compat, 3);
	fdtw_prop_string(&w, "method", cfg->psci_smc ? "smc" : "hvc");
	fdtw_end_node(&w);

	unit_name(name, "memory", cfg->ram_base);
	fdtw_begin_node(&w, name);
	fdtw_prop_string(&w, "device_type", "memory");
	put_range(reg, cfg->ram_base, cfg->ram_size);
	put_range(reg + 4, cfg->ram2_base, cfg->ram2_size);
	fdtw_prop_cells(&w, "reg", reg, cfg->ram2_size ? 8 : 4);
	fdtw_end_node(&w);

	write_cpus(&w, cfg);
	write_gic(&w, cfg);
	write_uart(&w, cfg, uart_name);
	write_timer(&w, cfg->phys_timer);
	if (cfg->pmu) {
		write_pmu(&w);
	}
	if (cfg->pcie.ecam_size) {
		write_pcie(&w, &cfg->pcie);
	}

	fdtw_begin_node(&w, "aliases");
	fdtw_prop_string(&w, "serial0", uart_path);
	fdtw_end_node(&w);

	write_chosen(&w, cfg, uart_path);
	fdtw_end_node(&w);
	return fdtw_finish(&w);
}
