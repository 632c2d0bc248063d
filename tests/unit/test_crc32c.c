/* SPDX-License-Identifier: MIT */
/* CRC32C: known answers, the table against the bit-wise definition, and chaining. */
#include "test.h"

#include <lib/snapshot.h>
#include <string.h>

/* The definition, one bit at a time: what the table in lib/crc32c.c must reproduce. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int b = 0; b < 8; b++) {
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		}
	}
	return ~c;
}

TEST(crc32c, check_value)
{
	EXPECT_EQ(crc32c(0, "123456789", 9), 0xe3069283u);
	EXPECT_EQ(crc32c(0, "", 0), 0);
	EXPECT_EQ(crc32c(0, NULL, 0), 0);
	EXPECT_EQ(crc32c(0x12345678u, NULL, 0), 0x12345678u);
}

/* The iSCSI test vectors of RFC 3720, B.4. */
TEST(crc32c, rfc3720_vectors)
{
	uint8_t buf[32];

	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(crc32c(0, buf, sizeof(buf)), 0x8a9136aau);
	memset(buf, 0xff, sizeof(buf));
	EXPECT_EQ(crc32c(0, buf, sizeof(buf)), 0x62a8ab43u);
	for (int i = 0; i < 32; i++) {
		buf[i] = (uint8_t)i;
	}
	EXPECT_EQ(crc32c(0, buf, sizeof(buf)), 0x46dd794eu);
	for (int i = 0; i < 32; i++) {
		buf[i] = (uint8_t)(31 - i);
	}
	EXPECT_EQ(crc32c(0, buf, sizeof(buf)), 0x113fdb5cu);
}

/* Every byte value at every position: a wrong table entry cannot hide. */
TEST(crc32c, table_matches_definition)
{
	uint8_t buf[300];
	uint32_t x = 1;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(i < 256 ? i : x >> 16);
	}
	for (size_t len = 0; len <= sizeof(buf); len += 7) {
		EXPECT_EQ(crc32c(0, buf, len), crc32c_bitwise(buf, len));
	}
	for (int v = 0; v < 256; v++) {
		uint8_t b = (uint8_t)v;

		EXPECT_EQ(crc32c(0, &b, 1), crc32c_bitwise(&b, 1));
	}
}

TEST(crc32c, chaining_at_every_split)
{
	uint8_t buf[97];
	uint32_t whole;

	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] = (uint8_t)(i * 37 + 11);
	}
	whole = crc32c(0, buf, sizeof(buf));
	for (size_t n = 0; n <= sizeof(buf); n++) {
		EXPECT_EQ(crc32c(crc32c(0, buf, n), buf + n, sizeof(buf) - n), whole);
	}
	/* Three pieces, and pieces of one byte. */
	EXPECT_EQ(crc32c(crc32c(crc32c(0, buf, 10), buf + 10, 50), buf + 60, 37), whole);
	{
		uint32_t c = 0;

		for (size_t i = 0; i < sizeof(buf); i++) {
			c = crc32c(c, buf + i, 1);
		}
		EXPECT_EQ(c, whole);
	}
}

/* Any single-bit change of a message changes its CRC (what the stream relies on). */
TEST(crc32c, single_bit_errors_detected)
{
	uint8_t buf[64];
	uint32_t ref;

	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] = (uint8_t)(i ^ 0x5a);
	}
	ref = crc32c(0, buf, sizeof(buf));
	for (size_t bit = 0; bit < sizeof(buf) * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		EXPECT_NE(crc32c(0, buf, sizeof(buf)), ref);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}
