/* SPDX-License-Identifier: MIT */
/*
 * The machine as the hypervisor found it in the device tree at boot: its own
 * console, the SMMU it owns, and the devices the host may reach. Everything else
 * (fw_cfg and its DMA register, virtio-mmio transports, flash, the platform bus,
 * the SMMU's registers) is never mapped in the host's stage 2.
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#define PLATFORM_MAX_HOST_DEVICES 24
#define PLATFORM_MAX_CPUS 8
#define GICR_FRAME_SIZE 0x20000ull /* RD_base and SGI_base, 64 KiB each */
#define GICR_RD_SIZE 0x10000ull

struct mmio_range {
	uint64_t base;
	uint64_t size;
	const char *what;
};

struct platform {
	uint64_t log_uart;  /* PL011 of the hypervisor's console (alias serial1), 0: none */
	uint64_t smmu_base; /* SMMUv3 in front of the PCIe root complex, 0: none */
	uint64_t smmu_size;
	struct mmio_range host_devices[PLATFORM_MAX_HOST_DEVICES];
	unsigned nr_host_devices;
	/*
	 * The redistributors, one frame per CPU. The host gets the SGI_base half of each
	 * (its PPIs and SGIs); the RD_base half (LPI tables) is emulated for it at EL2.
	 */
	uint64_t gicr_base;
	/* The CPUs, in device-tree order (index 0 boots); their MPIDR_EL1 affinity fields. */
	unsigned nr_cpus;
	uint64_t cpu_mpidr[PLATFORM_MAX_CPUS];
	/* The host's PCIe host bridge (ECAM size 0: none), for a Linux host's device tree. */
	struct {
		uint64_t ecam_base, ecam_size;
		uint32_t bus_first, bus_last;
		uint64_t mem_cpu, mem_pci, mem_size; /* the 32-bit memory window */
	} pcie;
	uint64_t uart_base, uart_size; /* the guests' console PL011 (serial0), 0: none */
	uint32_t uart_spi;
};


extern struct platform platform;

/* Whether pa is in some CPU's RD_base frame. */
static inline bool platform_is_gicr_rd(uint64_t pa)
{
	uint64_t off = pa - platform.gicr_base;

	return platform.gicr_base && pa >= platform.gicr_base &&
	       off < platform.nr_cpus * GICR_FRAME_SIZE && off % GICR_FRAME_SIZE < GICR_RD_SIZE;
}

#define MPIDR_AFF_MASK 0xff00ffffffull /* Aff3, Aff2, Aff1, Aff0 */

/* The index of the CPU with this affinity (other MPIDR bits ignored), or -1. */
int platform_cpu_index(uint64_t mpidr);

/* Reads the devices from the tree at dtb (max_size bytes). Panics on a tree it cannot use. */
void platform_init(const void *dtb, uint64_t max_size);

#endif
