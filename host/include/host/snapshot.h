/* SPDX-License-Identifier: MIT */
/* Snapshot, restore and live migration of a guest (host/vmm/snapshot.c, migrate.c). */
#ifndef HOST_SNAPSHOT_H
#define HOST_SNAPSHOT_H

#include <host/vmm.h>
#include <lib/snapshot.h>


/*
 * Writes the stopped guest as a TV_SNAP_KIND_SNAPSHOT stream. `caller`: the vCPU whose
 * TV_VMM_CALL_SNAPSHOT the save answers (the saved guest will see 1, this one 0), or
 * -1. Returns 0 or -1 (a message was printed).
 */
int snapshot_save(struct guest *g, struct snap_writer *w, int caller);

/* What the destination was started for: a stream of another VM is refused. */
struct restore_expect {
	uint64_t ram_size; /* 0: any */
	int mte;           /* -1: any, else 0 or 1 */
	unsigned nr_vcpus; /* 0: any */
	bool protected;    /* started as a protected VM: no stream can be restored into one */
};

/*
 * Creates the guest from a stream (snapshot or migration), refusing a VM other than
 * `expect` (NULL: any). 0 or -1 with a message (in r->error too).
 */
int snapshot_restore(struct guest *g, struct snap_reader *r, const struct restore_expect *expect);

/* Live migration, source side (migrate.c). */
int migrate_begin(struct guest *g);
/* 0: keep running the guest; 1: it moved to the destination; -1: failed, it stays. */
int migrate_step(struct guest *g);

/* Pieces shared with migration. */
/* Completes every vCPU's pending exit; `caller` as for snapshot_save. */
int snapshot_quiesce(struct guest *g, int caller);
int snapshot_send_page(struct guest *g, struct snap_writer *w, struct snap_batch *b, uint64_t idx);
int snapshot_send_state(struct guest *g, struct snap_writer *w);

#endif
