/* SPDX-License-Identifier: MIT */
/*
 * Placing a Linux guest (lib/linux_image.c): the Image header's checks, the boot
 * protocol's layout, and every way kernel, initramfs and device tree can fail to fit.
 */
#include "test.h"

#include <lib/linux_image.h>

#include <string.h>

#define RAM   0x40000000ull
#define MIB   (1ull << 20)
#define SZ_2M (2 * MIB)

static uint8_t image[4096];

/* An Image header with this text_offset and image_size, and the file size it claims. */
static void make_image(uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	struct linux_image_header h = { 0 };

	h.code0 = 0x91005a4d; /* "MZ" and a branch, as Debian's kernels start */
	h.text_offset = text_offset;
	h.image_size = image_size;
	h.flags = flags;
	h.magic = LINUX_IMAGE_MAGIC;
	memset(image, 0, sizeof(image));
	memcpy(image, &h, sizeof(h));
}

TEST(linux_image, layout_of_debians_kernel)
{
	struct linux_layout at;

	/* Debian 12's arm64 kernel: text_offset 0, about 33 MiB with its BSS. */
	make_image(0, 33 * MIB, 0xa);
	ASSERT_EQ(linux_image_layout(image, 32 * MIB, RAM, 256 * MIB, 1500000, &at), 0);
	EXPECT_EQ(at.kernel, RAM);
	EXPECT_EQ(at.kernel_end, RAM + 33 * MIB);
	EXPECT_EQ(at.dtb, RAM + 254 * MIB);
	EXPECT_EQ(at.initrd, RAM + 252 * MIB); /* 2 MiB aligned, below the device tree */
	EXPECT_LE(at.initrd + 1500000, at.dtb);
}

TEST(linux_image, text_offset_and_old_images)
{
	struct linux_layout at;

	make_image(0x80000, 4 * MIB, 0);
	ASSERT_EQ(linux_image_layout(image, 3 * MIB, RAM, 64 * MIB, 0, &at), 0);
	EXPECT_EQ(at.kernel, RAM + 0x80000);
	EXPECT_EQ(at.initrd, 0);
	/* Before 3.17 image_size is 0: text_offset is then 0x80000 whatever the field says. */
	make_image(0x12345, 0, 0);
	ASSERT_EQ(linux_image_layout(image, 3 * MIB, RAM, 64 * MIB, 0, &at), 0);
	EXPECT_EQ(at.kernel, RAM + 0x80000);
	EXPECT_EQ(at.kernel_end, RAM + 0x80000 + 3 * MIB); /* the file's size then */
	/* A file longer than image_size says: the file counts. */
	make_image(0, MIB, 0);
	ASSERT_EQ(linux_image_layout(image, 5 * MIB, RAM, 64 * MIB, 0, &at), 0);
	EXPECT_EQ(at.kernel_end, RAM + 5 * MIB);
}

TEST(linux_image, kinds_and_refusals)
{
	static const uint8_t elf[8] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
	struct linux_layout at;

	make_image(0, MIB, 0);
	EXPECT_EQ(linux_kernel_kind(image, 64), LINUX_KERNEL_IMAGE);
	EXPECT_EQ(linux_kernel_kind(image, 63), LINUX_KERNEL_RAW); /* too short for the magic */
	EXPECT_EQ(linux_kernel_kind(elf, sizeof(elf)), LINUX_KERNEL_ELF);
	EXPECT_EQ(linux_image_layout(elf, sizeof(elf), RAM, 64 * MIB, 0, &at), LINUX_IMAGE_IS_ELF);
	EXPECT_EQ(linux_image_layout(image, 0, RAM, 64 * MIB, 0, &at), LINUX_IMAGE_EMPTY);
	make_image(0, MIB, 1);
	EXPECT_EQ(linux_image_layout(image, MIB, RAM, 64 * MIB, 0, &at), LINUX_IMAGE_BIG_ENDIAN);
	EXPECT_TRUE(strstr(linux_image_strerror(LINUX_IMAGE_TRUNCATED), "truncated") != NULL);
	EXPECT_TRUE(strstr(linux_image_strerror(7), "unknown") != NULL);
}

/* Without the magic a file is a raw binary: at RAM + 0x80000, as QEMU loads one. */
TEST(linux_image, raw_binaries_at_0x80000)
{
	struct linux_layout at;

	make_image(0, MIB, 0);
	image[56] ^= 1;
	ASSERT_EQ(linux_image_layout(image, 100000, RAM, 64 * MIB, 0, &at), 0);
	EXPECT_EQ(at.kind, LINUX_KERNEL_RAW);
	EXPECT_EQ(at.kernel, RAM + 0x80000);
	EXPECT_EQ(at.kernel_end, RAM + 0x80000 + 100000);
	EXPECT_EQ(at.dtb, RAM + 62 * MIB);
	/* The header's fields mean nothing then: a huge "image_size" is not looked at. */
	memset(image + 16, 0xff, 8);
	EXPECT_EQ(linux_image_layout(image, 4096, RAM, 64 * MIB, 0, &at), 0);
	/* It must fit below the device tree like any kernel. */
	EXPECT_EQ(linux_image_layout(image, 62 * MIB - 0x80000, RAM, 64 * MIB, 0, &at), 0);
	EXPECT_EQ(linux_image_layout(image, 62 * MIB - 0x80000 + 1, RAM, 64 * MIB, 0, &at),
		  LINUX_IMAGE_NO_ROOM);
}

/* An EFI stub's PE header: two sections, the last ending at `end` in the file. */
static void add_pe_header(uint32_t end, uint16_t nr_sections)
{
	uint8_t *pe = image + 64;
	uint8_t *sec = pe + 24 + 160;
	struct linux_image_header h;

	memcpy(&h, image, sizeof(h));
	h.pe_offset = 64;
	memcpy(image, &h, sizeof(h));
	memcpy(pe, "PE\0\0", 4);
	pe[4] = 0x64;
	pe[5] = 0xaa;
	pe[6] = (uint8_t)nr_sections;
	pe[20] = 160; /* SizeOfOptionalHeader, as Linux writes it */
	for (unsigned i = 0; i < 2; i++) {
		uint32_t raw_size = end / 2, raw_ptr = i ? end / 2 : 0;

		memcpy(sec + 40 * i + 16, &raw_size, 4);
		memcpy(sec + 40 * i + 20, &raw_ptr, 4);
	}
}

TEST(linux_image, truncated_images_are_refused)
{
	struct linux_layout at;

	/* Debian's Image: .text and .data, the file ends where .data's bytes end. */
	make_image(0, 33 * MIB, 0xa);
	add_pe_header(32 * MIB, 2);
	EXPECT_EQ(linux_image_layout(image, 32 * MIB, RAM, 256 * MIB, 0, &at), 0);
	EXPECT_EQ(at.kind, LINUX_KERNEL_IMAGE);
	EXPECT_EQ(linux_image_layout(image, 32 * MIB - 1, RAM, 256 * MIB, 0, &at),
		  LINUX_IMAGE_TRUNCATED);
	EXPECT_EQ(linux_image_layout(image, 4096, RAM, 256 * MIB, 0, &at), LINUX_IMAGE_TRUNCATED);
	/* A section table that does not fit the file, or a PE offset outside it. */
	add_pe_header(32 * MIB, 200);
	EXPECT_EQ(linux_image_layout(image, 4096, RAM, 256 * MIB, 0, &at), LINUX_IMAGE_TRUNCATED);
	make_image(0, 33 * MIB, 0xa);
	add_pe_header(32 * MIB, 2);
	EXPECT_EQ(linux_image_layout(image, 80, RAM, 256 * MIB, 0, &at), LINUX_IMAGE_TRUNCATED);
	image[64] = 'X'; /* no "PE\0\0" where the header says */
	EXPECT_EQ(linux_image_layout(image, 32 * MIB, RAM, 256 * MIB, 0, &at),
		  LINUX_IMAGE_TRUNCATED);
}

TEST(linux_image, placing_an_elf_kernel)
{
	struct linux_layout at;

	ASSERT_EQ(linux_layout_place(RAM, 64 * MIB, RAM + 0x80000, RAM + 3 * MIB, MIB, &at), 0);
	EXPECT_EQ(at.dtb, RAM + 62 * MIB);
	EXPECT_EQ(at.initrd, RAM + 60 * MIB);
	EXPECT_EQ(linux_layout_place(RAM, 64 * MIB, RAM, RAM + 62 * MIB + 1, 0, &at),
		  LINUX_IMAGE_NO_ROOM);
	EXPECT_EQ(linux_layout_place(RAM, 64 * MIB, RAM, RAM + 61 * MIB, 2 * MIB, &at),
		  LINUX_IMAGE_NO_ROOM_INITRD);
}

TEST(linux_image, everything_must_fit)
{
	struct linux_layout at;

	/* Exactly up to the device tree fits; one byte more does not. */
	make_image(0, 62 * MIB, 0);
	EXPECT_EQ(linux_image_layout(image, MIB, RAM, 64 * MIB, 0, &at), 0);
	make_image(0, 62 * MIB + 1, 0);
	EXPECT_EQ(linux_image_layout(image, MIB, RAM, 64 * MIB, 0, &at), LINUX_IMAGE_NO_ROOM);
	/* text_offset or image_size so large that a careless sum would wrap. */
	make_image(~0ull - 4096, 8192, 0);
	EXPECT_EQ(linux_image_layout(image, MIB, RAM, 64 * MIB, 0, &at), LINUX_IMAGE_NO_ROOM);
	make_image(0x80000, ~0ull, 0);
	EXPECT_EQ(linux_image_layout(image, MIB, RAM, 64 * MIB, 0, &at), LINUX_IMAGE_NO_ROOM);
	/* RAM smaller than the device tree's 2 MiB. */
	make_image(0, MIB, 0);
	EXPECT_EQ(linux_image_layout(image, MIB, RAM, MIB, 0, &at), LINUX_IMAGE_NO_ROOM);
	/* The initramfs between the kernel's 2 MiB-aligned end and the device tree. */
	make_image(0, 31 * MIB, 0); /* ends at 32 MiB: 30 MiB left below the tree at 62 */
	EXPECT_EQ(linux_image_layout(image, MIB, RAM, 64 * MIB, 30 * MIB, &at), 0);
	EXPECT_EQ(at.initrd, RAM + 32 * MIB);
	EXPECT_EQ(linux_image_layout(image, MIB, RAM, 64 * MIB, 30 * MIB + 1, &at),
		  LINUX_IMAGE_NO_ROOM_INITRD);
	EXPECT_EQ(linux_image_layout(image, MIB, RAM, 64 * MIB, ~0ull, &at),
		  LINUX_IMAGE_NO_ROOM_INITRD);
}
