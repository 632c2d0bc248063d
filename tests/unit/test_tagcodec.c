/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the allocation-tag codec (lib/tagcodec.c) and of the page generators
 * (lib/tagpattern.c). Inputs handed to the decoder are heap copies of exactly the tested
 * length, so that a sanitizer build catches any read beyond len.
 */
#include "test.h"

#include "../common/tagcodec_ref.h"

#include <lib/tagcodec.h>
#include <lib/tagpattern.h>
#include <stdlib.h>

#define PAGE   TAGCODEC_PACKED_SIZE
#define MAXENC TAGCODEC_MAX_SIZE

static int same_page(const uint8_t *a, const uint8_t *b)
{
	for (unsigned int i = 0; i < PAGE; i++) {
		if (a[i] != b[i]) {
			return 0;
		}
	}
	return 1;
}

/* Decodes a heap copy of exactly len bytes (NULL if len is 0). */
static int decode_copy(const uint8_t *in, size_t len, uint8_t *packed)
{
	uint8_t *copy = NULL;
	int ret;

	if (len) {
		copy = malloc(len);
		if (!copy) {
			abort();
		}
		for (size_t i = 0; i < len; i++) {
			copy[i] = in[i];
		}
	}
	ret = tagcodec_decode(copy, len, packed);
	free(copy);
	return ret;
}

/*
 * Encodes, checks the bounds and the baseline property, decodes and compares. Returns the
 * encoded size, or 0 after a failed check.
 */
static size_t check_round_trip(const uint8_t *packed)
{
	uint8_t enc[MAXENC + 8], dec[PAGE];
	size_t base = tagpattern_mtecomp_baseline_size(packed), n;
	int before = unit_test_failed_checks;

	/* Canaries: the encoder must not write beyond its 129 bytes. */
	for (unsigned int i = 0; i < sizeof(enc); i++) {
		enc[i] = 0xa5;
	}
	n = tagcodec_encode(packed, enc);
	EXPECT_LE(1, n);
	EXPECT_LE(n, MAXENC);
	for (unsigned int i = MAXENC; i < sizeof(enc); i++) {
		EXPECT_EQ(enc[i], 0xa5);
	}
	/* Never above the mtecomp baseline, except one byte more than its raw 128 bytes. */
	EXPECT_LE(n, base == PAGE ? PAGE + 1 : base);
	EXPECT_EQ(decode_copy(enc, n, dec), 0);
	EXPECT_TRUE(same_page(packed, dec));
	return unit_test_failed_checks == before ? n : 0;
}

static void page_fill(uint8_t *packed, unsigned int tag)
{
	for (unsigned int i = 0; i < PAGE; i++) {
		packed[i] = (uint8_t)(tag * 0x11);
	}
}

TEST(tagcodec, zero_page_is_one_byte)
{
	uint8_t page[PAGE], enc[MAXENC];

	page_fill(page, 0);
	ASSERT_EQ(tagcodec_encode(page, enc), 1);
	EXPECT_EQ(enc[0], 0x00);
	EXPECT_EQ(check_round_trip(page), 1);
}

TEST(tagcodec, uniform_pages_are_one_byte)
{
	uint8_t page[PAGE], enc[MAXENC];

	for (unsigned int t = 0; t < 16; t++) {
		page_fill(page, t);
		ASSERT_EQ(tagcodec_encode(page, enc), 1);
		EXPECT_EQ(enc[0], t);
		EXPECT_EQ(check_round_trip(page), 1);
	}
}

/* Encodings worked out by hand from docs/TAGCODEC.md, so that the format cannot drift. */
TEST(tagcodec, golden_vectors)
{
	static const uint8_t halves[] = {0x11, 0xef, 0x20, 0xef, 0x00};
	static const uint8_t small[] = {0x13, 0x00, 0xf0, 0xed, 0x02};
	static const uint8_t inl[] = {0xc7, 0x31, 0x02, 0x8f, 0x42, 0xa1, 0x50, 0x28};
	static const uint8_t lens[] = {40, 40, 40, 40, 56, 40};
	static const uint8_t tags[] = {7, 1, 3, 2, 0, 15};
	uint8_t page[PAGE], enc[MAXENC], dec[PAGE];
	unsigned int g = 0;
	size_t n;

	/* Two runs of 128: tags 1 then 2. */
	page_fill(page, 1);
	for (unsigned int i = 64; i < PAGE; i++) {
		page[i] = 0x22;
	}
	n = tagcodec_encode(page, enc);
	ASSERT_EQ(n, sizeof(halves));
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ(enc[i], halves[i]);
	}

	/* Tag 3, one granule of tag 0, then tag 15 up to the end (254 granules). */
	page_fill(page, 15);
	page[0] = 0x03;
	n = tagcodec_encode(page, enc);
	ASSERT_EQ(n, sizeof(small));
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ(enc[i], small[i]);
	}

	/* Six runs that are too long for a short run list: the inline mode. */
	for (unsigned int r = 0; r < sizeof(lens); r++) {
		for (unsigned int i = 0; i < lens[r]; i++) {
			tagpattern_set(page, g++, tags[r]);
		}
	}
	n = tagcodec_encode(page, enc);
	ASSERT_EQ(n, sizeof(inl));
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ(enc[i], inl[i]);
	}
	EXPECT_EQ(decode_copy(inl, sizeof(inl), dec), 0);
	EXPECT_TRUE(same_page(page, dec));

	/* Raw: header 0x70 and the packed bytes. */
	tagpattern_generate(TAGPATTERN_RANDOM, 1, page);
	n = tagcodec_encode(page, enc);
	ASSERT_EQ(n, MAXENC);
	EXPECT_EQ(enc[0], 0x70);
	EXPECT_TRUE(same_page(page, enc + 1));
}

TEST(tagcodec, round_trip_generated_classes)
{
	uint8_t page[PAGE];

	for (int cls = 0; cls < TAGPATTERN_NR_CLASSES; cls++) {
		for (uint64_t seed = 0; seed < 2500; seed++) {
			tagpattern_generate((enum tagpattern_class)cls, seed, page);
			ASSERT_NE(check_round_trip(page), 0);
		}
	}
}

TEST(tagcodec, round_trip_every_run_length)
{
	uint8_t page[PAGE];

	for (unsigned int len = 1; len <= TAGCODEC_PAGE_TAGS; len++) {
		/* Runs of len alternating 0 and 15, then cycling through every tag. */
		for (unsigned int g = 0; g < TAGCODEC_PAGE_TAGS; g++) {
			tagpattern_set(page, g, (g / len) & 1 ? 15 : 0);
		}
		ASSERT_NE(check_round_trip(page), 0);
		for (unsigned int g = 0; g < TAGCODEC_PAGE_TAGS; g++) {
			tagpattern_set(page, g, (g / len) % 16);
		}
		ASSERT_NE(check_round_trip(page), 0);
		/* One run of len at every start, in a page of another tag. */
		for (unsigned int start = 0; start + len <= TAGCODEC_PAGE_TAGS; start++) {
			page_fill(page, 9);
			for (unsigned int g = start; g < start + len; g++) {
				tagpattern_set(page, g, 6);
			}
			ASSERT_NE(check_round_trip(page), 0);
		}
	}
}

TEST(tagcodec, round_trip_alternating_tags)
{
	uint8_t page[PAGE];

	for (unsigned int a = 0; a < 16; a++) {
		for (unsigned int b = 0; b < 16; b++) {
			for (unsigned int g = 0; g < TAGCODEC_PAGE_TAGS; g++) {
				tagpattern_set(page, g, g & 1 ? b : a);
			}
			ASSERT_NE(check_round_trip(page), 0);
		}
	}
}

TEST(tagcodec, round_trip_single_different_granule)
{
	static const unsigned int pairs[][2] = {{0, 15}, {15, 0}, {0, 1}, {7, 8}};
	uint8_t page[PAGE];

	for (unsigned int p = 0; p < 4; p++) {
		for (unsigned int g = 0; g < TAGCODEC_PAGE_TAGS; g++) {
			page_fill(page, pairs[p][0]);
			tagpattern_set(page, g, pairs[p][1]);
			/* Three runs at most: it must fit the 8 inline bytes. */
			ASSERT_NE(check_round_trip(page), 0);
			EXPECT_LE(check_round_trip(page), 8);
		}
	}
}

/* Pages of 2..6 runs with random boundaries, long runs included: never above 8 bytes. */
TEST(tagcodec, few_runs_fit_in_eight_bytes)
{
	uint64_t rng = 42;
	uint8_t page[PAGE];

	for (unsigned int iter = 0; iter < 20000; iter++) {
		unsigned int runs = 2 + iter % 5, cuts[6], tag = tagpattern_rand(&rng) & 0xf;

		/* Distinct cut points in 1..255, by rejection. */
		for (unsigned int i = 0; i < runs - 1;) {
			unsigned int c = 1 + (unsigned int)(tagpattern_rand(&rng) % 255), j;

			for (j = 0; j < i && cuts[j] != c; j++) {
			}
			if (j == i) {
				cuts[i++] = c;
			}
		}
		for (unsigned int g = 0; g < TAGCODEC_PAGE_TAGS; g++) {
			for (unsigned int i = 0; i < runs - 1; i++) {
				if (cuts[i] == g) {
					/* Another tag than the current one. */
					unsigned int step =
					    1 + (unsigned int)(tagpattern_rand(&rng) % 15);

					tag = (tag + step) & 0xf;
				}
			}
			tagpattern_set(page, g, tag);
		}
		ASSERT_EQ(tagpattern_count_runs(page), runs);
		ASSERT_NE(check_round_trip(page), 0);
		EXPECT_LE(check_round_trip(page), 8);
	}
}

TEST(tagcodec, random_pages_at_most_129_bytes)
{
	uint8_t page[PAGE];
	uint64_t rng = 7;

	for (unsigned int iter = 0; iter < 20000; iter++) {
		/* Random tags drawn from 1, 2 or 16 values: raw, near-raw and run-list pages. */
		unsigned int mask = iter % 3 == 0 ? 15 : iter % 3 == 1 ? 1 : 3;

		for (unsigned int i = 0; i < PAGE; i++) {
			page[i] = (uint8_t)(tagpattern_rand(&rng) & (mask * 0x11));
		}
		ASSERT_NE(check_round_trip(page), 0);
	}
}

TEST(tagcodec, alloc_pages_much_smaller_than_baseline)
{
	uint8_t page[PAGE];
	uint64_t enc = 0, base = 0;

	for (uint64_t seed = 0; seed < 5000; seed++) {
		tagpattern_generate(TAGPATTERN_ALLOC, seed, page);
		enc += check_round_trip(page);
		base += tagpattern_mtecomp_baseline_size(page);
	}
	/* Measured about 18%; a quarter leaves room for generator changes. */
	EXPECT_LE(enc * 4, base);
}

TEST(tagcodec, decode_rejects_truncations_and_trailing_bytes)
{
	static const uint8_t fills[] = {0x00, 0x01, 0x10, 0xff};
	uint8_t page[PAGE], enc[MAXENC + 3], dec[PAGE];

	for (int cls = 0; cls < TAGPATTERN_NR_CLASSES; cls++) {
		for (uint64_t seed = 0; seed < 300; seed++) {
			size_t n;

			tagpattern_generate((enum tagpattern_class)cls, seed, page);
			n = tagcodec_encode(page, enc);
			for (size_t len = 0; len < n; len++) {
				ASSERT_EQ(decode_copy(enc, len, dec), -1);
			}
			for (unsigned int f = 0; f < sizeof(fills); f++) {
				for (size_t extra = 1; extra <= 3; extra++) {
					enc[n + extra - 1] = fills[f];
					ASSERT_EQ(decode_copy(enc, n + extra, dec), -1);
				}
			}
		}
	}
}

TEST(tagcodec, decode_rejects_empty_and_long_inputs)
{
	uint8_t page[PAGE], dec[PAGE];
	static uint8_t buf[1200];
	uint64_t rng = 3;

	EXPECT_EQ(tagcodec_decode(NULL, 0, dec), -1);
	EXPECT_EQ(decode_copy(buf, 0, dec), -1);
	for (int cls = 0; cls < TAGPATTERN_NR_CLASSES; cls++) {
		tagpattern_generate((enum tagpattern_class)cls, 11, page);
		size_t n = tagcodec_encode(page, buf);

		/* A valid encoding followed by garbage of any length. */
		for (size_t i = n; i < sizeof(buf); i++) {
			buf[i] = (uint8_t)tagpattern_rand(&rng);
		}
		for (size_t len = MAXENC + 1; len <= sizeof(buf); len++) {
			EXPECT_EQ(decode_copy(buf, len, dec), -1);
		}
	}
	/*
	 * A run list that is valid but 257 bytes long: 256 runs of one granule. The decoder
	 * accepts at most 129 bytes.
	 */
	buf[0] = 0x10;
	for (size_t i = 1; i < 257; i++) {
		buf[i] = i & 1 ? 0xf0 : 0x00;
	}
	EXPECT_EQ(decode_copy(buf, 257, dec), -1);
	/* The longest run lists: all length nibbles with the continuation bit. */
	buf[0] = 0x10;
	for (size_t i = 1; i < sizeof(buf); i++) {
		buf[i] = 0x88;
	}
	for (size_t len = 1; len <= sizeof(buf); len++) {
		EXPECT_EQ(decode_copy(buf, len, dec), -1);
	}
}

TEST(tagcodec, decode_rejects_malformed_headers)
{
	uint8_t in[MAXENC], dec[PAGE];

	for (unsigned int i = 0; i < MAXENC; i++) {
		in[i] = 0;
	}
	for (unsigned int h = 0; h < 256; h++) {
		in[0] = (uint8_t)h;
		for (size_t len = 1; len <= MAXENC; len++) {
			int ok = decode_copy(in, len, dec) == 0;

			/*
			 * Run list (0x1T): zero nibbles are runs of one granule, never enough
			 * for a page. Inline (0x80..0xff): no length, fewer than two runs.
			 * 0x2T..0x6T and 0x71..0x7f: reserved.
			 */
			if (h < 0x10) {
				EXPECT_EQ(ok, len == 1);
			} else if (h == 0x70) {
				EXPECT_EQ(ok, len == MAXENC);
			} else {
				EXPECT_FALSE(ok);
			}
		}
	}
}

TEST(tagcodec, decode_run_list_limits)
{
	/* One run of 256 (accepted although the encoder would use 0x0T). */
	static const uint8_t one[] = {0x15, 0xef, 0x02};
	/* 255 + 1: fine; 255 + 2: too long. */
	static const uint8_t ok[] = {0x11, 0xee, 0x22, 0x00};
	static const uint8_t over[] = {0x11, 0xee, 0x22, 0x01};
	/* A non-zero padding nibble; a fourth varint nibble. */
	static const uint8_t pad[] = {0x11, 0xef, 0x20, 0xef, 0x10};
	static const uint8_t four[] = {0x11, 0x88, 0x88};
	uint8_t dec[PAGE];

	EXPECT_EQ(decode_copy(one, sizeof(one), dec), 0);
	EXPECT_EQ(tagpattern_get(dec, 0), 5);
	EXPECT_EQ(tagpattern_get(dec, 255), 5);
	EXPECT_EQ(decode_copy(ok, sizeof(ok), dec), 0);
	EXPECT_EQ(tagpattern_get(dec, 254), 1);
	EXPECT_EQ(tagpattern_get(dec, 255), 2);
	EXPECT_EQ(decode_copy(over, sizeof(over), dec), -1);
	EXPECT_EQ(decode_copy(pad, sizeof(pad), dec), -1);
	EXPECT_EQ(decode_copy(four, sizeof(four), dec), -1);
}

/* A 129-byte run list (the encoder stores that page raw) is still valid. */
TEST(tagcodec, decode_longest_run_list)
{
	uint8_t in[MAXENC], dec[PAGE], page[PAGE];

	/* 126 runs of one granule alternating 0 and 15, then 130 granules of tag 0. */
	in[0] = 0x10;
	for (unsigned int i = 1; i <= 126; i++) {
		in[i] = i & 1 ? 0xf0 : 0x00;
	}
	in[127] = 0xf9; /* varint(130) = 9 f 0, then the padding nibble */
	in[128] = 0x00;
	ASSERT_EQ(decode_copy(in, MAXENC, dec), 0);
	for (unsigned int g = 0; g < TAGCODEC_PAGE_TAGS; g++) {
		tagpattern_set(page, g, g < 126 && (g & 1) ? 15 : 0);
	}
	EXPECT_TRUE(same_page(page, dec));
	EXPECT_EQ(check_round_trip(page), MAXENC);
}

TEST(tagcodec, decode_inline_limits)
{
	/* The golden inline vector with one field broken at a time. */
	static const uint8_t good[] = {0xc7, 0x31, 0x02, 0x8f, 0x42, 0xa1, 0x50, 0x28};
	uint8_t in[8], dec[PAGE];

	for (unsigned int i = 0; i < 8; i++) {
		in[i] = good[i];
	}
	EXPECT_EQ(decode_copy(in, 8, dec), 0);
	in[0] = 0xe7; /* implicit run index 6 */
	EXPECT_EQ(decode_copy(in, 8, dec), -1);
	in[0] = good[0];
	in[7] = 0xa8; /* reserved bit 55 */
	EXPECT_EQ(decode_copy(in, 8, dec), -1);
	in[7] = 0x7f; /* the last length 127: the lengths add up beyond 255 */
	EXPECT_EQ(decode_copy(in, 8, dec), -1);
	in[7] = 0x00; /* five runs, but the tag of run 5 is not zero */
	EXPECT_EQ(decode_copy(in, 8, dec), -1);
	in[3] = 0x80; /* five runs, run 5 tag cleared: fine, the implicit run 4 is 96 */
	EXPECT_EQ(decode_copy(in, 8, dec), 0);
	EXPECT_EQ(tagpattern_get(dec, 255), 0);
	EXPECT_EQ(tagpattern_get(dec, 160), 0);
	EXPECT_EQ(tagpattern_get(dec, 159), 2);
}

/* Corrupted encodings must be rejected or decode to a page that round-trips. */
TEST(tagcodec, decode_survives_corruption)
{
	uint8_t page[PAGE], enc[MAXENC], bad[MAXENC], dec[PAGE], enc2[MAXENC], dec2[PAGE];
	uint64_t rng = 99;
	unsigned int accepted = 0, rejected = 0;

	for (unsigned int iter = 0; iter < 40000; iter++) {
		size_t n, n2;

		tagpattern_generate((enum tagpattern_class)(iter % TAGPATTERN_NR_CLASSES), iter,
				    page);
		n = tagcodec_encode(page, enc);
		for (size_t i = 0; i < n; i++) {
			bad[i] = enc[i];
		}
		/* One to three random bit flips or byte overwrites. */
		for (unsigned int k = 0; k <= iter % 3; k++) {
			uint64_t r = tagpattern_rand(&rng);
			size_t at = (size_t)(r % n);

			if (r & (1ull << 40)) {
				bad[at] = (uint8_t)(r >> 48);
			} else {
				bad[at] ^= (uint8_t)(1u << ((r >> 48) & 7));
			}
		}
		if (decode_copy(bad, n, dec)) {
			rejected++;
			continue;
		}
		accepted++;
		n2 = tagcodec_encode(dec, enc2);
		ASSERT_EQ(decode_copy(enc2, n2, dec2), 0);
		ASSERT_TRUE(same_page(dec, dec2));
	}
	/* Both outcomes must have happened, or the test is not testing much. */
	EXPECT_NE(accepted, 0);
	EXPECT_NE(rejected, 0);
}

/* ---- the fast codec against the reference one (tests/common/tagcodec_ref.c) ---- */

/* Both decoders on exactly len bytes: the same verdict, and the same page if accepted. */
static void expect_same_decode(const uint8_t *in, size_t len)
{
	uint8_t a[PAGE], b[PAGE];
	uint8_t *copy = malloc(len ? len : 1);
	int ra, rb;

	if (!copy) {
		abort();
	}
	for (size_t i = 0; i < len; i++) {
		copy[i] = in[i];
	}
	ra = tagcodec_decode(copy, len, a);
	rb = tagcodec_ref_decode(copy, len, b);
	free(copy);
	EXPECT_EQ(ra, rb);
	if (ra == 0 && rb == 0) {
		EXPECT_TRUE(same_page(a, b));
	}
}

/* Pages of n runs of random lengths (at least 1) and random tags. */
static void runs_page(uint64_t *rng, unsigned int n, uint8_t *packed)
{
	unsigned int g = 0, tag = 0;

	for (unsigned int r = 0; r < n && g < 256; r++) {
		unsigned int left = 256 - g - (n - r - 1 < 256 - g ? n - r - 1 : 0);
		unsigned int len =
		    r + 1 == n ? 256 - g : 1 + (unsigned int)(tagpattern_rand(rng) % left);

		tag = (unsigned int)tagpattern_rand(rng) & 0xf;
		for (unsigned int e = g + len; g < e && g < 256; g++) {
			packed[g >> 1] = (uint8_t)((packed[g >> 1] & (0xf0 >> ((g & 1) * 4))) |
						   tag << ((g & 1) * 4));
		}
	}
	for (; g < 256; g++) {
		packed[g >> 1] =
		    (uint8_t)((packed[g >> 1] & (0xf0 >> ((g & 1) * 4))) | tag << ((g & 1) * 4));
	}
}

TEST(tagcodec, encodes_every_page_as_the_reference_does)
{
	/* One spare byte in front: the codec must not care how its buffers are aligned. */
	uint8_t buf[PAGE + 1] __attribute__((aligned(8))), enc[MAXENC + 1], ref[MAXENC];
	uint64_t rng = 7;
	unsigned int modes[8] = { 0 };

	for (unsigned int iter = 0; iter < 60000; iter++) {
		uint8_t *page = buf + (iter & 1);
		uint8_t *out = enc + ((iter >> 1) & 1);
		size_t n, nr;

		if (iter < 20000) {
			tagpattern_generate((enum tagpattern_class)(iter % TAGPATTERN_NR_CLASSES),
					    iter, page);
		} else {
			/* 1..160 runs: every mode and both sides of the raw limit. */
			runs_page(&rng, 1 + iter % 160, page);
		}
		n = tagcodec_encode(page, out);
		nr = tagcodec_ref_encode(page, ref);
		ASSERT_EQ(n, nr);
		for (size_t i = 0; i < n; i++) {
			ASSERT_EQ(out[i], ref[i]);
		}
		modes[out[0] >> 4 & 7]++;
		expect_same_decode(out, n);
	}
	/* Uniform, run list, raw and inline encodings were all among them. */
	EXPECT_NE(modes[0], 0);
	EXPECT_NE(modes[1], 0);
	EXPECT_NE(modes[7], 0);
	EXPECT_NE(modes[0] + modes[1] + modes[7], 60000);
}

/* Reclaim's encoder: the same bytes up to 6 runs, raw beyond; either decodes back. */
TEST(tagcodec, quick_encoding_lists_no_more_than_six_runs)
{
	uint8_t buf[PAGE + 1] __attribute__((aligned(8))), enc[MAXENC + 9], ref[MAXENC], dec[PAGE];
	uint64_t rng = 5;

	for (unsigned int iter = 0; iter < 30000; iter++) {
		uint8_t *page = buf + (iter & 1), *out = enc + (iter % 9);
		unsigned int runs;
		size_t n, nr;

		runs_page(&rng, 1 + iter % 40, page);
		runs = tagpattern_count_runs(page);
		for (unsigned int i = 0; i < MAXENC; i++) {
			out[i] = 0xa5; /* canaries: nothing past the returned length is written */
		}
		n = tagcodec_encode_quick(page, out);
		nr = tagcodec_ref_encode(page, ref);
		if (runs <= 6) {
			ASSERT_EQ(n, nr);
			for (size_t i = 0; i < n; i++) {
				ASSERT_EQ(out[i], ref[i]);
			}
		} else {
			ASSERT_EQ(n, MAXENC);
			EXPECT_EQ(out[0], 0x70);
			EXPECT_TRUE(same_page(page, out + 1));
		}
		for (size_t i = n; i < MAXENC; i++) {
			ASSERT_EQ(out[i], 0xa5);
		}
		ASSERT_EQ(decode_copy(out, n, dec), 0);
		ASSERT_TRUE(same_page(page, dec));
	}
}

TEST(tagcodec, rejects_exactly_what_the_reference_rejects)
{
	uint8_t page[PAGE], enc[MAXENC + 2], dec[PAGE];
	uint64_t rng = 11;
	unsigned int accepted = 0, rejected = 0;

	for (unsigned int iter = 0; iter < 60000; iter++) {
		uint64_t r = tagpattern_rand(&rng);
		size_t n;

		runs_page(&rng, 1 + iter % 140, page);
		n = tagcodec_encode(page, enc);
		switch (iter % 4) {
		case 0: /* one to three bytes changed */
			for (unsigned int k = 0; k <= (r >> 8) % 3; k++) {
				enc[tagpattern_rand(&rng) % n] ^=
				    (uint8_t)(1 + tagpattern_rand(&rng) % 255);
			}
			break;
		case 1: /* cut short or extended */
			if (r & 1 && n > 1) {
				n -= 1 + (r >> 8) % (n - 1);
			} else if (n < MAXENC) {
				enc[n++] = (uint8_t)(r >> 16);
				enc[n] = (uint8_t)(r >> 24);
				n += (r >> 32) & 1 && n < MAXENC;
			}
			break;
		case 2: /* random bytes behind a run-list header */
			n = 2 + (r >> 8) % (MAXENC - 1);
			enc[0] = (uint8_t)(0x10 | (r & 0xf));
			for (size_t i = 1; i < n; i++) {
				enc[i] = (uint8_t)tagpattern_rand(&rng);
			}
			break;
		default: /* a low nibble of the padding byte, or a varint's top nibble, set */
			enc[n - 1] ^= (uint8_t)(r & 0x88);
			break;
		}
		expect_same_decode(enc, n);
		if (tagcodec_decode(enc, n, dec)) {
			rejected++;
		} else {
			accepted++;
		}
	}
	EXPECT_NE(accepted, 0);
	EXPECT_NE(rejected, 0);
}

TEST(tagpattern, generators_are_deterministic_and_distinct)
{
	uint8_t a[PAGE], b[PAGE];

	for (int cls = 0; cls < TAGPATTERN_NR_CLASSES; cls++) {
		tagpattern_generate((enum tagpattern_class)cls, 5, a);
		tagpattern_generate((enum tagpattern_class)cls, 5, b);
		EXPECT_TRUE(same_page(a, b));
	}
	tagpattern_generate(TAGPATTERN_ALLOC, 5, a);
	tagpattern_generate(TAGPATTERN_ALLOC, 6, b);
	EXPECT_FALSE(same_page(a, b));
	tagpattern_generate(TAGPATTERN_ZERO, 5, a);
	page_fill(b, 0);
	EXPECT_TRUE(same_page(a, b));
	tagpattern_generate(TAGPATTERN_UNIFORM, 5, a);
	EXPECT_EQ(tagpattern_count_runs(a), 1);
}

TEST(tagpattern, alloc_pages_look_like_allocations)
{
	uint8_t page[PAGE];
	unsigned int runs = 0, few = 0;

	for (uint64_t seed = 0; seed < 2000; seed++) {
		tagpattern_generate(TAGPATTERN_ALLOC, seed, page);
		runs += tagpattern_count_runs(page);
		few += tagpattern_count_runs(page) <= 6;
	}
	/* About 19 runs a page on average, a few pages of big objects. */
	EXPECT_LE(2000 * 10, runs);
	EXPECT_LE(runs, 2000 * 30);
	EXPECT_NE(few, 0);
}

TEST(tagpattern, mtecomp_baseline_size)
{
	uint8_t page[PAGE];

	page_fill(page, 4);
	EXPECT_EQ(tagpattern_mtecomp_baseline_size(page), 8);
	for (unsigned int g = 0; g < 5; g++) {
		tagpattern_set(page, 10 + 2 * g, 1); /* 1 + 2 * 5 = 11 runs */
	}
	EXPECT_EQ(tagpattern_count_runs(page), 11);
	EXPECT_EQ(tagpattern_mtecomp_baseline_size(page), 128);
	page_fill(page, 4);
	for (unsigned int g = 0; g < 3; g++) {
		tagpattern_set(page, 100 + 2 * g, 1); /* 7 runs */
	}
	EXPECT_EQ(tagpattern_mtecomp_baseline_size(page), 128);
	tagpattern_set(page, 104, 4); /* 5 runs */
	EXPECT_EQ(tagpattern_mtecomp_baseline_size(page), 8);
}
