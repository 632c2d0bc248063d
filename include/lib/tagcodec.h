/* SPDX-License-Identifier: MIT */
/*
 * A codec for the allocation tags of one 4 KiB page (256 granules, 4-bit tags),
 * used for reclaimed ("swapped") pages, snapshots and migration streams.
 * Format: docs/TAGCODEC.md.
 *
 * Tags are given packed, two per byte: granule 2i in the low nibble of byte i and
 * granule 2i+1 in the high nibble (the little-endian layout of what LDGM returns).
 */
#ifndef LIB_TAGCODEC_H
#define LIB_TAGCODEC_H

#include <stddef.h>
#include <stdint.h>

#define TAGCODEC_PAGE_TAGS 256
#define TAGCODEC_PACKED_SIZE 128 /* raw storage: what Linux's mteswap keeps */
#define TAGCODEC_MAX_SIZE 129    /* worst case of an encoding */

/* Encodes a page's tags into out. Returns the encoded length, 1..TAGCODEC_MAX_SIZE. */
size_t tagcodec_encode(const uint8_t packed[TAGCODEC_PACKED_SIZE], uint8_t out[TAGCODEC_MAX_SIZE]);

/*
 * The same for pages of at most 6 runs (1 to 8 bytes, cheap to find); pages of more are
 * stored raw without listing their runs, which costs about 35 instructions a run each
 * way. For reclaim: the host keeps a fixed slot per page, so the smaller run list would
 * save it nothing, and EL2 runs with interrupts masked. Any decoder reads the result.
 */
size_t tagcodec_encode_quick(const uint8_t packed[TAGCODEC_PACKED_SIZE],
			     uint8_t out[TAGCODEC_MAX_SIZE]);

/*
 * Decodes exactly `len` bytes of `in`. Returns 0, or -1 if the input is corrupt,
 * truncated or has trailing bytes; then `packed` is left unspecified but nothing
 * outside it or `in` is read or written. len 0 and len > TAGCODEC_MAX_SIZE are always
 * rejected (`in` is not read then, and may be NULL for len 0).
 */
int tagcodec_decode(const uint8_t *in, size_t len, uint8_t packed[TAGCODEC_PACKED_SIZE]);

#endif
