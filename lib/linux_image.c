/* SPDX-License-Identifier: MIT */
#include <lib/linux_image.h>
#include <lib/string.h>

#define SZ_2M (2ull << 20)
#define PRE_3_17_TEXT_OFFSET 0x80000ull /* the protocol's value for Images without a size */

/* PE/COFF as the EFI stub of an arm64 Image writes it. */
#define PE_SIGNATURE 0x00004550u /* "PE\0\0" */
#define COFF_HEADER_SIZE 20
#define COFF_SECTION_SIZE 40

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

enum linux_kernel_kind linux_kernel_kind(const void *image, uint64_t size)
{
	const uint8_t *p = image;

	if (size >= 4 && p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F') {
		return LINUX_KERNEL_ELF;
	}
	if (size >= sizeof(struct linux_image_header) && le32(p + 56) == LINUX_IMAGE_MAGIC) {
		return LINUX_KERNEL_IMAGE;
	}
	return LINUX_KERNEL_RAW;
}

/*
 * The EFI stub's PE header lists where each section's bytes are in the file: a file
 * that ends before the last of them was cut short. Without a PE header (pe_offset 0, as
 * in Images built without the EFI stub) nothing says how long the file should be.
 */
static int check_pe_sections(const uint8_t *image, uint64_t size, uint32_t pe_offset)
{
	uint64_t table, nr;

	if (!pe_offset) {
		return 0;
	}
	if (pe_offset > size || size - pe_offset < 4 + COFF_HEADER_SIZE ||
	    le32(image + pe_offset) != PE_SIGNATURE) {
		return LINUX_IMAGE_TRUNCATED;
	}
	nr = le16(image + pe_offset + 6);
	table = (uint64_t)pe_offset + 4 + COFF_HEADER_SIZE + le16(image + pe_offset + 20);
	if (table > size || nr > (size - table) / COFF_SECTION_SIZE) {
		return LINUX_IMAGE_TRUNCATED;
	}
	for (uint64_t i = 0; i < nr; i++) {
		const uint8_t *s = image + table + i * COFF_SECTION_SIZE;
		uint64_t raw_size = le32(s + 16), raw_ptr = le32(s + 20);

		if (raw_ptr + raw_size > size) {
			return LINUX_IMAGE_TRUNCATED;
		}
	}
	return 0;
}

int linux_layout_place(uint64_t ram_base, uint64_t ram_size, uint64_t kernel, uint64_t kernel_end,
		       uint64_t initrd_size, struct linux_layout *out)
{
	uint64_t dtb, kernel_top;

	if (ram_size < LINUX_DTB_SPACE) {
		return LINUX_IMAGE_NO_ROOM;
	}
	dtb = ram_base + ram_size - LINUX_DTB_SPACE;
	if (kernel < ram_base || kernel_end < kernel || kernel_end > dtb) {
		return LINUX_IMAGE_NO_ROOM;
	}
	out->kernel = kernel;
	out->kernel_end = kernel_end;
	out->dtb = dtb;
	out->initrd = 0;
	if (initrd_size) {
		kernel_top = (kernel_end + SZ_2M - 1) & ~(SZ_2M - 1);
		if (kernel_top > dtb || initrd_size > dtb - kernel_top) {
			return LINUX_IMAGE_NO_ROOM_INITRD;
		}
		out->initrd = (dtb - initrd_size) & ~(SZ_2M - 1);
	}
	return 0;
}

int linux_image_layout(const void *image, uint64_t size, uint64_t ram_base, uint64_t ram_size,
		       uint64_t initrd_size, struct linux_layout *out)
{
	struct linux_image_header h;
	enum linux_kernel_kind kind = linux_kernel_kind(image, size);
	uint64_t text_offset, span, room;
	int err;

	if (!size) {
		return LINUX_IMAGE_EMPTY;
	}
	if (kind == LINUX_KERNEL_ELF) {
		return LINUX_IMAGE_IS_ELF;
	}
	if (kind == LINUX_KERNEL_RAW) {
		text_offset = LINUX_RAW_OFFSET;
		span = size;
	} else {
		memcpy(&h, image, sizeof(h));
		if (h.flags & 1) {
			return LINUX_IMAGE_BIG_ENDIAN;
		}
		err = check_pe_sections(image, size, h.pe_offset);
		if (err) {
			return err;
		}
		text_offset = h.image_size ? h.text_offset : PRE_3_17_TEXT_OFFSET;
		/* image_size covers the BSS too; the file is never larger, but trust neither. */
		span = h.image_size > size ? h.image_size : size;
	}
	/* Checked before the sum, which a huge text_offset or span would wrap. */
	room = ram_size > LINUX_DTB_SPACE ? ram_size - LINUX_DTB_SPACE : 0;
	if (text_offset >= room || span > room - text_offset) {
		return LINUX_IMAGE_NO_ROOM;
	}
	err = linux_layout_place(ram_base, ram_size, ram_base + text_offset,
				 ram_base + text_offset + span, initrd_size, out);
	out->kind = kind;
	return err;
}

const char *linux_image_strerror(int err)
{
	switch (err) {
	case LINUX_IMAGE_EMPTY:
		return "an empty file";
	case LINUX_IMAGE_BIG_ENDIAN:
		return "a big-endian kernel";
	case LINUX_IMAGE_NO_ROOM:
		return "the kernel does not fit in the guest's RAM below its device tree";
	case LINUX_IMAGE_NO_ROOM_INITRD:
		return "the kernel and the initramfs do not fit in the guest's RAM";
	case LINUX_IMAGE_TRUNCATED:
		return "a truncated arm64 Image: the file ends before the sections its header "
		       "lists";
	case LINUX_IMAGE_IS_ELF:
		return "an ELF file, which is loaded by its program headers";
	default:
		return "unknown error";
	}
}
