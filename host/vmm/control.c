/* SPDX-License-Identifier: MIT */
/*
 * What the VMM does to a running guest besides running it: snapshots at a time or
 * on the guest's request (a VMM call or the doorbell page, abi/guest.h), and live
 * migration. The run loop asks control_poll()
 * between time slices; control_deadline() tells it when to interrupt the guest.
 *   snapshot [snapshot-at=NS] [snapshot-continue]   save (and stop, by default)
 *   migrate-to [migrate-at=NS]                       live migration, source side
 *   restore | incoming                               start from a stream (a file, a peer)
 * Every stream travels over the link (host/link.c): the CLI holds the file or the
 * connection, and answers each stream with its verdict.
 * Times count from the start of the guest, in nanoseconds of the counter (under
 * -icount shift=0, instructions).
 */
#include <abi/guest.h>
#include <host/control.h>
#include <abi/link.h>
#include <host/link.h>
#include <host/snapshot.h>
#include <lib/string.h>

/* Who asked for the snapshot: the guest's answer differs (a call returns one). */
enum request { REQ_NONE, REQ_CALL, REQ_DOORBELL };

static struct {
	bool snapshot_wanted, migrate_wanted;
	uint64_t snapshot_at, migrate_at; /* counter values, 0: none */
	enum request requested;
	unsigned request_vcpu; /* whose call (REQ_CALL) */
	uint32_t doorbell_result; /* what the doorbell's RESULT reads */
	bool snapshot_continue, snapshot_done, migrating, migrate_done, restored;
	bool progress;
} ctl;

static uint64_t ns_to_ticks(uint64_t ns)
{
	return ns * read_cntfrq() / 1000000000ull;
}

static bool snapshot_wanted(void)
{
	return ctl.snapshot_wanted && !ctl.snapshot_done;
}

/* Runs with the guest's lock held, on the CPU of vCPU v. */
static bool on_vmm_call(struct guest *g, unsigned v, const uint64_t args[5], uint64_t *ret)
{
	(void)g;
	if (args[0] != TV_VMM_CALL_SNAPSHOT || !snapshot_wanted() || ctl.requested) {
		return false; /* NOT_SUPPORTED: nobody asked for snapshots (or one is under way) */
	}
	ctl.requested = REQ_CALL;
	ctl.request_vcpu = v;
	*ret = 0;
	vmm_poke_control();
	return true;
}

static int on_doorbell(struct guest *g, uint64_t offset, unsigned size, bool write, uint64_t *data)
{
	(void)g;
	if (size != 4) {
		return -1;
	}
	if (offset == TV_DOORBELL_RESULT && !write) {
		*data = ctl.doorbell_result;
		return 0;
	}
	if (offset != TV_DOORBELL_REQUEST || !write) {
		return -1;
	}
	if (*data != TV_DOORBELL_SNAPSHOT || !snapshot_wanted() || ctl.requested) {
		ctl.doorbell_result = TV_DOORBELL_REFUSED;
		return 0;
	}
	/* The snapshot holds the guest after this write: a restore makes it RESTORED. */
	ctl.requested = REQ_DOORBELL;
	ctl.doorbell_result = TV_DOORBELL_SAVED;
	vmm_poke_control();
	return 1;
}

void control_init(struct guest *g)
{
	ctl.snapshot_wanted = bootarg("snapshot") != NULL;
	ctl.migrate_wanted = bootarg("migrate-to") != NULL;
	ctl.snapshot_continue = bootarg("snapshot-continue") != NULL;
	ctl.progress = bootarg("progress") != NULL;
	if (bootarg("snapshot-at")) {
		ctl.snapshot_at = read_cntpct() + ns_to_ticks(bootarg_u64("snapshot-at", 0));
	}
	if (ctl.migrate_wanted) {
		ctl.migrate_at = read_cntpct() + ns_to_ticks(bootarg_u64("migrate-at", 0));
	}
	ctl.doorbell_result = ctl.restored ? TV_DOORBELL_RESTORED : TV_DOORBELL_REFUSED;
	g->vmm_call = on_vmm_call;
	g->doorbell = on_doorbell;
}

uint64_t control_deadline(void)
{
	uint64_t d = 0;

	if (ctl.snapshot_at && !ctl.snapshot_done) {
		d = ctl.snapshot_at;
	}
	if (ctl.migrate_at && !ctl.migrating && !ctl.migrate_done && (!d || ctl.migrate_at < d)) {
		d = ctl.migrate_at;
	}
	return d;
}

bool control_busy(void)
{
	return ctl.migrating;
}

static int save(struct guest *g, int caller)
{
	struct snap_writer w = { .write = link_out_write, .ctx = NULL };
	char why[128];
	int err;

	if (link_out_begin(TV_LINK_STREAM_SNAPSHOT, why, sizeof(why))) {
		host_log("snapshot not saved: %s", why);
		return -1;
	}
	if (snapshot_save(g, &w, caller)) {
		link_out_abort();
		host_log("snapshot failed");
		return -1;
	}
	err = link_out_end(why, sizeof(why));
	if (err) {
		host_log("snapshot not saved: %s", why);
		return -1;
	}
	host_log("snapshot saved: %lu pages, %lu tag bytes, %lu bytes", w.pages, w.tag_bytes,
		 w.bytes);
	return 0;
}

enum control_result control_poll(struct guest *g)
{
	uint64_t now = read_cntpct();
	int r;

	if (g->done) {
		return CONTROL_RUN;
	}
	if (snapshot_wanted() && (__atomic_load_n(&ctl.requested, __ATOMIC_ACQUIRE) ||
				  (ctl.snapshot_at && now >= ctl.snapshot_at))) {
		int caller, err;

		/* Every vCPU out of the guest, and no exit of theirs under way. */
		vmm_pause(g);
		caller = ctl.requested == REQ_CALL ? (int)ctl.request_vcpu : -1;
		ctl.snapshot_done = true;
		ctl.requested = REQ_NONE;
		err = save(g, caller);
		if (err || !ctl.snapshot_continue) {
			return err ? CONTROL_ERROR : CONTROL_STOPPED; /* the caller ends the guest */
		}
		vmm_resume(g);
		return CONTROL_RUN;
	}
	if (ctl.migrate_at && !ctl.migrating && !ctl.migrate_done && now >= ctl.migrate_at) {
		ctl.migrate_done = true;
		if (migrate_begin(g)) {
			return CONTROL_RUN; /* the guest goes on here */
		}
		ctl.migrating = true;
	}
	if (ctl.migrating) {
		r = migrate_step(g);
		if (r) {
			ctl.migrating = false;
		}
		if (r == 1) {
			return CONTROL_MIGRATED;
		}
	}
	return CONTROL_RUN;
}

int control_restore(struct guest *g)
{
	bool incoming = bootarg("incoming") != NULL;
	/* A migration's peer stays connected after END: END is the end of it. */
	struct snap_reader r = { .read = link_in_read, .ctx = NULL, .live = incoming };
	const char *mte = bootarg("mte");
	struct restore_expect expect = { bootarg_u64("mem", 0), mte ? !strcmp(mte, "on") : -1,
					 (unsigned)bootarg_u64("cpus", 0),
					 bootarg("protected") != NULL };
	uint64_t t0 = read_cntpct();
	char why[128];
	int ret = snapshot_restore(g, &r, &expect);

	if (ret && link_in_error(why, sizeof(why))) {
		host_log("the stream broke off: %s", why);
	}
	if (incoming) {
		/* The source waits for this: only success makes it give the guest up. */
		link_send_verdict(ret ? 22 /* EINVAL */ : 0, ret ? r.error : "");
	}
	if (ret) {
		return -1;
	}
	ctl.restored = true;
	host_log("restored from %s: %lu pages (%lu with tags), %lu tag bytes, %u rounds; loaded in "
		 "%lu ns",
		 incoming ? "the migration stream" : "the snapshot file", r.pages, r.tagged_pages,
		 r.tag_bytes, r.rounds, ticks_to_ns(read_cntpct() - t0));
	return 0;
}
