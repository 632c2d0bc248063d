/* SPDX-License-Identifier: MIT */
/*
 * Writing and reading the snapshot/migration stream of <abi/snapshot.h>. The one
 * implementation used by the host (EL1, freestanding) and the host-native tools.
 * The reader trusts nothing: every field is checked before it is used, and any
 * problem stops the stream with a message saying what is wrong.
 */
#ifndef LIB_SNAPSHOT_H
#define LIB_SNAPSHOT_H

#include <abi/snapshot.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CRC32C (Castagnoli), as used by every checksum of the stream. Start with crc = 0. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* ---- writing ---- */

struct snap_writer {
	/* Writes all of buf; returns 0, or -1 (the stream is then abandoned). */
	int (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
	uint32_t stream_crc; /* of everything written so far */
	uint32_t seq;	     /* records written */
	uint32_t rounds;
	uint64_t pages, tag_bytes, bytes;
};

int snap_write_header(struct snap_writer *w, uint32_t kind, uint64_t created_ns);
int snap_write_record(struct snap_writer *w, uint32_t type, const void *payload, uint32_t len);
/* Writes END with the totals accumulated by the writer. */
int snap_write_end(struct snap_writer *w);

/* A PAGES record under construction (TV_SNAP_MAX_PAYLOAD bytes of storage). */
struct snap_batch {
	uint8_t buf[TV_SNAP_MAX_PAYLOAD];
	uint32_t len;
	uint32_t count;
	uint32_t round;
	uint64_t tag_bytes;
};

void snap_batch_init(struct snap_batch *b, uint32_t round);
/* Adds a page (data NULL or all-zero data: stored as a zero page). */
void snap_batch_add(struct snap_batch *b, uint64_t ipa, const uint8_t *tags, uint16_t tag_len,
		    const uint8_t *data);
bool snap_batch_full(const struct snap_batch *b);
/* Writes the batch as a PAGES record if it holds pages, then empties it. */
int snap_batch_flush(struct snap_writer *w, struct snap_batch *b);
/* Writes ROUND_END for a finished round. */
int snap_write_round_end(struct snap_writer *w, uint32_t round, uint32_t pages, uint64_t tag_bytes);

/* ---- reading ---- */

struct snap_reader {
	/* Reads exactly len bytes; returns 0, or -1 at the end of the input or on error. */
	int (*read)(void *ctx, void *buf, size_t len);
	void *ctx;
	/* Filled as the stream is read: */
	struct tv_snap_header header;
	struct tv_snap_config config;
	uint32_t stream_crc, seq, rounds, last_round, vcpus_seen, state;
	uint64_t pages, tag_bytes, zero_pages, tagged_pages, bytes;
	uint64_t vcpu_mask; /* vCPU indexes seen */
	bool gic_seen, routes_seen;
	uint32_t gic_cpus_seen; /* GIC_CPU records */
	bool ended;
	/*
	 * A live stream (a migration over a pipe that stays open): END is its end, and
	 * nothing after it is read. A file is checked to end right after END.
	 */
	bool live;
	char error[192]; /* why the stream was refused */
	/* Added for the round check: pages and tag bytes of the round not yet ended. */
	uint64_t round_pages, round_tag_bytes;
};

/* Reads and checks the header (read, ctx and live are kept). 0, or -1 with r->error set. */
int snap_read_header(struct snap_reader *r);

/*
 * Reads the next record into payload (TV_SNAP_MAX_PAYLOAD bytes), checking its
 * checksum, sequence number, place in the order, and every field of its payload
 * (page addresses inside the configured RAM, tag encodings that decode, vCPU
 * indexes, END's totals and whole-stream checksum). Returns the record type
 * (*len = payload bytes), 0 after END was read, or -1 with r->error set.
 */
int snap_read_record(struct snap_reader *r, void *payload, uint32_t *len);

/* Walks the pages of a PAGES payload already validated by snap_read_record. */
struct snap_page_iter {
	const uint8_t *payload;
	uint32_t len, off, left;
};
void snap_pages_begin(struct snap_page_iter *it, const void *payload, uint32_t len);
/* Returns false after the last page; data is NULL for a zero page. */
bool snap_pages_next(struct snap_page_iter *it, struct tv_snap_page *page, const uint8_t **tags,
		     const uint8_t **data);

/* "CONFIG", "PAGES", ... for a record type; "unknown" for anything else. */
const char *snap_type_name(uint32_t type);

#endif
