/* SPDX-License-Identifier: MIT */
#include <lib/linux_image.h>
#include <lib/string.h>

#define SZ_2M (2ull << 20)
#define PRE_3_17_TEXT_OFFSET 0x80000ull /* the protocol's value for Images without a size */

int linux_image_layout(const void *image, uint64_t size, uint64_t ram_base, uint64_t ram_size,
		       uint64_t initrd_size, struct linux_layout *out)
{
	struct linux_image_header h;
	uint64_t text_offset, span, dtb;

	if (size < sizeof(h)) {
		return LINUX_IMAGE_NOT_IMAGE;
	}
	memcpy(&h, image, sizeof(h));
	if (h.magic != LINUX_IMAGE_MAGIC) {
		return LINUX_IMAGE_NOT_IMAGE;
	}
	if (h.flags & 1) {
		return LINUX_IMAGE_BIG_ENDIAN;
	}
	if (ram_size < LINUX_DTB_SPACE) {
		return LINUX_IMAGE_NO_ROOM;
	}
	text_offset = h.image_size ? h.text_offset : PRE_3_17_TEXT_OFFSET;
	/* image_size covers the BSS too; the file is never larger, but trust neither. */
	span = h.image_size > size ? h.image_size : size;
	dtb = ram_base + ram_size - LINUX_DTB_SPACE;
	if (text_offset >= dtb - ram_base || span > dtb - ram_base - text_offset) {
		return LINUX_IMAGE_NO_ROOM;
	}
	out->kernel = ram_base + text_offset;
	out->kernel_end = out->kernel + span;
	out->dtb = dtb;
	out->initrd = 0;
	if (initrd_size) {
		uint64_t kernel_top = (out->kernel_end + SZ_2M - 1) & ~(SZ_2M - 1);

		if (initrd_size > dtb - kernel_top) {
			return LINUX_IMAGE_NO_ROOM_INITRD;
		}
		out->initrd = (dtb - initrd_size) & ~(SZ_2M - 1);
	}
	return 0;
}

const char *linux_image_strerror(int err)
{
	switch (err) {
	case LINUX_IMAGE_NOT_IMAGE:
		return "not an arm64 Linux Image (no \"ARM\\x64\" magic)";
	case LINUX_IMAGE_BIG_ENDIAN:
		return "a big-endian kernel";
	case LINUX_IMAGE_NO_ROOM:
		return "the kernel does not fit in the guest's RAM below its device tree";
	case LINUX_IMAGE_NO_ROOM_INITRD:
		return "the kernel and the initramfs do not fit in the guest's RAM";
	default:
		return "unknown error";
	}
}
