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
	/* Whether it has QEMU virt's PCIe host bridge (ECAM, no devices): a /pcie node. */
	bool pcie;
	/* Device addresses: linux_dt_config_virt sets QEMU virt's. */
	uint64_t gicd_base, gicd_size;
	uint64_t gicr_base, gicr_stride;
	uint64_t uart_base, uart_size;
	uint32_t uart_spi;
	uint32_t uart_clock_hz;
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
 * whose end is not after its start, a bootargs string too long for a blob).
 * Linux wants the blob at an 8-byte aligned guest address, within 2 MiB.
 */
int linux_dt_build(void *buf, size_t size, const struct linux_dt_config *cfg);

#endif
