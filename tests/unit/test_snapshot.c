/* SPDX-License-Identifier: MIT */
/*
 * The snapshot stream library (lib/snapshot.c): writer and reader round trips, every
 * refusal of the reader with its message, truncation at every offset, single-bit flips,
 * reordered and dropped records, other versions, and golden bytes of a known stream.
 *
 * Streams with a fault are built here by a small independent encoder (struct sb), which
 * gets every checksum and sequence number right, so that the one fault under test is
 * what the reader must find. The reader stops at the first fault, so most such streams
 * end right after the faulty record.
 */
#include "test.h"

#include <abi/hvc.h>
#include <lib/snapshot.h>
#include <lib/tagcodec.h>
#include <stdlib.h>
#include <string.h>

#define PAGE	 4096u
#define RAM_IPA	 0x40000000ull
#define RAM_SIZE 0x10000ull /* 16 pages */

/* Aligned, as callers that look at a payload through its structures must have it. */
static uint8_t payload[TV_SNAP_MAX_PAYLOAD] __attribute__((aligned(16)));

/* ---- memory streams ---- */

struct membuf {
	uint8_t *buf;
	size_t len, cap;
	int fail_after; /* write calls that succeed before one fails; -1 never */
};

static int mem_write(void *ctx, const void *buf, size_t len)
{
	struct membuf *m = ctx;

	if (m->fail_after == 0) {
		return -1;
	}
	if (m->fail_after > 0) {
		m->fail_after--;
	}
	if (m->len + len > m->cap) {
		m->cap = (m->len + len) * 2 + 4096;
		m->buf = realloc(m->buf, m->cap);
		if (!m->buf) {
			abort();
		}
	}
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

struct memsrc {
	const uint8_t *p;
	size_t len, off;
};

/* As a file or pipe: exactly len bytes, or -1 once the input cannot give them. */
static int mem_read(void *ctx, void *buf, size_t len)
{
	struct memsrc *s = ctx;

	if (len > s->len - s->off) {
		s->off = s->len;
		return -1;
	}
	memcpy(buf, s->p + s->off, len);
	s->off += len;
	return 0;
}

/* Reads a whole stream: 0 if it was accepted, -1 with r->error set. */
static int read_stream(const uint8_t *p, size_t len, struct snap_reader *r)
{
	struct memsrc src = { p, len, 0 };
	uint32_t l;
	int t;

	memset(r, 0, sizeof(*r));
	r->read = mem_read;
	r->ctx = &src;
	if (snap_read_header(r)) {
		return -1;
	}
	do {
		t = snap_read_record(r, payload, &l);
	} while (t > 0);
	r->ctx = NULL;
	return t;
}

/* Whether the stream is refused with a message containing `what`. */
static int refused_with(const uint8_t *p, size_t len, const char *what)
{
	struct snap_reader r;

	if (read_stream(p, len, &r) == 0) {
		fprintf(stderr, "  accepted, expected a refusal with \"%s\"\n", what);
		return 0;
	}
	if (!strstr(r.error, what)) {
		fprintf(stderr, "  refused with \"%s\", expected \"%s\"\n", r.error, what);
		return 0;
	}
	return 1;
}

static int accepted(const uint8_t *p, size_t len)
{
	struct snap_reader r;

	if (read_stream(p, len, &r)) {
		fprintf(stderr, "  refused: %s\n", r.error);
		return 0;
	}
	return 1;
}

/* ---- an independent encoder, to build streams with exactly one fault ---- */

struct sb {
	struct membuf m;
	uint32_t seq, crc;
	uint32_t rounds;
	uint64_t pages, tag_bytes, round_pages, round_tag_bytes;
};

static void sb_put(struct sb *s, const void *p, size_t n, int in_crc)
{
	mem_write(&s->m, p, n);
	if (in_crc) {
		s->crc = crc32c(s->crc, p, n);
	}
}

static void sb_header_ex(struct sb *s, uint32_t version, uint32_t kind, uint32_t size,
			 uint32_t reserved)
{
	struct tv_snap_header h;

	memset(s, 0, sizeof(*s));
	s->m.fail_after = -1;
	memset(&h, 0, sizeof(h));
	h.magic = TV_SNAP_MAGIC;
	h.version = version;
	h.header_size = size;
	h.kind = kind;
	h.reserved = reserved;
	h.created_ns = 1234567890123ull;
	h.crc = crc32c(0, &h, sizeof(h));
	sb_put(s, &h, sizeof(h), 1);
}

static void sb_header(struct sb *s)
{
	sb_header_ex(s, TV_SNAP_VERSION, TV_SNAP_KIND_SNAPSHOT, sizeof(struct tv_snap_header), 0);
}

static void sb_record_ex(struct sb *s, uint32_t type, const void *p, uint32_t len, uint32_t seq)
{
	struct tv_snap_record_hdr h = { type, len, crc32c(0, p, len), seq };
	int in_crc = type != TV_SNAP_END;

	sb_put(s, &h, sizeof(h), in_crc);
	sb_put(s, p, len, in_crc);
	s->seq++;
}

static void sb_record(struct sb *s, uint32_t type, const void *p, uint32_t len)
{
	sb_record_ex(s, type, p, len, s->seq);
}

static void sb_config(struct sb *s, uint64_t ipa, uint64_t size, uint32_t flags, uint32_t nr)
{
	struct tv_snap_config c;

	memset(&c, 0, sizeof(c));
	c.ram_ipa = ipa;
	c.ram_size = size;
	c.vm_flags = flags;
	c.nr_vcpus = nr;
	sb_record(s, TV_SNAP_CONFIG, &c, sizeof(c));
}

/* Header and the usual CONFIG: MTE, 16 pages at 0x40000000, two vCPUs. */
static void sb_begin(struct sb *s)
{
	sb_header(s);
	sb_config(s, RAM_IPA, RAM_SIZE, TV_VM_MTE, 2);
}

static const uint8_t enc_uniform3[1] = { 0x03 };
/* docs/TAGCODEC.md's run-list example: tags 1 then 2, 128 granules each. */
static const uint8_t enc_runs[5] = { 0x11, 0xef, 0x20, 0xef, 0x00 };

struct pg {
	uint64_t ipa;
	uint16_t tag_len, flags;
	uint32_t reserved;
	const uint8_t *tags; /* NULL: enc_uniform3 (tag_len 1) */
};

static uint8_t data_page[PAGE];

static void fill_data(uint8_t seed)
{
	for (unsigned i = 0; i < PAGE; i++) {
		data_page[i] = (uint8_t)(i * 7 + seed);
	}
}

/* A PAGES record of n entries; count and reserved as given; extra bytes appended. */
static void sb_pages_ex(struct sb *s, uint32_t round, uint32_t count, uint64_t reserved,
			const struct pg *pg, unsigned n, unsigned extra)
{
	static uint8_t buf[TV_SNAP_MAX_PAYLOAD + 4096];
	struct tv_snap_pages h = { round, count, reserved };
	uint32_t len = sizeof(h);

	memcpy(buf, &h, sizeof(h));
	for (unsigned i = 0; i < n; i++) {
		struct tv_snap_page e = { pg[i].ipa, pg[i].tag_len, pg[i].flags, pg[i].reserved };

		memcpy(buf + len, &e, sizeof(e));
		len += sizeof(e);
		memcpy(buf + len, pg[i].tags ? pg[i].tags : enc_uniform3, pg[i].tag_len);
		len += pg[i].tag_len;
		if (!(pg[i].flags & TV_SNAP_PAGE_ZERO)) {
			fill_data((uint8_t)i);
			memcpy(buf + len, data_page, PAGE);
			len += PAGE;
		}
		s->pages++;
		s->round_pages++;
		s->tag_bytes += pg[i].tag_len;
		s->round_tag_bytes += pg[i].tag_len;
	}
	memset(buf + len, 0, extra);
	len += extra;
	sb_record(s, TV_SNAP_PAGES, buf, len);
}

static void sb_pages(struct sb *s, uint32_t round, const struct pg *pg, unsigned n)
{
	sb_pages_ex(s, round, n, 0, pg, n, 0);
}

static void sb_round_end_ex(struct sb *s, uint32_t round, uint32_t pages, uint64_t tag_bytes)
{
	struct tv_snap_round_end e = { round, pages, tag_bytes };

	sb_record(s, TV_SNAP_ROUND_END, &e, sizeof(e));
	s->rounds++;
	s->round_pages = 0;
	s->round_tag_bytes = 0;
}

static void sb_round_end(struct sb *s)
{
	sb_round_end_ex(s, s->rounds, (uint32_t)s->round_pages, s->round_tag_bytes);
}

/* The usual memory: round 0 of three pages, round 1 of one. */
static void sb_memory(struct sb *s)
{
	const struct pg r0[] = {
		{ RAM_IPA, 1, 0, 0, NULL },
		{ RAM_IPA + 0x1000, 1, TV_SNAP_PAGE_ZERO, 0, NULL },
		{ RAM_IPA + 0xf000, 5, 0, 0, enc_runs },
	};
	const struct pg r1[] = { { RAM_IPA + 0x1000, 5, TV_SNAP_PAGE_ZERO, 0, enc_runs } };

	sb_pages(s, 0, r0, 3);
	sb_round_end(s);
	sb_pages(s, 1, r1, 1);
	sb_round_end(s);
}

static void vcpu_default(struct tv_snap_vcpu *v, uint32_t idx)
{
	memset(v, 0, sizeof(*v));
	v->index = idx;
	v->state.pc = RAM_IPA + 0x80 * idx;
	v->state.pstate = 0x3c5; /* EL1h, DAIF masked */
	v->state.sctlr_el1 = 0x30d0198d;
	v->state.gcr_el1 = 0x10001;
	for (int i = 0; i < 31; i++) {
		v->state.x[i] = i * 0x101ull + idx;
	}
}

static void sb_vcpu_ex(struct sb *s, const struct tv_snap_vcpu *v)
{
	sb_record(s, TV_SNAP_VCPU, v, sizeof(*v));
}

static void sb_vcpu(struct sb *s, uint32_t idx)
{
	struct tv_snap_vcpu v;

	vcpu_default(&v, idx);
	sb_vcpu_ex(s, &v);
}

static void sb_device(struct sb *s)
{
	struct tv_snap_device d = { 0x301, 0x70, 13, 1, 0x10, 0x12, { 0 } };

	sb_record(s, TV_SNAP_DEVICE, &d, sizeof(d));
}

static struct tv_snap_end sb_end_values(const struct sb *s)
{
	struct tv_snap_end e = { s->seq, s->rounds, s->pages, s->tag_bytes, s->crc, 0 };

	return e;
}

static void sb_end_ex(struct sb *s, const struct tv_snap_end *e)
{
	sb_record(s, TV_SNAP_END, e, sizeof(*e));
}

static void sb_end(struct sb *s)
{
	struct tv_snap_end e = sb_end_values(s);

	sb_end_ex(s, &e);
}

/* The usual whole stream. */
static void sb_standard(struct sb *s)
{
	sb_begin(s);
	sb_memory(s);
	sb_vcpu(s, 0);
	sb_vcpu(s, 1);
	sb_device(s);
	sb_end(s);
}

/* The length field of the record header at p. */
static uint32_t rec_length(const uint8_t *p)
{
	struct tv_snap_record_hdr h;

	memcpy(&h, p, sizeof(h));
	return h.length;
}

#define EXPECT_REFUSED(s, what) EXPECT_TRUE(refused_with((s)->m.buf, (s)->m.len, what))
#define EXPECT_ACCEPTED(s)	EXPECT_TRUE(accepted((s)->m.buf, (s)->m.len))

static void sb_free(struct sb *s)
{
	free(s->m.buf);
	s->m.buf = NULL;
}

/* ---- accepted streams ---- */

TEST(snapshot, standard_stream_accepted)
{
	struct sb s;
	struct snap_reader r;

	sb_standard(&s);
	ASSERT_EQ(read_stream(s.m.buf, s.m.len, &r), 0);
	EXPECT_TRUE(r.ended);
	EXPECT_EQ(r.header.kind, TV_SNAP_KIND_SNAPSHOT);
	EXPECT_EQ(r.header.created_ns, 1234567890123ull);
	EXPECT_EQ(r.config.ram_ipa, RAM_IPA);
	EXPECT_EQ(r.config.nr_vcpus, 2);
	EXPECT_EQ(r.rounds, 2);
	EXPECT_EQ(r.last_round, 1);
	EXPECT_EQ(r.pages, 4);
	EXPECT_EQ(r.tag_bytes, 1 + 1 + 5 + 5);
	EXPECT_EQ(r.zero_pages, 2);
	EXPECT_EQ(r.tagged_pages, 4); /* uniform 3 and the run list: none all zero */
	EXPECT_EQ(r.vcpus_seen, 2);
	EXPECT_EQ(r.vcpu_mask, 3);
	EXPECT_EQ(r.seq, 9);
	EXPECT_EQ(r.bytes, s.m.len);
	sb_free(&s);
}

TEST(snapshot, minimal_streams_accepted)
{
	struct sb s;
	const struct pg zero_tags[] = { { RAM_IPA, 1, TV_SNAP_PAGE_ZERO, 0, (const uint8_t *)"" } };
	const struct pg untagged[] = { { RAM_SIZE - PAGE, 0, 0, 0, NULL } };
	struct snap_reader r;

	/* No memory at all: a VM that never touched its RAM. */
	sb_header(&s);
	sb_config(&s, RAM_IPA, RAM_SIZE, TV_VM_MTE, 1);
	sb_vcpu(&s, 0);
	sb_device(&s);
	sb_end(&s);
	EXPECT_ACCEPTED(&s);
	sb_free(&s);

	/* An empty round (nothing dirtied), and a page whose tags are all 0. */
	sb_header_ex(&s, TV_SNAP_VERSION, TV_SNAP_KIND_MIGRATION, sizeof(struct tv_snap_header), 0);
	sb_config(&s, RAM_IPA, RAM_SIZE, TV_VM_MTE, 1);
	sb_pages(&s, 0, zero_tags, 1);
	sb_round_end(&s);
	sb_round_end(&s);
	sb_vcpu(&s, 0);
	sb_device(&s);
	sb_end(&s);
	ASSERT_EQ(read_stream(s.m.buf, s.m.len, &r), 0);
	EXPECT_EQ(r.rounds, 2);
	EXPECT_EQ(r.tagged_pages, 0);
	EXPECT_EQ(r.zero_pages, 1);
	sb_free(&s);

	/* A VM without MTE: no tags; the last page of RAM; vCPUs in any order. */
	sb_header(&s);
	sb_config(&s, 0, RAM_SIZE, 0, 4);
	sb_pages(&s, 0, untagged, 1);
	sb_round_end(&s);
	sb_vcpu(&s, 3);
	sb_vcpu(&s, 0);
	sb_vcpu(&s, 2);
	sb_vcpu(&s, 1);
	sb_device(&s);
	sb_end(&s);
	EXPECT_ACCEPTED(&s);
	sb_free(&s);

	/* RAM ending exactly at the 39-bit limit. */
	sb_header(&s);
	sb_config(&s, (1ull << 39) - RAM_SIZE, RAM_SIZE, TV_VM_MTE, 1);
	sb_vcpu(&s, 0);
	sb_device(&s);
	sb_end(&s);
	EXPECT_ACCEPTED(&s);
	sb_free(&s);
}

TEST(snapshot, pstate_modes_accepted)
{
	static const uint64_t ok[] = {
		0x3c5,							/* EL1h */
		0x3c4,							/* EL1t */
		0x0,							/* EL0t */
		0xf0000000 | 0x3c5 | (1 << 12) | (1 << 22) | (1 << 25), /* NZCV SSBS PAN TCO */
	};

	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct sb s;
		struct tv_snap_vcpu v;

		sb_header(&s);
		sb_config(&s, RAM_IPA, RAM_SIZE, 0, 1);
		vcpu_default(&v, 0);
		v.state.pstate = ok[i];
		v.state.flags = TV_VCPU_STATE_OFF;
		sb_vcpu_ex(&s, &v);
		sb_device(&s);
		sb_end(&s);
		EXPECT_ACCEPTED(&s);
		sb_free(&s);
	}
}

/* ---- the library's writer, read back ---- */

struct expect_page {
	uint64_t ipa;
	uint8_t tags[TAGCODEC_PACKED_SIZE];
	uint8_t enc[TAGCODEC_MAX_SIZE];
	uint16_t enc_len;
	int zero;
	uint8_t seed;
};

static void make_data(uint8_t *d, uint8_t seed)
{
	for (unsigned i = 0; i < PAGE; i++) {
		d[i] = (uint8_t)((i >> 3) * 13 + seed);
	}
}

TEST(snapshot, writer_round_trip)
{
	enum { NPAGES = 150, ROUNDS = 3 };
	static struct snap_batch batch;
	static struct expect_page pages[ROUNDS][NPAGES];
	struct membuf out = { NULL, 0, 0, -1 };
	struct snap_writer w = { mem_write, &out, 0, 0, 0, 0, 0, 0 };
	struct tv_snap_config cfg = { RAM_IPA, 256 * PAGE, TV_VM_MTE, 3, { 0 } };
	struct tv_snap_vcpu vcpus[3];
	struct tv_snap_device dev = { 0x301, 0x70, 13, 1, 0x10, 0x12, { 0 } };
	uint8_t data[PAGE];
	uint64_t total_tags = 0, total_zero = 0;
	struct memsrc src;
	struct snap_reader r;
	unsigned round_pages[ROUNDS] = { NPAGES, 70, 3 };
	unsigned seen[ROUNDS] = { 0 }, vseen = 0;
	int t, dev_seen = 0;
	uint32_t len;

	ASSERT_EQ(snap_write_header(&w, TV_SNAP_KIND_MIGRATION, 42), 0);
	ASSERT_EQ(snap_write_record(&w, TV_SNAP_CONFIG, &cfg, sizeof(cfg)), 0);
	for (unsigned rd = 0; rd < ROUNDS; rd++) {
		uint64_t tags_before = w.tag_bytes;

		snap_batch_init(&batch, rd);
		for (unsigned i = 0; i < round_pages[rd]; i++) {
			struct expect_page *p = &pages[rd][i];

			p->ipa = RAM_IPA + (uint64_t)((i * 37 + rd) % 256) * PAGE;
			/* Tags of every kind: uniform, runs, inline-sized, random-ish. */
			for (unsigned g = 0; g < TAGCODEC_PACKED_SIZE; g++) {
				unsigned k = i % 4;
				uint8_t v = k == 0   ? 0
					    : k == 1 ? (uint8_t)(i * 0x11)
					    : k == 2 ? (uint8_t)((g / 9) * 0x23)
						     : (uint8_t)(g * 151 + i * 7);
				p->tags[g] = v;
			}
			p->enc_len = (uint16_t)tagcodec_encode(p->tags, p->enc);
			p->zero = i % 3 == 0;
			p->seed = (uint8_t)(i + rd);
			make_data(data, p->seed);
			if (snap_batch_full(&batch)) {
				ASSERT_EQ(snap_batch_flush(&w, &batch), 0);
			}
			snap_batch_add(&batch, p->ipa, p->enc, p->enc_len,
				       p->zero
					   ? (i % 2 ? NULL : (const uint8_t *)memset(data, 0, PAGE))
					   : data);
			total_tags += p->enc_len;
			total_zero += p->zero;
		}
		ASSERT_EQ(snap_batch_flush(&w, &batch), 0);
		ASSERT_EQ(snap_write_round_end(&w, rd, round_pages[rd], w.tag_bytes - tags_before),
			  0);
	}
	for (unsigned i = 0; i < 3; i++) {
		vcpu_default(&vcpus[i], 2 - i);
		vcpus[i].state.tfsr_el1 = 1ull << 0;
		vcpus[i].state.rgsr_el1 = 0x1234500 + i;
		vcpus[i].state.fp_v[63] = ~0ull - i;
		vcpus[i].state.cntvct = 1000000 + i;
		ASSERT_EQ(snap_write_record(&w, TV_SNAP_VCPU, &vcpus[i], sizeof(vcpus[i])), 0);
	}
	ASSERT_EQ(snap_write_record(&w, TV_SNAP_DEVICE, &dev, sizeof(dev)), 0);
	ASSERT_EQ(snap_write_end(&w), 0);
	EXPECT_EQ(w.pages, NPAGES + 70 + 3);
	EXPECT_EQ(w.tag_bytes, total_tags);
	EXPECT_EQ(w.rounds, ROUNDS);
	EXPECT_EQ(w.bytes, out.len);
	/* 150 pages take three PAGES records, 70 two, 3 one; then 3 ROUND_END, CONFIG, 3 VCPU,
	 * DEVICE, END. */
	EXPECT_EQ(w.seq, 1 + 3 + 2 + 1 + 3 + 3 + 1 + 1);

	src = (struct memsrc){ out.buf, out.len, 0 };
	memset(&r, 0, sizeof(r));
	r.read = mem_read;
	r.ctx = &src;
	ASSERT_EQ(snap_read_header(&r), 0);
	EXPECT_EQ(r.header.created_ns, 42);
	EXPECT_EQ(r.header.kind, TV_SNAP_KIND_MIGRATION);
	while ((t = snap_read_record(&r, payload, &len)) > 0) {
		if (t == TV_SNAP_CONFIG) {
			EXPECT_EQ(memcmp(payload, &cfg, sizeof(cfg)), 0);
		} else if (t == TV_SNAP_PAGES) {
			struct snap_page_iter it;
			struct tv_snap_page pg;
			const uint8_t *tags, *d;
			uint32_t rd;

			memcpy(&rd, payload + offsetof(struct tv_snap_pages, round), sizeof(rd));

			ASSERT_TRUE(rd < ROUNDS);
			snap_pages_begin(&it, payload, len);
			while (snap_pages_next(&it, &pg, &tags, &d)) {
				struct expect_page *p = &pages[rd][seen[rd]++];
				uint8_t dec[TAGCODEC_PACKED_SIZE];

				EXPECT_EQ(pg.ipa, p->ipa);
				EXPECT_EQ(pg.tag_len, p->enc_len);
				ASSERT_EQ(tagcodec_decode(tags, pg.tag_len, dec), 0);
				EXPECT_EQ(memcmp(dec, p->tags, sizeof(dec)), 0);
				EXPECT_EQ(!!(pg.flags & TV_SNAP_PAGE_ZERO), p->zero);
				EXPECT_EQ(d == NULL, p->zero);
				if (d) {
					make_data(data, p->seed);
					EXPECT_EQ(memcmp(d, data, PAGE), 0);
				}
			}
		} else if (t == TV_SNAP_VCPU) {
			EXPECT_EQ(memcmp(payload, &vcpus[vseen], sizeof(vcpus[0])), 0);
			vseen++;
		} else if (t == TV_SNAP_DEVICE) {
			EXPECT_EQ(memcmp(payload, &dev, sizeof(dev)), 0);
			dev_seen++;
		}
	}
	EXPECT_EQ(t, 0);
	if (t) {
		fprintf(stderr, "  %s\n", r.error);
	}
	for (unsigned rd = 0; rd < ROUNDS; rd++) {
		EXPECT_EQ(seen[rd], round_pages[rd]);
	}
	EXPECT_EQ(vseen, 3);
	EXPECT_EQ(dev_seen, 1);
	EXPECT_EQ(r.pages, w.pages);
	EXPECT_EQ(r.tag_bytes, w.tag_bytes);
	EXPECT_EQ(r.zero_pages, total_zero);
	EXPECT_EQ(r.rounds, ROUNDS);
	EXPECT_EQ(r.bytes, out.len);
	EXPECT_EQ(r.stream_crc, w.stream_crc);
	/* After END: 0 again, nothing read. */
	EXPECT_EQ(snap_read_record(&r, payload, &len), 0);
	free(out.buf);
}

/* A full batch: 64 data pages of 129-byte tags make a PAGES record of the largest size. */
TEST(snapshot, largest_record)
{
	static struct snap_batch batch;
	struct membuf out = { NULL, 0, 0, -1 };
	struct snap_writer w = { mem_write, &out, 0, 0, 0, 0, 0, 0 };
	struct tv_snap_config cfg = { RAM_IPA, 64 * PAGE, TV_VM_MTE, 1, { 0 } };
	struct tv_snap_vcpu v;
	struct tv_snap_device dev = { 0 };
	uint8_t tags[TAGCODEC_PACKED_SIZE], enc[TAGCODEC_MAX_SIZE], data[PAGE];
	size_t n;

	for (unsigned i = 0; i < sizeof(tags); i++) {
		tags[i] = (uint8_t)(i * 151 + 3); /* no runs: raw, 129 bytes */
	}
	n = tagcodec_encode(tags, enc);
	ASSERT_EQ(n, TAGCODEC_MAX_SIZE);
	make_data(data, 9);
	ASSERT_EQ(snap_write_header(&w, TV_SNAP_KIND_SNAPSHOT, 0), 0);
	ASSERT_EQ(snap_write_record(&w, TV_SNAP_CONFIG, &cfg, sizeof(cfg)), 0);
	snap_batch_init(&batch, 0);
	for (unsigned i = 0; i < TV_SNAP_MAX_BATCH; i++) {
		EXPECT_FALSE(snap_batch_full(&batch));
		snap_batch_add(&batch, RAM_IPA + i * PAGE, enc, (uint16_t)n, data);
	}
	EXPECT_TRUE(snap_batch_full(&batch));
	EXPECT_EQ(batch.len, TV_SNAP_MAX_PAYLOAD);
	ASSERT_EQ(snap_batch_flush(&w, &batch), 0);
	ASSERT_EQ(snap_write_round_end(&w, 0, 64, 64 * n), 0);
	vcpu_default(&v, 0);
	ASSERT_EQ(snap_write_record(&w, TV_SNAP_VCPU, &v, sizeof(v)), 0);
	ASSERT_EQ(snap_write_record(&w, TV_SNAP_DEVICE, &dev, sizeof(dev)), 0);
	ASSERT_EQ(snap_write_end(&w), 0);
	EXPECT_TRUE(accepted(out.buf, out.len));
	free(out.buf);
}

/* A GIC VM's stream, written as the VMM writes it: with and without its GIC record. */
static size_t write_gic_stream(struct membuf *out, bool with_gic, const struct tv_snap_gic *gic)
{
	struct snap_writer w = { mem_write, out, 0, 0, 0, 0, 0, 0 };
	struct tv_snap_config cfg = { RAM_IPA, 64 * PAGE, TV_VM_MTE | TV_VM_GIC, 1, { 0 } };
	struct tv_snap_device dev = { 0x301, 0x70, 13, 1, 0x10, 0x12, { 0 } };
	static const struct tv_snap_gic_routes routes; /* every SPI to vCPU 0 */
	struct tv_snap_vcpu v;

	vcpu_default(&v, 0);
	if (snap_write_header(&w, TV_SNAP_KIND_SNAPSHOT, 0) ||
	    snap_write_record(&w, TV_SNAP_CONFIG, &cfg, sizeof(cfg)) ||
	    snap_write_round_end(&w, 0, 0, 0) ||
	    snap_write_record(&w, TV_SNAP_VCPU, &v, sizeof(v)) ||
	    (with_gic && snap_write_record(&w, TV_SNAP_GIC, gic, sizeof(*gic))) ||
	    (with_gic && snap_write_record(&w, TV_SNAP_GIC_ROUTES, &routes, sizeof(routes))) ||
	    snap_write_record(&w, TV_SNAP_DEVICE, &dev, sizeof(dev)) || snap_write_end(&w)) {
		return 0;
	}
	return out->len;
}

TEST(snapshot, gic_record_written_and_checked)
{
	static struct tv_snap_gic gic;
	struct membuf out = { NULL, 0, 0, -1 };
	struct snap_reader r;

	memset(&gic, 0, sizeof(gic));
	gic.cpu.nr_lrs = 4;
	/* The timer, pending, with the EOI-maintenance request EL2 sets for it. */
	gic.cpu.lr[0] = 27 | 0xa0ull << 48 | 1ull << 60 | 1ull << 62 | 1ull << 41;
	gic.cpu.lines[0] = (struct tv_vgic_line){ 27, TV_IRQ_ENABLED, 0xa0 };
	gic.uart_rx_len = 3;
	ASSERT_NE(write_gic_stream(&out, true, &gic), 0);
	EXPECT_TRUE(accepted(out.buf, out.len));
	free(out.buf);

	out = (struct membuf){ NULL, 0, 0, -1 };
	ASSERT_NE(write_gic_stream(&out, false, &gic), 0);
	EXPECT_EQ(read_stream(out.buf, out.len, &r), -1);
	EXPECT_TRUE(strstr(r.error, "no GIC record") != NULL);
	free(out.buf);

	/* Linked to a physical one: by the HW bit, or by a pINTID without it. */
	static const uint64_t linked[] = { 30 | 1ull << 62 | 1ull << 61 | 30ull << 32,
					   30 | 1ull << 62 | 30ull << 32, 30 | 1ull << 61 };
	for (unsigned i = 0; i < sizeof(linked) / sizeof(linked[0]); i++) {
		gic.cpu.lr[1] = linked[i];
		out = (struct membuf){ NULL, 0, 0, -1 };
		ASSERT_NE(write_gic_stream(&out, true, &gic), 0);
		EXPECT_EQ(read_stream(out.buf, out.len, &r), -1);
		EXPECT_TRUE(strstr(r.error, "linked to a physical interrupt") != NULL);
		free(out.buf);
	}
}

/*
 * A GIC VM with `n` vCPUs as the VMM writes it: GIC, then GIC_CPU for vCPUs 1..n-1
 * (their indexes from `index`, NULL: in order), then GIC_ROUTES (NULL: none).
 */
static size_t write_smp_gic_stream(struct membuf *out, uint32_t version, unsigned n,
				   const uint32_t *index, const struct tv_snap_gic_routes *routes)
{
	static struct tv_snap_gic gic;
	static struct tv_snap_gic_cpu cpu;
	struct snap_writer w = { mem_write, out, 0, 0, 0, 0, 0, 0 };
	struct tv_snap_config cfg = { RAM_IPA, 64 * PAGE, TV_VM_MTE | TV_VM_GIC, n, { 0 } };
	struct tv_snap_device dev = { 0x301, 0x70, 13, 1, 0x10, 0x12, { 0 } };
	struct tv_snap_vcpu v;
	uint32_t crc;

	memset(&gic, 0, sizeof(gic));
	if (snap_write_header(&w, TV_SNAP_KIND_SNAPSHOT, 0) ||
	    snap_write_record(&w, TV_SNAP_CONFIG, &cfg, sizeof(cfg)) ||
	    snap_write_round_end(&w, 0, 0, 0)) {
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		vcpu_default(&v, i);
		if (snap_write_record(&w, TV_SNAP_VCPU, &v, sizeof(v))) {
			return 0;
		}
	}
	if (snap_write_record(&w, TV_SNAP_GIC, &gic, sizeof(gic))) {
		return 0;
	}
	for (unsigned i = 1; i < n; i++) {
		memset(&cpu, 0, sizeof(cpu));
		cpu.index = index ? index[i - 1] : i;
		cpu.cpu.nr_lrs = 4;
		cpu.prio[27] = 0xa0;
		if (snap_write_record(&w, TV_SNAP_GIC_CPU, &cpu, sizeof(cpu))) {
			return 0;
		}
	}
	if ((routes && snap_write_record(&w, TV_SNAP_GIC_ROUTES, routes, sizeof(*routes))) ||
	    snap_write_record(&w, TV_SNAP_DEVICE, &dev, sizeof(dev)) || snap_write_end(&w)) {
		return 0;
	}
	if (version != TV_SNAP_VERSION) {
		/* An older writer's header (its checksums are not fixed: it is refused first). */
		struct tv_snap_header *h = (struct tv_snap_header *)(void *)out->buf;

		h->version = version;
		h->crc = 0;
		crc = crc32c(0, h, sizeof(*h));
		h->crc = crc;
	}
	return out->len;
}

static bool smp_gic_refused(uint32_t version, unsigned n, const uint32_t *index,
			    const struct tv_snap_gic_routes *routes, const char *why)
{
	struct membuf out = { NULL, 0, 0, -1 };
	struct snap_reader r;
	bool refused;

	if (!write_smp_gic_stream(&out, version, n, index, routes)) {
		return false;
	}
	refused = read_stream(out.buf, out.len, &r) == -1 && strstr(r.error, why) != NULL;
	if (!refused) {
		fprintf(stderr, "  wanted \"%s\", got \"%s\"\n", why, r.error);
	}
	free(out.buf);
	return refused;
}

/* Version 3: every vCPU's vGIC and the SPI routes of a GIC VM with several vCPUs. */
TEST(snapshot, smp_gic_records_written_and_checked)
{
	static struct tv_snap_gic_routes routes, bad_routes;
	static const uint32_t swapped[] = { 2, 1 }, repeated[] = { 1, 1 };
	struct membuf out = { NULL, 0, 0, -1 };

	routes.irouter[1] = 2;		  /* the UART's SPI to vCPU 2 */
	routes.irouter[5] = 1ull << 31; /* any */
	ASSERT_NE(write_smp_gic_stream(&out, TV_SNAP_VERSION, 3, NULL, &routes), 0);
	EXPECT_TRUE(accepted(out.buf, out.len));
	free(out.buf);
	/* One vCPU: no GIC_CPU, routes still. */
	out = (struct membuf){ NULL, 0, 0, -1 };
	ASSERT_NE(write_smp_gic_stream(&out, TV_SNAP_VERSION, 1, NULL, &routes), 0);
	EXPECT_TRUE(accepted(out.buf, out.len));
	free(out.buf);

	EXPECT_TRUE(smp_gic_refused(TV_SNAP_VERSION, 3, NULL, NULL, "no GIC_ROUTES record"));
	EXPECT_TRUE(smp_gic_refused(TV_SNAP_VERSION, 3, swapped, &routes,
				    "(GIC_CPU): vCPU 2, expected vCPU 1 (each once, in order)"));
	EXPECT_TRUE(smp_gic_refused(TV_SNAP_VERSION, 3, repeated, &routes, "expected vCPU 2"));
	bad_routes.irouter[3] = 1ull << 40;
	EXPECT_TRUE(smp_gic_refused(TV_SNAP_VERSION, 2, NULL, &bad_routes,
				    "(GIC_ROUTES): SPI 35: route 0x10000000000 has bits"));
	/* Version 2 streams: one GIC vCPU, none of version 3's records. */
	EXPECT_TRUE(smp_gic_refused(2, 2, NULL, NULL, "a version 2 stream's GIC VM has one vCPU"));
	EXPECT_TRUE(smp_gic_refused(2, 1, NULL, &routes,
				    "(GIC_ROUTES): a version 3 record in a version 2 stream"));
}

/* A version 2 stream of a GIC VM (one vCPU, no routes) is still read. */
TEST(snapshot, reads_version_2_gic_streams)
{
	static struct tv_snap_gic gic;
	struct sb s;

	sb_header_ex(&s, 2, TV_SNAP_KIND_SNAPSHOT, 40, 0);
	sb_config(&s, RAM_IPA, RAM_SIZE, TV_VM_MTE | TV_VM_GIC, 1);
	sb_memory(&s);
	sb_vcpu(&s, 0);
	sb_record(&s, TV_SNAP_GIC, &gic, sizeof(gic));
	sb_device(&s);
	sb_end(&s);
	EXPECT_ACCEPTED(&s);
	sb_free(&s);
}

TEST(snapshot, writer_refuses_misuse)
{
	static struct snap_batch batch;
	struct membuf out = { NULL, 0, 0, -1 };
	struct snap_writer w = { mem_write, &out, 0, 0, 0, 0, 0, 0 };
	struct tv_snap_end e = { 0 };
	uint8_t big[16];

	EXPECT_EQ(snap_write_header(&w, 0, 0), -1);
	EXPECT_EQ(snap_write_header(&w, 3, 0), -1);
	EXPECT_EQ(out.len, 0);
	ASSERT_EQ(snap_write_header(&w, TV_SNAP_KIND_SNAPSHOT, 0), 0);
	/* END only through snap_write_end (it is outside the stream checksum). */
	EXPECT_EQ(snap_write_record(&w, TV_SNAP_END, &e, sizeof(e)), -1);
	EXPECT_EQ(snap_write_record(&w, 0, big, sizeof(big)), -1);
	EXPECT_EQ(snap_write_record(&w, TV_SNAP_TYPE_LAST + 1, big, sizeof(big)), -1);
	EXPECT_EQ(snap_write_record(&w, TV_SNAP_PAGES, big, TV_SNAP_MAX_PAYLOAD + 1), -1);
	EXPECT_EQ(snap_write_record(&w, TV_SNAP_DEVICE, NULL, 8), -1);
	EXPECT_EQ(out.len, sizeof(struct tv_snap_header));
	EXPECT_EQ(w.seq, 0);

	/* A 65th page, or an over-long tag encoding, breaks the batch: its flush fails. */
	snap_batch_init(&batch, 0);
	for (unsigned i = 0; i <= TV_SNAP_MAX_BATCH; i++) {
		snap_batch_add(&batch, RAM_IPA, enc_uniform3, 1, NULL);
	}
	EXPECT_TRUE(snap_batch_full(&batch));
	EXPECT_EQ(snap_batch_flush(&w, &batch), -1);
	snap_batch_init(&batch, 0);
	snap_batch_add(&batch, RAM_IPA, big, TAGCODEC_MAX_SIZE + 1, NULL);
	EXPECT_EQ(snap_batch_flush(&w, &batch), -1);
	snap_batch_init(&batch, 0);
	snap_batch_add(&batch, RAM_IPA, NULL, 1, NULL);
	EXPECT_EQ(snap_batch_flush(&w, &batch), -1);
	/* An empty batch writes nothing. */
	snap_batch_init(&batch, 0);
	EXPECT_EQ(snap_batch_flush(&w, &batch), 0);
	EXPECT_EQ(out.len, sizeof(struct tv_snap_header));

	/* A failing write callback fails the call. */
	out.fail_after = 1; /* the record header goes, the payload does not */
	EXPECT_EQ(snap_write_round_end(&w, 0, 0, 0), -1);
	out.fail_after = 0;
	EXPECT_EQ(snap_write_end(&w), -1);
	EXPECT_EQ(snap_write_header(&w, TV_SNAP_KIND_SNAPSHOT, 0), -1);
	free(out.buf);
}

/* A batch given all-zero data stores a zero page, without its 4 KiB. */
TEST(snapshot, zero_data_stored_as_zero_page)
{
	static struct snap_batch batch;
	uint8_t data[PAGE];
	struct snap_page_iter it;
	struct tv_snap_page pg;
	const uint8_t *tags, *d;

	memset(data, 0, sizeof(data));
	snap_batch_init(&batch, 7);
	snap_batch_add(&batch, RAM_IPA, enc_uniform3, 1, data);
	EXPECT_EQ(batch.len, sizeof(struct tv_snap_pages) + sizeof(struct tv_snap_page) + 1);
	data[PAGE - 1] = 1;
	snap_batch_add(&batch, RAM_IPA + PAGE, NULL, 0, data);
	EXPECT_EQ(batch.len,
		  sizeof(struct tv_snap_pages) + 2 * sizeof(struct tv_snap_page) + 1 + PAGE);
	EXPECT_EQ(batch.count, 2);
	EXPECT_EQ(batch.tag_bytes, 1);
	/* The iterator needs the PAGES header, which flush writes: put it in by hand. */
	memcpy(batch.buf, &(struct tv_snap_pages){ 7, 2, 0 }, sizeof(struct tv_snap_pages));
	snap_pages_begin(&it, batch.buf, batch.len);
	ASSERT_TRUE(snap_pages_next(&it, &pg, &tags, &d));
	EXPECT_EQ(pg.flags, TV_SNAP_PAGE_ZERO);
	EXPECT_TRUE(d == NULL);
	EXPECT_EQ(tags[0], 0x03);
	ASSERT_TRUE(snap_pages_next(&it, &pg, &tags, &d));
	EXPECT_EQ(pg.flags, 0);
	EXPECT_TRUE(tags == NULL);
	EXPECT_EQ(d[PAGE - 1], 1);
	EXPECT_FALSE(snap_pages_next(&it, &pg, &tags, &d));
}

/* The iterator stops, without reading outside, on payloads nobody validated. */
TEST(snapshot, page_iterator_bounds)
{
	uint8_t buf[64];
	struct snap_page_iter it;
	struct tv_snap_page pg;

	memset(buf, 0, sizeof(buf));
	snap_pages_begin(&it, buf, 8); /* shorter than the PAGES header */
	EXPECT_FALSE(snap_pages_next(&it, &pg, NULL, NULL));
	memcpy(buf, &(struct tv_snap_pages){ 0, 5, 0 }, 16);
	memcpy(buf + 16, &(struct tv_snap_page){ RAM_IPA, 20, TV_SNAP_PAGE_ZERO, 0 }, 16);
	snap_pages_begin(&it, buf, 40); /* tags run past */
	EXPECT_FALSE(snap_pages_next(&it, &pg, NULL, NULL));
	memcpy(buf + 16, &(struct tv_snap_page){ RAM_IPA, 1, 0, 0 }, 16);
	snap_pages_begin(&it, buf, 64); /* data run past */
	EXPECT_FALSE(snap_pages_next(&it, &pg, NULL, NULL));
	memcpy(buf + 16, &(struct tv_snap_page){ RAM_IPA, 1, TV_SNAP_PAGE_ZERO, 0 }, 16);
	snap_pages_begin(&it, buf, 33); /* one whole entry, then count says more */
	EXPECT_TRUE(snap_pages_next(&it, &pg, NULL, NULL));
	EXPECT_FALSE(snap_pages_next(&it, &pg, NULL, NULL));
}

/* ---- golden bytes: any change to the format or the writer shows here ---- */

static void golden_stream(struct membuf *out)
{
	static struct snap_batch batch;
	struct snap_writer w = { mem_write, out, 0, 0, 0, 0, 0, 0 };
	struct tv_snap_config cfg = { RAM_IPA, RAM_SIZE, TV_VM_MTE, 1, { 0 } };
	struct tv_snap_vcpu v;
	struct tv_snap_device dev = { 0x301, 0x70, 13, 1, 0x10, 0x12, { 0 } };
	uint8_t data[PAGE];

	for (unsigned i = 0; i < PAGE; i++) {
		data[i] = (uint8_t)i;
	}
	memset(&v, 0, sizeof(v));
	v.state.pc = RAM_IPA + 0x1000;
	v.state.pstate = 0x3c5 | (1u << 25);
	v.state.sctlr_el1 = 0x30d0198d;
	v.state.gcr_el1 = 0x10001;
	v.state.rgsr_el1 = 0x2a00;
	v.state.cntvct = 0x1000000;
	snap_write_header(&w, TV_SNAP_KIND_SNAPSHOT, 0x0123456789abcdefull);
	snap_write_record(&w, TV_SNAP_CONFIG, &cfg, sizeof(cfg));
	snap_batch_init(&batch, 0);
	snap_batch_add(&batch, RAM_IPA, (const uint8_t[]){ 0x07 }, 1, NULL);
	snap_batch_add(&batch, RAM_IPA + 0x2000, enc_runs, sizeof(enc_runs), data);
	snap_batch_flush(&w, &batch);
	snap_write_round_end(&w, 0, 2, 6);
	snap_write_record(&w, TV_SNAP_VCPU, &v, sizeof(v));
	snap_write_record(&w, TV_SNAP_DEVICE, &dev, sizeof(dev));
	snap_write_end(&w);
}

/* Hex digits to bytes; returns the count. */
static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;

		sscanf(hex, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

TEST(snapshot, golden_bytes)
{
	/* Little-endian throughout; checked against an independent encoder written from
	 * docs/SNAPSHOT.md alone. */
	static const char head_hex[] =
	    /* header: magic "TAGVSNAP", version 2, header_size 40, kind 1 (snapshot),
	     * reserved, created_ns 0x0123456789abcdef, crc, reserved2 */
	    "54414756534e4150"
	    "03000000"
	    "28000000"
	    "01000000"
	    "00000000"
	    "efcdab8967452301"
	    "255f573a"
	    "00000000"
	    /* record 0: type CONFIG, length 56, crc, seq 0 */
	    "01000000"
	    "38000000"
	    "b583b610"
	    "00000000"
	    /* ram_ipa 0x40000000, ram_size 0x10000, vm_flags MTE, nr_vcpus 1, reserved */
	    "0000004000000000"
	    "0000010000000000"
	    "01000000"
	    "01000000"
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    /* record 1: type PAGES, length 4150, crc, seq 1 */
	    "02000000"
	    "36100000"
	    "e31a9c36"
	    "01000000"
	    /* round 0, count 2, reserved */
	    "00000000"
	    "02000000"
	    "0000000000000000"
	    /* page ipa 0x40000000, tag_len 1, flags ZERO, reserved; tags (uniform 7) */
	    "0000004000000000"
	    "0100"
	    "0100"
	    "00000000"
	    "07"
	    /* page ipa 0x40002000, tag_len 5, flags 0, reserved; tags (a run list); data */
	    "0020004000000000"
	    "0500"
	    "0000"
	    "00000000"
	    "11ef20ef00"
	    "00010203";
	static const char tail_hex[] =
	    /* record 5: type END, length 32, crc, seq 5 */
	    "06000000"
	    "20000000"
	    "b40405ef"
	    "05000000"
	    /* records 5, rounds 1, pages 2, tag_bytes 6, stream_crc, reserved */
	    "05000000"
	    "01000000"
	    "0200000000000000"
	    "0600000000000000"
	    "fac0bcc2"
	    "00000000";
	uint8_t head[sizeof(head_hex) / 2], tail[sizeof(tail_hex) / 2];
	size_t nh = unhex(head_hex, head), nt = unhex(tail_hex, tail);
	struct membuf out = { NULL, 0, 0, -1 };

	ASSERT_EQ(nh, 186);
	ASSERT_EQ(nt, 48);
	golden_stream(&out);
	ASSERT_EQ(out.len, 40 + 72 + 4166 + 32 + 2240 + 72 + 48);
	EXPECT_EQ(memcmp(out.buf, head, nh), 0);
	EXPECT_EQ(memcmp(out.buf + out.len - nt, tail, nt), 0);
	EXPECT_EQ(crc32c(0, out.buf, out.len), 0xec48c5bbu);
	EXPECT_TRUE(accepted(out.buf, out.len));
	free(out.buf);
}

/* The test's own encoder writes the same bytes as the library's writer. */
TEST(snapshot, independent_encoder_agrees)
{
	struct membuf lib = { NULL, 0, 0, -1 };
	struct sb s;
	struct tv_snap_header h;
	struct tv_snap_config cfg = { RAM_IPA, RAM_SIZE, TV_VM_MTE, 1, { 0 } };
	struct tv_snap_vcpu v;
	struct tv_snap_device dev = { 0x301, 0x70, 13, 1, 0x10, 0x12, { 0 } };
	static uint8_t pages[16 + 17 + 16 + 5 + PAGE];
	struct tv_snap_round_end re = { 0, 2, 6 };

	golden_stream(&lib);
	memset(&s, 0, sizeof(s));
	s.m.fail_after = -1;
	memset(&h, 0, sizeof(h));
	h.magic = TV_SNAP_MAGIC;
	h.version = 3;
	h.header_size = 40;
	h.kind = TV_SNAP_KIND_SNAPSHOT;
	h.created_ns = 0x0123456789abcdefull;
	h.crc = crc32c(0, &h, sizeof(h));
	sb_put(&s, &h, sizeof(h), 1);
	sb_record(&s, TV_SNAP_CONFIG, &cfg, sizeof(cfg));
	memcpy(pages, &(struct tv_snap_pages){ 0, 2, 0 }, 16);
	memcpy(pages + 16, &(struct tv_snap_page){ RAM_IPA, 1, TV_SNAP_PAGE_ZERO, 0 }, 16);
	pages[32] = 0x07;
	memcpy(pages + 33, &(struct tv_snap_page){ RAM_IPA + 0x2000, 5, 0, 0 }, 16);
	memcpy(pages + 49, enc_runs, 5);
	for (unsigned i = 0; i < PAGE; i++) {
		pages[54 + i] = (uint8_t)i;
	}
	sb_record(&s, TV_SNAP_PAGES, pages, sizeof(pages));
	sb_record(&s, TV_SNAP_ROUND_END, &re, sizeof(re));
	memset(&v, 0, sizeof(v));
	v.state.pc = RAM_IPA + 0x1000;
	v.state.pstate = 0x3c5 | (1u << 25);
	v.state.sctlr_el1 = 0x30d0198d;
	v.state.gcr_el1 = 0x10001;
	v.state.rgsr_el1 = 0x2a00;
	v.state.cntvct = 0x1000000;
	sb_record(&s, TV_SNAP_VCPU, &v, sizeof(v));
	sb_record(&s, TV_SNAP_DEVICE, &dev, sizeof(dev));
	s.rounds = 1;
	s.pages = 2;
	s.tag_bytes = 6;
	sb_end(&s);
	ASSERT_EQ(s.m.len, lib.len);
	EXPECT_EQ(memcmp(s.m.buf, lib.buf, lib.len), 0);
	sb_free(&s);
	free(lib.buf);
}

/* ---- refusals: the header ---- */

TEST(snapshot, refuses_bad_header)
{
	static const char text[] =
	    "#!/bin/sh\necho this is not a snapshot at all, but long enough\n";
	struct sb s;

	EXPECT_TRUE(refused_with(NULL, 0, "stream ends inside the header (empty or truncated)"));
	EXPECT_TRUE(refused_with((const uint8_t *)"TAG", 3, "stream ends inside the header"));
	EXPECT_TRUE(refused_with((const uint8_t *)text, sizeof(text), "not a tagvisor snapshot"));

	sb_standard(&s);
	s.m.buf[7] ^= 0x20; /* "TAGVSNAp" */
	EXPECT_REFUSED(&s, "not a tagvisor snapshot (magic 0x70414e5356474154");
	sb_free(&s);

	/* Cut right after the magic, and inside the rest. */
	sb_standard(&s);
	EXPECT_TRUE(refused_with(s.m.buf, 8, "stream ends inside the header (truncated)"));
	EXPECT_TRUE(refused_with(s.m.buf, 39, "stream ends inside the header (truncated)"));
	sb_free(&s);

	sb_standard(&s);
	s.m.buf[24] ^= 1; /* created_ns */
	EXPECT_REFUSED(&s, "header: checksum mismatch (stored 0x");
	sb_free(&s);

	sb_header_ex(&s, TV_SNAP_VERSION, TV_SNAP_KIND_SNAPSHOT, 48, 0);
	EXPECT_REFUSED(&s, "header: header_size 48, version 3 has 40");
	sb_free(&s);
	sb_header_ex(&s, TV_SNAP_VERSION, 3, 40, 0);
	EXPECT_REFUSED(&s, "header: unknown stream kind 3");
	sb_free(&s);
	sb_header_ex(&s, TV_SNAP_VERSION, 0, 40, 0);
	EXPECT_REFUSED(&s, "header: unknown stream kind 0");
	sb_free(&s);
	sb_header_ex(&s, TV_SNAP_VERSION, 1, 40, 1);
	EXPECT_REFUSED(&s, "header: reserved field not zero");
	sb_free(&s);
}

/* Another version is refused as such, never read as this one, whatever follows. */
TEST(snapshot, refuses_other_versions)
{
	struct sb s;

	sb_header_ex(&s, 4, TV_SNAP_KIND_SNAPSHOT, 64, 0);
	sb_config(&s, RAM_IPA, RAM_SIZE, TV_VM_MTE, 1);
	EXPECT_REFUSED(&s, "snapshot format version 4, this tagvisor reads versions 2 to 3");
	sb_free(&s);
	sb_header_ex(&s, 0, TV_SNAP_KIND_SNAPSHOT, 40, 0);
	EXPECT_REFUSED(&s, "snapshot format version 0, this tagvisor reads versions 2 to 3");
	sb_free(&s);
	/* A stream of an old version: its vCPUs lack state this one restores. */
	sb_header_ex(&s, 1, TV_SNAP_KIND_SNAPSHOT, 40, 0);
	sb_config(&s, RAM_IPA, RAM_SIZE, TV_VM_MTE, 1);
	EXPECT_REFUSED(&s, "snapshot format version 1, this tagvisor reads versions 2 to 3 "
			   "(version 1 vCPUs lack the PMU, debug, physical timer and DISR state "
			   "this one restores)");
	sb_free(&s);
	/* A future version with another header layout: its checksum does not fit v3's. */
	sb_standard(&s);
	s.m.buf[8] = 7;
	EXPECT_REFUSED(&s, "snapshot format version 7, this tagvisor reads versions 2 to 3 (and "
			   "the header checksum does not match)");
	sb_free(&s);
}

/* ---- refusals: record framing ---- */

TEST(snapshot, refuses_bad_framing)
{
	struct sb s;
	struct tv_snap_config c = { RAM_IPA, RAM_SIZE, TV_VM_MTE, 1, { 0 } };
	uint8_t buf[64] = { 0 };

	sb_begin(&s);
	sb_record(&s, TV_SNAP_TYPE_LAST + 1, buf, 16);
	EXPECT_REFUSED(&s, "record 1: unknown record type 10");
	sb_free(&s);
	sb_begin(&s);
	sb_record(&s, 0, buf, 16);
	EXPECT_REFUSED(&s, "record 1: unknown record type 0");
	sb_free(&s);

	/* A length above the maximum is refused before anything is read into the buffer. */
	sb_begin(&s);
	{
		struct tv_snap_record_hdr h = { TV_SNAP_PAGES, TV_SNAP_MAX_PAYLOAD + 1, 0, 1 };

		sb_put(&s, &h, sizeof(h), 1);
	}
	EXPECT_REFUSED(&s, "record 1 (PAGES): length 271441 above the maximum 271440");
	sb_free(&s);

	sb_header(&s);
	sb_record(&s, TV_SNAP_CONFIG, &c, sizeof(c) - 1);
	EXPECT_REFUSED(&s, "record 0 (CONFIG): length 55, CONFIG payloads have 56 bytes");
	sb_free(&s);
	sb_begin(&s);
	sb_record(&s, TV_SNAP_ROUND_END, buf, 24);
	EXPECT_REFUSED(&s, "record 1 (ROUND_END): length 24, ROUND_END payloads have 16 bytes");
	sb_free(&s);
	sb_begin(&s);
	sb_record(&s, TV_SNAP_VCPU, buf, 64);
	EXPECT_REFUSED(&s, "record 1 (VCPU): length 64, VCPU payloads have 2224 bytes");
	sb_free(&s);
	sb_begin(&s);
	sb_record(&s, TV_SNAP_DEVICE, buf, 0);
	EXPECT_REFUSED(&s, "record 1 (DEVICE): length 0, DEVICE payloads have 56 bytes");
	sb_free(&s);
	sb_begin(&s);
	sb_record(&s, TV_SNAP_END, buf, 31);
	EXPECT_REFUSED(&s, "record 1 (END): length 31, END payloads have 32 bytes");
	sb_free(&s);

	/* A payload byte changed: its checksum. */
	sb_standard(&s);
	s.m.buf[40 + 16 + 3] ^= 0x80;
	EXPECT_REFUSED(&s, "record 0 (CONFIG): payload checksum mismatch (stored 0x");
	sb_free(&s);
	/* The checksum field itself. */
	sb_standard(&s);
	s.m.buf[40 + 8] ^= 0x01;
	EXPECT_REFUSED(&s, "record 0 (CONFIG): payload checksum mismatch");
	sb_free(&s);
}

TEST(snapshot, refuses_sequence_gaps)
{
	struct sb s;
	size_t cut, next;

	/* Record 1 dropped: record 2 comes where record 1 should. */
	sb_begin(&s);
	cut = s.m.len;
	sb_memory(&s);
	next = cut + 16 + rec_length(s.m.buf + cut);
	memmove(s.m.buf + cut, s.m.buf + next, s.m.len - next);
	s.m.len -= next - cut;
	EXPECT_REFUSED(&s, "record 1 (ROUND_END): sequence number 2, expected 1 (a record is "
			   "missing or out of order)");
	sb_free(&s);

	/* Two records swapped (the vCPUs): the first one out of place shows. */
	sb_begin(&s);
	sb_memory(&s);
	cut = s.m.len;
	sb_vcpu(&s, 0);
	next = s.m.len;
	sb_vcpu(&s, 1);
	{
		size_t n = next - cut;
		uint8_t *tmp = malloc(n);

		memcpy(tmp, s.m.buf + cut, n);
		memmove(s.m.buf + cut, s.m.buf + next, n);
		memcpy(s.m.buf + next, tmp, n);
		free(tmp);
	}
	sb_device(&s);
	sb_end(&s);
	EXPECT_REFUSED(&s, "record 5 (VCPU): sequence number 6, expected 5");
	sb_free(&s);

	/* A sequence number that repeats. */
	sb_begin(&s);
	sb_round_end(&s);
	s.seq--;
	sb_round_end(&s);
	EXPECT_REFUSED(&s, "record 2 (ROUND_END): sequence number 1, expected 2");
	sb_free(&s);
}

/* ---- refusals: order ---- */

TEST(snapshot, refuses_records_out_of_order)
{
	struct sb s;
	const struct pg one[] = { { RAM_IPA, 1, TV_SNAP_PAGE_ZERO, 0, NULL } };

	sb_header(&s);
	sb_pages(&s, 0, one, 1);
	EXPECT_REFUSED(&s, "record 0 (PAGES): the first record must be CONFIG");
	sb_free(&s);
	sb_header(&s);
	sb_end(&s);
	EXPECT_REFUSED(&s, "record 0 (END): the first record must be CONFIG");
	sb_free(&s);

	sb_begin(&s);
	sb_config(&s, RAM_IPA, RAM_SIZE, TV_VM_MTE, 2);
	EXPECT_REFUSED(&s, "record 1 (CONFIG): a second CONFIG");
	sb_free(&s);

	sb_begin(&s);
	sb_memory(&s);
	sb_vcpu(&s, 0);
	sb_pages(&s, 2, one, 1);
	EXPECT_REFUSED(&s, "record 6 (PAGES): memory after the VCPU records");
	sb_free(&s);
	sb_begin(&s);
	sb_vcpu(&s, 0);
	sb_round_end(&s);
	EXPECT_REFUSED(&s, "record 2 (ROUND_END): memory after the VCPU records");
	sb_free(&s);

	sb_begin(&s);
	sb_vcpu(&s, 0);
	sb_vcpu(&s, 1);
	sb_device(&s);
	sb_vcpu(&s, 1);
	EXPECT_REFUSED(&s, "record 4 (VCPU): VCPU after DEVICE");
	sb_free(&s);
	sb_begin(&s);
	sb_vcpu(&s, 0);
	sb_vcpu(&s, 1);
	sb_device(&s);
	sb_device(&s);
	EXPECT_REFUSED(&s, "record 4 (DEVICE): a second DEVICE");
	sb_free(&s);
	sb_begin(&s);
	sb_vcpu(&s, 1);
	sb_device(&s);
	EXPECT_REFUSED(&s, "record 2 (DEVICE): only 1 of the 2 vCPUs came before it");
	sb_free(&s);
	sb_begin(&s);
	sb_memory(&s);
	sb_device(&s);
	EXPECT_REFUSED(&s, "record 5 (DEVICE): only 0 of the 2 vCPUs came before it");
	sb_free(&s);
	sb_begin(&s);
	sb_vcpu(&s, 0);
	sb_vcpu(&s, 1);
	sb_end(&s);
	EXPECT_REFUSED(&s, "record 3 (END): END before the DEVICE record");
	sb_free(&s);
	sb_begin(&s);
	sb_end(&s);
	EXPECT_REFUSED(&s, "record 1 (END): END before the DEVICE record");
	sb_free(&s);

	/* Anything after END, even one byte or a well-formed record. */
	sb_standard(&s);
	mem_write(&s.m, "", 1);
	EXPECT_REFUSED(&s, "bytes after END (record 8)");
	sb_free(&s);
	sb_standard(&s);
	sb_device(&s);
	EXPECT_REFUSED(&s, "bytes after END (record 8)");
	sb_free(&s);
	/* Two streams back to back are not one stream. */
	sb_standard(&s);
	{
		size_t n = s.m.len;
		uint8_t *copy = malloc(n);

		memcpy(copy, s.m.buf, n);
		mem_write(&s.m, copy, n);
		free(copy);
	}
	EXPECT_REFUSED(&s, "bytes after END");
	sb_free(&s);
}

TEST(snapshot, refuses_bad_rounds)
{
	struct sb s;
	const struct pg one[] = { { RAM_IPA, 1, TV_SNAP_PAGE_ZERO, 0, NULL } };

	/* Round 1's pages while round 0 is still open. */
	sb_begin(&s);
	sb_pages(&s, 0, one, 1);
	sb_pages(&s, 1, one, 1);
	EXPECT_REFUSED(&s, "record 2 (PAGES): round 1, but round 0 has not ended (no ROUND_END)");
	sb_free(&s);
	/* Rounds start at 0. */
	sb_begin(&s);
	sb_pages(&s, 1, one, 1);
	EXPECT_REFUSED(&s, "record 1 (PAGES): round 1, but round 0 has not ended");
	sb_free(&s);
	/* Going back to an ended round. */
	sb_begin(&s);
	sb_pages(&s, 0, one, 1);
	sb_round_end(&s);
	sb_pages(&s, 0, one, 1);
	EXPECT_REFUSED(&s, "record 3 (PAGES): round 0 after round 0 ended (rounds go back)");
	sb_free(&s);
	/* ROUND_END of another round, or not matching its pages. */
	sb_begin(&s);
	sb_pages(&s, 0, one, 1);
	sb_round_end_ex(&s, 1, 1, 1);
	EXPECT_REFUSED(&s, "record 2 (ROUND_END): round 1, expected round 0");
	sb_free(&s);
	sb_begin(&s);
	sb_pages(&s, 0, one, 1);
	sb_pages(&s, 0, one, 1);
	sb_round_end_ex(&s, 0, 3, 2);
	EXPECT_REFUSED(&s,
		       "record 3 (ROUND_END): round 0 claims 3 pages, its PAGES records hold 2");
	sb_free(&s);
	sb_begin(&s);
	sb_pages(&s, 0, one, 1);
	sb_round_end_ex(&s, 0, 1, 5);
	EXPECT_REFUSED(&s, "record 2 (ROUND_END): round 0 claims 5 tag bytes, its PAGES records "
			   "hold 1");
	sb_free(&s);
	/* A round left open when the vCPUs begin. */
	sb_begin(&s);
	sb_pages(&s, 0, one, 1);
	sb_vcpu(&s, 0);
	EXPECT_REFUSED(&s, "record 2 (VCPU): round 0 has pages but no ROUND_END");
	sb_free(&s);
	/* A migration's rounds, with pages moving between them, are fine; see the totals. */
	sb_begin(&s);
	sb_memory(&s);
	sb_pages(&s, 2, one, 1);
	sb_round_end(&s);
	sb_vcpu(&s, 0);
	sb_vcpu(&s, 1);
	sb_device(&s);
	sb_end(&s);
	EXPECT_ACCEPTED(&s);
	sb_free(&s);
}

/* ---- refusals: payload fields ---- */

static void config_refused(uint64_t ipa, uint64_t size, uint32_t flags, uint32_t nr,
			   const char *what)
{
	struct sb s;

	sb_header(&s);
	sb_config(&s, ipa, size, flags, nr);
	EXPECT_REFUSED(&s, what);
	sb_free(&s);
}

TEST(snapshot, refuses_bad_config)
{
	struct sb s;
	struct tv_snap_config c = { RAM_IPA, RAM_SIZE, TV_VM_MTE, 1, { 0, 0, 0, 1 } };

	config_refused(RAM_IPA + 8, RAM_SIZE, 0, 1,
		       "record 0 (CONFIG): RAM base 0x40000008 or size 0x10000 not page aligned");
	config_refused(RAM_IPA, RAM_SIZE + 0x800, 0, 1, "not page aligned");
	config_refused(RAM_IPA, 0, 0, 1, "record 0 (CONFIG): RAM size 0");
	config_refused((1ull << 39) - PAGE, 2 * PAGE, 0, 1,
		       "record 0 (CONFIG): RAM 0x7ffffff000 + 0x2000 outside the 39-bit IPA space");
	config_refused(0xfffffffffffff000ull, 0x2000, 0, 1, "outside the 39-bit IPA space");
	config_refused(0, 1ull << 40, 0, 1, "outside the 39-bit IPA space");
	config_refused(RAM_IPA, RAM_SIZE, 8, 1,
		       "record 0 (CONFIG): vm_flags 0x8 has unknown bits 0x8");
	config_refused(RAM_IPA, RAM_SIZE, 0x80000001, 1,
		       "vm_flags 0x80000001 has unknown bits 0x80000000");
	config_refused(RAM_IPA, RAM_SIZE, TV_VM_PROTECTED, 1,
		       "record 0 (CONFIG): vm_flags has TV_VM_PROTECTED: a protected VM is never "
		       "in a stream");
	config_refused(RAM_IPA, RAM_SIZE, TV_VM_PROTECTED | TV_VM_MTE, 1, "TV_VM_PROTECTED");
	config_refused(RAM_IPA, RAM_SIZE, 0, 0, "record 0 (CONFIG): nr_vcpus 0, must be 1..8");
	config_refused(RAM_IPA, RAM_SIZE, 0, 9, "record 0 (CONFIG): nr_vcpus 9, must be 1..8");

	sb_header(&s);
	sb_record(&s, TV_SNAP_CONFIG, &c, sizeof(c));
	EXPECT_REFUSED(&s, "record 0 (CONFIG): reserved field not zero");
	sb_free(&s);
}

static void page_refused(uint32_t vm_flags, const struct pg *p, const char *what)
{
	struct sb s;

	sb_header(&s);
	sb_config(&s, RAM_IPA, RAM_SIZE, vm_flags, 1);
	sb_pages(&s, 0, p, 1);
	EXPECT_REFUSED(&s, what);
	sb_free(&s);
}

TEST(snapshot, refuses_bad_page_entries)
{
	static const uint8_t reserved_hdr[1] = { 0x20 };
	static const uint8_t runs_short[3] = { 0x11, 0xef, 0x20 };
	struct sb s;
	const struct pg ok = { RAM_IPA, 1, TV_SNAP_PAGE_ZERO, 0, NULL };
	const struct pg two[] = { ok, ok };
	struct pg p;

	p = ok;
	p.ipa = RAM_IPA + 0x10;
	page_refused(TV_VM_MTE, &p, "record 1 (PAGES): page 0: ipa 0x40000010 not page aligned");
	p.ipa = RAM_IPA - PAGE;
	page_refused(
	    TV_VM_MTE, &p,
	    "record 1 (PAGES): page 0: ipa 0x3ffff000 outside RAM [0x40000000, 0x40010000)");
	p.ipa = RAM_IPA + RAM_SIZE;
	page_refused(TV_VM_MTE, &p, "page 0: ipa 0x40010000 outside RAM");
	p.ipa = 0;
	page_refused(TV_VM_MTE, &p, "page 0: ipa 0x0 outside RAM");
	p = ok;
	p.flags = 2;
	page_refused(TV_VM_MTE, &p, "record 1 (PAGES): page 0: unknown flags 0x2");
	p = ok;
	p.reserved = 1;
	page_refused(TV_VM_MTE, &p, "record 1 (PAGES): page 0: reserved field not zero");
	p = ok;
	p.tag_len = 130;
	p.tags = payload; /* any 130 bytes */
	page_refused(TV_VM_MTE, &p, "record 1 (PAGES): page 0: tag_len 130 above 129");
	p = ok;
	page_refused(0, &p, "record 1 (PAGES): page 0: tag_len 1 in a VM without MTE");
	p.tag_len = 0;
	page_refused(TV_VM_MTE, &p,
		     "record 1 (PAGES): page 0: no tags (tag_len 0) in a VM with MTE");
	p = ok;
	p.tags = reserved_hdr;
	page_refused(TV_VM_MTE, &p,
		     "record 1 (PAGES): page 0 (ipa 0x40000000): compressed tags do not decode");
	p.tags = runs_short;
	p.tag_len = 3;
	page_refused(TV_VM_MTE, &p, "page 0 (ipa 0x40000000): compressed tags do not decode");
	p.tags = enc_runs; /* valid, but one byte too many */
	p.tag_len = 2;
	page_refused(TV_VM_MTE, &p, "compressed tags do not decode");

	/* The second page of a batch names itself. */
	{
		struct pg two_bad[] = { ok, ok };

		two_bad[1].ipa = RAM_IPA + 0x1008;
		sb_header(&s);
		sb_config(&s, RAM_IPA, RAM_SIZE, TV_VM_MTE, 1);
		sb_pages(&s, 0, two_bad, 2);
		EXPECT_REFUSED(&s, "record 1 (PAGES): page 1: ipa 0x40001008 not page aligned");
		sb_free(&s);
	}

	/* The header's count and reserved field against the entries that follow. */
	static const struct {
		uint32_t count;
		uint64_t reserved;
		unsigned entries, extra;
		const char *what;
	} counts[] = {
		{ 0, 0, 2, 0, "record 1 (PAGES): count 0, must be 1..64" },
		{ 65, 0, 2, 0, "record 1 (PAGES): count 65, must be 1..64" },
		{ 3, 0, 2, 0, "record 1 (PAGES): page 2: entry runs past the payload" },
		{ 1, 0, 2, 0, "record 1 (PAGES): 17 bytes after the last of 1 pages" },
		{ 2, 0, 2, 3, "record 1 (PAGES): 3 bytes after the last of 2 pages" },
		{ 2, 1, 2, 0, "record 1 (PAGES): reserved field not zero" },
		{ 1, 0, 0, 0, "record 1 (PAGES): length 16, too short for one page" },
	};
	for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		sb_begin(&s);
		sb_pages_ex(&s, 0, counts[i].count, counts[i].reserved, two, counts[i].entries,
			    counts[i].extra);
		EXPECT_REFUSED(&s, counts[i].what);
		sb_free(&s);
	}

	/* Entries whose tags or data would run past the payload. */
	{
		uint8_t buf[16 + 16 + 100];
		struct tv_snap_page e = { RAM_IPA, 129, TV_SNAP_PAGE_ZERO, 0 };

		memcpy(buf, &(struct tv_snap_pages){ 0, 1, 0 }, 16);
		memcpy(buf + 16, &e, 16);
		memset(buf + 32, 0x70, 100);
		sb_begin(&s);
		sb_record(&s, TV_SNAP_PAGES, buf, sizeof(buf));
		EXPECT_REFUSED(&s, "record 1 (PAGES): page 0: tags run past the payload");
		sb_free(&s);
		e.tag_len = 1;
		e.flags = 0;
		memcpy(buf + 16, &e, 16);
		buf[32] = 0x00;
		sb_begin(&s);
		sb_record(&s, TV_SNAP_PAGES, buf, sizeof(buf));
		EXPECT_REFUSED(&s, "record 1 (PAGES): page 0: data runs past the payload");
		sb_free(&s);
	}
}

static void vcpu_refused(const struct tv_snap_vcpu *v, const char *what)
{
	struct sb s;

	sb_begin(&s);
	sb_vcpu_ex(&s, v);
	EXPECT_REFUSED(&s, what);
	sb_free(&s);
}

TEST(snapshot, refuses_bad_vcpus)
{
	struct tv_snap_vcpu v;
	struct sb s;

	vcpu_default(&v, 2);
	vcpu_refused(&v, "record 1 (VCPU): vCPU index 2, the VM has 2 vCPUs");
	vcpu_default(&v, 0xffffffffu);
	vcpu_refused(&v, "record 1 (VCPU): vCPU index 4294967295, the VM has 2 vCPUs");
	sb_begin(&s);
	sb_vcpu(&s, 1);
	sb_vcpu(&s, 1);
	EXPECT_REFUSED(&s, "record 2 (VCPU): vCPU 1 appears twice");
	sb_free(&s);

	vcpu_default(&v, 0);
	v.state.pstate = 0x3c9; /* EL2h */
	vcpu_refused(&v,
		     "record 1 (VCPU): vCPU 0: PSTATE 0x3c9: mode 0x9 is not EL1h, EL1t or EL0t");
	v.state.pstate = 0x3cd; /* EL3h */
	vcpu_refused(&v, "mode 0xd is not EL1h, EL1t or EL0t");
	v.state.pstate = 0x3c8; /* EL2t */
	vcpu_refused(&v, "mode 0x8 is not EL1h, EL1t or EL0t");
	v.state.pstate = 0x1; /* reserved mode */
	vcpu_refused(&v, "mode 0x1 is not");
	v.state.pstate = 0x3d3; /* AArch32 SVC */
	vcpu_refused(&v, "record 1 (VCPU): vCPU 0: PSTATE 0x3d3 is AArch32 (bit 4)");
	v.state.pstate = 0x10; /* AArch32 User: mode bits 0, still refused */
	vcpu_refused(&v, "PSTATE 0x10 is AArch32 (bit 4)");
	v.state.pstate = 0x3c5 | (1u << 14); /* reserved */
	vcpu_refused(&v, "record 1 (VCPU): vCPU 0: PSTATE 0x43c5 has bits 0x4000 that no guest may "
			 "have");
	v.state.pstate = 0x3c5 | (1ull << 32);
	vcpu_refused(&v, "has bits 0x100000000 that no guest");
	/* An ERET would take the guest to AArch32 with this SPSR_EL1: refused as well. */
	vcpu_default(&v, 0);
	v.state.spsr_el1 = 0x10;
	vcpu_refused(&v, "record 1 (VCPU): vCPU 0: SPSR_EL1 0x10 is AArch32 (bit 4)");

	vcpu_default(&v, 0);
	v.state.flags = 2;
	vcpu_refused(&v, "record 1 (VCPU): vCPU 0: unknown state flags 0x2");
	vcpu_default(&v, 0);
	v.reserved = 1;
	vcpu_refused(&v, "record 1 (VCPU): vCPU 0: reserved field not zero");
	vcpu_default(&v, 0);
	v.state.reserved[6] = 1;
	vcpu_refused(&v, "record 1 (VCPU): vCPU 0: reserved field not zero");
}

TEST(snapshot, refuses_bad_device)
{
	struct sb s;
	struct tv_snap_device d = { 0, 0, 0, 0, 0, 0, { 0, 0, 9, 0 } };

	sb_begin(&s);
	sb_vcpu(&s, 0);
	sb_vcpu(&s, 1);
	sb_record(&s, TV_SNAP_DEVICE, &d, sizeof(d));
	EXPECT_REFUSED(&s, "record 3 (DEVICE): reserved field not zero");
	sb_free(&s);
}

static void end_refused(void (*change)(struct tv_snap_end *e), const char *what)
{
	struct sb s;
	struct tv_snap_end e;

	sb_begin(&s);
	sb_memory(&s);
	sb_vcpu(&s, 0);
	sb_vcpu(&s, 1);
	sb_device(&s);
	e = sb_end_values(&s);
	change(&e);
	sb_end_ex(&s, &e);
	EXPECT_REFUSED(&s, what);
	sb_free(&s);
}

static void end_records(struct tv_snap_end *e)
{
	e->records++;
}
static void end_rounds(struct tv_snap_end *e)
{
	e->rounds--;
}
static void end_pages(struct tv_snap_end *e)
{
	e->pages += 1ull << 32;
}
static void end_tags(struct tv_snap_end *e)
{
	e->tag_bytes = 0;
}
static void end_crc(struct tv_snap_end *e)
{
	e->stream_crc ^= 0x100;
}
static void end_reserved(struct tv_snap_end *e)
{
	e->reserved = 1;
}

TEST(snapshot, refuses_bad_end)
{
	end_refused(end_records, "record 8 (END): counts 9 records before it, the stream has 8");
	end_refused(end_rounds, "record 8 (END): counts 1 rounds, the stream has 2");
	end_refused(end_pages, "record 8 (END): counts 4294967300 pages, the stream has 4");
	end_refused(end_tags, "record 8 (END): counts 0 tag bytes, the stream has 12");
	end_refused(end_crc, "record 8 (END): stream checksum mismatch (stored 0x");
	end_refused(end_reserved, "record 8 (END): reserved field not zero");
}

/* ---- damage anywhere ---- */

/* A small stream with every record type and one data page. */
static void small_stream(struct sb *s)
{
	const struct pg r0[] = {
		{ RAM_IPA, 5, 0, 0, enc_runs },
		{ RAM_IPA + 0x3000, 1, TV_SNAP_PAGE_ZERO, 0, NULL },
	};

	sb_header(s);
	sb_config(s, RAM_IPA, RAM_SIZE, TV_VM_MTE, 1);
	sb_pages(s, 0, r0, 2);
	sb_round_end(s);
	sb_vcpu(s, 0);
	sb_device(s);
	sb_end(s);
}

TEST(snapshot, refuses_truncation_at_every_offset)
{
	struct sb s;
	size_t bounds[8], nb = 0, off = sizeof(struct tv_snap_header);

	small_stream(&s);
	ASSERT_TRUE(accepted(s.m.buf, s.m.len));
	/* Record boundaries: a cut there is "before record N", anywhere else "inside". */
	while (off < s.m.len && nb < 8) {
		bounds[nb++] = off;
		off += 16 + rec_length(s.m.buf + off);
	}
	ASSERT_EQ(nb, 6);
	for (size_t cut = 0; cut < s.m.len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		const char *what = "stream ends inside record";
		char expect[64];

		memcpy(copy, s.m.buf, cut);
		if (cut < sizeof(struct tv_snap_header)) {
			what = "stream ends inside the header";
		}
		for (size_t b = 0; b < nb; b++) {
			if (cut == bounds[b]) {
				snprintf(expect, sizeof(expect),
					 "stream ends before record %zu: no END", b);
				what = expect;
			} else if (cut > bounds[b] && (b + 1 == nb || cut < bounds[b + 1])) {
				snprintf(expect, sizeof(expect), "stream ends inside record %zu",
					 b);
				what = expect;
			}
		}
		if (!refused_with(copy, cut, what)) {
			fprintf(stderr, "  cut at %zu\n", cut);
			EXPECT_TRUE(0);
		}
		free(copy);
	}
	sb_free(&s);
}

TEST(snapshot, refuses_every_single_bit_flip)
{
	struct sb s;
	struct snap_reader r;
	unsigned flips = 0;

	small_stream(&s);
	for (size_t off = 0; off < s.m.len; off++) {
		/* Every bit of the header and the record headers; one bit elsewhere. */
		int all = off < 40 + 16 + 56 + 16 + 64 || off > s.m.len - 2048;

		for (unsigned bit = 0; bit < 8; bit++) {
			if (!all && bit != off % 8) {
				continue;
			}
			s.m.buf[off] ^= (uint8_t)(1u << bit);
			if (read_stream(s.m.buf, s.m.len, &r) == 0) {
				fprintf(stderr, "  flip of bit %u at %zu accepted\n", bit, off);
				EXPECT_TRUE(0);
			}
			s.m.buf[off] ^= (uint8_t)(1u << bit);
			flips++;
		}
	}
	EXPECT_LT(10000, flips);
	EXPECT_TRUE(accepted(s.m.buf, s.m.len));
	sb_free(&s);
}

/* ---- the reader's API ---- */

TEST(snapshot, reader_api)
{
	struct sb s;
	struct memsrc src;
	struct snap_reader r;
	uint32_t len = 99;

	sb_standard(&s);
	memset(&r, 0, sizeof(r));
	r.read = mem_read;
	src = (struct memsrc){ s.m.buf, s.m.len, 0 };
	r.ctx = &src;
	EXPECT_EQ(snap_read_record(&r, payload, &len), -1);
	EXPECT_EQ(len, 0);
	EXPECT_TRUE(strstr(r.error, "the header must be read first") != NULL);

	/* Whatever the counters held before, reading the header starts afresh. */
	memset(&r, 0, sizeof(r));
	r.read = mem_read;
	r.ctx = &src;
	r.seq = r.rounds = r.vcpus_seen = 0xa5a5a5a5u;
	r.pages = r.tag_bytes = r.zero_pages = r.bytes = r.vcpu_mask = 0xa5a5a5a5a5a5a5a5ull;
	r.ended = true;
	memset(r.error, 'x', sizeof(r.error));
	ASSERT_EQ(snap_read_header(&r), 0);
	EXPECT_EQ(r.seq, 0);
	EXPECT_EQ(r.rounds, 0);
	EXPECT_EQ(r.vcpus_seen, 0);
	EXPECT_EQ(r.pages + r.tag_bytes + r.zero_pages + r.vcpu_mask, 0);
	EXPECT_EQ(r.bytes, sizeof(struct tv_snap_header));
	EXPECT_FALSE(r.ended);
	EXPECT_EQ(r.error[0], 0);
	EXPECT_TRUE(r.read == mem_read && r.ctx == &src);
	EXPECT_EQ(snap_read_header(&r), -1);
	EXPECT_TRUE(strstr(r.error, "the header was already read") != NULL);

	/* After a refusal every call fails, keeping the first reason. */
	src = (struct memsrc){ s.m.buf, s.m.len, 0 };
	memset(&r, 0, sizeof(r));
	r.read = mem_read;
	r.ctx = &src;
	s.m.buf[40 + 16] ^= 1;
	ASSERT_EQ(snap_read_header(&r), 0);
	EXPECT_EQ(snap_read_record(&r, payload, &len), -1);
	EXPECT_EQ(snap_read_record(&r, payload, &len), -1);
	EXPECT_TRUE(strstr(r.error, "record 0 (CONFIG): payload checksum mismatch") != NULL);
	EXPECT_FALSE(r.ended);
	s.m.buf[40 + 16] ^= 1;

	/* The record types and lengths come back in order; END returns 0, and so on after. */
	src = (struct memsrc){ s.m.buf, s.m.len, 0 };
	memset(&r, 0, sizeof(r));
	r.read = mem_read;
	r.ctx = &src;
	ASSERT_EQ(snap_read_header(&r), 0);
	{
		static const int types[] = { TV_SNAP_CONFIG,
					     TV_SNAP_PAGES,
					     TV_SNAP_ROUND_END,
					     TV_SNAP_PAGES,
					     TV_SNAP_ROUND_END,
					     TV_SNAP_VCPU,
					     TV_SNAP_VCPU,
					     TV_SNAP_DEVICE,
					     0,
					     0 };

		for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			EXPECT_EQ(snap_read_record(&r, payload, &len), types[i]);
		}
	}
	EXPECT_TRUE(r.ended);
	EXPECT_EQ(src.off, s.m.len);

	EXPECT_TRUE(strcmp(snap_type_name(TV_SNAP_ROUND_END), "ROUND_END") == 0);
	EXPECT_TRUE(strcmp(snap_type_name(0), "unknown") == 0);
	EXPECT_TRUE(strcmp(snap_type_name(TV_SNAP_GIC_CPU), "GIC_CPU") == 0);
	EXPECT_TRUE(strcmp(snap_type_name(TV_SNAP_TYPE_LAST + 1), "unknown") == 0);
	EXPECT_TRUE(strcmp(snap_type_name(0xffffffffu), "unknown") == 0);
	sb_free(&s);
}
