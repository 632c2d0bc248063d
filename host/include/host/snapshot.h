/* SPDX-License-Identifier: MIT */
/* Snapshot, restore and live migration of a guest (host/vmm/snapshot.c, migrate.c). */
#ifndef HOST_SNAPSHOT_H
#define HOST_SNAPSHOT_H

#include <host/vmm.h>
#include <lib/snapshot.h>


/* A stream over a file (or FIFO) of the machine running QEMU, through semihosting. */
struct host_file {
	int64_t fd;
	bool failed;
};
int host_file_open(struct host_file *f, const char *path, bool write);
void host_file_close(struct host_file *f);
int host_file_write(void *ctx, const void *buf, size_t len);
int host_file_read(void *ctx, void *buf, size_t len);

/*
 * Writes the stopped guest as a TV_SNAP_KIND_SNAPSHOT stream. `request`: the save
 * answers the guest's TV_VMM_CALL_SNAPSHOT (the saved guest will see 1, this one 0).
 * Returns 0 or -1 (a message was printed).
 */
int snapshot_save(struct guest *g, struct snap_writer *w, bool request);

/* Creates the guest from a stream (snapshot or migration). 0 or -1 with a message. */
int snapshot_restore(struct guest *g, struct snap_reader *r);

/* Live migration, source side (migrate.c). */
int migrate_begin(struct guest *g, const char *out_path);
/* 0: keep running the guest; 1: it moved to the destination; -1: failed, it stays. */
int migrate_step(struct guest *g, const char *ack_path);

/* Pieces shared with migration. */
int snapshot_quiesce(struct guest *g, bool request);
int snapshot_send_page(struct guest *g, struct snap_writer *w, struct snap_batch *b, uint64_t idx);
int snapshot_send_state(struct guest *g, struct snap_writer *w);

#endif
