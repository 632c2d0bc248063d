/* SPDX-License-Identifier: MIT */
/*
 * The snapshot and migration stream (<abi/snapshot.h>, docs/SNAPSHOT.md): the writer
 * and the reader shared by the EL1 host and the native tools.
 *
 * Freestanding: no allocation, no stdio, only memcpy/memset of <lib/string.h> and
 * lib/fmt's vsnprintf for messages. Payloads are parsed with memcpy into locals, never
 * through pointers to wider types, because the EL1 host runs with -mstrict-align and
 * a payload field has no particular alignment in the caller's buffer.
 *
 * The reader trusts nothing it reads: every length is checked before it is used, every
 * field before it is believed, and the first problem stops the stream for good with a
 * message that names the record (its number in the stream, from 0) and the field.
 */
#include <abi/hvc.h>
#include <lib/fmt.h>
#include <lib/snapshot.h>
#include <lib/string.h>
#include <lib/tagcodec.h>
#include <stdarg.h>

/*
 * Structures are copied to and from the stream as they are in memory, which is the
 * stream's byte order only on a little-endian machine (every target of tagvisor).
 */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the snapshot stream is little-endian; this code copies structures as they are"
#endif

#define PAGE_SIZE 4096u
#define IPA_LIMIT (1ull << TV_IPA_BITS)

/* PSTATE bits a stream may hold: those TV_HC_VCPU_SET_REG/SET_STATE accept. */
#define PSTATE_NRW  (1ull << 4) /* AArch32 */
#define PSTATE_MODE 0xfull
#define PSTATE_VALID TV_PSTATE_ALLOWED

/* Where a reader stands; struct snap_reader.state (0, the zeroed struct, is START). */
enum {
	RS_START,  /* nothing read */
	RS_CONFIG, /* header read, CONFIG next */
	RS_MEMORY, /* CONFIG read: PAGES, ROUND_END or the first VCPU */
	RS_VCPUS,  /* VCPU records, then DEVICE */
	RS_DEVICE, /* DEVICE read: END next */
	RS_ENDED,  /* END read and nothing after it */
	RS_FAILED, /* refused: r->error says why, every later call fails */
};

static const char *const type_names[] = {
	[TV_SNAP_CONFIG] = "CONFIG", [TV_SNAP_PAGES] = "PAGES",	  [TV_SNAP_ROUND_END] = "ROUND_END",
	[TV_SNAP_VCPU] = "VCPU",     [TV_SNAP_DEVICE] = "DEVICE", [TV_SNAP_END] = "END",
	[TV_SNAP_GIC] = "GIC",	     [TV_SNAP_GIC_CPU] = "GIC_CPU", [TV_SNAP_GIC_ROUTES] = "GIC_ROUTES",
};

const char *snap_type_name(uint32_t type)
{
	if (type >= sizeof(type_names) / sizeof(type_names[0]) || !type_names[type]) {
		return "unknown";
	}
	return type_names[type];
}

static uint32_t ld32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint64_t ld64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++) {
		acc |= p[i];
		/* Data pages usually differ early: stop at the first non-zero cache line. */
		if ((i & 63) == 63 && acc) {
			return false;
		}
	}
	return acc == 0;
}

/* ---- writing ---- */

static int put(struct snap_writer *w, const void *buf, size_t len, bool in_stream_crc)
{
	if (len && w->write(w->ctx, buf, len)) {
		return -1;
	}
	if (in_stream_crc) {
		w->stream_crc = crc32c(w->stream_crc, buf, len);
	}
	w->bytes += len;
	return 0;
}

int snap_write_header(struct snap_writer *w, uint32_t kind, uint64_t created_ns)
{
	struct tv_snap_header h;

	if (kind != TV_SNAP_KIND_SNAPSHOT && kind != TV_SNAP_KIND_MIGRATION) {
		return -1;
	}
	memset(&h, 0, sizeof(h));
	h.magic = TV_SNAP_MAGIC;
	h.version = TV_SNAP_VERSION;
	h.header_size = sizeof(h);
	h.kind = kind;
	h.created_ns = created_ns;
	h.crc = crc32c(0, &h, sizeof(h)); /* computed with the crc field 0 */

	w->stream_crc = 0;
	w->seq = 0;
	w->rounds = 0;
	w->pages = 0;
	w->tag_bytes = 0;
	w->bytes = 0;
	return put(w, &h, sizeof(h), true);
}

static int put_record(struct snap_writer *w, uint32_t type, const void *payload, uint32_t len,
		      bool in_stream_crc)
{
	struct tv_snap_record_hdr h = {
		.type = type,
		.length = len,
		.crc = crc32c(0, payload, len),
		.seq = w->seq,
	};

	if (put(w, &h, sizeof(h), in_stream_crc) || put(w, payload, len, in_stream_crc)) {
		return -1;
	}
	w->seq++;
	return 0;
}

int snap_write_record(struct snap_writer *w, uint32_t type, const void *payload, uint32_t len)
{
	/* END has its own function: it is the one record outside the stream checksum. */
	if (type < TV_SNAP_CONFIG || type == TV_SNAP_END || type > TV_SNAP_TYPE_LAST ||
	    len > TV_SNAP_MAX_PAYLOAD ||
	    (len && !payload)) {
		return -1;
	}
	if (put_record(w, type, payload, len, true)) {
		return -1;
	}
	/* The totals END carries count what was actually written, however it was built. */
	if (type == TV_SNAP_PAGES) {
		struct snap_page_iter it;
		struct tv_snap_page page;

		snap_pages_begin(&it, payload, len);
		while (snap_pages_next(&it, &page, NULL, NULL)) {
			w->pages++;
			w->tag_bytes += page.tag_len;
		}
	} else if (type == TV_SNAP_ROUND_END) {
		w->rounds++;
	}
	return 0;
}

int snap_write_end(struct snap_writer *w)
{
	struct tv_snap_end e;

	memset(&e, 0, sizeof(e));
	e.records = w->seq;
	e.rounds = w->rounds;
	e.pages = w->pages;
	e.tag_bytes = w->tag_bytes;
	e.stream_crc = w->stream_crc;
	return put_record(w, TV_SNAP_END, &e, sizeof(e), false);
}

/* A batch that was asked to hold what it cannot: flushing it fails instead of losing pages. */
#define BATCH_BROKEN 0xffffffffu

void snap_batch_init(struct snap_batch *b, uint32_t round)
{
	/* The 265 KiB buffer is not cleared: only [0, len) is ever written out. */
	b->len = sizeof(struct tv_snap_pages);
	b->count = 0;
	b->round = round;
	b->tag_bytes = 0;
}

void snap_batch_add(struct snap_batch *b, uint64_t ipa, const uint8_t *tags, uint16_t tag_len,
		    const uint8_t *data)
{
	struct tv_snap_page e;
	bool zero = !data || all_zero(data, PAGE_SIZE);

	if (b->count >= TV_SNAP_MAX_BATCH || tag_len > TAGCODEC_MAX_SIZE || (tag_len && !tags)) {
		b->count = BATCH_BROKEN;
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ipa = ipa;
	e.tag_len = tag_len;
	e.flags = zero ? TV_SNAP_PAGE_ZERO : 0;
	memcpy(b->buf + b->len, &e, sizeof(e));
	b->len += sizeof(e);
	if (tag_len) {
		memcpy(b->buf + b->len, tags, tag_len);
		b->len += tag_len;
	}
	if (!zero) {
		memcpy(b->buf + b->len, data, PAGE_SIZE);
		b->len += PAGE_SIZE;
	}
	b->count++;
	b->tag_bytes += tag_len;
}

bool snap_batch_full(const struct snap_batch *b)
{
	return b->count >= TV_SNAP_MAX_BATCH;
}

int snap_batch_flush(struct snap_writer *w, struct snap_batch *b)
{
	struct tv_snap_pages h;
	int ret;

	if (b->count > TV_SNAP_MAX_BATCH) {
		return -1;
	}
	if (!b->count) {
		return 0;
	}
	memset(&h, 0, sizeof(h));
	h.round = b->round;
	h.count = b->count;
	memcpy(b->buf, &h, sizeof(h));
	ret = snap_write_record(w, TV_SNAP_PAGES, b->buf, b->len);
	snap_batch_init(b, b->round);
	return ret;
}

int snap_write_round_end(struct snap_writer *w, uint32_t round, uint32_t pages, uint64_t tag_bytes)
{
	struct tv_snap_round_end e;

	memset(&e, 0, sizeof(e));
	e.round = round;
	e.pages = pages;
	e.tag_bytes = tag_bytes;
	return snap_write_record(w, TV_SNAP_ROUND_END, &e, sizeof(e));
}

/* ---- reading ---- */

static int fail(struct snap_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct snap_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->state = RS_FAILED;
	return -1;
}

static int get(struct snap_reader *r, void *buf, size_t len)
{
	if (len && r->read(r->ctx, buf, len)) {
		return -1;
	}
	r->bytes += len;
	return 0;
}

int snap_read_header(struct snap_reader *r)
{
	struct tv_snap_header h;
	uint32_t crc;

	if (r->state != RS_START) {
		return fail(r, "the header was already read");
	}
	/* Everything but the callback starts afresh, whatever the caller left there. */
	{
		int (*read)(void *, void *, size_t) = r->read;
		void *ctx = r->ctx;
		bool live = r->live;

		memset(r, 0, sizeof(*r));
		r->read = read;
		r->ctx = ctx;
		r->live = live;
	}

	/* The magic alone first: a short file that is not a stream is named as such. */
	if (get(r, &h.magic, sizeof(h.magic))) {
		return fail(r, "stream ends inside the header (empty or truncated)");
	}
	if (h.magic != TV_SNAP_MAGIC) {
		return fail(r, "not a tagvisor snapshot (magic 0x%016llx, expected 0x%016llx)",
			    (unsigned long long)h.magic, (unsigned long long)TV_SNAP_MAGIC);
	}
	if (get(r, (uint8_t *)&h + sizeof(h.magic), sizeof(h) - sizeof(h.magic))) {
		return fail(r, "stream ends inside the header (truncated)");
	}
	crc = h.crc;
	h.crc = 0;
	h.crc = crc32c(0, &h, sizeof(h));
	/*
	 * The version before the checksum: a later version may lay its header out
	 * differently (only the magic and the version stay where they are), and must be
	 * refused as such, not as a corrupt stream of this version.
	 */
	if (h.version < TV_SNAP_VERSION_OLDEST || h.version > TV_SNAP_VERSION) {
		return fail(r, "snapshot format version %u, this tagvisor reads versions %u to %u%s%s",
			    h.version, TV_SNAP_VERSION_OLDEST, TV_SNAP_VERSION,
			    h.version == 1 ? " (version 1 vCPUs lack the PMU, debug, physical "
					     "timer and DISR state this one restores)"
					   : "",
			    crc == h.crc ? "" : " (and the header checksum does not match)");
	}
	if (crc != h.crc) {
		return fail(r, "header: checksum mismatch (stored 0x%08x, computed 0x%08x)", crc,
			    h.crc);
	}
	if (h.header_size != sizeof(h)) {
		return fail(r, "header: header_size %u, version %u has %u", h.header_size,
			    h.version, (unsigned)sizeof(h));
	}
	if (h.kind != TV_SNAP_KIND_SNAPSHOT && h.kind != TV_SNAP_KIND_MIGRATION) {
		return fail(r, "header: unknown stream kind %u", h.kind);
	}
	if (h.reserved || h.reserved2) {
		return fail(r, "header: reserved field not zero");
	}
	r->header = h;
	r->stream_crc = crc32c(0, &h, sizeof(h));
	r->state = RS_CONFIG;
	return 0;
}

/* Payload lengths of the fixed-size records; PAGES is checked by its content. */
static uint32_t fixed_length(uint32_t type)
{
	switch (type) {
	case TV_SNAP_CONFIG:
		return sizeof(struct tv_snap_config);
	case TV_SNAP_ROUND_END:
		return sizeof(struct tv_snap_round_end);
	case TV_SNAP_VCPU:
		return sizeof(struct tv_snap_vcpu);
	case TV_SNAP_DEVICE:
		return sizeof(struct tv_snap_device);
	case TV_SNAP_GIC:
		return sizeof(struct tv_snap_gic);
	case TV_SNAP_GIC_CPU:
		return sizeof(struct tv_snap_gic_cpu);
	case TV_SNAP_GIC_ROUTES:
		return sizeof(struct tv_snap_gic_routes);
	case TV_SNAP_END:
		return sizeof(struct tv_snap_end);
	default:
		return 0;
	}
}

static bool zeros64(const uint8_t *p, size_t off, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (ld64(p, off + 8 * i)) {
			return false;
		}
	}
	return true;
}

#define REC "record %u (%s): "

static int check_config(struct snap_reader *r, uint32_t n, const uint8_t *p)
{
	struct tv_snap_config c;

	memcpy(&c, p, sizeof(c));
	if (c.reserved[0] || c.reserved[1] || c.reserved[2] || c.reserved[3]) {
		return fail(r, REC "reserved field not zero", n, "CONFIG");
	}
	if ((c.ram_ipa | c.ram_size) & (PAGE_SIZE - 1)) {
		return fail(r, REC "RAM base 0x%llx or size 0x%llx not page aligned", n, "CONFIG",
			    (unsigned long long)c.ram_ipa, (unsigned long long)c.ram_size);
	}
	if (!c.ram_size) {
		return fail(r, REC "RAM size 0", n, "CONFIG");
	}
	if (c.ram_size > IPA_LIMIT || c.ram_ipa > IPA_LIMIT - c.ram_size) {
		return fail(r, REC "RAM 0x%llx + 0x%llx outside the %u-bit IPA space", n, "CONFIG",
			    (unsigned long long)c.ram_ipa, (unsigned long long)c.ram_size,
			    TV_IPA_BITS);
	}
	if (c.vm_flags & TV_VM_PROTECTED) {
		return fail(r,
			    REC "vm_flags has TV_VM_PROTECTED: a protected VM is never in a stream",
			    n, "CONFIG");
	}
	if (c.vm_flags & ~(uint32_t)TV_VM_FLAGS_ALL) {
		return fail(r, REC "vm_flags 0x%x has unknown bits 0x%x", n, "CONFIG", c.vm_flags,
			    c.vm_flags & ~(uint32_t)TV_VM_FLAGS_ALL);
	}
	if (c.nr_vcpus < 1 || c.nr_vcpus > TV_MAX_VCPUS) {
		return fail(r, REC "nr_vcpus %u, must be 1..%u", n, "CONFIG", c.nr_vcpus,
			    TV_MAX_VCPUS);
	}
	r->config = c;
	return 0;
}

static int check_pages(struct snap_reader *r, uint32_t n, const uint8_t *p, uint32_t len)
{
	struct tv_snap_pages h;
	uint32_t off = sizeof(h);
	uint64_t tag_bytes = 0, zero = 0, tagged = 0;
	bool mte = r->config.vm_flags & TV_VM_MTE;
	uint64_t ram_end = r->config.ram_ipa + r->config.ram_size;

	if (len < sizeof(h) + sizeof(struct tv_snap_page)) {
		return fail(r, REC "length %u, too short for one page", n, "PAGES", len);
	}
	memcpy(&h, p, sizeof(h));
	if (h.count < 1 || h.count > TV_SNAP_MAX_BATCH) {
		return fail(r, REC "count %u, must be 1..%u", n, "PAGES", h.count,
			    TV_SNAP_MAX_BATCH);
	}
	if (h.reserved) {
		return fail(r, REC "reserved field not zero", n, "PAGES");
	}
	/* Rounds are numbered 0, 1, 2... and each ends with its ROUND_END. */
	if (h.round < r->rounds) {
		return fail(r, REC "round %u after round %u ended (rounds go back)", n, "PAGES",
			    h.round, r->rounds - 1);
	}
	if (h.round > r->rounds) {
		return fail(r, REC "round %u, but round %u has not ended (no ROUND_END)", n,
			    "PAGES", h.round, r->rounds);
	}
	for (uint32_t i = 0; i < h.count; i++) {
		struct tv_snap_page e;
		uint8_t tags[TAGCODEC_PACKED_SIZE];

		if (len - off < sizeof(e)) {
			return fail(r, REC "page %u: entry runs past the payload", n, "PAGES", i);
		}
		memcpy(&e, p + off, sizeof(e));
		off += sizeof(e);
		if (e.ipa & (PAGE_SIZE - 1)) {
			return fail(r, REC "page %u: ipa 0x%llx not page aligned", n, "PAGES", i,
				    (unsigned long long)e.ipa);
		}
		if (e.ipa < r->config.ram_ipa || e.ipa >= ram_end) {
			return fail(r, REC "page %u: ipa 0x%llx outside RAM [0x%llx, 0x%llx)", n,
				    "PAGES", i, (unsigned long long)e.ipa,
				    (unsigned long long)r->config.ram_ipa,
				    (unsigned long long)ram_end);
		}
		if (e.flags & ~TV_SNAP_PAGE_ZERO) {
			return fail(r, REC "page %u: unknown flags 0x%x", n, "PAGES", i, e.flags);
		}
		if (e.reserved) {
			return fail(r, REC "page %u: reserved field not zero", n, "PAGES", i);
		}
		if (e.tag_len > TAGCODEC_MAX_SIZE) {
			return fail(r, REC "page %u: tag_len %u above %u", n, "PAGES", i, e.tag_len,
				    TAGCODEC_MAX_SIZE);
		}
		if (!mte && e.tag_len) {
			return fail(r, REC "page %u: tag_len %u in a VM without MTE", n, "PAGES", i,
				    e.tag_len);
		}
		if (mte && !e.tag_len) {
			return fail(r, REC "page %u: no tags (tag_len 0) in a VM with MTE", n,
				    "PAGES", i);
		}
		if (len - off < e.tag_len) {
			return fail(r, REC "page %u: tags run past the payload", n, "PAGES", i);
		}
		if (e.tag_len) {
			if (tagcodec_decode(p + off, e.tag_len, tags)) {
				return fail(
				    r, REC "page %u (ipa 0x%llx): compressed tags do not decode", n,
				    "PAGES", i, (unsigned long long)e.ipa);
			}
			tagged += !all_zero(tags, sizeof(tags));
			off += e.tag_len;
			tag_bytes += e.tag_len;
		}
		if (e.flags & TV_SNAP_PAGE_ZERO) {
			zero++;
		} else if (len - off < PAGE_SIZE) {
			return fail(r, REC "page %u: data runs past the payload", n, "PAGES", i);
		} else {
			off += PAGE_SIZE;
		}
	}
	if (off != len) {
		return fail(r, REC "%u bytes after the last of %u pages", n, "PAGES", len - off,
			    h.count);
	}
	r->pages += h.count;
	r->round_pages += h.count;
	r->tag_bytes += tag_bytes;
	r->round_tag_bytes += tag_bytes;
	r->zero_pages += zero;
	r->tagged_pages += tagged;
	return 0;
}

static int check_round_end(struct snap_reader *r, uint32_t n, const uint8_t *p)
{
	struct tv_snap_round_end e;

	memcpy(&e, p, sizeof(e));
	if (e.round != r->rounds) {
		return fail(r, REC "round %u, expected round %u", n, "ROUND_END", e.round,
			    r->rounds);
	}
	if (e.pages != r->round_pages) {
		return fail(r, REC "round %u claims %u pages, its PAGES records hold %llu", n,
			    "ROUND_END", e.round, e.pages, (unsigned long long)r->round_pages);
	}
	if (e.tag_bytes != r->round_tag_bytes) {
		return fail(r, REC "round %u claims %llu tag bytes, its PAGES records hold %llu", n,
			    "ROUND_END", e.round, (unsigned long long)e.tag_bytes,
			    (unsigned long long)r->round_tag_bytes);
	}
	r->last_round = e.round;
	r->rounds++;
	r->round_pages = 0;
	r->round_tag_bytes = 0;
	return 0;
}

#define VCPU_STATE(field)                                                                          \
	(offsetof(struct tv_snap_vcpu, state) + offsetof(struct tv_vcpu_state, field))

static int check_vcpu(struct snap_reader *r, uint32_t n, const uint8_t *p)
{
	uint32_t idx = ld32(p, offsetof(struct tv_snap_vcpu, index));
	uint64_t pstate = ld64(p, VCPU_STATE(pstate));
	uint64_t flags = ld64(p, VCPU_STATE(flags));
	uint64_t mode = pstate & PSTATE_MODE;

	if (idx >= r->config.nr_vcpus) {
		return fail(r, REC "vCPU index %u, the VM has %u vCPUs", n, "VCPU", idx,
			    r->config.nr_vcpus);
	}
	if (r->vcpu_mask & (1ull << idx)) {
		return fail(r, REC "vCPU %u appears twice", n, "VCPU", idx);
	}
	if (ld32(p, offsetof(struct tv_snap_vcpu, reserved)) ||
	    !zeros64(p, VCPU_STATE(reserved), 7)) {
		return fail(r, REC "vCPU %u: reserved field not zero", n, "VCPU", idx);
	}
	if (flags & ~(uint64_t)TV_VCPU_STATE_OFF) {
		return fail(r, REC "vCPU %u: unknown state flags 0x%llx", n, "VCPU", idx,
			    (unsigned long long)flags);
	}
	/* As the hypervisor will check on restore: never EL2, never AArch32. */
	if (pstate & PSTATE_NRW) {
		return fail(r, REC "vCPU %u: PSTATE 0x%llx is AArch32 (bit 4)", n, "VCPU", idx,
			    (unsigned long long)pstate);
	}
	if (mode != 0x5 && mode != 0x4 && mode != 0x0) {
		return fail(r, REC "vCPU %u: PSTATE 0x%llx: mode 0x%llx is not EL1h, EL1t or EL0t",
			    n, "VCPU", idx, (unsigned long long)pstate, (unsigned long long)mode);
	}
	if (pstate & ~PSTATE_VALID) {
		return fail(
		    r,
		    REC "vCPU %u: PSTATE 0x%llx has bits 0x%llx that no guest may have",
		    n, "VCPU", idx, (unsigned long long)pstate,
		    (unsigned long long)(pstate & ~PSTATE_VALID));
	}
	if (!tv_spsr_el1_valid(ld64(p, VCPU_STATE(spsr_el1)))) {
		return fail(r, REC "vCPU %u: SPSR_EL1 0x%llx is AArch32 (bit 4)", n, "VCPU", idx,
			    (unsigned long long)ld64(p, VCPU_STATE(spsr_el1)));
	}
	r->vcpu_mask |= 1ull << idx;
	r->vcpus_seen++;
	return 0;
}

/* A vCPU's vGIC interface: list registers never linked to a physical interrupt, INTIDs in range. */
static int check_vgic_state(struct snap_reader *r, uint32_t n, const char *name,
			    const struct tv_vgic_state *cpu)
{
	if (cpu->nr_lrs > 16) {
		return fail(r, REC "%u list registers", n, name, cpu->nr_lrs);
	}
	for (unsigned i = 0; i < 16; i++) {
		uint64_t lr = cpu->lr[i];

		/* HW (bit 61) and pINTID (44:32) but for EOI (41), the maintenance request. */
		if ((lr >> 32) & 0x20001dffull) {
			return fail(r, REC "list register %u (0x%llx) is linked to a physical interrupt",
				    n, name, i, (unsigned long long)lr);
		}
		if ((lr >> 62) && ((lr & 0xffffffffull) >= 1020 || i >= cpu->nr_lrs)) {
			return fail(r, REC "list register %u (0x%llx) is not a valid interrupt", n,
				    name, i, (unsigned long long)lr);
		}
		if (cpu->lines[i].intid &&
		    (cpu->lines[i].intid < 16 || cpu->lines[i].intid > 1019 ||
		     (cpu->lines[i].flags & ~TV_IRQ_FLAGS_ALL))) {
			return fail(r, REC "interrupt line %u (INTID %u, flags 0x%x) is not valid", n,
				    name, i, cpu->lines[i].intid, cpu->lines[i].flags);
		}
	}
	return 0;
}

/* The vGIC of vCPU 0 and the distributor. */
static int check_gic(struct snap_reader *r, uint32_t n, const uint8_t *p)
{
	struct tv_snap_gic g;

	memcpy(&g, p, sizeof(g));
	if (g.uart_rx_len > sizeof(g.uart_rx)) {
		return fail(r, REC "%u bytes of console input", n, "GIC", g.uart_rx_len);
	}
	if (check_vgic_state(r, n, "GIC", &g.cpu)) {
		return -1;
	}
	r->gic_seen = true;
	return 0;
}

/* A further vCPU's vGIC: the next index, and its interface as vCPU 0's is checked. */
static int check_gic_cpu(struct snap_reader *r, uint32_t n, const uint8_t *p)
{
	struct tv_snap_gic_cpu g;

	memcpy(&g, p, sizeof(g));
	if (g.index != r->gic_cpus_seen + 1) {
		return fail(r, REC "vCPU %u, expected vCPU %u (each once, in order)", n, "GIC_CPU",
			    g.index, r->gic_cpus_seen + 1);
	}
	if (g.reserved) {
		return fail(r, REC "reserved field not zero", n, "GIC_CPU");
	}
	if (check_vgic_state(r, n, "GIC_CPU", &g.cpu)) {
		return -1;
	}
	r->gic_cpus_seen++;
	return 0;
}

/* SPI routes: only the bits GICD_IROUTER has. */
static int check_gic_routes(struct snap_reader *r, uint32_t n, const uint8_t *p)
{
	for (unsigned i = 0; i < 64; i++) {
		uint64_t v = ld64(p, 8 * i);

		if (v & ~TV_SNAP_IROUTER_VALID) {
			return fail(r, REC "SPI %u: route 0x%llx has bits GICD_IROUTER lacks", n,
				    "GIC_ROUTES", 32 + i, (unsigned long long)v);
		}
	}
	r->routes_seen = true;
	return 0;
}

static int check_device(struct snap_reader *r, uint32_t n, const uint8_t *p)
{
	if (!zeros64(p, offsetof(struct tv_snap_device, reserved), 4)) {
		return fail(r, REC "reserved field not zero", n, "DEVICE");
	}
	return 0;
}

static int check_end(struct snap_reader *r, uint32_t n, const uint8_t *p)
{
	struct tv_snap_end e;
	uint8_t extra;

	memcpy(&e, p, sizeof(e));
	if (e.reserved) {
		return fail(r, REC "reserved field not zero", n, "END");
	}
	if (e.records != n) {
		return fail(r, REC "counts %u records before it, the stream has %u", n, "END",
			    e.records, n);
	}
	if (e.rounds != r->rounds) {
		return fail(r, REC "counts %u rounds, the stream has %u", n, "END", e.rounds,
			    r->rounds);
	}
	if (e.pages != r->pages) {
		return fail(r, REC "counts %llu pages, the stream has %llu", n, "END",
			    (unsigned long long)e.pages, (unsigned long long)r->pages);
	}
	if (e.tag_bytes != r->tag_bytes) {
		return fail(r, REC "counts %llu tag bytes, the stream has %llu", n, "END",
			    (unsigned long long)e.tag_bytes, (unsigned long long)r->tag_bytes);
	}
	if (e.stream_crc != r->stream_crc) {
		return fail(r, REC "stream checksum mismatch (stored 0x%08x, computed 0x%08x)", n,
			    "END", e.stream_crc, r->stream_crc);
	}
	/* A stream is exactly its records: anything after END is refused, not ignored. */
	if (!r->live && !get(r, &extra, 1)) {
		return fail(r, "bytes after END (record %u)", n);
	}
	return 0;
}

/*
 * Whether a record of this type may come now: CONFIG first, memory (PAGES, ROUND_END),
 * one VCPU per vCPU, DEVICE, END. Fails with why not.
 */
static int check_order(struct snap_reader *r, uint32_t n, uint32_t type)
{
	const char *name = snap_type_name(type);
	bool memory = r->state == RS_MEMORY, vcpus = r->state == RS_VCPUS;

	if (r->state == RS_CONFIG && type != TV_SNAP_CONFIG) {
		return fail(r, REC "the first record must be CONFIG", n, name);
	}
	switch (type) {
	case TV_SNAP_CONFIG:
		if (r->state != RS_CONFIG) {
			return fail(r, REC "a second CONFIG", n, name);
		}
		return 0;
	case TV_SNAP_PAGES:
	case TV_SNAP_ROUND_END:
		if (!memory) {
			return fail(r, REC "memory after the VCPU records", n, name);
		}
		return 0;
	case TV_SNAP_VCPU:
		if (!memory && !vcpus) {
			return fail(r, REC "VCPU after DEVICE", n, name);
		}
		if (memory && r->round_pages) {
			return fail(r, REC "round %u has pages but no ROUND_END", n, name,
				    r->rounds);
		}
		return 0;
	case TV_SNAP_GIC:
		if (!(r->config.vm_flags & TV_VM_GIC)) {
			return fail(r, REC "a GIC record for a VM without TV_VM_GIC", n, name);
		}
		if (r->header.version < 3 && r->config.nr_vcpus != 1) {
			return fail(r, REC "a version 2 stream's GIC VM has one vCPU, not %u", n, name,
				    r->config.nr_vcpus);
		}
		if (!vcpus || r->gic_seen || r->vcpus_seen != r->config.nr_vcpus) {
			return fail(r, REC "the GIC record comes once, after every VCPU", n, name);
		}
		return 0;
	case TV_SNAP_GIC_CPU:
	case TV_SNAP_GIC_ROUTES:
		if (r->header.version < 3) {
			return fail(r, REC "a version 3 record in a version %u stream", n, name,
				    r->header.version);
		}
		if (!r->gic_seen || r->routes_seen) {
			return fail(r, REC "must come after the GIC record, before GIC_ROUTES ends them",
				    n, name);
		}
		if (type == TV_SNAP_GIC_CPU && r->gic_cpus_seen + 1 >= r->config.nr_vcpus) {
			return fail(r, REC "more GIC_CPU records than further vCPUs (%u)", n, name,
				    r->config.nr_vcpus - 1);
		}
		if (type == TV_SNAP_GIC_ROUTES && r->gic_cpus_seen + 1 != r->config.nr_vcpus) {
			return fail(r, REC "only %u of the %u further vCPUs' GIC_CPU records came before it",
				    n, name, r->gic_cpus_seen, r->config.nr_vcpus - 1);
		}
		return 0;
	case TV_SNAP_DEVICE:
		if (!memory && !vcpus) {
			return fail(r, REC "a second DEVICE", n, name);
		}
		if (r->vcpus_seen != r->config.nr_vcpus) {
			return fail(r, REC "only %u of the %u vCPUs came before it", n, name,
				    r->vcpus_seen, r->config.nr_vcpus);
		}
		if ((r->config.vm_flags & TV_VM_GIC) && !r->gic_seen) {
			return fail(r, REC "the VM has a GIC but the stream has no GIC record", n,
				    name);
		}
		if ((r->config.vm_flags & TV_VM_GIC) && r->header.version >= 3 && !r->routes_seen) {
			return fail(r, REC "the VM has a GIC but the stream has no GIC_ROUTES record", n,
				    name);
		}
		return 0;
	default: /* TV_SNAP_END */
		if (r->state != RS_DEVICE) {
			return fail(r, REC "END before the DEVICE record", n, name);
		}
		return 0;
	}
}

int snap_read_record(struct snap_reader *r, void *payload, uint32_t *len)
{
	struct tv_snap_record_hdr h;
	uint32_t n = r->seq, crc, want;
	const char *name;
	uint8_t *p = payload;
	int ret = 0;

	*len = 0;
	switch (r->state) {
	case RS_START:
		return fail(r, "the header must be read first");
	case RS_ENDED:
		return 0;
	case RS_FAILED:
		return -1;
	}
	/* One byte first, to tell a stream cut between records from one cut inside one. */
	if (get(r, &h, 1)) {
		return fail(r, "stream ends before record %u: no END (truncated)", n);
	}
	if (get(r, (uint8_t *)&h + 1, sizeof(h) - 1)) {
		return fail(r, "stream ends inside record %u (its header)", n);
	}
	name = snap_type_name(h.type);
	if (h.type < TV_SNAP_CONFIG || h.type > TV_SNAP_TYPE_LAST) {
		return fail(r, "record %u: unknown record type %u", n, h.type);
	}
	if (h.seq != n) {
		return fail(
		    r, REC "sequence number %u, expected %u (a record is missing or out of order)",
		    n, name, h.seq, n);
	}
	if (h.length > TV_SNAP_MAX_PAYLOAD) {
		return fail(r, REC "length %u above the maximum %u", n, name, h.length,
			    (unsigned)TV_SNAP_MAX_PAYLOAD);
	}
	want = fixed_length(h.type);
	if (want && h.length != want) {
		return fail(r, REC "length %u, %s payloads have %u bytes", n, name, h.length, name,
			    want);
	}
	if (get(r, p, h.length)) {
		return fail(r, "stream ends inside record %u (%s): its payload has %u bytes", n,
			    name, h.length);
	}
	crc = crc32c(0, p, h.length);
	if (crc != h.crc) {
		return fail(r, REC "payload checksum mismatch (stored 0x%08x, computed 0x%08x)", n,
			    name, h.crc, crc);
	}
	if (check_order(r, n, h.type)) {
		return -1;
	}
	switch (h.type) {
	case TV_SNAP_CONFIG:
		ret = check_config(r, n, p);
		r->state = RS_MEMORY;
		break;
	case TV_SNAP_PAGES:
		ret = check_pages(r, n, p, h.length);
		break;
	case TV_SNAP_ROUND_END:
		ret = check_round_end(r, n, p);
		break;
	case TV_SNAP_VCPU:
		ret = check_vcpu(r, n, p);
		r->state = RS_VCPUS;
		break;
	case TV_SNAP_GIC:
		ret = check_gic(r, n, p);
		break;
	case TV_SNAP_GIC_CPU:
		ret = check_gic_cpu(r, n, p);
		break;
	case TV_SNAP_GIC_ROUTES:
		ret = check_gic_routes(r, n, p);
		break;
	case TV_SNAP_DEVICE:
		ret = check_device(r, n, p);
		r->state = RS_DEVICE;
		break;
	case TV_SNAP_END:
		ret = check_end(r, n, p);
		break;
	}
	if (ret) {
		/* fail() set RS_FAILED, which the state changes above must not undo. */
		r->state = RS_FAILED;
		return -1;
	}
	r->seq++;
	*len = h.length;
	if (h.type == TV_SNAP_END) {
		r->ended = true;
		r->state = RS_ENDED;
		return 0;
	}
	/* END's own header and payload are outside the checksum END carries. */
	r->stream_crc = crc32c(r->stream_crc, &h, sizeof(h));
	r->stream_crc = crc32c(r->stream_crc, p, h.length);
	return (int)h.type;
}

void snap_pages_begin(struct snap_page_iter *it, const void *payload, uint32_t len)
{
	it->payload = payload;
	it->len = len;
	it->off = sizeof(struct tv_snap_pages);
	it->left = len >= sizeof(struct tv_snap_pages)
		       ? ld32(it->payload, offsetof(struct tv_snap_pages, count))
		       : 0;
}

/* Bounds-checked all the same: the writer walks payloads nobody has validated. */
bool snap_pages_next(struct snap_page_iter *it, struct tv_snap_page *page, const uint8_t **tags,
		     const uint8_t **data)
{
	struct tv_snap_page e;
	const uint8_t *t, *d = NULL;

	if (!it->left || it->len - it->off < sizeof(e)) {
		it->left = 0;
		return false;
	}
	memcpy(&e, it->payload + it->off, sizeof(e));
	if (it->len - it->off - sizeof(e) < e.tag_len) {
		it->left = 0;
		return false;
	}
	t = e.tag_len ? it->payload + it->off + sizeof(e) : NULL;
	if (!(e.flags & TV_SNAP_PAGE_ZERO)) {
		if (it->len - it->off - sizeof(e) - e.tag_len < PAGE_SIZE) {
			it->left = 0;
			return false;
		}
		d = it->payload + it->off + sizeof(e) + e.tag_len;
		it->off += PAGE_SIZE;
	}
	it->off += sizeof(e) + e.tag_len;
	it->left--;
	*page = e;
	if (tags) {
		*tags = t;
	}
	if (data) {
		*data = d;
	}
	return true;
}
