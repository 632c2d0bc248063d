/* SPDX-License-Identifier: MIT */
/* Snapshots and migration driven from the VMM's run loop (host/vmm/control.c). */
#ifndef HOST_CONTROL_H
#define HOST_CONTROL_H

#include <host/vmm.h>

enum control_result {
	CONTROL_RUN,      /* keep running the guest */
	CONTROL_STOPPED,  /* a snapshot was saved and the run ends here */
	CONTROL_MIGRATED, /* the guest now runs on the destination */
	CONTROL_ERROR,
};

/* Reads the boot arguments; hooks the guest's snapshot requests. */
void control_init(struct guest *g);
/* The counter value at which the guest must be interrupted, 0 for none. */
uint64_t control_deadline(void);
/* Whether a migration is under way (the guest gets short slices). */
bool control_busy(void);
/* Called between time slices of the guest. */
enum control_result control_poll(struct guest *g);
/* Creates guest g from the incoming stream (restore, incoming). 0 or -1. */
int control_restore(struct guest *g);

#endif
