/* SPDX-License-Identifier: MIT */
/*
 * Deterministic generators of allocation-tag pages (packed like <lib/tagcodec.h>: granule 2i
 * in the low nibble of byte i, 2i+1 in the high nibble) for tests and benchmarks, and the
 * size of the same page under a baseline of Linux's proposed mtecomp scheme.
 * Freestanding: no libc, no global state; the same seed gives the same page everywhere.
 */
#ifndef LIB_TAGPATTERN_H
#define LIB_TAGPATTERN_H

#include <stddef.h>
#include <stdint.h>

#define TAGPATTERN_PAGE_TAGS   256
#define TAGPATTERN_PACKED_SIZE 128

enum tagpattern_class {
	TAGPATTERN_ZERO,    /* every tag 0 */
	TAGPATTERN_UNIFORM, /* one random tag (0..15) everywhere */
	TAGPATTERN_ALLOC,   /* objects of 16 B..4 KiB, small ones favoured, random tag each */
	TAGPATTERN_RANDOM,  /* every granule an independent random tag */
	TAGPATTERN_NR_CLASSES,
};

/* The generator's PRNG (splitmix64): returns the next value and advances *state. */
uint64_t tagpattern_rand(uint64_t *state);

/* Fills packed with the page of class cls for seed. An unknown class gives a zero page. */
void tagpattern_generate(enum tagpattern_class cls, uint64_t seed,
			 uint8_t packed[TAGPATTERN_PACKED_SIZE]);

/* A short lower-case name of the class ("zero", "uniform", "alloc", "random"), or "?". */
const char *tagpattern_class_name(enum tagpattern_class cls);

/* Number of runs of equal tags in the page (1..256). */
unsigned int tagpattern_count_runs(const uint8_t packed[TAGPATTERN_PACKED_SIZE]);

/*
 * The size the mtecomp baseline would take for the page: 8 bytes if its runs fit inline
 * (at most 6 runs), otherwise raw storage, 128 bytes.
 */
size_t tagpattern_mtecomp_baseline_size(const uint8_t packed[TAGPATTERN_PACKED_SIZE]);

static inline unsigned int tagpattern_get(const uint8_t *packed, unsigned int granule)
{
	return (packed[granule >> 1] >> ((granule & 1) * 4)) & 0xf;
}

static inline void tagpattern_set(uint8_t *packed, unsigned int granule, unsigned int tag)
{
	unsigned int shift = (granule & 1) * 4;

	packed[granule >> 1] =
	    (uint8_t)((packed[granule >> 1] & ~(0xfu << shift)) | ((tag & 0xfu) << shift));
}

#endif
