/* SPDX-License-Identifier: MIT */
/*
 * The register state of a CPU context (the host or a vCPU) as the hypervisor
 * keeps it. Plain data, so the core and the fake arch can use it; the aarch64
 * entry code relies on the offsets asserted below.
 */
#ifndef HYP_CONTEXT_H
#define HYP_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* EL1/EL0 system registers switched between the host and guests. */
enum ctxt_sysreg {
	CTX_SCTLR_EL1,
	CTX_CPACR_EL1,
	CTX_TTBR0_EL1,
	CTX_TTBR1_EL1,
	CTX_TCR_EL1,
	CTX_ESR_EL1,
	CTX_AFSR0_EL1,
	CTX_AFSR1_EL1,
	CTX_FAR_EL1,
	CTX_MAIR_EL1,
	CTX_VBAR_EL1,
	CTX_CONTEXTIDR_EL1,
	CTX_AMAIR_EL1,
	CTX_CNTKCTL_EL1,
	CTX_PAR_EL1,
	CTX_MDSCR_EL1,
	CTX_TPIDR_EL0,
	CTX_TPIDRRO_EL0,
	CTX_TPIDR_EL1,
	CTX_SP_EL1,
	CTX_ELR_EL1,
	CTX_SPSR_EL1,
	CTX_SP_EL0,
	CTX_CSSELR_EL1,
	CTX_CNTV_CTL_EL0,
	CTX_CNTV_CVAL_EL0,
	/* MTE: switched only for contexts that have MTE (the rest trap). */
	CTX_GCR_EL1,
	CTX_RGSR_EL1,
	CTX_TFSR_EL1,
	CTX_TFSRE0_EL1,
	CTX_NR_SYSREGS
};

struct fpsimd_state {
	uint64_t v[64]; /* q0..q31, low half first */
	uint64_t fpsr;
	uint64_t fpcr;
};

struct cpu_context {
	uint64_t regs[31]; /* x0..x30 */
	uint64_t pc;       /* ELR_EL2 of the context */
	uint64_t pstate;   /* SPSR_EL2 of the context */
	uint64_t sys[CTX_NR_SYSREGS];
	struct fpsimd_state fp;
	bool step_done; /* EL2 completed an instruction the context was single-stepping */
	uint32_t fp_cpu; /* index + 1 of the CPU that last loaded its FP/SIMD registers */
};

#define CTX_OFF_REGS 0
#define CTX_OFF_PC (31 * 8)
#define CTX_OFF_PSTATE (32 * 8)

_Static_assert(offsetof(struct cpu_context, regs) == CTX_OFF_REGS, "regs offset");
_Static_assert(offsetof(struct cpu_context, pc) == CTX_OFF_PC, "pc offset");
_Static_assert(offsetof(struct cpu_context, pstate) == CTX_OFF_PSTATE, "pstate offset");

/* PSTATE bits used when creating contexts and injecting exceptions. */
#define PSR_MODE_EL1H 0x5u
#define PSR_MODE_EL1T 0x4u
#define PSR_MODE_EL0T 0x0u
#define PSR_MODE_MASK 0xfu
#define PSR_MODE32 0x10u /* AArch32: never allowed for a guest */
#define PSR_F (1u << 6)
#define PSR_I (1u << 7)
#define PSR_A (1u << 8)
#define PSR_D (1u << 9)
#define PSR_DAIF (PSR_D | PSR_A | PSR_I | PSR_F)
#define PSR_BTYPE (3u << 10)
#define PSR_SSBS (1u << 12)
#define PSR_SS (1u << 21)
#define PSR_PAN (1u << 22)
#define PSR_TCO (1u << 25)

/*
 * Steps a context past an instruction that EL2 emulated, as completing it would: the
 * branch-target state is cleared, and so is PSTATE.SS; if the context was stepping the
 * instruction, step_done says so (a guest then takes its step exception right after
 * it: debug_step_done()).
 */
static inline void skip_instr(struct cpu_context *c)
{
	c->pc += 4;
	if (c->pstate & PSR_SS) {
		c->step_done = true;
	}
	c->pstate &= ~(uint64_t)(PSR_SS | PSR_BTYPE);
}

#endif
