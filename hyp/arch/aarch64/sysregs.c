/* SPDX-License-Identifier: MIT */
/*
 * EL1 system register state of contexts: save and restore on a world switch,
 * and the accessors the core uses (hardware while a context is loaded).
 */
#include <arch/percpu.h>
#include <arch/sysreg.h>
#include <hyp/arch.h>

/* One accessor pair per context register, in enum ctxt_sysreg order. */
#define SYSREGS(X)                                        \
	X(CTX_SCTLR_EL1, sctlr_el1)                       \
	X(CTX_CPACR_EL1, cpacr_el1)                       \
	X(CTX_TTBR0_EL1, ttbr0_el1)                       \
	X(CTX_TTBR1_EL1, ttbr1_el1)                       \
	X(CTX_TCR_EL1, tcr_el1)                           \
	X(CTX_ESR_EL1, esr_el1)                           \
	X(CTX_AFSR0_EL1, afsr0_el1)                       \
	X(CTX_AFSR1_EL1, afsr1_el1)                       \
	X(CTX_FAR_EL1, far_el1)                           \
	X(CTX_MAIR_EL1, mair_el1)                         \
	X(CTX_VBAR_EL1, vbar_el1)                         \
	X(CTX_CONTEXTIDR_EL1, contextidr_el1)             \
	X(CTX_AMAIR_EL1, amair_el1)                       \
	X(CTX_CNTKCTL_EL1, cntkctl_el1)                   \
	X(CTX_PAR_EL1, par_el1)                           \
	X(CTX_MDSCR_EL1, mdscr_el1)                       \
	X(CTX_TPIDR_EL0, tpidr_el0)                       \
	X(CTX_TPIDRRO_EL0, tpidrro_el0)                   \
	X(CTX_TPIDR_EL1, tpidr_el1)                       \
	X(CTX_SP_EL1, sp_el1)                             \
	X(CTX_ELR_EL1, elr_el1)                           \
	X(CTX_SPSR_EL1, spsr_el1)                         \
	X(CTX_SP_EL0, sp_el0)                             \
	X(CTX_CSSELR_EL1, csselr_el1)                     \
	X(CTX_CNTV_CTL_EL0, cntv_ctl_el0)                 \
	X(CTX_CNTV_CVAL_EL0, cntv_cval_el0)

#define MTE_SYSREGS(X)                   \
	X(CTX_GCR_EL1, SYS_GCR_EL1)      \
	X(CTX_RGSR_EL1, SYS_RGSR_EL1)    \
	X(CTX_TFSR_EL1, SYS_TFSR_EL1)    \
	X(CTX_TFSRE0_EL1, SYS_TFSRE0_EL1)

#define SAVE(idx, reg) c->sys[idx] = read_sysreg(reg);
#define LOAD(idx, reg) write_sysreg(reg, c->sys[idx]);

void sysreg_save_el1(struct cpu_context *c, bool mte)
{
	SYSREGS(SAVE)
	if (mte) {
		MTE_SYSREGS(SAVE)
	}
}

void sysreg_load_el1(const struct cpu_context *c, bool mte)
{
	SYSREGS(LOAD)
	if (mte) {
		MTE_SYSREGS(LOAD)
	}
}

#define READ_CASE(idx, reg) \
	case idx:           \
		return read_sysreg(reg);
#define WRITE_CASE(idx, reg)          \
	case idx:                     \
		write_sysreg(reg, val);  \
		return;

bool arch_ctxt_loaded(const struct cpu_context *ctxt)
{
	return ctxt == this_cpu()->loaded;
}

uint64_t ctxt_sys_read(struct cpu_context *ctxt, enum ctxt_sysreg reg)
{
	if (ctxt != this_cpu()->loaded) {
		return ctxt->sys[reg];
	}
	switch (reg) {
		SYSREGS(READ_CASE)
		MTE_SYSREGS(READ_CASE)
	default:
		return 0;
	}
}

void ctxt_sys_write(struct cpu_context *ctxt, enum ctxt_sysreg reg, uint64_t val)
{
	if (ctxt != this_cpu()->loaded) {
		ctxt->sys[reg] = val;
		return;
	}
	switch (reg) {
		SYSREGS(WRITE_CASE)
		MTE_SYSREGS(WRITE_CASE)
	default:
		return;
	}
}
