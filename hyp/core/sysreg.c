/* SPDX-License-Identifier: MIT */
/*
 * Emulation of trapped system-register accesses. A context without MTE must look
 * like a CPU without MTE: ID fields zero, the MTE registers UNDEF, and GMID_EL1
 * faulting as a CPU without MTE2 does (with FEAT_IDST, the trapped-MRS syndrome).
 * Guests also get KVM's view of the other ID fields: no EL2/EL3, none of the features
 * the hypervisor does not switch between contexts (SVE, SME, pointer authentication,
 * trace, MPAM, AMU), AArch64 only at EL0 and EL1, and no SCXTNUM registers. The result
 * equals what QEMU shows an EL1 without EL2 on a `max,sve=off,sme=off,pauth=off` CPU
 * (tests/data/idregs_bare.out) but for those last two (tests/data/idregs.out).
 * The host sees the machine's ID registers less what EL2 traps for it (SVE, SME,
 * pointer authentication, AMU, MPAM, trace): a Linux host must not find features that
 * would UNDEF on first use.
 */
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/trap.h>

#define FIELD(shift) (0xfull << (shift))

struct id_mask {
	uint32_t enc;
	uint64_t guest_clear; /* hidden from every guest */
	uint64_t host_clear;  /* hidden from the host too: what EL2 traps for it (CPTR_EL2, PAuth) */
	uint64_t mte_clear;   /* hidden from contexts without MTE */
};

#define PFR0_HOST (FIELD(32) | FIELD(40) | FIELD(44) | FIELD(52)) /* SVE, MPAM, AMU, RME */
#define PFR1_HOST (FIELD(16) | FIELD(24) | FIELD(44) | FIELD(48) | FIELD(52)) /* .., SME, GCS, THE, MTEX */
#define ISAR1_PAUTH (FIELD(4) | FIELD(8) | FIELD(24) | FIELD(28))
#define ISAR2_PAUTH (FIELD(8) | FIELD(12))
/* Trace, statistical profiling, the trace buffer and branch records: EL2 does not give them. */
#define DFR0_HOST (FIELD(4) | FIELD(32) | FIELD(44) | FIELD(52) | FIELD(56))

static const struct id_mask id_masks[] = {
	/* EL2, EL3, SVE, MPAM, AMU, RME. */
	{ ENC_ID_AA64PFR0_EL1, FIELD(8) | FIELD(12) | PFR0_HOST, PFR0_HOST, 0 },
	/* MPAM_frac, SME, RNDR_trap, GCS, THE, MTEX, DF2, PFAR | MTE, MTE_frac. */
	{ ENC_ID_AA64PFR1_EL1,
	  FIELD(16) | FIELD(24) | FIELD(28) | FIELD(44) | FIELD(48) | FIELD(52) | FIELD(56) |
		  FIELD(60),
	  PFR1_HOST, FIELD(8) | FIELD(40) },
	/* Everything but MTEPERM, MTESTOREONLY, MTEFAR | those three. */
	{ ENC_ID_AA64PFR2_EL1, ~0xfffull, ~0xfffull, 0xfffull },
	{ ENC_ID_AA64ZFR0_EL1, ~0ull, ~0ull, 0 },
	{ ENC_ID_AA64SMFR0_EL1, ~0ull, ~0ull, 0 },
	/* The PMU is each guest's own (pmu.h); no statistical profiling, trace or branch
	 * records: TraceVer, PMSVer, TraceFilt, TraceBuffer, MTPMU, BRBE, ExtTrcBuff. (The
	 * host keeps the PMU and the rest EL2 does not trap for it.) */
	{ ENC_ID_AA64DFR0_EL1,
	  FIELD(4) | FIELD(32) | FIELD(40) | FIELD(44) | FIELD(48) | FIELD(52) | FIELD(56),
	  DFR0_HOST, 0 },
	{ ENC_ID_AA64DFR1_EL1, ~0ull, 0, 0 },
	/* Pointer authentication (keys are not switched): APA, API, GPA, GPI; LS64. */
	{ ENC_ID_AA64ISAR1_EL1, ISAR1_PAUTH | FIELD(60), ISAR1_PAUTH | FIELD(60), 0 },
	/* GPA3, APA3. */
	{ ENC_ID_AA64ISAR2_EL1, ISAR2_PAUTH, ISAR2_PAUTH, 0 },
	/* TWED. (VH, HCX, NV, EVT describe EL2, which PFR0 already says is absent: kept, as
	 * QEMU shows them to an EL1 with no EL2.) */
	{ ENC_ID_AA64MMFR1_EL1, FIELD(32), 0, 0 },
};

/* Fields a guest sees at most at a value (for these fields a lower value means less). */
struct id_cap {
	uint32_t enc;
	unsigned shift;
	uint64_t max;
};

static const struct id_cap id_caps[] = {
	/* EL0 and EL1 AArch64 only: a vCPU found in AArch32 is stopped (run.c). */
	{ ENC_ID_AA64PFR0_EL1, 0, 1 },
	{ ENC_ID_AA64PFR0_EL1, 4, 1 },
	/* CSV2 without FEAT_CSV2_2: SCXTNUM_EL0/EL1 are not switched (HCR_EL2.EnSCXT 0 traps). */
	{ ENC_ID_AA64PFR0_EL1, 56, 1 },
};

uint64_t id_reg_view(uint32_t enc, uint64_t hw, const struct cpu_view *view)
{
	for (unsigned i = 0; view->guest && i < sizeof(id_caps) / sizeof(id_caps[0]); i++) {
		const struct id_cap *c = &id_caps[i];

		if (c->enc == enc && ((hw >> c->shift) & 0xf) > c->max) {
			hw = (hw & ~FIELD(c->shift)) | c->max << c->shift;
		}
	}
	for (unsigned i = 0; i < sizeof(id_masks) / sizeof(id_masks[0]); i++) {
		if (id_masks[i].enc == enc) {
			hw &= ~(view->guest ? id_masks[i].guest_clear : id_masks[i].host_clear);
			if (!view->mte) {
				hw &= ~id_masks[i].mte_clear;
			}
		}
	}
	return hw;
}

static bool is_id_space(uint32_t enc)
{
	return SYS_ENC_OP0(enc) == 3 && SYS_ENC_OP1(enc) == 0 && SYS_ENC_CRN(enc) == 0 &&
	       SYS_ENC_CRM(enc) != 0;
}

static void write_rt(struct cpu_context *ctxt, unsigned rt, uint64_t val)
{
	if (rt != 31) {
		ctxt->regs[rt] = val;
	}
}

/*
 * Registers a guest reads as zero and writes to no effect, trapped so that no state of
 * theirs is shared between contexts: what QEMU's CPU holds in them too.
 *  - ACTLR_EL1 (HCR_EL2.TACR), IMPLEMENTATION DEFINED: zero on QEMU's max CPU.
 *  - LORegions (HCR_EL2.TLOR): LORID_EL1 says there are none, the others are RAZ/WI.
 *  - RAS error records (HCR_EL2.TERR): ERRIDR_EL1 says there are none.
 * ro: a read-only register, which UNDEFs when written.
 */
static const struct {
	uint32_t enc;
	bool ro;
} raz_wi[] = {
	{ SYS_ENC(3, 0, 1, 0, 1), false },  /* ACTLR_EL1 */
	{ SYS_ENC(3, 0, 10, 4, 0), false }, /* LORSA_EL1 */
	{ SYS_ENC(3, 0, 10, 4, 1), false }, /* LOREA_EL1 */
	{ SYS_ENC(3, 0, 10, 4, 2), false }, /* LORN_EL1 */
	{ SYS_ENC(3, 0, 10, 4, 3), false }, /* LORC_EL1 */
	{ SYS_ENC(3, 0, 10, 4, 7), true },  /* LORID_EL1 */
	{ SYS_ENC(3, 0, 5, 3, 0), true },   /* ERRIDR_EL1 */
	{ SYS_ENC(3, 0, 5, 3, 1), false },  /* ERRSELR_EL1 */
	{ SYS_ENC(3, 0, 5, 4, 0), true },   /* ERXFR_EL1 */
	{ SYS_ENC(3, 0, 5, 4, 1), false },  /* ERXCTLR_EL1 */
	{ SYS_ENC(3, 0, 5, 4, 2), false },  /* ERXSTATUS_EL1 */
	{ SYS_ENC(3, 0, 5, 4, 3), false },  /* ERXADDR_EL1 */
	{ SYS_ENC(3, 0, 5, 4, 4), true },   /* ERXPFGF_EL1 */
	{ SYS_ENC(3, 0, 5, 4, 5), false },  /* ERXPFGCTL_EL1 */
	{ SYS_ENC(3, 0, 5, 4, 6), false },  /* ERXPFGCDN_EL1 */
	{ SYS_ENC(3, 0, 5, 5, 0), false },  /* ERXMISC0_EL1 */
	{ SYS_ENC(3, 0, 5, 5, 1), false },  /* ERXMISC1_EL1 */
	{ SYS_ENC(3, 0, 5, 5, 2), false },  /* ERXMISC2_EL1 */
	{ SYS_ENC(3, 0, 5, 5, 3), false },  /* ERXMISC3_EL1 */
};

/* Whether enc is one of raz_wi[] that this access may use. */
static bool is_raz_wi(uint32_t enc, bool read)
{
	for (unsigned i = 0; i < sizeof(raz_wi) / sizeof(raz_wi[0]); i++) {
		if (raz_wi[i].enc == enc) {
			return read || !raz_wi[i].ro;
		}
	}
	return false;
}

void emulate_sysreg(struct cpu_context *ctxt, uint64_t esr, const struct cpu_view *view)
{
	uint32_t enc = (uint32_t)(esr & ESR_SYS_ENC_MASK);
	unsigned rt = (unsigned)ESR_SYS_RT(esr);
	bool read = esr & ESR_SYS_READ;

	if (is_id_space(enc) && read) {
		write_rt(ctxt, rt, id_reg_view(enc, arch_read_id_reg(enc), view));
	} else if (view->guest && is_raz_wi(enc, read)) {
		if (read) {
			write_rt(ctxt, rt, 0);
		}
	} else if (enc == ENC_GMID_EL1 && !view->mte) {
		/* A CPU without MTE2: with FEAT_IDST the read reports its own syndrome. */
		if (arch_has_idst()) {
			inject_sync_el1(ctxt, esr, ctxt_sys_read(ctxt, CTX_FAR_EL1));
			return;
		}
		inject_undef(ctxt);
		return;
	} else {
		/* GCR/RGSR/TFSR/TFSRE0 of a context without MTE, anything unknown. */
		inject_undef(ctxt);
		return;
	}
	skip_instr(ctxt);
}
