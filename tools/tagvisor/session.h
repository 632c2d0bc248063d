/* SPDX-License-Identifier: MIT */
/*
 * One run of a machine, from QEMU's start to its end: the guests' console on our
 * stdout (and our stdin as its input), the hypervisor's and the host's messages on
 * our stderr, and the host's link (include/abi/link.h) served: the snapshot file,
 * the stream to restore, the migration peers, the exit status. Signals (SIGINT,
 * SIGTERM, SIGHUP) stop QEMU and leave nothing behind.
 */
#ifndef TOOLS_TAGVISOR_SESSION_H
#define TOOLS_TAGVISOR_SESSION_H

#include "cli.h"

/* Exit statuses of a run stopped by a signal, as a shell reports them. */
#define TV_STATUS_SIGINT 130
#define TV_STATUS_SIGTERM 143
#define TV_STATUS_SIGHUP 129

struct session_cfg {
	struct machine *m;
	const char *snapshot_path; /* where the host's snapshot stream goes (--snapshot) */
	const char *restore_path;  /* the stream to restore (tagvisor restore) */
	int incoming_listen;       /* --incoming: a listening socket to take the peer from, or -1 */
	int incoming_fd;           /* an incoming peer already connected (migrate), or -1 */
	const char *migrate_to;    /* --migrate-to: tcp:HOST:PORT, connected when the host starts */
	int migrate_fd;            /* an outgoing peer already connected (migrate), or -1 */
	unsigned peer_timeout;     /* seconds a migration peer may stay silent */
	uint64_t die_after;        /* (testing) an incoming run dies once this much arrived */
	bool progress;             /* print the migration's progress (stderr is a terminal) */
};

void session_defaults(struct session_cfg *c, struct machine *m);

/*
 * Runs the machine to its end. Returns the run's status: the host's (TV_STATUS_*),
 * TV_STATUS_HYP_ERROR if the machine ended without one, TV_STATUS_TIMEOUT, or
 * TV_STATUS_SIG* if a signal stopped it.
 */
int session_run(struct session_cfg *c);

/* Installs the signal handlers once; sessions and relays share them. */
void signals_init(void);
/* The fd that becomes readable when a signal arrived; signal_taken() says which. */
int signal_fd(void);
int signal_taken(void);
/* The status a run stopped by signal `sig` exits with. */
int signal_status(int sig);

#endif
