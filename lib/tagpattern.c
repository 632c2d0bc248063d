/* SPDX-License-Identifier: MIT */
/*
 * Tag-page generators for tests and benchmarks. Freestanding (no libc: the native build
 * would see our lib/string.h instead of libc's), no global mutable state.
 */
#include <lib/tagpattern.h>

uint64_t tagpattern_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) for small n; the bias of a 32-bit multiply-shift is negligible here. */
static unsigned int rand_below(uint64_t *state, unsigned int n)
{
	return (unsigned int)(((tagpattern_rand(state) >> 32) * n) >> 32);
}

/*
 * Object sizes in granules: the kmalloc-like classes 16 B, 32 B, 48 B, 64 B, 96 B, 128 B,
 * 192 B, 256 B, 512 B, 1 KiB, 2 KiB, 4 KiB, with weights 12, 11, ..., 1 so that small
 * objects are the most frequent (mean about 15 granules).
 */
static const uint16_t alloc_sizes[] = {1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128, 256};
#define ALLOC_NR_SIZES	   (sizeof(alloc_sizes) / sizeof(alloc_sizes[0]))
#define ALLOC_WEIGHT_TOTAL (ALLOC_NR_SIZES * (ALLOC_NR_SIZES + 1) / 2)

static unsigned int alloc_object_size(uint64_t *state)
{
	unsigned int r = rand_below(state, ALLOC_WEIGHT_TOTAL);

	for (unsigned int i = 0; i < ALLOC_NR_SIZES; i++) {
		unsigned int w = (unsigned int)(ALLOC_NR_SIZES - i);

		if (r < w) {
			return alloc_sizes[i];
		}
		r -= w;
	}
	return alloc_sizes[ALLOC_NR_SIZES - 1];
}

static void fill(uint8_t *packed, unsigned int from, unsigned int to, unsigned int tag)
{
	for (unsigned int g = from; g < to; g++) {
		tagpattern_set(packed, g, tag);
	}
}

static void generate_alloc(uint64_t *state, uint8_t *packed)
{
	unsigned int g = 0;
	unsigned int size = alloc_object_size(state);

	/* The first object may have started on the previous page: keep only its tail. */
	size -= rand_below(state, size);
	while (g < TAGPATTERN_PAGE_TAGS) {
		unsigned int end = g + size;

		if (end > TAGPATTERN_PAGE_TAGS) {
			end = TAGPATTERN_PAGE_TAGS;
		}
		fill(packed, g, end, (unsigned int)(tagpattern_rand(state) & 0xf));
		g = end;
		size = alloc_object_size(state);
	}
}

void tagpattern_generate(enum tagpattern_class cls, uint64_t seed,
			 uint8_t packed[TAGPATTERN_PACKED_SIZE])
{
	/* Mix the class in so that equal seeds of different classes are unrelated. */
	uint64_t state = seed ^ ((uint64_t)cls << 56);

	for (unsigned int i = 0; i < TAGPATTERN_PACKED_SIZE; i++) {
		packed[i] = 0;
	}
	switch (cls) {
	case TAGPATTERN_UNIFORM:
		fill(packed, 0, TAGPATTERN_PAGE_TAGS,
		     (unsigned int)(tagpattern_rand(&state) & 0xf));
		break;
	case TAGPATTERN_ALLOC:
		generate_alloc(&state, packed);
		break;
	case TAGPATTERN_RANDOM:
		for (unsigned int i = 0; i < TAGPATTERN_PACKED_SIZE; i += 8) {
			uint64_t r = tagpattern_rand(&state);

			for (unsigned int j = 0; j < 8; j++) {
				packed[i + j] = (uint8_t)(r >> (8 * j));
			}
		}
		break;
	case TAGPATTERN_ZERO:
	default:
		break;
	}
}

const char *tagpattern_class_name(enum tagpattern_class cls)
{
	switch (cls) {
	case TAGPATTERN_ZERO:
		return "zero";
	case TAGPATTERN_UNIFORM:
		return "uniform";
	case TAGPATTERN_ALLOC:
		return "alloc";
	case TAGPATTERN_RANDOM:
		return "random";
	default:
		return "?";
	}
}

unsigned int tagpattern_count_runs(const uint8_t packed[TAGPATTERN_PACKED_SIZE])
{
	unsigned int runs = 1;

	for (unsigned int g = 1; g < TAGPATTERN_PAGE_TAGS; g++) {
		if (tagpattern_get(packed, g) != tagpattern_get(packed, g - 1)) {
			runs++;
		}
	}
	return runs;
}

size_t tagpattern_mtecomp_baseline_size(const uint8_t packed[TAGPATTERN_PACKED_SIZE])
{
	return tagpattern_count_runs(packed) <= 6 ? 8 : TAGPATTERN_PACKED_SIZE;
}
