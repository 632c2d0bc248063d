/* SPDX-License-Identifier: MIT */
/*
 * Excursions to EL0 for bare-metal guests. EL0 code is copied to the EL0 region of
 * the guest MMU (mmu.h: EL1 code is not executable at EL0) and entered with ERET,
 * x0..x3 given; it ends with SVC #0, which returns from el0_run() with EL0's x0..x3,
 * SPSR_EL1 and PSTATE.TCO as the SVC found them. Every other exception taken from
 * EL0 goes to the library's vectors (an expected one is recorded and skipped, as at
 * EL1). EL0 code must leave x17 alone: the vector needs one register.
 */
#ifndef GUEST_EL0_H
#define GUEST_EL0_H

#include "mmu.h"

struct el0_regs {
	uint64_t x[4];
	uint64_t spsr;
	uint64_t tco;
};

void el0_run(uint64_t pc, uint64_t sp, uint64_t spsr, struct el0_regs *regs);

/* Copies [start, end) of position-independent code to the EL0 region; returns its address. */
uint64_t el0_install(const char *start, const char *end);

/* The EL0 address of `fn`, a routine inside [start, end) installed by el0_install(). */
static inline uint64_t el0_addr(uint64_t base, const char *start, const char *fn)
{
	return base + (uint64_t)(fn - start);
}

#endif
