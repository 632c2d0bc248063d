/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target of the snapshot stream library (lib/snapshot.c):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -I include lib/snapshot.c \
 *         lib/crc32c.c lib/tagcodec.c lib/fmt.c tests/fuzz/fuzz_snapshot.c -o /tmp/fuzz_snapshot
 *   /tmp/fuzz_snapshot -max_total_time=300 [corpus-dir]
 * (natively the library uses libc's memcpy/memset: lib/string.c is not linked.)
 *
 * Every input is used three ways:
 *  1. as a stream, byte for byte, read until the reader stops: it must never crash, read
 *     outside what it was given, or accept a stream whose checksums it did not verify;
 *  2. as records framed with correct checksums and sequence numbers (type, length,
 *     payload chunks), so that the reader's checks of order and fields are reached
 *     instead of stopping at a checksum;
 *  3. as a VM (configuration, pages with tags and data in rounds, vCPU registers,
 *     device state) written by the writer and read back: anything read back that
 *     differs from what was written, or a refusal, aborts.
 *
 * The read callback poisons (ASan) 8 KiB of the payload buffer after what it just filled,
 * so that a check reading past a record's length is caught, although the buffer itself
 * is TV_SNAP_MAX_PAYLOAD bytes.
 *
 * A seed corpus (valid streams, and their framed and round-trip forms), natively:
 *   gcc -DSNAPSHOT_FUZZ_SEEDS -I include lib/snapshot.c lib/crc32c.c lib/tagcodec.c \
 *       lib/fmt.c tests/fuzz/fuzz_snapshot.c -o /tmp/snapshot_seeds && /tmp/snapshot_seeds DIR
 */
#include <abi/hvc.h>
#include <lib/snapshot.h>
#include <lib/tagcodec.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#endif
#endif
#ifndef POISON
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define PAGE	4096u
#define RAM_IPA 0x40000000ull

static uint8_t *payload; /* TV_SNAP_MAX_PAYLOAD bytes on the heap */

/* ---- streams in memory ---- */

struct out {
	uint8_t *buf;
	size_t len, cap;
};

static int out_write(void *ctx, const void *buf, size_t len)
{
	struct out *o = ctx;

	if (o->len + len > o->cap) {
		o->cap = (o->len + len) * 2;
		o->buf = realloc(o->buf, o->cap);
		if (!o->buf) {
			abort();
		}
	}
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
	return 0;
}

struct in {
	const uint8_t *p;
	size_t len, off;
};

/*
 * Bytes poisoned after a payload: more than any entry (16 + 129 + 4096), so a check that
 * runs past the record's length is caught without re-poisoning 265 KiB every record.
 */
#define REDZONE 8192u

static size_t poisoned_at, poisoned_len;

static void unpoison_payload(void)
{
	UNPOISON(payload + poisoned_at, poisoned_len);
	poisoned_len = 0;
}

static int in_read(void *ctx, void *buf, size_t len)
{
	struct in *s = ctx;

	if ((uint8_t *)buf == payload) {
		unpoison_payload();
	}
	if (len > s->len - s->off) {
		s->off = s->len;
		return -1;
	}
	memcpy(buf, s->p + s->off, len);
	s->off += len;
	if ((uint8_t *)buf == payload && len < TV_SNAP_MAX_PAYLOAD) {
		poisoned_at = len;
		poisoned_len =
		    TV_SNAP_MAX_PAYLOAD - len < REDZONE ? TV_SNAP_MAX_PAYLOAD - len : REDZONE;
		POISON(payload + poisoned_at, poisoned_len);
	}
	return 0;
}

/* Reads a stream to its end or its refusal; walks the pages of what it accepts. */
static int read_all(const uint8_t *p, size_t len, struct snap_reader *r)
{
	struct in src = { p, len, 0 };
	uint32_t l;
	int t;

	memset(r, 0, sizeof(*r));
	r->read = in_read;
	r->ctx = &src;
	if (snap_read_header(r)) {
		t = -1;
		goto out;
	}
	while ((t = snap_read_record(r, payload, &l)) > 0) {
		if (l > TV_SNAP_MAX_PAYLOAD || src.off > len) {
			abort();
		}
		if (t == TV_SNAP_PAGES) {
			struct snap_page_iter it;
			struct tv_snap_page pg;
			const uint8_t *tags, *data;
			uint8_t dec[TAGCODEC_PACKED_SIZE];
			volatile uint8_t sink = 0;

			snap_pages_begin(&it, payload, l);
			while (snap_pages_next(&it, &pg, &tags, &data)) {
				/* Validated: every page decodes, every pointer is inside. */
				if (pg.tag_len && tagcodec_decode(tags, pg.tag_len, dec)) {
					abort();
				}
				if (data) {
					sink ^= data[0] ^ data[PAGE - 1];
				}
			}
			(void)sink;
		}
	}
	if (t == 0 && (!r->ended || src.off != len || r->bytes != len)) {
		abort(); /* accepted without reading exactly the whole input */
	}
	if (t < 0 && (!r->error[0] || memchr(r->error, 0, sizeof(r->error)) == NULL)) {
		abort(); /* refused without a message */
	}
out:
	unpoison_payload();
	r->ctx = NULL;
	return t;
}

/* ---- input bytes as values ---- */

struct bytes {
	const uint8_t *p;
	size_t len, off;
};

static uint8_t take8(struct bytes *b)
{
	return b->off < b->len ? b->p[b->off++] : 0;
}

static uint32_t take16(struct bytes *b)
{
	return take8(b) | (uint32_t)take8(b) << 8;
}

static void take(struct bytes *b, void *dst, size_t n)
{
	size_t k = b->len - b->off < n ? b->len - b->off : n;

	memcpy(dst, b->p + b->off, k);
	memset((uint8_t *)dst + k, 0, n - k);
	b->off += k;
}

/* ---- 2: framed records ---- */

/* [type][length lo][length hi][payload] chunks, each made a record with a valid frame. */
static void fuzz_framed(struct bytes *b)
{
	struct out o = { NULL, 0, 0 };
	struct snap_writer w = { out_write, &o, 0, 0, 0, 0, 0, 0 };
	struct snap_reader r;
	uint8_t kind = take8(b);

	if (kind & 0x80) {
		/* A header of any content, with a correct CRC: its field checks are reached. */
		struct tv_snap_header h;

		take(b, &h, sizeof(h));
		h.magic = TV_SNAP_MAGIC;
		h.crc = 0;
		h.crc = crc32c(0, &h, sizeof(h));
		out_write(&o, &h, sizeof(h));
		w.stream_crc = crc32c(0, &h, sizeof(h));
	} else {
		snap_write_header(&w, kind & 1 ? TV_SNAP_KIND_MIGRATION : TV_SNAP_KIND_SNAPSHOT,
				  (uint64_t)kind << 32);
	}
	while (b->off < b->len) {
		uint8_t type = take8(b);
		uint32_t len = take16(b);
		size_t n = b->len - b->off < len ? b->len - b->off : len;

		if ((type & 7) == TV_SNAP_END) {
			snap_write_end(&w);
		} else if ((type & 7) >= TV_SNAP_CONFIG && (type & 7) < TV_SNAP_END) {
			snap_write_record(&w, type & 7, b->p + b->off, (uint32_t)n);
		} else {
			/* Unknown types, with a correct frame all the same. */
			struct tv_snap_record_hdr h = { type, (uint32_t)n,
							crc32c(0, b->p + b->off, n), w.seq++ };

			out_write(&o, &h, sizeof(h));
			out_write(&o, b->p + b->off, n);
		}
		b->off += n;
	}
	read_all(o.buf, o.len, &r);
	free(o.buf);
}

/* ---- 3: a VM written and read back ---- */

#define MAX_PAGES      80 /* more than one batch */
#define MAX_ROUNDS     4
#define MAX_DATA_PAGES 6 /* pages with data; the others are zero pages */

struct vm_page {
	uint64_t ipa;
	uint8_t tags[TAGCODEC_PACKED_SIZE];
	uint8_t enc[TAGCODEC_MAX_SIZE];
	uint16_t enc_len;
	uint8_t fill; /* data: 0 zero page given as NULL, 1 all-zero data, else a pattern */
	uint32_t round;
};

static struct vm_page pages[MAX_PAGES];
static struct snap_batch batch;

/* Pairs of bytes: the tag in the low nibble of the first, the length - 1 in the second. */
static void runs_page(struct bytes *b, uint8_t *packed)
{
	unsigned int pairs = take8(b) % 8, g = 0, tag = 0;

	memset(packed, 0, TAGCODEC_PACKED_SIZE);
	for (unsigned int i = 0; i < pairs && g < TAGCODEC_PAGE_TAGS; i++) {
		unsigned int end;

		tag = take8(b) & 0xfu;
		end = g + take8(b) + 1u;
		for (; g < end && g < TAGCODEC_PAGE_TAGS; g++) {
			packed[g >> 1] |= (uint8_t)(tag << ((g & 1) * 4));
		}
	}
	for (; g < TAGCODEC_PAGE_TAGS; g++) {
		packed[g >> 1] |= (uint8_t)(tag << ((g & 1) * 4));
	}
}

static void fill_data(uint8_t *d, uint8_t fill, unsigned i)
{
	for (unsigned k = 0; k < PAGE; k++) {
		d[k] = (uint8_t)(fill * (k + 1) + i);
	}
}

static void fuzz_round_trip(struct bytes *b)
{
	static uint8_t data[PAGE];
	struct out o = { NULL, 0, 0 };
	struct snap_writer w = { out_write, &o, 0, 0, 0, 0, 0, 0 };
	uint8_t f = take8(b);
	bool mte = f & 1;
	uint32_t nr_vcpus = (f >> 1) % TV_MAX_VCPUS + 1;
	uint64_t ram_pages = take8(b) + 1u;
	struct tv_snap_config cfg = {
		RAM_IPA, ram_pages * PAGE, mte ? TV_VM_MTE : 0, nr_vcpus, { 0 }
	};
	struct tv_snap_vcpu vcpus[TV_MAX_VCPUS];
	struct tv_snap_device dev;
	uint32_t round = 0, npages = 0, round_pages[MAX_ROUNDS] = { 0 };
	uint64_t round_tags[MAX_ROUNDS] = { 0 }, zero = 0, tagged = 0;
	struct snap_reader r;
	struct in src;
	unsigned next = 0, vnext = 0, rends = 0, devs = 0;
	uint32_t len;
	int t;

	if (snap_write_header(&w, f & 0x80 ? TV_SNAP_KIND_MIGRATION : TV_SNAP_KIND_SNAPSHOT, f) ||
	    snap_write_record(&w, TV_SNAP_CONFIG, &cfg, sizeof(cfg))) {
		abort();
	}
	snap_batch_init(&batch, 0);
	while (npages < MAX_PAGES && b->len - b->off >= 3) {
		struct vm_page *p = &pages[npages++];
		uint8_t k = take8(b);

		p->ipa = RAM_IPA + (uint64_t)(take8(b) % ram_pages) * PAGE;
		p->fill = take8(b);
		/* A few data pages are enough, and each costs 4 KiB of checksums both ways. */
		if (npages > MAX_DATA_PAGES) {
			p->fill &= 1;
		}
		p->round = round;
		runs_page(b, p->tags);
		p->enc_len = mte ? (uint16_t)tagcodec_encode(p->tags, p->enc) : 0;
		if (!mte) {
			memset(p->tags, 0, sizeof(p->tags));
		}
		zero += p->fill < 2;
		tagged += mte && memcmp(p->tags, (uint8_t[TAGCODEC_PACKED_SIZE]){ 0 },
					TAGCODEC_PACKED_SIZE);
		if (p->fill == 1) {
			memset(data, 0, PAGE);
		} else {
			fill_data(data, p->fill, npages);
		}
		if (snap_batch_full(&batch) && snap_batch_flush(&w, &batch)) {
			abort();
		}
		snap_batch_add(&batch, p->ipa, p->enc, p->enc_len, p->fill ? data : NULL);
		round_pages[round]++;
		round_tags[round] += p->enc_len;
		/* The high bit ends the round after this page. */
		if ((k & 0x80) && round + 1 < MAX_ROUNDS) {
			if (snap_batch_flush(&w, &batch) ||
			    snap_write_round_end(&w, round, round_pages[round],
						 round_tags[round])) {
				abort();
			}
			snap_batch_init(&batch, ++round);
		}
	}
	if (snap_batch_flush(&w, &batch) ||
	    snap_write_round_end(&w, round, round_pages[round], round_tags[round])) {
		abort();
	}
	for (uint32_t i = 0; i < nr_vcpus; i++) {
		struct tv_snap_vcpu *v = &vcpus[i];
		static const uint64_t modes[4] = { 0x5, 0x4, 0x0, 0x5 };

		take(b, &v->state, sizeof(v->state));
		/* What a stream may hold: valid PSTATE and SPSR, known flags, zero reserved. */
		v->index = nr_vcpus - 1 - i;
		v->reserved = 0;
		v->state.pstate = (v->state.pstate & (0xf0000000ull | (0xfull << 6) | (1ull << 12) |
						      (1ull << 22) | (1ull << 25))) |
				  modes[v->state.pstate & 3];
		v->state.spsr_el1 &= ~0x10ull; /* never AArch32 */
		v->state.flags &= TV_VCPU_STATE_OFF;
		memset(v->state.reserved, 0, sizeof(v->state.reserved));
		if (snap_write_record(&w, TV_SNAP_VCPU, v, sizeof(*v))) {
			abort();
		}
	}
	take(b, &dev, sizeof(dev));
	memset(dev.reserved, 0, sizeof(dev.reserved));
	if (snap_write_record(&w, TV_SNAP_DEVICE, &dev, sizeof(dev)) || snap_write_end(&w)) {
		abort();
	}

	/* Read it back: everything as written, in order. */
	src = (struct in){ o.buf, o.len, 0 };
	memset(&r, 0, sizeof(r));
	r.read = in_read;
	r.ctx = &src;
	if (snap_read_header(&r) || r.header.created_ns != f) {
		abort();
	}
	while ((t = snap_read_record(&r, payload, &len)) > 0) {
		if (t == TV_SNAP_CONFIG) {
			if (len != sizeof(cfg) || memcmp(payload, &cfg, sizeof(cfg))) {
				abort();
			}
		} else if (t == TV_SNAP_PAGES) {
			struct snap_page_iter it;
			struct tv_snap_page pg;
			const uint8_t *tags, *d;

			snap_pages_begin(&it, payload, len);
			while (snap_pages_next(&it, &pg, &tags, &d)) {
				struct vm_page *p = &pages[next];
				uint8_t dec[TAGCODEC_PACKED_SIZE];

				if (next++ >= npages || pg.ipa != p->ipa ||
				    pg.tag_len != p->enc_len || (d == NULL) != (p->fill < 2) ||
				    !!(pg.flags & TV_SNAP_PAGE_ZERO) != (p->fill < 2)) {
					abort();
				}
				if (mte && (tagcodec_decode(tags, pg.tag_len, dec) ||
					    memcmp(dec, p->tags, sizeof(dec)))) {
					abort();
				}
				if (d) {
					fill_data(data, p->fill, next);
					if (memcmp(d, data, PAGE)) {
						abort();
					}
				}
			}
		} else if (t == TV_SNAP_ROUND_END) {
			struct tv_snap_round_end e;

			memcpy(&e, payload, sizeof(e));
			if (e.round != rends || e.pages != round_pages[rends] ||
			    e.tag_bytes != round_tags[rends]) {
				abort();
			}
			rends++;
		} else if (t == TV_SNAP_VCPU) {
			if (vnext >= nr_vcpus ||
			    memcmp(payload, &vcpus[vnext++], sizeof(vcpus[0]))) {
				abort();
			}
		} else if (t == TV_SNAP_DEVICE) {
			if (memcmp(payload, &dev, sizeof(dev))) {
				abort();
			}
			devs++;
		}
	}
	if (t != 0 || next != npages || vnext != nr_vcpus || devs != 1 || rends != round + 1 ||
	    r.pages != npages || r.pages != w.pages || r.tag_bytes != w.tag_bytes ||
	    r.zero_pages != zero || r.tagged_pages != tagged || r.rounds != round + 1 ||
	    r.bytes != o.len || src.off != o.len) {
		abort();
	}
	unpoison_payload();
	free(o.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snap_reader r;
	struct bytes b;

	if (!payload) {
		payload = malloc(TV_SNAP_MAX_PAYLOAD);
		if (!payload) {
			abort();
		}
	}
	/* 1: the bytes as they are. */
	read_all(data, size, &r);
	if (!size) {
		return 0;
	}
	/* The first byte picks one of the structured uses for the rest. */
	b = (struct bytes){ data + 1, size - 1, 0 };
	if (data[0] & 1) {
		fuzz_framed(&b);
	} else {
		fuzz_round_trip(&b);
	}
	return 0;
}

#ifdef SNAPSHOT_FUZZ_SEEDS
#include <stdio.h>

static int save(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t in[2048];
	char name[64];
	int err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	/* Round-trip inputs (even first byte) of a few sizes, and the streams they make,
	 * which are also valid raw inputs. */
	for (unsigned s = 0; s < 8; s++) {
		size_t n = 64 + s * 200;

		for (size_t i = 0; i < n; i++) {
			in[i] = (uint8_t)(i * (s + 3) + s);
		}
		in[0] = (uint8_t)(s << 1);
		snprintf(name, sizeof(name), "vm-%u", s);
		err |= save(argv[1], name, in, n);
	}
	/* A framed input: CONFIG of a one-vCPU VM, then the usual order. */
	{
		struct tv_snap_config c = { RAM_IPA, 16 * PAGE, TV_VM_MTE, 1, { 0 } };
		size_t n = 0;

		in[n++] = 1; /* framed */
		in[n++] = 0; /* kind */
		in[n++] = TV_SNAP_CONFIG;
		in[n++] = sizeof(c);
		in[n++] = 0;
		memcpy(in + n, &c, sizeof(c));
		n += sizeof(c);
		in[n++] = TV_SNAP_END;
		in[n++] = 0;
		in[n++] = 0;
		err |= save(argv[1], "framed-config", in, n);
	}
	/* Whole valid streams, for the byte-for-byte use. */
	for (unsigned s = 0; s < 4; s++) {
		struct out o = { NULL, 0, 0 };
		struct snap_writer w = { out_write, &o, 0, 0, 0, 0, 0, 0 };
		struct tv_snap_config c = {
			RAM_IPA, 16 * PAGE, s & 1 ? TV_VM_MTE : 0, s + 1, { 0 }
		};
		struct tv_snap_vcpu v;
		struct tv_snap_device d = { 0x301, 0x70, 13, 1, 0x10, 0x12, { 0 } };
		uint8_t tags[TAGCODEC_PACKED_SIZE], enc[TAGCODEC_MAX_SIZE], page[PAGE];
		uint16_t n = 0;

		snap_write_header(&w, s & 2 ? TV_SNAP_KIND_MIGRATION : TV_SNAP_KIND_SNAPSHOT, s);
		snap_write_record(&w, TV_SNAP_CONFIG, &c, sizeof(c));
		snap_batch_init(&batch, 0);
		for (unsigned i = 0; i < 3; i++) {
			memset(tags, (int)(i * 0x31), sizeof(tags));
			tags[i * 7] = 0x5a;
			if (s & 1) {
				n = (uint16_t)tagcodec_encode(tags, enc);
			}
			fill_data(page, (uint8_t)i, s);
			snap_batch_add(&batch, RAM_IPA + i * 5 * PAGE, enc, n, i ? page : NULL);
		}
		snap_batch_flush(&w, &batch);
		snap_write_round_end(&w, 0, 3, w.tag_bytes);
		for (unsigned i = 0; i <= s; i++) {
			memset(&v, 0, sizeof(v));
			v.index = i;
			v.state.pc = RAM_IPA + i;
			v.state.pstate = 0x3c5;
			snap_write_record(&w, TV_SNAP_VCPU, &v, sizeof(v));
		}
		snap_write_record(&w, TV_SNAP_DEVICE, &d, sizeof(d));
		snap_write_end(&w);
		snprintf(name, sizeof(name), "stream-%u", s);
		err |= save(argv[1], name, o.buf, o.len);
		free(o.buf);
	}
	return err;
}
#endif
