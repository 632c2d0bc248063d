/* SPDX-License-Identifier: MIT */
/* Exceptions injected into EL1 of the host or a guest, as the hardware would take them. */
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/trap.h>

#define SCTLR_EL1_SPAN (1ull << 23)
#define SCTLR_EL1_DSSBS (1ull << 44)
#define SCTLR_EL1_SPINTMASK (1ull << 45)
#define PSR_ALLINT (1ull << 13)

/* Vector offsets from VBAR_EL1 for a synchronous exception. */
#define VEC_CUR_SP0 0x000
#define VEC_CUR_SPX 0x200
#define VEC_LOWER_A64 0x400
#define VEC_LOWER_A32 0x600 /* only the host's EL0 can be AArch32 (guests are stopped) */

void inject_sync_el1(struct cpu_context *ctxt, uint64_t esr, uint64_t far)
{
	uint64_t mode = ctxt->pstate & PSR_MODE_MASK;
	uint64_t sctlr = ctxt_sys_read(ctxt, CTX_SCTLR_EL1);
	uint64_t offset = (ctxt->pstate & PSR_MODE32) ? VEC_LOWER_A32
			  : mode == PSR_MODE_EL1H     ? VEC_CUR_SPX
			  : mode == PSR_MODE_EL1T     ? VEC_CUR_SP0
						      : VEC_LOWER_A64;
	uint64_t pstate = PSR_MODE_EL1H | PSR_DAIF;

	/* An abort from EL0 has the "lower EL" class; the caller passes the current-EL one. */
	if (offset >= VEC_LOWER_A64 && (ESR_EC(esr) == EC_DABT_CUR || ESR_EC(esr) == EC_IABT_CUR)) {
		esr -= 1ull << ESR_EC_SHIFT;
	}
	if (arch_has_mte_insns()) {
		pstate |= PSR_TCO;
	}
	if (!(sctlr & SCTLR_EL1_SPAN)) {
		pstate |= PSR_PAN;
	} else {
		pstate |= ctxt->pstate & PSR_PAN;
	}
	if (sctlr & SCTLR_EL1_DSSBS) {
		pstate |= PSR_SSBS;
	}
	/* FEAT_NMI: taking an exception to EL1 sets ALLINT unless SCTLR_EL1.SPINTMASK. */
	if (arch_has_nmi() && !(sctlr & SCTLR_EL1_SPINTMASK)) {
		pstate |= PSR_ALLINT;
	}
	ctxt_sys_write(ctxt, CTX_ELR_EL1, ctxt->pc);
	ctxt_sys_write(ctxt, CTX_SPSR_EL1, ctxt->pstate);
	ctxt_sys_write(ctxt, CTX_ESR_EL1, esr);
	ctxt_sys_write(ctxt, CTX_FAR_EL1, far);
	ctxt->pc = ctxt_sys_read(ctxt, CTX_VBAR_EL1) + offset;
	ctxt->pstate = pstate;
}

void inject_undef(struct cpu_context *ctxt)
{
	/* FAR is UNKNOWN for an UNDEF; keep the guest's value rather than leak one. */
	inject_sync_el1(ctxt, ESR_UNDEF, ctxt_sys_read(ctxt, CTX_FAR_EL1));
}

void inject_dabt(struct cpu_context *ctxt, uint64_t far, bool write)
{
	uint64_t esr = (uint64_t)EC_DABT_CUR << ESR_EC_SHIFT | ESR_IL | FSC_SEA;

	inject_sync_el1(ctxt, write ? esr | ESR_DABT_WNR : esr, far);
}

void inject_iabt(struct cpu_context *ctxt, uint64_t far)
{
	inject_sync_el1(ctxt, (uint64_t)EC_IABT_CUR << ESR_EC_SHIFT | ESR_IL | FSC_SEA, far);
}
