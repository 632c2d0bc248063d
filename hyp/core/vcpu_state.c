/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's whole state for snapshots and migration, in the stable layout of
 * struct tv_vcpu_state: the context's register file, the state the hypervisor switches
 * lazily or emulates (DISR, the physical timer, debug, PMU), and the VM's virtual
 * counter, which continues where it was when a state is restored elsewhere.
 */
#include <abi/hvc.h>
#include <abi/snapshot.h>
#include <hyp/arch.h>
#include <hyp/debug.h>
#include <hyp/mem_protect.h>
#include <hyp/pmu.h>
#include <hyp/timer.h>
#include <hyp/vm.h>
#include <lib/string.h>

/* The lazily switched and emulated state, to the stream's layout and back. */
static void extra_to_abi(const struct vcpu *vcpu, struct tv_vcpu_state *s)
{
	const struct debug_state *d = &vcpu->debug;
	const struct pmu_state *p = &vcpu->pmu.regs;

	s->disr_el1 = vcpu->disr_el1;
	s->ptimer = (struct tv_ptimer_state){ vcpu->ptimer.ctl, vcpu->ptimer.cval };
	memcpy(s->debug.bcr, d->bcr, sizeof(d->bcr));
	memcpy(s->debug.bvr, d->bvr, sizeof(d->bvr));
	memcpy(s->debug.wcr, d->wcr, sizeof(d->wcr));
	memcpy(s->debug.wvr, d->wvr, sizeof(d->wvr));
	s->debug.claim = d->claim;
	s->debug.oslsr = d->oslk ? OSLSR_OSLK : 0;
	s->pmu = (struct tv_pmu_state){ p->pmcr, p->cnten, p->inten, p->ovs,
					p->selr, p->userenr, p->ccfiltr, p->ccntr, { 0 }, { 0 } };
	memcpy(s->pmu.evcntr, p->evcntr, sizeof(p->evcntr));
	memcpy(s->pmu.evtyper, p->evtyper, sizeof(p->evtyper));
}

/* As hardware would: what the CPU cannot hold is dropped (pmu.c, debug.c say what). */
static void extra_from_abi(struct vcpu *vcpu, const struct tv_vcpu_state *s)
{
	struct debug_state *d = &vcpu->debug;
	struct pmu_state *p = &vcpu->pmu.regs;

	vcpu->disr_el1 = s->disr_el1 & DISR_BITS;
	vcpu->ptimer = (struct ptimer){ s->ptimer.ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK),
					s->ptimer.cval };
	memcpy(d->bcr, s->debug.bcr, sizeof(d->bcr));
	memcpy(d->bvr, s->debug.bvr, sizeof(d->bvr));
	memcpy(d->wcr, s->debug.wcr, sizeof(d->wcr));
	memcpy(d->wvr, s->debug.wvr, sizeof(d->wvr));
	d->claim = s->debug.claim;
	d->oslk = (s->debug.oslsr & OSLSR_OSLK) != 0;
	debug_state_sanitize(d);
	*p = (struct pmu_state){ s->pmu.pmcr, s->pmu.cntenset, s->pmu.intenset, s->pmu.ovsset,
				 s->pmu.selr, s->pmu.userenr, s->pmu.ccfiltr, s->pmu.ccntr,
				 { 0 }, { 0 } };
	memcpy(p->evcntr, s->pmu.evcntr, sizeof(p->evcntr));
	memcpy(p->evtyper, s->pmu.evtyper, sizeof(p->evtyper));
	pmu_state_sanitize(p);
	vcpu->pmu.counting = pmu_state_counting(p);
}

/* Where each EL1 system register of the context lives in struct tv_vcpu_state. */
static const struct {
	uint16_t ctx;
	uint16_t off;
} sysreg_map[] = {
#define R(c, field) { c, offsetof(struct tv_vcpu_state, field) }
	R(CTX_SCTLR_EL1, sctlr_el1),	     R(CTX_CPACR_EL1, cpacr_el1),
	R(CTX_TTBR0_EL1, ttbr0_el1),	     R(CTX_TTBR1_EL1, ttbr1_el1),
	R(CTX_TCR_EL1, tcr_el1),	     R(CTX_ESR_EL1, esr_el1),
	R(CTX_AFSR0_EL1, afsr0_el1),	     R(CTX_AFSR1_EL1, afsr1_el1),
	R(CTX_FAR_EL1, far_el1),	     R(CTX_MAIR_EL1, mair_el1),
	R(CTX_VBAR_EL1, vbar_el1),	     R(CTX_CONTEXTIDR_EL1, contextidr_el1),
	R(CTX_AMAIR_EL1, amair_el1),	     R(CTX_CNTKCTL_EL1, cntkctl_el1),
	R(CTX_PAR_EL1, par_el1),	     R(CTX_MDSCR_EL1, mdscr_el1),
	R(CTX_TPIDR_EL0, tpidr_el0),	     R(CTX_TPIDRRO_EL0, tpidrro_el0),
	R(CTX_TPIDR_EL1, tpidr_el1),	     R(CTX_SP_EL1, sp_el1),
	R(CTX_ELR_EL1, elr_el1),	     R(CTX_SPSR_EL1, spsr_el1),
	R(CTX_SP_EL0, sp_el0),		     R(CTX_CSSELR_EL1, csselr_el1),
	R(CTX_CNTV_CTL_EL0, cntv_ctl_el0),   R(CTX_CNTV_CVAL_EL0, cntv_cval_el0),
	R(CTX_GCR_EL1, gcr_el1),	     R(CTX_RGSR_EL1, rgsr_el1),
	R(CTX_TFSR_EL1, tfsr_el1),	     R(CTX_TFSRE0_EL1, tfsre0_el1),
#undef R
};
_Static_assert(sizeof(sysreg_map) / sizeof(sysreg_map[0]) == CTX_NR_SYSREGS,
	       "every context register has a place in the state");

struct vcpu *vcpu_for_state_access(uint64_t handle, uint64_t idx, uint64_t buf, uint64_t size,
				   int64_t *err)
{
	int e;
	struct vcpu *vcpu = vcpu_get(handle, idx, &e);

	if (!vcpu) {
		*err = e;
		return NULL;
	}
	if (vcpu->vm->started && vm_is_protected(vcpu->vm)) {
		*err = -TV_EPERM;
	} else if (!vcpu_claim(vcpu)) {
		*err = -TV_EBUSY; /* it runs, or another call has it */
	} else {
		host_lock_component();
		if (!host_buffer_check(buf, size, true)) {
			return vcpu;
		}
		host_unlock_component();
		vcpu_release(vcpu);
		*err = -TV_EFAULT;
	}
	vcpu_put(vcpu);
	return NULL;
}

void vcpu_state_access_done(struct vcpu *vcpu)
{
	host_unlock_component();
	vcpu_release(vcpu);
	vcpu_put(vcpu);
}

int64_t vcpu_get_state(uint64_t handle, uint64_t idx, uint64_t buf)
{
	int64_t err = 0;
	struct vcpu *vcpu = vcpu_for_state_access(handle, idx, buf, sizeof(struct tv_vcpu_state), &err);
	struct tv_vcpu_state s;
	struct cpu_context *c;

	if (!vcpu) {
		return err;
	}
	if (vcpu->pending != PENDING_NONE) {
		vcpu_state_access_done(vcpu);
		return -TV_EBUSY;
	}
	c = &vcpu->ctxt;
	arch_ctxt_sync_fp(c);
	memset(&s, 0, sizeof(s));
	memcpy(s.x, c->regs, sizeof(s.x));
	s.pc = c->pc;
	s.pstate = c->pstate;
	for (unsigned i = 0; i < CTX_NR_SYSREGS; i++) {
		memcpy((uint8_t *)&s + sysreg_map[i].off, &c->sys[sysreg_map[i].ctx], 8);
	}
	memcpy(s.fp_v, c->fp.v, sizeof(s.fp_v));
	s.fpsr = c->fp.fpsr;
	s.fpcr = c->fp.fpcr;
	s.cntvct = arch_counter() - vcpu->vm->cntvoff;
	s.flags = vcpu->off || vcpu->stopped ? TV_VCPU_STATE_OFF : 0;
	extra_to_abi(vcpu, &s);
	memcpy(hyp_va(pa_init(buf)), &s, sizeof(s));
	vcpu_state_access_done(vcpu);
	return 0;
}

int64_t vcpu_set_state(uint64_t handle, uint64_t idx, uint64_t buf)
{
	int64_t err = 0;
	struct vcpu *vcpu = vcpu_for_state_access(handle, idx, buf, sizeof(struct tv_vcpu_state), &err);
	struct tv_vcpu_state s;
	struct cpu_context *c;

	if (!vcpu) {
		return err;
	}
	/* One copy first: the host cannot change what was checked. */
	memcpy(&s, hyp_va(pa_init(buf)), sizeof(s));
	if (!tv_pstate_valid(s.pstate) || !tv_spsr_el1_valid(s.spsr_el1) ||
	    (s.flags & ~(uint64_t)TV_VCPU_STATE_OFF)) {
		vcpu_state_access_done(vcpu);
		return -TV_EINVAL;
	}
	c = &vcpu->ctxt;
	arch_ctxt_reset(c); /* the registers in hardware are no longer this context's */
	memcpy(c->regs, s.x, sizeof(s.x));
	c->pc = s.pc;
	c->pstate = s.pstate;
	for (unsigned i = 0; i < CTX_NR_SYSREGS; i++) {
		memcpy(&c->sys[sysreg_map[i].ctx], (uint8_t *)&s + sysreg_map[i].off, 8);
	}
	memcpy(c->fp.v, s.fp_v, sizeof(s.fp_v));
	c->fp.fpsr = s.fpsr;
	c->fp.fpcr = s.fpcr;
	hyp_lock(&vcpu->vm->lock); /* power states change under it (CPU_ON) */
	vcpu->off = s.flags & TV_VCPU_STATE_OFF;
	hyp_unlock(&vcpu->vm->lock);
	vcpu->pending = PENDING_NONE;
	extra_from_abi(vcpu, &s);
	/* The VM's counter continues from the saved value. */
	vcpu->vm->cntvoff = arch_counter() - s.cntvct;
	vcpu_state_access_done(vcpu);
	return 0;
}
