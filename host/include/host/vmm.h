/* SPDX-License-Identifier: MIT */
/* The VMM: loads guests, gives them memory, runs their vCPUs, emulates their devices. */
#ifndef HOST_VMM_H
#define HOST_VMM_H

/* Runs the guest(s) the boot arguments name; returns the run's TV_STATUS_*. */
int vmm_main(void);

#endif
