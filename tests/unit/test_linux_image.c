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

TEST(linux_image, not_an_image)
{
	struct linux_layout at;

	make_image(0, MIB, 0);
	EXPECT_EQ(linux_image_layout(image, 63, RAM, 64 * MIB, 0, &at), LINUX_IMAGE_NOT_IMAGE);
	image[56] ^= 1;
	EXPECT_EQ(linux_image_layout(image, MIB, RAM, 64 * MIB, 0, &at), LINUX_IMAGE_NOT_IMAGE);
	make_image(0, MIB, 1);
	EXPECT_EQ(linux_image_layout(image, MIB, RAM, 64 * MIB, 0, &at), LINUX_IMAGE_BIG_ENDIAN);
	EXPECT_TRUE(strstr(linux_image_strerror(LINUX_IMAGE_NOT_IMAGE), "magic") != NULL);
	EXPECT_TRUE(strstr(linux_image_strerror(7), "unknown") != NULL);
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
