/* SPDX-License-Identifier: MIT */
/*
 * Prints, as a markdown table, the average encoded size of the tag pages of each generator
 * class next to raw storage and the mtecomp baseline (docs/TAGCODEC.md). Host-native:
 *   gcc -std=c11 -O2 -I include tools/tagcodec-sizes.c lib/tagcodec.c lib/tagpattern.c \
 *       -o tagcodec-sizes && ./tagcodec-sizes [pages-per-class]
 * Exits non-zero if a page does not round-trip, so that it can double as a check.
 */
#include <lib/tagcodec.h>
#include <lib/tagpattern.h>
#include <stdio.h>
#include <stdlib.h>

/* "x.yy" of num/den without floating point, so the output is identical everywhere. */
static void print_ratio(unsigned long long num, unsigned long long den)
{
	unsigned long long hundredths = (num * 100 + den / 2) / den;

	printf("%llu.%02llu", hundredths / 100, hundredths % 100);
}

static int same(const uint8_t *a, const uint8_t *b)
{
	for (unsigned int i = 0; i < TAGCODEC_PACKED_SIZE; i++) {
		if (a[i] != b[i]) {
			return 0;
		}
	}
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long long pages = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000;
	uint8_t page[TAGCODEC_PACKED_SIZE], enc[TAGCODEC_MAX_SIZE], dec[TAGCODEC_PACKED_SIZE];

	if (pages == 0) {
		fprintf(stderr, "usage: %s [pages-per-class]\n", argv[0]);
		return 2;
	}
	printf("| class | pages | encoded avg (B) | min | max | raw (B) | mtecomp baseline avg (B) "
	       "| encoded / baseline |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int cls = 0; cls < TAGPATTERN_NR_CLASSES; cls++) {
		unsigned long long enc_sum = 0, base_sum = 0;
		size_t min = TAGCODEC_MAX_SIZE, max = 0;

		for (unsigned long long seed = 0; seed < pages; seed++) {
			size_t n;

			tagpattern_generate((enum tagpattern_class)cls, seed, page);
			n = tagcodec_encode(page, enc);
			if (tagcodec_decode(enc, n, dec) || !same(page, dec)) {
				fprintf(stderr, "class %d seed %llu does not round-trip\n", cls,
					seed);
				return 1;
			}
			enc_sum += n;
			base_sum += tagpattern_mtecomp_baseline_size(page);
			min = n < min ? n : min;
			max = n > max ? n : max;
		}
		printf("| %s | %llu | ", tagpattern_class_name((enum tagpattern_class)cls), pages);
		print_ratio(enc_sum, pages);
		printf(" | %zu | %zu | %d | ", min, max, TAGCODEC_PACKED_SIZE);
		print_ratio(base_sum, pages);
		printf(" | ");
		print_ratio(enc_sum, base_sum);
		printf(" |\n");
	}
	return 0;
}
