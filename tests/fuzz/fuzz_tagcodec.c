/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target of the allocation-tag codec:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I include lib/tagcodec.c \
 *         tests/fuzz/fuzz_tagcodec.c -o /tmp/fuzz_tagcodec
 *   /tmp/fuzz_tagcodec -max_total_time=120 [corpus-dir]
 * The whole input is a candidate encoding; its first 128 bytes are also a page to encode,
 * and its bytes, read as (tag, length) pairs, also build a page of runs, which random
 * 128-byte pages (nearly always raw) rarely are. The fast codec must agree with the
 * reference one (tests/common/tagcodec_ref.c): the same bytes for every page, the same
 * verdict and page for every candidate encoding.
 *
 * A seed corpus (encodings of generated pages), natively:
 *   gcc -DTAGCODEC_FUZZ_SEEDS -I include lib/tagcodec.c lib/tagpattern.c \
 *       tests/fuzz/fuzz_tagcodec.c -o /tmp/tagcodec_seeds && /tmp/tagcodec_seeds DIR
 */
#include "../common/tagcodec_ref.h"

#include <lib/tagcodec.h>
#include <stdlib.h>
#include <string.h>

/* Encodes packed, checks the bound, the reference's bytes, and that decoding gives it back. */
static void check_round_trip(const uint8_t *packed)
{
	uint8_t enc[TAGCODEC_MAX_SIZE], ref[TAGCODEC_MAX_SIZE], dec[TAGCODEC_PACKED_SIZE];
	size_t n = tagcodec_encode(packed, enc);
	uint8_t *copy;

	if (n < 1 || n > TAGCODEC_MAX_SIZE) {
		abort();
	}
	if (tagcodec_ref_encode(packed, ref) != n || memcmp(ref, enc, n)) {
		abort();
	}
	/* An exact-size heap copy, so that ASan sees any read beyond n. */
	copy = malloc(n);
	if (!copy) {
		abort();
	}
	memcpy(copy, enc, n);
	if (tagcodec_decode(copy, n, dec) || memcmp(dec, packed, sizeof(dec))) {
		abort();
	}
	free(copy);
	/* Reclaim's quick encoding: the same bytes or raw, and it decodes back as well. */
	n = tagcodec_encode_quick(packed, enc);
	if ((n != TAGCODEC_MAX_SIZE &&
	     (n != tagcodec_ref_encode(packed, ref) || memcmp(ref, enc, n))) ||
	    tagcodec_decode(enc, n, dec) || memcmp(dec, packed, sizeof(dec))) {
		abort();
	}
}

/* Pairs of bytes: the tag in the low nibble of the first, the length - 1 in the second. */
static void runs_page(const uint8_t *data, size_t size, uint8_t *packed)
{
	unsigned int g = 0, tag = 0;

	memset(packed, 0, TAGCODEC_PACKED_SIZE);
	for (size_t i = 0; i + 1 < size && g < TAGCODEC_PAGE_TAGS; i += 2) {
		unsigned int end = g + data[i + 1] + 1u;

		tag = data[i] & 0xfu;
		for (; g < end && g < TAGCODEC_PAGE_TAGS; g++) {
			packed[g >> 1] |= (uint8_t)(tag << ((g & 1) * 4));
		}
	}
	for (; g < TAGCODEC_PAGE_TAGS; g++) {
		packed[g >> 1] |= (uint8_t)(tag << ((g & 1) * 4));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t packed[TAGCODEC_PACKED_SIZE], ref[TAGCODEC_PACKED_SIZE];
	int ret;

	/* libFuzzer's buffer is exactly size bytes long: overreads are caught. */
	ret = tagcodec_decode(data, size, packed);
	if (ret != tagcodec_ref_decode(data, size, ref) ||
	    (ret == 0 && memcmp(packed, ref, sizeof(ref)))) {
		abort();
	}
	if (ret == 0) {
		check_round_trip(packed);
	}
	if (size >= TAGCODEC_PACKED_SIZE) {
		check_round_trip(data);
	}
	runs_page(data, size, packed);
	check_round_trip(packed);
	return 0;
}

#ifdef TAGCODEC_FUZZ_SEEDS
#include <lib/tagpattern.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	uint8_t page[TAGCODEC_PACKED_SIZE], enc[TAGCODEC_MAX_SIZE];
	char name[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (int cls = 0; cls < TAGPATTERN_NR_CLASSES; cls++) {
		for (uint64_t seed = 0; seed < 8; seed++) {
			size_t n;
			FILE *f;

			tagpattern_generate((enum tagpattern_class)cls, seed, page);
			n = tagcodec_encode(page, enc);
			snprintf(name, sizeof(name), "%s/%s-%llu", argv[1],
				 tagpattern_class_name((enum tagpattern_class)cls),
				 (unsigned long long)seed);
			f = fopen(name, "wb");
			if (!f || fwrite(enc, 1, n, f) != n || fclose(f)) {
				perror(name);
				return 1;
			}
		}
	}
	return 0;
}
#endif
