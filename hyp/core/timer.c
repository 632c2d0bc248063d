/* SPDX-License-Identifier: MIT */
/* A guest's generic timers: levels, deadlines, and the emulated EL1 physical timer. */
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/timer.h>
#include <hyp/trap.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

#define ENC_CNTP_TVAL_EL0 SYS_ENC(3, 3, 14, 2, 0)
#define ENC_CNTP_CTL_EL0  SYS_ENC(3, 3, 14, 2, 1)
#define ENC_CNTP_CVAL_EL0 SYS_ENC(3, 3, 14, 2, 2)
#define ENC_CNTPCT_EL0	  SYS_ENC(3, 3, 14, 0, 1)
#define ENC_CNTPCTSS_EL0  SYS_ENC(3, 3, 14, 0, 5)

bool timer_level(uint64_t ctl, uint64_t cval, uint64_t now)
{
	return (ctl & CNT_CTL_ENABLE) && !(ctl & CNT_CTL_IMASK) && now >= cval;
}

uint64_t timer_ctl_read(uint64_t ctl, uint64_t cval, uint64_t now)
{
	ctl &= CNT_CTL_ENABLE | CNT_CTL_IMASK;
	/* ISTATUS is UNKNOWN while disabled; 0 there, as QEMU's CPU reads it. */
	if ((ctl & CNT_CTL_ENABLE) && now >= cval) {
		ctl |= CNT_CTL_ISTATUS;
	}
	return ctl;
}

uint64_t guest_counter(const struct vcpu *vcpu)
{
	return arch_counter() - vcpu->vm->cntvoff;
}

/*
 * On the CPU the virtual timer's level is what the timer itself says (ISTATUS): the
 * interrupt the guest handles must be the one its own reads of CNTV_CTL show firing (an
 * emulator's ISTATUS may trail the counter). Off the CPU nothing updates ISTATUS, so the
 * level follows the counter.
 */
bool vtimer_level(struct vcpu *vcpu)
{
	uint64_t ctl = ctxt_sys_read(&vcpu->ctxt, CTX_CNTV_CTL_EL0);

	if (arch_ctxt_loaded(&vcpu->ctxt)) {
		return (ctl & CNT_CTL_ENABLE) && !(ctl & CNT_CTL_IMASK) && (ctl & CNT_CTL_ISTATUS);
	}
	return timer_level(ctl, ctxt_sys_read(&vcpu->ctxt, CTX_CNTV_CVAL_EL0), guest_counter(vcpu));
}

bool ptimer_level(const struct vcpu *vcpu)
{
	return timer_level(vcpu->ptimer.ctl, vcpu->ptimer.cval, guest_counter(vcpu));
}

/* When a timer with this CTL and CVAL rises, in physical counter time (0: not pending). */
static uint64_t deadline(const struct vcpu *vcpu, uint64_t ctl, uint64_t cval)
{
	uint64_t at;

	if (!(ctl & CNT_CTL_ENABLE) || (ctl & CNT_CTL_IMASK) || guest_counter(vcpu) >= cval) {
		return 0;
	}
	at = cval + vcpu->vm->cntvoff;
	return at ? at : 1;
}

uint64_t vtimer_deadline(struct vcpu *vcpu)
{
	if (vtimer_level(vcpu)) {
		return 0;
	}
	return deadline(vcpu, ctxt_sys_read(&vcpu->ctxt, CTX_CNTV_CTL_EL0),
			ctxt_sys_read(&vcpu->ctxt, CTX_CNTV_CVAL_EL0));
}

uint64_t ptimer_deadline(const struct vcpu *vcpu)
{
	return deadline(vcpu, vcpu->ptimer.ctl, vcpu->ptimer.cval);
}

bool ptimer_emulate(struct vcpu *vcpu, uint64_t esr)
{
	uint32_t enc = (uint32_t)(esr & ESR_SYS_ENC_MASK);
	unsigned rt = (unsigned)ESR_SYS_RT(esr);
	bool read = esr & ESR_SYS_READ;
	struct ptimer *t = &vcpu->ptimer;
	uint64_t now = guest_counter(vcpu), val = rt == 31 ? 0 : vcpu->ctxt.regs[rt];

	switch (enc) {
	case ENC_CNTPCT_EL0:
	case ENC_CNTPCTSS_EL0:
		if (!read) {
			return false; /* read-only: UNDEF, as elsewhere */
		}
		val = now;
		break;
	case ENC_CNTP_CTL_EL0:
		if (read) {
			val = timer_ctl_read(t->ctl, t->cval, now);
		} else {
			t->ctl = val & (CNT_CTL_ENABLE | CNT_CTL_IMASK);
		}
		break;
	case ENC_CNTP_CVAL_EL0:
		if (read) {
			val = t->cval;
		} else {
			t->cval = val;
		}
		break;
	case ENC_CNTP_TVAL_EL0:
		/* TVAL is CVAL - counter, as a signed 32-bit value; bits 63:32 read 0. */
		if (read) {
			val = (t->cval - now) & 0xffffffffull;
		} else {
			t->cval = now + (uint64_t)(int64_t)(int32_t)(uint32_t)val;
		}
		break;
	default:
		return false;
	}
	if (read && rt != 31) {
		vcpu->ctxt.regs[rt] = val;
	}
	skip_instr(&vcpu->ctxt);
	/* A write may move the level either way: the list registers and EL2's timer follow. */
	if (!read) {
		if (vcpu->vm->flags & TV_VM_GIC) {
			arch_vgic_refresh(vcpu);
		}
		arch_ptimer_changed(vcpu);
	}
	return true;
}
