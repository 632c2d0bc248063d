/* SPDX-License-Identifier: MIT */
/*
 * Allocation-tag codec for one page; the format is specified in docs/TAGCODEC.md.
 *
 * Freestanding and shared by EL2, EL1 and the native tests: no libc at all (natively our
 * lib/string.h would shadow libc's), byte accesses only (-mstrict-align), no recursion,
 * no global mutable state, a few dozen bytes of stack.
 */
#include <lib/tagcodec.h>

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

static unsigned int tag_at(const uint8_t *packed, unsigned int g)
{
	return (packed[g >> 1] >> ((g & 1) * 4)) & 0xf;
}

/* Nibbles of a run length 1..256 in the bijective varint: 1..8, 9..72, 73..584. */
static unsigned int varint_nibbles(unsigned int len)
{
	return len <= 8 ? 1 : len <= 72 ? 2 : 3;
}

struct scan {
	unsigned int runs;	       /* counted up to the point the scan stopped */
	unsigned int nibbles;	       /* run-list stream after the header */
	unsigned int largest;	       /* index of the first longest of runs 0..5 */
	uint16_t len[INLINE_MAX_RUNS]; /* lengths of runs 0..5 */
	uint8_t tag[INLINE_MAX_RUNS];  /* tags of runs 0..5 */
};

static void scan_close_run(struct scan *s, unsigned int tag, unsigned int len)
{
	if (s->runs < INLINE_MAX_RUNS) {
		s->len[s->runs] = (uint16_t)len;
		s->tag[s->runs] = (uint8_t)tag;
		if (len > s->len[s->largest]) {
			s->largest = s->runs;
		}
	}
	s->runs++;
	s->nibbles += varint_nibbles(len);
}

/*
 * One pass over the tags: the run structure and the cost of the run list. Stops early
 * (runs mode impossible) once the run list cannot fit in TAGCODEC_PACKED_SIZE bytes.
 * Returns 0 if it stopped early.
 */
static int scan_page(const uint8_t *packed, struct scan *s)
{
	unsigned int cur = packed[0] & 0xf, start = 0;

	s->runs = 0;
	s->nibbles = 0;
	s->largest = 0;
	s->len[0] = 0;
	for (unsigned int i = 0; i < TAGCODEC_PACKED_SIZE; i++) {
		/* Fast path: both granules continue the current run. */
		if (packed[i] == (uint8_t)(cur * 0x11)) {
			continue;
		}
		for (unsigned int g = 2 * i; g < 2 * i + 2; g++) {
			unsigned int t = tag_at(packed, g);

			if (t == cur) {
				continue;
			}
			scan_close_run(s, cur, g - start);
			s->nibbles++; /* the next run's tag */
			if (s->nibbles > RUNS_MAX_NIBBLES) {
				return 0;
			}
			cur = t;
			start = g;
		}
	}
	scan_close_run(s, cur, TAGCODEC_PAGE_TAGS - start);
	return 1;
}

static void put_nibble(uint8_t *out, unsigned int pos, unsigned int v)
{
	if (pos & 1) {
		out[pos >> 1] = (uint8_t)(out[pos >> 1] | (v << 4));
	} else {
		out[pos >> 1] = (uint8_t)v;
	}
}

static unsigned int put_varint(uint8_t *out, unsigned int pos, unsigned int len)
{
	if (len <= 8) {
		put_nibble(out, pos, len - 1);
		return pos + 1;
	}
	if (len <= 72) {
		len -= 9;
		put_nibble(out, pos, 8 | (len & 7));
		put_nibble(out, pos + 1, len >> 3);
		return pos + 2;
	}
	len -= 73;
	put_nibble(out, pos, 8 | (len & 7));
	put_nibble(out, pos + 1, 8 | ((len >> 3) & 7));
	put_nibble(out, pos + 2, len >> 6);
	return pos + 3;
}

/* The run list: after the header, for each run its length, then the next run's tag. */
static size_t encode_runs(const uint8_t *packed, uint8_t *out)
{
	uint8_t *stream = out + 1;
	unsigned int cur = packed[0] & 0xf, start = 0, pos = 0;

	out[0] = (uint8_t)(HDR_RUNS | cur);
	for (unsigned int i = 0; i < TAGCODEC_PACKED_SIZE; i++) {
		if (packed[i] == (uint8_t)(cur * 0x11)) {
			continue;
		}
		for (unsigned int g = 2 * i; g < 2 * i + 2; g++) {
			unsigned int t = tag_at(packed, g);

			if (t != cur) {
				pos = put_varint(stream, pos, g - start);
				put_nibble(stream, pos++, t);
				cur = t;
				start = g;
			}
		}
	}
	pos = put_varint(stream, pos, TAGCODEC_PAGE_TAGS - start);
	if (pos & 1) {
		put_nibble(stream, pos++, 0); /* padding */
	}
	return 1 + pos / 2;
}

/* Byte 0: 1iiiTTTT; bytes 1..7 (little endian): tags of runs 1..5, then 7-bit lengths. */
static size_t encode_inline(const struct scan *s, uint8_t *out)
{
	uint64_t w = 0;
	unsigned int pos = INLINE_LEN_POS;

	for (unsigned int r = 1; r < s->runs; r++) {
		w |= (uint64_t)s->tag[r] << (4 * (r - 1));
	}
	/* The longest run is implied by the others: they all fit in 7 bits. */
	for (unsigned int r = 0; r < s->runs; r++) {
		if (r != s->largest) {
			w |= (uint64_t)s->len[r] << pos;
			pos += INLINE_LEN_BITS;
		}
	}
	out[0] = (uint8_t)(HDR_INLINE | (s->largest << 4) | s->tag[0]);
	for (unsigned int i = 1; i < INLINE_SIZE; i++) {
		out[i] = (uint8_t)(w >> (8 * (i - 1)));
	}
	return INLINE_SIZE;
}

static int inline_fits(const struct scan *s)
{
	if (s->runs > INLINE_MAX_RUNS) {
		return 0;
	}
	for (unsigned int r = 0; r < s->runs; r++) {
		if (r != s->largest && s->len[r] > INLINE_LEN_MAX) {
			return 0; /* only two runs of 128 */
		}
	}
	return 1;
}

size_t tagcodec_encode(const uint8_t packed[TAGCODEC_PACKED_SIZE], uint8_t out[TAGCODEC_MAX_SIZE])
{
	struct scan s;

	if (scan_page(packed, &s)) {
		size_t runs_size = 1 + (s.nibbles + 1) / 2;

		if (s.runs == 1) {
			out[0] = (uint8_t)(HDR_UNIFORM | s.tag[0]);
			return 1;
		}
		if (runs_size > INLINE_SIZE && inline_fits(&s)) {
			return encode_inline(&s, out);
		}
		if (runs_size <= TAGCODEC_PACKED_SIZE) {
			return encode_runs(packed, out);
		}
	}
	out[0] = HDR_RAW;
	for (unsigned int i = 0; i < TAGCODEC_PACKED_SIZE; i++) {
		out[i + 1] = packed[i];
	}
	return TAGCODEC_MAX_SIZE;
}

static void fill(uint8_t *packed, unsigned int from, unsigned int to, unsigned int tag)
{
	unsigned int g = from;

	if ((g & 1) && g < to) {
		packed[g >> 1] = (uint8_t)((packed[g >> 1] & 0x0f) | (tag << 4));
		g++;
	}
	for (; g + 2 <= to; g += 2) {
		packed[g >> 1] = (uint8_t)(tag * 0x11);
	}
	if (g < to) {
		packed[g >> 1] = (uint8_t)tag; /* the high nibble is the next run's */
	}
}

struct reader {
	const uint8_t *in;
	unsigned int pos, end; /* in nibbles */
};

static int get_nibble(struct reader *rd, unsigned int *v)
{
	if (rd->pos >= rd->end) {
		return -1;
	}
	*v = (rd->in[rd->pos >> 1] >> ((rd->pos & 1) * 4)) & 0xf;
	rd->pos++;
	return 0;
}

static int get_varint(struct reader *rd, unsigned int *len)
{
	static const unsigned int base[3] = {1, 9, 73};
	unsigned int v = 0, n;

	for (unsigned int i = 0; i < 3; i++) {
		if (get_nibble(rd, &n)) {
			return -1;
		}
		v |= (n & 7) << (3 * i);
		if (!(n & 8)) {
			*len = base[i] + v;
			return 0;
		}
	}
	return -1; /* a fourth nibble is never needed */
}

static int decode_runs(const uint8_t *in, size_t len, uint8_t *packed)
{
	struct reader rd = {in + 1, 0, 0};
	unsigned int tag = in[0] & 0xf, done = 0, n, pad;

	rd.end = (unsigned int)(2 * (len - 1));
	for (;;) {
		if (get_varint(&rd, &n) || n > TAGCODEC_PAGE_TAGS - done) {
			return -1;
		}
		fill(packed, done, done + n, tag);
		done += n;
		if (done == TAGCODEC_PAGE_TAGS) {
			break;
		}
		if (get_nibble(&rd, &tag)) {
			return -1;
		}
	}
	/* Only a zero padding nibble may follow, in the high half of the last byte. */
	if (rd.end - rd.pos == 1) {
		if (get_nibble(&rd, &pad) || pad) {
			return -1;
		}
	}
	return rd.pos == rd.end ? 0 : -1;
}

static int decode_inline(const uint8_t *in, uint8_t *packed)
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

		fill(packed, done, done + len[r], tag);
		done += len[r];
	}
	return 0;
}

int tagcodec_decode(const uint8_t *in, size_t len, uint8_t packed[TAGCODEC_PACKED_SIZE])
{
	/* Even a run list that the encoder would have stored raw must fit in 129 bytes. */
	if (len == 0 || len > TAGCODEC_MAX_SIZE) {
		return -1;
	}
	if (in[0] & HDR_INLINE) {
		return len == INLINE_SIZE ? decode_inline(in, packed) : -1;
	}
	switch (in[0] & 0xf0) {
	case HDR_UNIFORM:
		if (len != 1) {
			return -1;
		}
		fill(packed, 0, TAGCODEC_PAGE_TAGS, in[0] & 0xfu);
		return 0;
	case HDR_RUNS:
		return decode_runs(in, len, packed);
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
