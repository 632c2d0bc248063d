/* SPDX-License-Identifier: MIT */
/*
 * The reference implementation of the tag codec (docs/TAGCODEC.md): the straightforward
 * one that lib/tagcodec.c replaced for speed, kept for the unit tests and the fuzzer to
 * check that the fast one encodes every page to the same bytes and accepts exactly the
 * same encodings.
 */
#include "tagcodec_ref.h"
#include <stdbool.h>

/* First byte: mode in the high nibble (bit 7 alone for the inline mode), tag 0 in the low. */
#define HDR_UNIFORM 0x00 /* 0x0T: every tag is T; 1 byte */
#define HDR_RUNS    0x10 /* 0x1T: run list, nibble varint lengths; 2..129 (encoder: 128) bytes */
#define HDR_RAW	    0x70 /* exactly 0x70: the 128 packed bytes follow; 129 bytes */
#define HDR_INLINE  0x80 /* 1iiiTTTT: up to 6 runs in exactly 8 bytes */

#define INLINE_SIZE	 8
#define INLINE_MAX_RUNS	 6
#define INLINE_LEN_BITS	 7
#define INLINE_LEN_MAX	 ((1u << INLINE_LEN_BITS) - 1)
#define INLINE_LEN_POS	 20 /* in the 56-bit word of bytes 1..7, after the tags of runs 1..5 */
#define INLINE_TAGS_MASK 0xfffffull /* tags of runs 1..5; bit 55 is reserved */

/* The longest run-list encoding the encoder emits: anything longer goes raw. */
#define RUNS_MAX_NIBBLES (2 * (TAGCODEC_PACKED_SIZE - 1))

#define NIBBLE_LSB 0x1111111111111111ull
#define WORDS	   (TAGCODEC_PACKED_SIZE / 8)

/* Reads a little-endian word of 16 tags; byte loads, since -mstrict-align may be in force. */
static uint64_t load_word(const uint8_t *p)
{
	uint64_t w = 0;

	for (unsigned int i = 0; i < 8; i++) {
		w |= (uint64_t)p[i] << (8 * i);
	}
	return w;
}

static void store_word(uint8_t *p, uint64_t w)
{
	for (unsigned int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(w >> (8 * i));
	}
}

/* The page as 16 words; aligned input is read a word at a time. */
static void load_page(const uint8_t *packed, uint64_t w[WORDS])
{
	if (((uintptr_t)packed & 7) == 0) {
		for (unsigned int k = 0; k < WORDS; k++) {
			w[k] = ((const uint64_t *)(const void *)packed)[k];
		}
	} else {
		for (unsigned int k = 0; k < WORDS; k++) {
			w[k] = load_word(packed + 8 * k);
		}
	}
}

static void store_page(uint8_t *packed, const uint64_t w[WORDS])
{
	if (((uintptr_t)packed & 7) == 0) {
		for (unsigned int k = 0; k < WORDS; k++) {
			((uint64_t *)(void *)packed)[k] = w[k];
		}
	} else {
		for (unsigned int k = 0; k < WORDS; k++) {
			store_word(packed + 8 * k, w[k]);
		}
	}
}

/*
 * Run boundaries, a word at a time: bit 4j+3 of b[k] is set iff granule 16k+j and the
 * granule after it have different tags. Returns the number of boundaries (runs - 1).
 */
static unsigned int find_boundaries(const uint64_t w[WORDS], uint64_t b[WORDS])
{
	uint64_t even = 0, odd = 0; /* per-byte boundary counts, at most 16 each */

	for (unsigned int k = 0; k < WORDS; k++) {
		/* Each nibble against its successor; the page's last granule has none. */
		uint64_t carry = k + 1 < WORDS ? w[k + 1] << 60 : w[k] & (0xfull << 60);
		uint64_t d = w[k] ^ ((w[k] >> 4) | carry);
		uint64_t m = (((d & 0x7777777777777777ull) + 0x7777777777777777ull) | d) &
			     0x8888888888888888ull;

		even += (m >> 3) & 0x0101010101010101ull;
		odd += (m >> 7) & 0x0101010101010101ull;
		b[k] = m;
	}
	return (unsigned int)(((even + odd) * 0x0101010101010101ull) >> 56);
}

/* Whether every tag of the page is the same: the common case, settled first. */
static bool uniform_page(const uint64_t w[WORDS])
{
	uint64_t diff = w[0] ^ ((w[0] & 0xf) * NIBBLE_LSB);

	for (unsigned int k = 1; k < WORDS; k++) {
		diff |= w[k] ^ w[0];
	}
	return !diff;
}

static unsigned int tag_of(const uint64_t *w, unsigned int g)
{
	return (unsigned int)(w[g >> 4] >> (4 * (g & 15))) & 0xf;
}

/* A run length 1..256 as its nibble varint: the nibbles (first in bits 3:0) and their count. */
static uint64_t varint(unsigned int len, unsigned int *count)
{
	if (len <= 8) {
		*count = 1;
		return len - 1;
	}
	if (len <= 72) {
		len -= 9;
		*count = 2;
		return (8 | (len & 7)) | (len >> 3) << 4;
	}
	len -= 73;
	*count = 3;
	return (8 | (len & 7)) | (8 | ((len >> 3) & 7)) << 4 | (uint64_t)(len >> 6) << 8;
}

/* The nibble stream of a run list, gathered in 64-bit words (flushed to bytes at the end). */
struct stream {
	uint64_t word[WORDS + 1];
	unsigned int nibbles;
};

/* Appends up to 16 nibbles, the first in bits 3:0 of v; the words start zeroed. */
static void put_nibbles(struct stream *st, uint64_t v, unsigned int count)
{
	unsigned int k = st->nibbles >> 4, off = 4 * (st->nibbles & 15);

	st->word[k] |= v << off;
	if (off && off + 4 * count > 64) {
		st->word[k + 1] |= v >> (64 - off);
	}
	st->nibbles += count;
}

/*
 * The run list: after the header, for each run its length, then the next run's tag.
 * Returns its size, or 0 if it would exceed TAGCODEC_PACKED_SIZE bytes (then raw).
 */
static size_t encode_runs(const uint64_t *w, const uint64_t *b, uint8_t *out)
{
	struct stream st;
	unsigned int start = 0, count, bytes;

	for (unsigned int k = 0; k <= WORDS; k++) {
		st.word[k] = 0;
	}
	st.nibbles = 0;
	for (unsigned int k = 0; k < WORDS; k++) {
		for (uint64_t m = b[k]; m; m &= m - 1) {
			unsigned int end = 16 * k + (unsigned int)(__builtin_ctzll(m) >> 2) + 1;
			uint64_t v = varint(end - start, &count);

			/* The length, then the tag of the run that starts at `end`. */
			put_nibbles(&st, v | (uint64_t)tag_of(w, end) << (4 * count), count + 1);
			if (st.nibbles > RUNS_MAX_NIBBLES) {
				return 0;
			}
			start = end;
		}
	}
	uint64_t last = varint(TAGCODEC_PAGE_TAGS - start, &count);

	put_nibbles(&st, last, count);
	if (st.nibbles > RUNS_MAX_NIBBLES) {
		return 0;
	}
	bytes = (st.nibbles + 1) / 2; /* an odd count ends with a zero padding nibble */
	out[0] = (uint8_t)(HDR_RUNS | (w[0] & 0xf));
	for (unsigned int i = 0; i < bytes; i++) {
		out[1 + i] = (uint8_t)(st.word[i >> 3] >> (8 * (i & 7)));
	}
	return 1 + bytes;
}

/* Byte 0: 1iiiTTTT; bytes 1..7 (little endian): tags of runs 1..5, then 7-bit lengths. */
static size_t encode_inline(unsigned int runs, const unsigned int *len, const unsigned int *tag,
			    unsigned int largest, uint8_t *out)
{
	uint64_t v = 0;
	unsigned int pos = INLINE_LEN_POS;

	for (unsigned int r = 1; r < runs; r++) {
		v |= (uint64_t)tag[r] << (4 * (r - 1));
	}
	/* The longest run is implied by the others: they all fit in 7 bits. */
	for (unsigned int r = 0; r < runs; r++) {
		if (r != largest) {
			v |= (uint64_t)len[r] << pos;
			pos += INLINE_LEN_BITS;
		}
	}
	out[0] = (uint8_t)(HDR_INLINE | (largest << 4) | tag[0]);
	for (unsigned int i = 1; i < INLINE_SIZE; i++) {
		out[i] = (uint8_t)(v >> (8 * (i - 1)));
	}
	return INLINE_SIZE;
}

/* Pages of at most 6 runs: the run list if it is no longer than 8 bytes, else inline. */
static size_t encode_few_runs(const uint64_t *w, const uint64_t *b, unsigned int runs, uint8_t *out)
{
	unsigned int len[INLINE_MAX_RUNS], tag[INLINE_MAX_RUNS], largest = 0, nibbles = runs - 1;
	unsigned int r = 0, start = 0, count;
	bool fits = true;

	for (unsigned int k = 0; k < WORDS; k++) {
		for (uint64_t m = b[k]; m; m &= m - 1) {
			unsigned int end = 16 * k + (unsigned int)(__builtin_ctzll(m) >> 2) + 1;

			tag[r] = tag_of(w, start);
			len[r++] = end - start;
			start = end;
		}
	}
	tag[r] = tag_of(w, start);
	len[r] = TAGCODEC_PAGE_TAGS - start;
	for (r = 0; r < runs; r++) {
		varint(len[r], &count);
		nibbles += count;
		if (len[r] > len[largest]) {
			largest = r;
		}
	}
	for (r = 0; r < runs; r++) {
		fits &= r == largest || len[r] <= INLINE_LEN_MAX; /* not two runs of 128 */
	}
	if (1 + (nibbles + 1) / 2 <= INLINE_SIZE || !fits) {
		return encode_runs(w, b, out);
	}
	return encode_inline(runs, len, tag, largest, out);
}

size_t tagcodec_ref_encode(const uint8_t packed[TAGCODEC_PACKED_SIZE],
			   uint8_t out[TAGCODEC_MAX_SIZE])
{
	uint64_t w[WORDS], b[WORDS];
	unsigned int runs;
	size_t n = 0;

	load_page(packed, w);
	if (uniform_page(w)) {
		out[0] = (uint8_t)(HDR_UNIFORM | (w[0] & 0xf));
		return 1;
	}
	runs = find_boundaries(w, b) + 1;
	if (runs <= INLINE_MAX_RUNS) {
		return encode_few_runs(w, b, runs, out);
	}
	/* A run costs at least two nibbles (a tag and a length): 128 runs never fit. */
	if (2 * runs - 1 <= RUNS_MAX_NIBBLES) {
		n = encode_runs(w, b, out);
	}
	if (!n) {
		out[0] = HDR_RAW;
		for (unsigned int i = 0; i < TAGCODEC_PACKED_SIZE; i++) {
			out[i + 1] = packed[i];
		}
		n = TAGCODEC_MAX_SIZE;
	}
	return n;
}

/* Sets the tags of granules [from, to) to tag, a word at a time. */
static void fill(uint64_t *w, unsigned int from, unsigned int to, unsigned int tag)
{
	uint64_t pattern = tag * NIBBLE_LSB;

	/* Most runs lie within one word of 16 granules. */
	if (((to - 1) >> 4) == (from >> 4) && to - from < 16) {
		uint64_t mask = ((1ull << (4 * (to - from))) - 1) << (4 * (from & 15));

		w[from >> 4] = (w[from >> 4] & ~mask) | (pattern & mask);
		return;
	}
	while (from < to) {
		unsigned int k = from >> 4, lo = from & 15, hi = to - (k << 4) >= 16 ? 16 : to & 15;
		uint64_t mask = (hi == 16 ? ~0ull : (1ull << (4 * hi)) - 1) & (~0ull << (4 * lo));

		w[k] = (w[k] & ~mask) | (pattern & mask);
		from = (k << 4) + hi;
	}
}

/* Nibble i of a stream, low half of each byte first. */
#define NIBBLE_AT(p, i) (((p)[(i) >> 1] >> (4 * ((i)&1))) & 0xfu)

static int decode_runs(const uint8_t *in, size_t len, uint64_t *w)
{
	static const unsigned int base[3] = { 1, 9, 73 };
	const uint8_t *p = in + 1;
	unsigned int end = (unsigned int)(2 * (len - 1)), pos = 0, tag = in[0] & 0xf, done = 0;

	for (;;) {
		unsigned int v = 0, n = 0, i = 0, nib;

		/* A length: 1..3 nibbles of 3 bits, bit 3 set while more follow. */
		do {
			if (pos >= end || i == 3) {
				return -1;
			}
			nib = NIBBLE_AT(p, pos);
			pos++;
			v |= (nib & 7) << (3 * i);
			n = base[i++] + v;
		} while (nib & 8);
		if (n > TAGCODEC_PAGE_TAGS - done) {
			return -1;
		}
		fill(w, done, done + n, tag);
		done += n;
		if (done == TAGCODEC_PAGE_TAGS) {
			break;
		}
		if (pos >= end) {
			return -1;
		}
		tag = NIBBLE_AT(p, pos);
		pos++;
	}
	/* Only a zero padding nibble may follow, in the high half of the last byte. */
	if (end - pos == 1 && NIBBLE_AT(p, pos) == 0) {
		pos++;
	}
	return pos == end ? 0 : -1;
}

static int decode_inline(const uint8_t *in, uint64_t *w_out)
{
	unsigned int largest = (in[0] >> 4) & 7, runs = 1, done = 0, sum = 0, pos = INLINE_LEN_POS;
	unsigned int len[INLINE_MAX_RUNS];
	uint64_t w = 0;

	for (unsigned int i = 1; i < INLINE_SIZE; i++) {
		w |= (uint64_t)in[i] << (8 * (i - 1));
	}
	/* Lengths of the runs other than `largest`, in order; 0 ends the list. */
	for (unsigned int i = 0; i < INLINE_MAX_RUNS - 1; i++) {
		unsigned int l = (unsigned int)(w >> (pos + INLINE_LEN_BITS * i)) & INLINE_LEN_MAX;

		if (l == 0) {
			break;
		}
		runs++;
		sum += l;
	}
	if (runs < 2 || largest >= runs || sum >= TAGCODEC_PAGE_TAGS) {
		return -1;
	}
	/* Unused length fields, the reserved bit 55 and unused tag fields must be zero. */
	if ((w >> (pos + INLINE_LEN_BITS * (runs - 1))) != 0 ||
	    (w & INLINE_TAGS_MASK) >> (4 * (runs - 1)) != 0) {
		return -1;
	}
	for (unsigned int r = 0; r < runs; r++) {
		if (r == largest) {
			len[r] = TAGCODEC_PAGE_TAGS - sum;
		} else {
			len[r] = (unsigned int)(w >> pos) & INLINE_LEN_MAX;
			pos += INLINE_LEN_BITS;
		}
	}
	for (unsigned int r = 0; r < runs; r++) {
		unsigned int tag = r ? (unsigned int)(w >> (4 * (r - 1))) & 0xf : in[0] & 0xfu;

		fill(w_out, done, done + len[r], tag);
		done += len[r];
	}
	return 0;
}

int tagcodec_ref_decode(const uint8_t *in, size_t len, uint8_t packed[TAGCODEC_PACKED_SIZE])
{
	uint64_t w[WORDS];
	int ret;

	/* Even a run list that the encoder would have stored raw must fit in 129 bytes. */
	if (len == 0 || len > TAGCODEC_MAX_SIZE) {
		return -1;
	}
	if (in[0] & HDR_INLINE) {
		ret = len == INLINE_SIZE ? decode_inline(in, w) : -1;
	} else {
		switch (in[0] & 0xf0) {
		case HDR_UNIFORM:
			if (len != 1) {
				return -1;
			}
			for (unsigned int k = 0; k < WORDS; k++) {
				w[k] = (in[0] & 0xfu) * NIBBLE_LSB;
			}
			ret = 0;
			break;
		case HDR_RUNS:
			ret = decode_runs(in, len, w);
			break;
		case HDR_RAW:
			if (in[0] != HDR_RAW || len != TAGCODEC_MAX_SIZE) {
				return -1;
			}
			for (unsigned int i = 0; i < TAGCODEC_PACKED_SIZE; i++) {
				packed[i] = in[i + 1];
			}
			return 0;
		default:
			return -1; /* reserved modes */
		}
	}
	if (!ret) {
		store_page(packed, w);
	}
	return ret;
}
