/* SPDX-License-Identifier: MIT */
/*
 * A guest's generic timers, as the architecture defines them and KVM gives them:
 *  - the virtual timer (CNTV_*) is the hardware's, switched with the vCPU: the guest
 *    reads back exactly what it wrote (EL2 never sets IMASK for it); when it fires EL2
 *    keeps the physical interrupt active until the guest has dealt with the virtual one;
 *  - the EL1 physical timer (CNTP_*) is emulated: its registers and the physical counter
 *    trap (CNTHCTL_EL2), and EL2's own timer (CNTHP) is armed for its deadline while the
 *    guest runs. The guest's physical counter is its virtual counter: CNTVOFF applies to
 *    both, so both continue across snapshots and migration.
 * Each timer's output is a level: ENABLE and not IMASK and the counter at or past CVAL.
 * The vGIC presents its interrupt (vgic.c) while that level is high.
 */
#ifndef HYP_TIMER_H
#define HYP_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define CNT_CTL_ENABLE	1u
#define CNT_CTL_IMASK	2u
#define CNT_CTL_ISTATUS 4u

/* The emulated EL1 physical timer of a vCPU: CNTP_CTL_EL0 (ENABLE, IMASK) and CVAL. */
struct ptimer {
	uint64_t ctl;
	uint64_t cval;
};

struct vcpu;

/* Whether a timer with these CTL and CVAL asserts its interrupt at counter value `now`. */
bool timer_level(uint64_t ctl, uint64_t cval, uint64_t now);

/* CNTx_CTL_EL0 as a guest reads it: ENABLE, IMASK, and ISTATUS (0 while disabled). */
uint64_t timer_ctl_read(uint64_t ctl, uint64_t cval, uint64_t now);

/* The guest's counter now (virtual and physical alike). */
uint64_t guest_counter(const struct vcpu *vcpu);

/* The level of the virtual timer (from the context's CNTV_CTL/CVAL) or the physical one. */
bool vtimer_level(struct vcpu *vcpu);
bool ptimer_level(const struct vcpu *vcpu);

/*
 * The physical counter value at which a timer's level next rises: 0 if it is disabled,
 * masked, or already high (nothing to wait for).
 */
uint64_t vtimer_deadline(struct vcpu *vcpu);
uint64_t ptimer_deadline(const struct vcpu *vcpu);

/*
 * A trapped MRS/MSR (EC 0x18) of CNTP_CTL/CVAL/TVAL_EL0, CNTPCT_EL0 or CNTPCTSS_EL0:
 * emulated, the instruction stepped over, and the vGIC told if the level changed.
 * Returns false if esr is not one of those (the caller handles it).
 */
bool ptimer_emulate(struct vcpu *vcpu, uint64_t esr);

/* Provided by the arch: re-arms EL2's timer for the running vCPU's physical timer. */
void arch_ptimer_changed(struct vcpu *vcpu);

#endif
