/* SPDX-License-Identifier: MIT */
/*
 * The boot contract between the hypervisor and the host image: where the host
 * is loaded, the header the hypervisor checks, the registers it starts with.
 */
#ifndef ABI_BOOT_H
#define ABI_BOOT_H

#include <stdint.h>

/* The host image is loaded (by QEMU) right after the hypervisor's memory. */
#define TV_HOST_LOAD_ADDR 0x42000000ull

/* "TVHOST01", at offset 8 of the host image, after a branch to its entry code. */
#define TV_HOST_MAGIC 0x31305453484f5654ull

struct tv_host_header {
	uint32_t branch; /* the first instruction, entered at EL1 */
	uint32_t reserved;
	uint64_t magic;
	uint64_t image_size;
};

_Static_assert(sizeof(struct tv_host_header) == 24, "host header layout");

/*
 * The host starts at TV_HOST_LOAD_ADDR in EL1h, MMU off, DAIF masked, with
 * x0 = physical address of the DTB and x1 = TV_BOOT_* flags.
 */
#define TV_BOOT_HOST_MTE (1u << 0) /* allocation tags are the host's to use */

#endif
