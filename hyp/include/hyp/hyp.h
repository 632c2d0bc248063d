/* SPDX-License-Identifier: MIT */
/* Hypervisor-wide state set at boot. */
#ifndef HYP_HYP_H
#define HYP_HYP_H

#include <hyp/context.h>
#include <stdbool.h>

struct hyp_state {
	bool finalised; /* the host ended its setup phase */
	bool host_mte;  /* the host may use allocation tags (boot argument host-mte=on) */
};

extern struct hyp_state hyp_state;

/* Dispatches a host hypercall: arguments in host->regs[0..6], results written back. */
void handle_host_hcall(struct cpu_context *host);

/* Verifies the ownership invariants across metadata and every stage 2. Returns violations. */
unsigned check_invariants(void);

/* Exercises every ownership transition on real tables with `nr` host pages at pa. */
int64_t selftest_run(uint64_t pa, uint64_t nr);

#endif
