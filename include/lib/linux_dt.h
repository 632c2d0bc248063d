/* SPDX-License-Identifier: MIT */
/*
 * The device tree a Linux guest of tagvisor boots with: QEMU virt's layout for the
 * devices a guest sees (GICv3, PL011 and its clock, the architected timer, PSCI over
 * HVC), its RAM, its vCPUs and /chosen. The nodes mirror those of QEMU's own virt tree
 * (`qemu-system-aarch64 -M virt,gic-version=3,dumpdtb=...`), less what tagvisor does not
 * give a guest (ITS, flash, fw_cfg, virtio, RTC, GPIO, platform bus; of the PCIe host
 * bridge's windows, the 64-bit one, above the 39-bit IPA space).
 *
 * MTE has nothing in the tree: Linux discovers it from ID_AA64PFR1_EL1, which tagvisor
 * shows or hides per VM.
 */
#ifndef LIB_LINUX_DT_H
#define LIB_LINUX_DT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* QEMU virt's addresses (hw/arm/virt.c's memory map). */
#define LINUX_DT_GICD_BASE     0x08000000ull
#define LINUX_DT_GICD_SIZE     0x10000ull
#define LINUX_DT_GICR_BASE     0x080a0000ull
#define LINUX_DT_GICR_STRIDE   0x20000ull /* one redistributor per vCPU: RD and SGI frames */
#define LINUX_DT_UART_BASE     0x09000000ull
#define LINUX_DT_UART_SIZE     0x1000ull
#define LINUX_DT_UART_SPI      1u
#define LINUX_DT_UART_CLOCK_HZ 24000000u
#define LINUX_DT_MAX_VCPUS     16u /* MPIDR Aff0 0..15: GICv3 SGIs reach them without RS */
#define LINUX_DT_PCIE_ECAM     0x4010000000ull /* 256 buses; the high ECAM of virt */
#define LINUX_DT_PCIE_ECAM_SIZE 0x10000000ull
#define LINUX_DT_PCIE_PIO      0x3eff0000ull
#define LINUX_DT_PCIE_PIO_SIZE 0x10000ull
#define LINUX_DT_PCIE_MMIO     0x10000000ull
#define LINUX_DT_PCIE_MMIO_SIZE 0x2eff0000ull
#define LINUX_DT_PCIE_SPI      3u /* INTA..INTD are SPIs 3..6, swizzled by slot */

/* phandles: any nonzero values unique in the tree. */
#define LINUX_DT_PHANDLE_GIC	1u
#define LINUX_DT_PHANDLE_APBCLK 2u

/*
 * A generic ECAM PCIe host bridge (QEMU virt's "pci-host-ecam-generic") with one
 * 32-bit memory window and perhaps an I/O window, INTx only (no MSI: the machine has
 * no ITS) and no IOMMU in the tree. ecam_size 0: no PCIe.
 */
struct linux_dt_pcie {
	uint64_t ecam_base, ecam_size;
	uint32_t bus_first, bus_last;
	uint64_t mem_cpu;  /* the window's CPU physical address */
	uint64_t mem_pci;  /* its PCI bus address */
	uint64_t mem_size; /* < 4 GiB, and mem_pci + mem_size <= 4 GiB */
	uint32_t intx_spi; /* the first of the four INTx SPIs */
	uint64_t pio_cpu, pio_size; /* the I/O window (PCI I/O address 0); size 0: none */
};

/* QEMU virt's bridge as a guest sees it (the ECAM with no devices behind it). */
void linux_dt_pcie_virt(struct linux_dt_pcie *p);

struct linux_dt_config {
	uint64_t ram_base;
	uint64_t ram_size;
	uint32_t nr_vcpus;     /* 1..LINUX_DT_MAX_VCPUS; vCPU i has MPIDR i */
	const char *bootargs;  /* /chosen/bootargs; NULL for none */
	uint64_t initrd_start; /* guest physical; 0 for no initrd */
	uint64_t initrd_end;   /* exclusive */
	/*
	 * Whether the VM has MTE. It changes nothing in the tree (see above); it is here so
	 * that a VMM describes a guest in one place, and the tests check it stays so.
	 */
	bool mte;
	/* Whether the guest has a PMU (PMUv3 with its overflow interrupt on PPI 7): a /pmu node. */
	bool pmu;
	/* Device addresses: linux_dt_config_virt sets QEMU virt's. */
	uint64_t gicd_base, gicd_size;
	uint64_t gicr_base, gicr_stride;
	uint64_t uart_base, uart_size;
	uint32_t uart_spi;
	uint32_t uart_clock_hz;
	/*
	 * For tagvisor's Linux host (the hypervisor writes its tree); zero for a guest:
	 * psci_smc   PSCI by SMC, which EL2 answers (a guest's goes by HVC);
	 * phys_timer the timer node lists only the physical timers' interrupts, so that
	 *            Linux at EL1 uses the EL1 physical timer: the virtual timer is the
	 *            guests' (EL2 switches it and takes its interrupt while they run);
	 * ram2_*     a second RAM range (the host's memory above the hypervisor's);
	 * pcie       the PCIe host bridge with the host's virtio devices.
	 */
	bool psci_smc;
	bool phys_timer;
	uint64_t ram2_base, ram2_size;
	struct linux_dt_pcie pcie;
};

/*
 * Fills cfg with QEMU virt's device addresses, one vCPU and no RAM, bootargs or initrd:
 * the caller sets those.
 */
void linux_dt_config_virt(struct linux_dt_config *cfg);

/*
 * Writes the tree into buf (size bytes). Returns the blob's size, or a negative
 * FDTW_ERR_* (include/lib/fdt_write.h): FDTW_ERR_NOSPACE if buf is too small,
 * FDTW_ERR_ARG for a config that makes no sense (no RAM, 0 or too many vCPUs, an initrd
 * whose end is not after its start, a bootargs string too long for a blob, a second
 * RAM range that overlaps the first, a PCIe window that is empty or not 32-bit, a bus
 * range that is reversed).
 * Linux wants the blob at an 8-byte aligned guest address, within 2 MiB.
 */
int linux_dt_build(void *buf, size_t size, const struct linux_dt_config *cfg);

#endif
