/* SPDX-License-Identifier: MIT */
/*
 * The CLI's cpio writer (tools/tagvisor/cpio.c), which hands a guest ELF to a Linux host:
 * the newc fields Linux's unpacker reads, 4-byte alignment of names and data, the
 * trailer, and a whole archive padded to pages so the host's initramfs can follow it.
 */
#include "test.h"

#include "../../tools/tagvisor/cpio.h"

#include <stdlib.h>
#include <string.h>

/* Field i (0: ino .. 12: check) of the newc header at h, as the unpacker reads it. */
static unsigned long field(const uint8_t *h, unsigned i)
{
	char hex[9];

	memcpy(hex, h + 6 + 8 * i, 8);
	hex[8] = '\0';
	return strtoul(hex, NULL, 16);
}

TEST(cpio, one_entry)
{
	uint8_t buf[256];
	size_t n = cpio_put(buf, 7, "a/bc", CPIO_FILE, "hello", 5);

	/* 110-byte header + "a/bc\0" = 115, padded to 116; 5 data bytes padded to 8. */
	EXPECT_EQ(n, 124);
	EXPECT_EQ(cpio_entry_size("a/bc", 5), 124);
	EXPECT_EQ(memcmp(buf, "070701", 6), 0);
	EXPECT_EQ(field(buf, 0), 7);	      /* ino */
	EXPECT_EQ(field(buf, 1), 0100644);    /* mode */
	EXPECT_EQ(field(buf, 2), 0);	      /* uid */
	EXPECT_EQ(field(buf, 4), 1);	      /* nlink */
	EXPECT_EQ(field(buf, 6), 5);	      /* filesize */
	EXPECT_EQ(field(buf, 11), 5);	      /* namesize, with the NUL */
	EXPECT_EQ(memcmp(buf + 110, "a/bc", 5), 0);
	EXPECT_EQ(buf[115], 0);
	EXPECT_EQ(memcmp(buf + 116, "hello", 5), 0);
	EXPECT_EQ(buf[121] | buf[122] | buf[123], 0);
}

TEST(cpio, one_file_archive)
{
	static const uint8_t data[4097] = { 0x7f, 'E', 'L', 'F' };
	size_t len = 0, off;
	uint8_t *a = cpio_one_file("guests", "0.elf", data, sizeof(data), &len);

	ASSERT_TRUE(a != NULL);
	EXPECT_EQ(len % 4096, 0);
	/* The directory, the file, the trailer, in that order. */
	EXPECT_EQ(field(a, 1), 0040755);
	EXPECT_EQ(memcmp(a + 110, "guests", 7), 0);
	off = cpio_entry_size("guests", 0);
	EXPECT_EQ(field(a + off, 1), 0100644);
	EXPECT_EQ(field(a + off, 6), sizeof(data));
	EXPECT_EQ(memcmp(a + off + 110, "guests/0.elf", 13), 0);
	EXPECT_EQ(memcmp(a + off + 124, data, sizeof(data)), 0);
	off += cpio_entry_size("guests/0.elf", sizeof(data));
	EXPECT_EQ(memcmp(a + off + 110, "TRAILER!!!", 11), 0);
	EXPECT_EQ(field(a + off, 6), 0);
	/* Zeros to the end: Linux's unpacker skips them before the next archive. */
	off += cpio_entry_size("TRAILER!!!", 0);
	for (; off < len; off++) {
		EXPECT_EQ(a[off], 0);
	}
	free(a);
}

TEST(cpio, refuses_what_newc_cannot_hold)
{
	char name[600];
	size_t len;

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	EXPECT_TRUE(cpio_one_file(name, "0.elf", "", 0, &len) == NULL); /* a path too long */
	EXPECT_TRUE(cpio_one_file("d", "f", "", 1ull << 32, &len) == NULL); /* 4 GiB: 8 hex digits */
}
