/* SPDX-License-Identifier: MIT */
/* Booting a Linux kernel as the host (linux_host.c). */
#ifndef ARCH_LINUX_HOST_H
#define ARCH_LINUX_HOST_H

#include <stdbool.h>
#include <stdint.h>

/* What the CLI's boot arguments say about the Linux host. */
struct linux_host_boot {
	const char *cmdline; /* the kernel's command line (after " -- "), not terminated */
	uint32_t cmdline_len;
	uint64_t initrd_base, initrd_size; /* host-initrd=ADDR:SIZE */
};

/* Whether the host image is an arm64 Linux Image rather than the bare-metal host. */
bool linux_host_image_present(void);

/*
 * Writes the host's device tree into its RAM below the hypervisor and returns its
 * address (x0 at entry). Panics on a boot layout the CLI got wrong.
 */
uint64_t linux_host_prepare(const struct linux_host_boot *b);

#endif
