/* SPDX-License-Identifier: MIT */
/* A guest's self-hosted debug, the portable part: the trap policy and the OS lock. */
#include <hyp/arch.h>
#include <hyp/debug.h>
#include <hyp/esr.h>
#include <hyp/trap.h>
#include <hyp/vm.h>

#define ENC_MDRAR_EL1	SYS_ENC(2, 0, 1, 0, 0)
#define ENC_OSLAR_EL1	SYS_ENC(2, 0, 1, 0, 4)
#define ENC_OSLSR_EL1	SYS_ENC(2, 0, 1, 1, 4)
#define ENC_OSDLR_EL1	SYS_ENC(2, 0, 1, 3, 4)
#define ENC_DBGPRCR_EL1 SYS_ENC(2, 0, 1, 4, 4)
/* The debug communications channel: trapped with MDCR_EL2.TDCC even once loaded. */
#define ENC_MDCCSR_EL0	 SYS_ENC(2, 3, 0, 1, 0)
#define ENC_DBGDTR_EL0	 SYS_ENC(2, 3, 0, 4, 0)
#define ENC_DBGDTRRX_EL0 SYS_ENC(2, 3, 0, 5, 0)
#define ENC_MDCCINT_EL1	 SYS_ENC(2, 0, 0, 2, 0)

#define EC_SOFTSTP_LOW 0x32
#define ESR_SS_ISV     (1ull << 24) /* an instruction was stepped: EX is valid */
#define SS_IFSC	       0x22

void debug_step_done(struct vcpu *vcpu)
{
	struct cpu_context *c = &vcpu->ctxt;
	uint64_t mdscr;
	bool el0, enabled;

	if (!c->step_done) {
		return;
	}
	c->step_done = false;
	mdscr = ctxt_sys_read(c, CTX_MDSCR_EL1);
	el0 = (c->pstate & PSR_MODE_MASK) == PSR_MODE_EL0T;
	/* From EL0 to EL1 PSTATE.D does not mask it; at EL1 it needs KDE and D clear. */
	enabled = (mdscr & MDSCR_SS) && !vcpu->debug.oslk &&
		  (el0 || ((mdscr & MDSCR_KDE) && !(c->pstate & PSR_D)));
	if (enabled) {
		inject_sync_el1(c,
				(uint64_t)(el0 ? EC_SOFTSTP_LOW : EC_SOFTSTP_LOW + 1)
					<< ESR_EC_SHIFT |
				    ESR_IL | ESR_SS_ISV | SS_IFSC,
				ctxt_sys_read(c, CTX_FAR_EL1));
	}
}

/*
 * Registers that read zero and ignore writes for a guest (no external debugger, no
 * memory-mapped debug, no double lock); the read-only ones UNDEF when written.
 */
static bool raz_wi(uint32_t enc, bool read)
{
	if (enc == ENC_MDRAR_EL1 || enc == ENC_MDCCSR_EL0) {
		return read;
	}
	return enc == ENC_OSDLR_EL1 || enc == ENC_DBGPRCR_EL1 || enc == ENC_DBGDTR_EL0 ||
	       enc == ENC_DBGDTRRX_EL0 || enc == ENC_MDCCINT_EL1;
}

#define DBGBCR_GUEST 0xffc1e7ull   /* BT, LBN, SSC, BAS, PMC, E (not HMC) */
#define DBGWCR_GUEST 0x1f1fdfffull /* MASK, WT, LBN, SSC, BAS, LSC, PAC, E (not HMC) */
#define DBGVR_ADDR   (~3ull)	   /* bits 1:0 RES0 */

void debug_state_sanitize(struct debug_state *s)
{
	unsigned brps = arch_debug_brps(), wrps = arch_debug_wrps();

	for (unsigned i = 0; i < DEBUG_MAX_BPS; i++) {
		s->bcr[i] &= i < brps ? DBGBCR_GUEST : 0;
		s->bvr[i] &= i < brps ? DBGVR_ADDR : 0;
		s->wcr[i] &= i < wrps ? DBGWCR_GUEST : 0;
		s->wvr[i] &= i < wrps ? DBGVR_ADDR : 0;
	}
	s->claim &= 0xff;
	s->oslk &= 1;
}

bool debug_trap(struct vcpu *vcpu, uint64_t esr)
{
	uint32_t enc = (uint32_t)(esr & ESR_SYS_ENC_MASK);
	unsigned rt = (unsigned)ESR_SYS_RT(esr);
	bool read = esr & ESR_SYS_READ;
	uint64_t val = rt == 31 ? 0 : vcpu->ctxt.regs[rt];

	if (SYS_ENC_OP0(enc) != 2) {
		return false;
	}
	if (enc == ENC_OSLSR_EL1 || enc == ENC_OSLAR_EL1) {
		/* OSLSR is read-only, OSLAR write-only: the other direction is an UNDEF. */
		if (read != (enc == ENC_OSLSR_EL1)) {
			return false;
		}
		if (read) {
			val = OSLSR_OSLM_IMPLEMENTED | (vcpu->debug.oslk ? OSLSR_OSLK : 0);
		} else {
			vcpu->debug.oslk = val & 1;
			if (arch_debug_loaded(vcpu)) {
				arch_debug_set_oslk(vcpu->debug.oslk);
			}
		}
	} else if (raz_wi(enc, read)) {
		val = 0;
	} else if (!arch_debug_loaded(vcpu)) {
		/* The first access: the guest's state goes in, the instruction runs again. */
		arch_debug_take(vcpu);
		return true;
	} else {
		return false;
	}
	if (read && rt != 31) {
		vcpu->ctxt.regs[rt] = val;
	}
	skip_instr(&vcpu->ctxt);
	return true;
}
