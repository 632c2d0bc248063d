/* SPDX-License-Identifier: MIT */
/*
 * Where a guest kernel, its initramfs and its device tree go in a guest's RAM, as QEMU's
 * virt machine and kvmtool load them (docs/LINUX.md):
 *  - an arm64 Linux Image (Documentation/arch/arm64/booting.rst): at a 2 MiB-aligned
 *    base plus its text_offset; its header and, if it has one, its PE/COFF (EFI) header
 *    are checked against the file, so a truncated Image is refused before boot;
 *  - a raw binary (no Image header, no ELF header): loaded at RAM base + 0x80000, as QEMU
 *    loads a raw kernel for AArch64;
 *  - an ELF file: the caller loads its segments (host/vmm/elf.c) and places the rest with
 *    linux_layout_place().
 * The device tree goes in the last 2 MiB of RAM, the initramfs 2 MiB aligned just below
 * it; x0 holds the device tree's address at entry. Shared by tagvisor's VMM and the KVM
 * reference VMM of the benchmarks; freestanding.
 */
#ifndef LIB_LINUX_IMAGE_H
#define LIB_LINUX_IMAGE_H

#include <stdint.h>

#define LINUX_IMAGE_MAGIC 0x644d5241u /* "ARM\x64" at offset 56 */
#define LINUX_DTB_SPACE (2ull << 20)
#define LINUX_RAW_OFFSET 0x80000ull /* QEMU's KERNEL64_LOAD_ADDR */

/* The 64-byte header at the start of an arm64 Image. */
struct linux_image_header {
	uint32_t code0, code1;
	uint64_t text_offset;
	uint64_t image_size; /* 0 before Linux 3.17 */
	uint64_t flags;	     /* bit 0: big-endian kernel */
	uint64_t res2, res3, res4;
	uint32_t magic;
	uint32_t pe_offset; /* offset of the "PE\0\0" header of an EFI stub, else 0 */
};
_Static_assert(sizeof(struct linux_image_header) == 64, "arm64 Image header");

enum linux_kernel_kind {
	LINUX_KERNEL_IMAGE = 1, /* an arm64 Image */
	LINUX_KERNEL_RAW = 2,	/* a raw binary */
	LINUX_KERNEL_ELF = 3,	/* an ELF file (its loader places it) */
};

/* Guest physical addresses; initrd is 0 without one. */
struct linux_layout {
	uint64_t kernel, kernel_end, initrd, dtb;
	enum linux_kernel_kind kind;
};

enum linux_image_error {
	LINUX_IMAGE_EMPTY = -1, /* an empty file */
	LINUX_IMAGE_BIG_ENDIAN = -2,
	LINUX_IMAGE_NO_ROOM = -3,	 /* the kernel does not fit below the device tree */
	LINUX_IMAGE_NO_ROOM_INITRD = -4, /* the initramfs does not fit above the kernel */
	LINUX_IMAGE_TRUNCATED = -5,	 /* the file ends before what its headers describe */
	LINUX_IMAGE_IS_ELF = -6,	 /* an ELF file: not placed here */
};

/* What a kernel file is, from its first bytes (`size` of them). */
enum linux_kernel_kind linux_kernel_kind(const void *image, uint64_t size);

/*
 * Checks a kernel that is an Image or a raw binary (`image`, `size` bytes) and places it,
 * an initramfs of `initrd_size` bytes (0: none) and the device tree in RAM
 * [ram_base, ram_base + ram_size), ram_base 2 MiB aligned. Returns 0 or an error; an ELF
 * file gives LINUX_IMAGE_IS_ELF.
 */
int linux_image_layout(const void *image, uint64_t size, uint64_t ram_base, uint64_t ram_size,
		       uint64_t initrd_size, struct linux_layout *out);

/*
 * Places the initramfs and the device tree around a kernel that occupies
 * [kernel, kernel_end) of RAM (an ELF's loaded segments). Returns 0 or
 * LINUX_IMAGE_NO_ROOM / LINUX_IMAGE_NO_ROOM_INITRD; out->kind is left to the caller.
 */
int linux_layout_place(uint64_t ram_base, uint64_t ram_size, uint64_t kernel, uint64_t kernel_end,
		       uint64_t initrd_size, struct linux_layout *out);

/* A sentence for an error of linux_image_layout(). */
const char *linux_image_strerror(int err);

#endif
