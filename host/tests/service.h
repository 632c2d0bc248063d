/* SPDX-License-Identifier: MIT */
/* Driving the embedded service guest (guests/service.c) from host tests. */
#ifndef HOST_TESTS_SERVICE_H
#define HOST_TESTS_SERVICE_H

#include <host/test.h>
#include <host/vmm.h>

#define SERVICE_MEM (16ull << 20)

struct service {
	struct guest g;
	uint64_t base, bytes; /* what it filled, from its READY call */
	bool ready;
	char console[1024];
	unsigned console_len;
};

/* Creates the guest (TV_VM_* flags) and runs it until it has filled its memory. */
int service_start(struct service *s, unsigned id, uint32_t vm_flags);
/* Runs it to its end; returns its TV_STATUS_*. */
int service_finish(struct service *s);
/* Whether it printed that all its words verified. */
bool service_verified(const struct service *s);

#endif
