/* SPDX-License-Identifier: MIT */
/*
 * Allocation-tag codec for one page; the format is specified in docs/TAGCODEC.md.
 *
 * Freestanding and shared by EL2, EL1 and the native tests: no libc at all (natively our
 * lib/string.h would shadow libc's), no unaligned accesses (-mstrict-align: unaligned
 * buffers are read and written as the aligned words inside them, and bytes at their
 * ends), no recursion, no global mutable state, a few hundred bytes of stack.
 *
 * Written for speed (reclaim, snapshots and migration run it on every page): tags are
 * handled 16 to a 64-bit word, run boundaries found a word at a time, run lists written
 * and read through a 64-bit nibble buffer, and a decoded page is built a word at a time.
 * tests/common/tagcodec_ref.c is the plain implementation it must agree with, byte for
 * byte and in what it rejects.
 */
#include <lib/tagcodec.h>
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

/* The longest run-list stream the encoder emits (in bytes after the header): longer goes raw. */
#define RUNS_MAX_BYTES (TAGCODEC_PACKED_SIZE - 1)

#define NIBBLE_LSB 0x1111111111111111ull
#define WORDS (TAGCODEC_PACKED_SIZE / 8)

/* Small helpers of the hot loops: inlined whatever the compiler's own estimate. */
#define HOT static inline __attribute__((always_inline))
/* Loops over the 16 words of a page are unrolled: their bookkeeping would cost as much. */
#define UNROLL_WORDS _Pragma("GCC unroll 16")

/* Writes a little-endian word byte by byte, at any address. */
HOT void store_word(uint8_t *p, uint64_t w)
{
	p[0] = (uint8_t)w;
	p[1] = (uint8_t)(w >> 8);
	p[2] = (uint8_t)(w >> 16);
	p[3] = (uint8_t)(w >> 24);
	p[4] = (uint8_t)(w >> 32);
	p[5] = (uint8_t)(w >> 40);
	p[6] = (uint8_t)(w >> 48);
	p[7] = (uint8_t)(w >> 56);
}

/* Bytes 0..n-1 of a little-endian word, n = 0..7, without a loop. */
HOT uint64_t load_bytes(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	switch (n) {
	case 7:
		v |= (uint64_t)p[6] << 48;
		__attribute__((fallthrough));
	case 6:
		v |= (uint64_t)p[5] << 40;
		__attribute__((fallthrough));
	case 5:
		v |= (uint64_t)p[4] << 32;
		__attribute__((fallthrough));
	case 4:
		v |= (uint64_t)p[3] << 24;
		__attribute__((fallthrough));
	case 3:
		v |= (uint64_t)p[2] << 16;
		__attribute__((fallthrough));
	case 2:
		v |= (uint64_t)p[1] << 8;
		__attribute__((fallthrough));
	case 1:
		v |= p[0];
		__attribute__((fallthrough));
	default:
		return v;
	}
}

HOT void store_bytes(uint8_t *p, uint64_t v, unsigned int n)
{
	switch (n) {
	case 7:
		p[6] = (uint8_t)(v >> 48);
		__attribute__((fallthrough));
	case 6:
		p[5] = (uint8_t)(v >> 40);
		__attribute__((fallthrough));
	case 5:
		p[4] = (uint8_t)(v >> 32);
		__attribute__((fallthrough));
	case 4:
		p[3] = (uint8_t)(v >> 24);
		__attribute__((fallthrough));
	case 3:
		p[2] = (uint8_t)(v >> 16);
		__attribute__((fallthrough));
	case 2:
		p[1] = (uint8_t)(v >> 8);
		__attribute__((fallthrough));
	case 1:
		p[0] = (uint8_t)v;
		__attribute__((fallthrough));
	default:
		break;
	}
}

/*
 * The page as 16 words from any address, reading only its 128 bytes: unaligned, the 15
 * aligned words inside it are read whole and shifted into place, the 8 bytes before the
 * first and after the last one by bytes.
 */
static void load_page(const uint8_t *packed, uint64_t w[WORDS])
{
	unsigned int a = (uintptr_t)packed & 7, lo = 8 * (8 - a), hi = 8 * a;
	const uint64_t *q = (const uint64_t *)(const void *)(packed + 8 - a);

	if (!a) {
		UNROLL_WORDS
		for (unsigned int k = 0; k < WORDS; k++) {
			w[k] = ((const uint64_t *)(const void *)packed)[k];
		}
		return;
	}
	w[0] = load_bytes(packed, 8 - a) | q[0] << lo;
	UNROLL_WORDS
	for (unsigned int k = 1; k < WORDS - 1; k++) {
		w[k] = q[k - 1] >> hi | q[k] << lo;
	}
	w[WORDS - 1] = q[WORDS - 2] >> hi | load_bytes(packed + TAGCODEC_PACKED_SIZE - a, a) << lo;
}

/* The page's 16 words to any address, as load_page() reads them. */
static void store_page(uint8_t *packed, const uint64_t w[WORDS])
{
	unsigned int a = (uintptr_t)packed & 7, lo = 8 * (8 - a), hi = 8 * a;
	uint64_t *q = (uint64_t *)(void *)(packed + 8 - a);

	if (!a) {
		UNROLL_WORDS
		for (unsigned int k = 0; k < WORDS; k++) {
			((uint64_t *)(void *)packed)[k] = w[k];
		}
		return;
	}
	store_bytes(packed, w[0], 8 - a);
	UNROLL_WORDS
	for (unsigned int k = 0; k < WORDS - 1; k++) {
		q[k] = w[k] >> lo | w[k + 1] << hi;
	}
	store_bytes(packed + TAGCODEC_PACKED_SIZE - a, w[WORDS - 1] >> lo, a);
}

/* Whether every tag of the page is the same: the common case, settled first. */
static bool uniform_page(const uint64_t w[WORDS])
{
	uint64_t diff = w[0] ^ ((w[0] & 0xf) * NIBBLE_LSB);

	UNROLL_WORDS
	for (unsigned int k = 1; k < WORDS; k++) {
		diff |= w[k] ^ w[0];
	}
	return !diff;
}

/* The tags of the granules after those of word k (the page's last is its own successor). */
HOT uint64_t successors(const uint64_t w[WORDS], unsigned int k)
{
	return (w[k] >> 4) | (k + 1 < WORDS ? w[k + 1] << 60 : w[k] & (0xfull << 60));
}

/* Bit 4j set iff nibble j of d is not zero. */
HOT uint64_t nonzero_nibbles(uint64_t d)
{
	d |= d >> 1;
	d |= d >> 2;
	return d & NIBBLE_LSB;
}

/* The total of two words of per-nibble counts (each at most 8). */
HOT unsigned int sum_nibbles(uint64_t a, uint64_t b)
{
	uint64_t bytes = (a & 0x0f0f0f0f0f0f0f0full) + ((a >> 4) & 0x0f0f0f0f0f0f0f0full) +
			 (b & 0x0f0f0f0f0f0f0f0full) + ((b >> 4) & 0x0f0f0f0f0f0f0f0full);

	return (unsigned int)((bytes * 0x0101010101010101ull) >> 56);
}

/* The number of run boundaries (runs - 1), counted a word at a time. */
static unsigned int count_boundaries(const uint64_t w[WORDS])
{
	uint64_t acc[2] = { 0, 0 }; /* per-nibble counts of 8 words each, at most 8 */

	UNROLL_WORDS
	for (unsigned int k = 0; k < WORDS; k++) {
		acc[k & 1] += nonzero_nibbles(w[k] ^ successors(w, k));
	}
	return sum_nibbles(acc[0], acc[1]);
}

/*
 * Run boundaries: bit 4j of b[k] is set iff granule 16k+j and the granule after it have
 * different tags, and nibble j of next[k] is the tag of that next granule.
 */
static unsigned int find_boundaries(const uint64_t w[WORDS], uint64_t b[WORDS],
				    uint64_t next[WORDS])
{
	uint64_t acc[2] = { 0, 0 };

	UNROLL_WORDS
	for (unsigned int k = 0; k < WORDS; k++) {
		next[k] = successors(w, k);
		b[k] = nonzero_nibbles(w[k] ^ next[k]);
		acc[k & 1] += b[k];
	}
	return sum_nibbles(acc[0], acc[1]);
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

/*
 * A nibble stream written through a 64-bit buffer: `bits` bits of `acc` are pending,
 * full words go out as 8 bytes. `p` is where the next byte goes, `end` one past the last
 * byte the stream may take.
 */
struct writer {
	uint64_t acc;
	unsigned int bits;
	uint8_t *p, *end;
};

/* Appends `bits` (at most 16) bits of v; false if the stream would pass `end`. */
HOT bool put_bits(struct writer *wr, uint64_t v, unsigned int bits)
{
	wr->acc |= v << wr->bits;
	wr->bits += bits;
	if (wr->bits >= 64) {
		if (wr->end - wr->p < 8) {
			return false;
		}
		store_word(wr->p, wr->acc);
		wr->p += 8;
		wr->bits -= 64;
		wr->acc = wr->bits ? v >> (bits - wr->bits) : 0;
	}
	return true;
}

/* Writes what is pending (an odd nibble count ends with a zero padding nibble). */
static bool flush_bits(struct writer *wr)
{
	unsigned int bytes = (wr->bits + 7) / 8;

	if ((size_t)(wr->end - wr->p) < bytes) {
		return false;
	}
	for (unsigned int i = 0; i < bytes; i++) {
		wr->p[i] = (uint8_t)(wr->acc >> (8 * i));
	}
	wr->p += bytes;
	return true;
}

/*
 * The run list: after the header, for each run its length, then the next run's tag.
 * Returns its size, or 0 if it would exceed TAGCODEC_PACKED_SIZE bytes (then raw).
 */
static size_t encode_runs(const uint64_t *w, const uint64_t *b, const uint64_t *next, uint8_t *out)
{
	struct writer wr = { 0, 0, out + 1, out + 1 + RUNS_MAX_BYTES };
	unsigned int start = 0, count;

	for (unsigned int k = 0; k < WORDS; k++) {
		for (uint64_t m = b[k]; m; m &= m - 1) {
			/* s = 4j: granule 16k+j ends a run. */
			unsigned int s = (unsigned int)__builtin_ctzll(m);
			unsigned int end = 16 * k + (s >> 2) + 1, len = end - start;
			uint64_t tag = (next[k] >> s) & 0xf;
			bool ok;

			/* The length, then the tag of the run that starts at `end`. */
			if (len <= 8) {
				ok = put_bits(&wr, (len - 1) | tag << 4, 8);
			} else {
				uint64_t v = varint(len, &count);

				ok = put_bits(&wr, v | tag << (4 * count), 4 * count + 4);
			}
			if (!ok) {
				return 0;
			}
			start = end;
		}
	}
	uint64_t last = varint(TAGCODEC_PAGE_TAGS - start, &count);

	if (!put_bits(&wr, last, 4 * count) || !flush_bits(&wr)) {
		return 0;
	}
	out[0] = (uint8_t)(HDR_RUNS | (w[0] & 0xf));
	return (size_t)(wr.p - out);
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
static size_t encode_few_runs(const uint64_t *w, const uint64_t *b, const uint64_t *next,
			      unsigned int runs, uint8_t *out)
{
	unsigned int len[INLINE_MAX_RUNS], tag[INLINE_MAX_RUNS], largest = 0, nibbles = runs - 1;
	unsigned int r = 0, start = 0, count;
	bool fits = true;

	tag[0] = (unsigned int)w[0] & 0xf;
	for (unsigned int k = 0; k < WORDS; k++) {
		for (uint64_t m = b[k]; m; m &= m - 1) {
			unsigned int s = (unsigned int)__builtin_ctzll(m);
			unsigned int end = 16 * k + (s >> 2) + 1;

			len[r++] = end - start;
			tag[r] = (unsigned int)(next[k] >> s) & 0xf;
			start = end;
		}
	}
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
		return encode_runs(w, b, next, out);
	}
	return encode_inline(runs, len, tag, largest, out);
}

/* Both encoders; `list_runs` says whether pages of more than 6 runs get a run list. */
static size_t encode(const uint8_t *packed, uint8_t *out, bool list_runs)
{
	uint64_t w[WORDS], b[WORDS], next[WORDS];
	unsigned int runs;
	size_t n = 0;

	load_page(packed, w);
	if (uniform_page(w)) {
		out[0] = (uint8_t)(HDR_UNIFORM | (w[0] & 0xf));
		return 1;
	}
	/* The quick encoding only counts, unless the page has few runs. */
	runs = (list_runs ? find_boundaries(w, b, next) : count_boundaries(w)) + 1;
	if (runs <= INLINE_MAX_RUNS) {
		if (!list_runs) {
			find_boundaries(w, b, next);
		}
		return encode_few_runs(w, b, next, runs, out);
	}
	/* A run costs at least two nibbles (a tag and a length): 128 runs never fit. */
	if (list_runs && 2 * runs - 1 <= 2 * RUNS_MAX_BYTES) {
		n = encode_runs(w, b, next, out);
	}
	if (!n) {
		out[0] = HDR_RAW;
		store_page(out + 1, w);
		n = TAGCODEC_MAX_SIZE;
	}
	return n;
}

size_t tagcodec_encode(const uint8_t packed[TAGCODEC_PACKED_SIZE], uint8_t out[TAGCODEC_MAX_SIZE])
{
	return encode(packed, out, true);
}

size_t tagcodec_encode_quick(const uint8_t packed[TAGCODEC_PACKED_SIZE],
			     uint8_t out[TAGCODEC_MAX_SIZE])
{
	return encode(packed, out, false);
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

/*
 * The run list's nibbles are read through a 64-bit buffer, `acc`, of which `avail` are
 * loaded (the next one in bits 3:0); `left` bytes at `p` are not yet. Refilled to at
 * least 4 nibbles (the longest length and a tag) when the input has them.
 */
#define REFILL()                                                                                   \
	do {                                                                                       \
		if (left >= 6) {                                                                   \
			acc |=                                                                     \
			    ((uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |         \
			     (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40)   \
			    << (4 * avail);                                                        \
			avail += 12;                                                               \
			p += 6;                                                                    \
			left -= 6;                                                                 \
		}                                                                                  \
		while (avail < 4 && left) {                                                        \
			acc |= (uint64_t)*p++ << (4 * avail);                                      \
			avail += 2;                                                                \
			left--;                                                                    \
		}                                                                                  \
	} while (0)

/*
 * The page is built a word at a time: `word` holds granules 16k.. with the current run's
 * tag from its start on; a run boundary at granule g flips the nibbles from g up to the
 * new tag (the XOR of the two tags), and a word is stored once a run ends past it.
 */
static int decode_runs(const uint8_t *in, size_t len, uint64_t *w)
{
	const uint8_t *p = in + 1;
	size_t left = len - 1;
	uint64_t acc = 0, word;
	unsigned int avail = 0, done = 0, k = 0, tag = in[0] & 0xf;

	word = tag * NIBBLE_LSB;
	for (;;) {
		unsigned int n, nib = (unsigned int)acc & 0xf, next;

		if (avail < 4) {
			REFILL();
			nib = (unsigned int)acc & 0xf;
		}
		/* A length: 1..3 nibbles of 3 bits, bit 3 set while more follow. */
		if (!avail) {
			return -1;
		}
		if (!(nib & 8)) {
			n = nib + 1;
			acc >>= 4;
			avail--;
		} else {
			unsigned int n2 = (unsigned int)(acc >> 4) & 0xf, n3;

			if (avail < 2) {
				return -1;
			}
			if (!(n2 & 8)) {
				n = 9 + (nib & 7) + 8 * n2;
				acc >>= 8;
				avail -= 2;
			} else {
				n3 = (unsigned int)(acc >> 8) & 0xf;
				if (avail < 3 || (n3 & 8)) {
					return -1; /* cut off, or a fourth nibble */
				}
				n = 73 + (nib & 7) + 8 * (n2 & 7) + 64 * n3;
				acc >>= 12;
				avail -= 3;
			}
		}
		done += n;
		if (done >= TAGCODEC_PAGE_TAGS) {
			break;
		}
		if (!avail) {
			return -1; /* the next run's tag is missing (refilled above if there was
				      one) */
		}
		next = (unsigned int)acc & 0xf;
		acc >>= 4;
		avail--;
		/* Words that the ending run completes, then the new tag from granule `done` on. */
		while (k < done >> 4) {
			w[k++] = word;
			word = tag * NIBBLE_LSB;
		}
		word ^= ((uint64_t)(tag ^ next) * NIBBLE_LSB) << (4 * (done & 15));
		tag = next;
	}
	if (done > TAGCODEC_PAGE_TAGS) {
		return -1; /* the last run goes past the page */
	}
	w[k++] = word;
	while (k < WORDS) {
		w[k++] = tag * NIBBLE_LSB;
	}
	/* Only a zero padding nibble may follow, in the high half of the last byte. */
	return left == 0 && (avail == 0 || (avail == 1 && (acc & 0xf) == 0)) ? 0 : -1;
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

int tagcodec_decode(const uint8_t *in, size_t len, uint8_t packed[TAGCODEC_PACKED_SIZE])
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
			UNROLL_WORDS
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
			load_page(in + 1, w);
			ret = 0;
			break;
		default:
			return -1; /* reserved modes */
		}
	}
	if (!ret) {
		store_page(packed, w);
	}
	return ret;
}
