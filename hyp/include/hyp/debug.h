/* SPDX-License-Identifier: MIT */
/*
 * A guest's self-hosted debug: breakpoints, watchpoints, MDSCR_EL1 and single step are
 * the guest's own, and debug exceptions are taken by the guest itself (MDCR_EL2.TDE 0)
 * as on hardware. The breakpoint and watchpoint registers and the claim tags move
 * lazily: MDCR_EL2.TDA traps the guest's debug registers until its first access, which
 * loads its state (the host's saved); it is loaded at every later entry while its
 * MDSCR_EL1 enables debug events (MDE, KDE, SS), so the host's breakpoints are never
 * live while a guest could take them. The OS lock is emulated (MDCR_EL2.TDOSA) and
 * loaded with the rest; MDRAR_EL1 reads 0 (no memory-mapped debug).
 */
#ifndef HYP_DEBUG_H
#define HYP_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#define DEBUG_MAX_BPS 16 /* breakpoint and watchpoint register pairs, as architected */

#define MDSCR_SS  (1ull << 0)
#define MDSCR_KDE (1ull << 13)
#define MDSCR_MDE (1ull << 15)

#define OSLSR_OSLM_IMPLEMENTED 0x8u /* OSLM 0b10: the OS lock is implemented */
#define OSLSR_OSLK	       0x2u

/* A context's breakpoint, watchpoint and claim-tag registers, and its OS lock. */
struct debug_state {
	uint64_t bcr[DEBUG_MAX_BPS], bvr[DEBUG_MAX_BPS];
	uint64_t wcr[DEBUG_MAX_BPS], wvr[DEBUG_MAX_BPS];
	uint64_t claim; /* DBGCLAIM tags, bits 7:0 */
	uint64_t oslk;	/* OSLSR_EL1.OSLK: 1 at reset, as on a CPU out of cold reset */
};

struct vcpu;

/* Whether a context with this MDSCR_EL1 can take debug events: its state must be loaded. */
static inline bool debug_in_use(uint64_t mdscr)
{
	return mdscr & (MDSCR_SS | MDSCR_KDE | MDSCR_MDE);
}

/*
 * A trapped debug register access (EC 0x18, op0 2) of a guest: the OS lock registers and
 * MDRAR emulated; the others load the guest's debug state and are executed again.
 * Returns false if esr is not a debug register access (the caller gives an UNDEF).
 */
bool debug_trap(struct vcpu *vcpu, uint64_t esr);

/*
 * Before the guest runs again: if EL2 completed an instruction it was single-stepping,
 * it takes the software step exception now, as after the instruction on hardware
 * (syndrome with ISV set), if its debug exceptions are enabled (MDSCR_EL1.SS, KDE at
 * EL1, PSTATE.D clear, OS lock open).
 */
void debug_step_done(struct vcpu *vcpu);

/*
 * Clears what a vCPU's debug registers cannot hold (a restored state): bits outside the
 * architected fields, matching at EL2 (HMC: a guest has no EL2), registers beyond the
 * CPU's breakpoints and watchpoints, claim tags beyond 8.
 */
void debug_state_sanitize(struct debug_state *s);

/* Provided by the arch. */
unsigned arch_debug_brps(void);
unsigned arch_debug_wrps(void);
void arch_debug_take(struct vcpu *vcpu); /* loads the running vCPU's, saves the host's */
bool arch_debug_loaded(const struct vcpu *vcpu);
void arch_debug_set_oslk(bool locked); /* the OS lock in hardware (loaded vCPU's) */

#endif
