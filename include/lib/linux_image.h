/* SPDX-License-Identifier: MIT */
/*
 * Where an arm64 Linux Image, its initramfs and its device tree go in a guest's RAM,
 * by the arm64 boot protocol (Documentation/arch/arm64/booting.rst): the Image at a
 * 2 MiB-aligned base plus its text_offset, the device tree in the last 2 MiB, the
 * initramfs 2 MiB aligned just below it. Shared by tagvisor's VMM and the KVM
 * reference VMM of the benchmarks; freestanding.
 */
#ifndef LIB_LINUX_IMAGE_H
#define LIB_LINUX_IMAGE_H

#include <stdint.h>

#define LINUX_IMAGE_MAGIC 0x644d5241u /* "ARM\x64" at offset 56 */
#define LINUX_DTB_SPACE (2ull << 20)

/* The 64-byte header at the start of an arm64 Image. */
struct linux_image_header {
	uint32_t code0, code1;
	uint64_t text_offset;
	uint64_t image_size; /* 0 before Linux 3.17 */
	uint64_t flags;	     /* bit 0: big-endian kernel */
	uint64_t res2, res3, res4;
	uint32_t magic;
	uint32_t res5;
};
_Static_assert(sizeof(struct linux_image_header) == 64, "arm64 Image header");

/* Guest physical addresses; initrd is 0 without one. */
struct linux_layout {
	uint64_t kernel, kernel_end, initrd, dtb;
};

enum linux_image_error {
	LINUX_IMAGE_NOT_IMAGE = -1, /* too short, or no magic */
	LINUX_IMAGE_BIG_ENDIAN = -2,
	LINUX_IMAGE_NO_ROOM = -3,	 /* the kernel does not fit below the device tree */
	LINUX_IMAGE_NO_ROOM_INITRD = -4, /* the initramfs does not fit above the kernel */
};

/*
 * Checks the Image (`image`, `size` bytes: at least its header) and places it, an
 * initramfs of `initrd_size` bytes (0: none) and the device tree in RAM
 * [ram_base, ram_base + ram_size), ram_base 2 MiB aligned. Returns 0 or an error.
 */
int linux_image_layout(const void *image, uint64_t size, uint64_t ram_base, uint64_t ram_size,
		       uint64_t initrd_size, struct linux_layout *out);

/* A sentence for an error of linux_image_layout(). */
const char *linux_image_strerror(int err);

#endif
