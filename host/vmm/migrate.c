/* SPDX-License-Identifier: MIT */
/*
 * Live migration, source side: pre-copy. Dirty logging starts (stage-2 write
 * protection; tag stores fault like data stores, so tag changes are caught too),
 * every populated page is sent while the guest keeps running, then the pages
 * dirtied meanwhile, round after round, until few are left; then the guest stops,
 * the last pages, the vCPUs and the devices follow, and the destination's answer
 * decides: "OK" ends the guest here, anything else (or silence: the destination
 * died) stops the migration and the guest simply goes on here.
 */
#include <abi/link.h>
#include <host/link.h>
#include <host/snapshot.h>
#include <lib/string.h>

#define STEP_PAGES 256    /* pages sent between two time slices of the guest */
#define FINAL_PAGES 64    /* dirty pages few enough to stop the guest for */
#define MAX_ROUNDS 12

struct migration {
	struct snap_writer w;
	struct snap_batch batch;
	uint64_t *set;  /* pages to send in this round, a bit each */
	uint64_t words; /* of set */
	uint64_t cursor;
	uint32_t round, round_pages;
	uint64_t round_tag_bytes;
	uint64_t t_begin, t_stop;
};

static struct migration mig;

static void abandon(struct guest *g, const char *why)
{
	host_log("migration failed: %s; the guest keeps running here", why);
	tv_hvc(TV_HC_DIRTY_LOG, (uint64_t)g->handle, TV_DIRTY_STOP, 0, 0, 0, 0, NULL);
	link_out_abort();
}

/* Fills the set with the populated pages (round 0). */
static void set_all_populated(struct guest *g)
{
	memset(mig.set, 0, mig.words * 8);
	for (uint64_t i = 0; i < g->nr_pages; i++) {
		if (g->page_pa[i]) {
			mig.set[i / 64] |= 1ull << (i % 64);
		}
	}
}

/* Sends up to `budget` pages of the set. Returns pages sent, or -1. */
static int64_t send_some(struct guest *g, uint64_t budget)
{
	int64_t sent = 0;

	for (; mig.cursor < g->nr_pages && (uint64_t)sent < budget; mig.cursor++) {
		if (!(mig.set[mig.cursor / 64] >> (mig.cursor % 64) & 1)) {
			continue;
		}
		if (snapshot_send_page(g, &mig.w, &mig.batch, mig.cursor)) {
			return -1;
		}
		sent++;
	}
	return sent;
}

/* Ends the round; the next set is what the guest dirtied. Returns its size, or -1. */
static int64_t next_round(struct guest *g)
{
	uint64_t tags_before = mig.round_tag_bytes;
	int64_t dirty;

	if (snap_batch_flush(&mig.w, &mig.batch) ||
	    snap_write_round_end(&mig.w, mig.round, mig.round_pages,
				 mig.w.tag_bytes - tags_before)) {
		return -1;
	}
	dirty = tv_hvc(TV_HC_DIRTY_LOG, (uint64_t)g->handle, TV_DIRTY_GET, GUEST_RAM_IPA,
		       mig.words * 64, (uint64_t)mig.set, 0, NULL);
	if (dirty < 0) {
		host_log("TV_DIRTY_GET failed: %ld", dirty);
		return -1;
	}
	host_log("migration: round %u sent %u pages (%lu stream bytes so far); %ld dirtied meanwhile",
		 mig.round, mig.round_pages, mig.w.bytes, dirty);
	mig.round++;
	mig.round_pages = 0;
	mig.round_tag_bytes = mig.w.tag_bytes;
	mig.cursor = 0;
	snap_batch_init(&mig.batch, mig.round);
	return dirty;
}

int migrate_begin(struct guest *g)
{
	struct tv_snap_config cfg = { GUEST_RAM_IPA, g->ram_size, g->vm_flags, g->nr_vcpus, { 0 } };
	char why[128];
	int64_t ret;

	if (g->vm_flags & TV_VM_PROTECTED) {
		host_log("a protected guest cannot be migrated: the hypervisor keeps its memory and "
			 "registers from the host");
		return -1;
	}
	if (g->swap) {
		host_log("migration with --resident-pages is not supported");
		return -1;
	}
	memset(&mig, 0, sizeof(mig));
	mig.words = (g->nr_pages + 63) / 64;
	mig.set = alloc_pages((mig.words * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
	mig.t_begin = read_cntpct();
	if (!mig.set) {
		return -1;
	}
	if (link_out_begin(TV_LINK_STREAM_MIGRATION, why, sizeof(why))) {
		host_log("migration not started: %s; the guest keeps running here", why);
		return -1;
	}
	mig.w = (struct snap_writer){ .write = link_out_write, .ctx = NULL };
	ret = tv_hvc(TV_HC_DIRTY_LOG, (uint64_t)g->handle, TV_DIRTY_START, 0, 0, 0, 0, NULL);
	if (ret) {
		host_log("TV_DIRTY_START failed: %ld", ret);
		return -1;
	}
	if (snap_write_header(&mig.w, TV_SNAP_KIND_MIGRATION, ticks_to_ns(mig.t_begin)) ||
	    snap_write_record(&mig.w, TV_SNAP_CONFIG, &cfg, sizeof(cfg))) {
		abandon(g, "cannot write the stream");
		return -1;
	}
	set_all_populated(g);
	snap_batch_init(&mig.batch, 0);
	host_log("migration: started, %lu MiB of guest RAM", g->ram_size >> 20);
	return 0;
}

/* Stop-and-copy, then the destination's verdict. 1: migrated, 0: failed (guest goes on). */
static int finish(struct guest *g)
{
	char why[128];
	int err;
	int64_t sent;
	uint64_t t_end;

	mig.t_stop = read_cntpct();
	sent = send_some(g, ~0ull);
	if (sent < 0) {
		abandon(g, "cannot write the stream");
		return 0;
	}
	mig.round_pages += (uint32_t)sent;
	if (snap_batch_flush(&mig.w, &mig.batch) ||
	    snap_write_round_end(&mig.w, mig.round, mig.round_pages,
				 mig.w.tag_bytes - mig.round_tag_bytes)) {
		abandon(g, "cannot write the stream");
		return 0;
	}
	tv_hvc(TV_HC_DIRTY_LOG, (uint64_t)g->handle, TV_DIRTY_STOP, 0, 0, 0, 0, NULL);
	if (snapshot_quiesce(g, -1) || snapshot_send_state(g, &mig.w)) {
		abandon(g, "cannot write the final state");
		return 0;
	}
	t_end = read_cntpct();
	err = link_out_end(why, sizeof(why));
	if (err) {
		host_log("migration failed: %s; the guest keeps running here", why);
		return 0;
	}
	host_log("migration: done: %u rounds, %lu pages, %lu tag bytes, %lu stream bytes; "
		 "took %lu ns, stop-and-copy %lu ns (%u pages)",
		 mig.round + 1, mig.w.pages, mig.w.tag_bytes, mig.w.bytes,
		 ticks_to_ns(t_end - mig.t_begin),
		 ticks_to_ns(t_end - mig.t_stop), mig.round_pages);
	return 1;
}

/*
 * One step, between two time slices of the guest. Returns 0 to keep running the
 * guest, 1 when it has moved to the destination, -1 when the migration failed
 * (the guest keeps running here).
 */
int migrate_step(struct guest *g)
{
	int64_t sent = send_some(g, STEP_PAGES), dirty;

	if (sent < 0) {
		abandon(g, "cannot write the stream (the destination is gone?)");
		return -1;
	}
	mig.round_pages += (uint32_t)sent;
	if (mig.cursor < g->nr_pages) {
		return 0;
	}
	dirty = next_round(g);
	if (dirty < 0) {
		abandon(g, "cannot write the stream");
		return -1;
	}
	if (dirty > FINAL_PAGES && mig.round < MAX_ROUNDS) {
		return 0;
	}
	/* Stop-and-copy: every vCPU stays out of the guest; it goes on here if that fails. */
	vmm_pause(g);
	if (finish(g)) {
		return 1;
	}
	vmm_resume(g);
	return -1;
}
