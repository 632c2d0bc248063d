/* SPDX-License-Identifier: MIT */
/*
 * The machine as the hypervisor found it in the device tree at boot: its own
 * console, the SMMU it owns, and the devices the host may reach. Everything else
 * (fw_cfg and its DMA register, virtio-mmio transports, flash, the platform bus,
 * the SMMU's registers) is never mapped in the host's stage 2.
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <stdint.h>

#define PLATFORM_MAX_HOST_DEVICES 8

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
};

extern struct platform platform;

/* Reads the devices from the tree at dtb (max_size bytes). Panics on a tree it cannot use. */
void platform_init(const void *dtb, uint64_t max_size);

#endif
