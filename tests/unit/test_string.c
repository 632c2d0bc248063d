/* SPDX-License-Identifier: MIT */
/*
 * lib/string.c's word-wise memcpy/memset/memmove against libc, at every alignment of
 * source and destination and lengths around the unrolled loops' edges. Built under
 * other names so that libc's stay in use for everything else.
 */
#include "test.h"

#include <stdint.h>
#include <string.h>

#define memset lib_memset
#define memcpy lib_memcpy
#define memmove lib_memmove
#define memcmp lib_memcmp
#define strlen lib_strlen
#define strcmp lib_strcmp
#define strncmp lib_strncmp
#define strchr lib_strchr
#define strstr lib_strstr
#include "../../lib/string.c"
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strstr

/*
 * Whole aligned words around every buffer: the misaligned path reads the aligned
 * word holding its last byte, as it may on the images (never past a page).
 */
static _Alignas(8) uint8_t src[256], dst[256], want[256];

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(seed + i * 7u + (i >> 3));
	}
}

TEST(string, memcpy_every_alignment)
{
	unsigned bad = 0;

	fill(src, sizeof(src), 1);
	for (size_t so = 0; so < 8; so++) {
		for (size_t d_o = 0; d_o < 8; d_o++) {
			for (size_t n = 0; n <= 160; n++) {
				fill(dst, sizeof(dst), 99);
				memcpy(want, dst, sizeof(want));
				memcpy(want + d_o, src + so, n);
				lib_memcpy(dst + d_o, src + so, n);
				bad += memcmp(dst, want, sizeof(dst)) != 0;
			}
		}
	}
	EXPECT_EQ(bad, 0);
}

TEST(string, memmove_overlapping)
{
	unsigned bad = 0;

	for (size_t from = 0; from < 40; from++) {
		for (size_t to = 0; to < 40; to++) {
			fill(dst, sizeof(dst), 5);
			memcpy(want, dst, sizeof(want));
			memmove(want + to, want + from, 100);
			lib_memmove(dst + to, dst + from, 100);
			bad += memcmp(dst, want, sizeof(dst)) != 0;
		}
	}
	EXPECT_EQ(bad, 0);
}

TEST(string, memset_every_alignment)
{
	unsigned bad = 0;

	for (size_t o = 0; o < 8; o++) {
		for (size_t n = 0; n <= 80; n++) {
			fill(dst, sizeof(dst), 3);
			memcpy(want, dst, sizeof(want));
			memset(want + o, 0xa5, n);
			lib_memset(dst + o, 0xa5, n);
			bad += memcmp(dst, want, sizeof(dst)) != 0;
		}
	}
	EXPECT_EQ(bad, 0);
}
