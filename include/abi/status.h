/* SPDX-License-Identifier: MIT */
/*
 * Exit status of a run: what the host passes to QEMU's exit and the tagvisor CLI
 * returns to its caller. docs/ABI.md lists them for users.
 */
#ifndef ABI_STATUS_H
#define ABI_STATUS_H

enum tv_status {
	TV_STATUS_OK = 0,          /* the guest powered off (PSCI SYSTEM_OFF); a host test passed */
	TV_STATUS_USAGE = 1,       /* a bad command line: an option, a value, a combination */
	TV_STATUS_RESET = 2,       /* the guest asked for a reset (PSCI SYSTEM_RESET) */
	TV_STATUS_GUEST_CRASH = 3, /* the guest took a fault it cannot survive */
	TV_STATUS_HYP_ERROR = 4,   /* the hypervisor or the host failed */
	TV_STATUS_TIMEOUT = 5,     /* --timeout expired */
	TV_STATUS_TEST_FAILED = 6, /* a host test found a wrong result */
	TV_STATUS_BAD_INPUT = 7,   /* an input cannot be read or is not what it must be: a guest
				    * that is not an ELF, a bad kernel, a refused snapshot or
				    * migration stream */
	TV_STATUS_QEMU = 8,        /* QEMU is missing or too old, could not start, or died */
};

#endif
