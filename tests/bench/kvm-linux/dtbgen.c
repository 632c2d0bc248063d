/* SPDX-License-Identifier: MIT */
/*
 * dtbgen: writes to stdout the device tree tagvisor (and kvmboot) give a Linux guest
 * (lib/linux_dt.c) for RAM MIB and CPUS vCPUs, for bare QEMU's -dtb: the reference boot
 * with the very devices the guests have, no more (QEMU's own tree adds virtio-mmio, flash,
 * fw_cfg, RTC and GPIO nodes, whose probing the guests never pay). Built for the machine
 * running QEMU by build.sh. QEMU fills in /chosen (bootargs, initrd) and /memory itself.
 *
 * Usage: dtbgen MIB CPUS >tree.dtb
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <lib/linux_dt.h>

int main(int argc, char **argv)
{
	static uint8_t buf[64 << 10];
	struct linux_dt_config cfg;
	long mib = argc == 3 ? strtol(argv[1], NULL, 10) : 0;
	long cpus = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	int size;

	if (mib < 64 || cpus < 1 || cpus > (long)LINUX_DT_MAX_VCPUS) {
		fprintf(stderr, "usage: dtbgen MIB(>= 64) CPUS(1..%u) >tree.dtb\n", LINUX_DT_MAX_VCPUS);
		return 1;
	}
	linux_dt_config_virt(&cfg);
	cfg.ram_base = 0x40000000;
	cfg.ram_size = (uint64_t)mib << 20;
	cfg.nr_vcpus = (uint32_t)cpus;
	cfg.bootargs = "console=ttyAMA0 panic=-1";
	size = linux_dt_build(buf, sizeof(buf), &cfg);
	if (size < 0 || fwrite(buf, 1, (size_t)size, stdout) != (size_t)size) {
		fprintf(stderr, "dtbgen: cannot write the tree (%d)\n", size);
		return 1;
	}
	return 0;
}
