/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's per-CPU state, found through TPIDR_EL2. The entry code uses
 * the offsets below; percpu.c asserts them.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define CPU_OFF_GUEST 0     /* the running guest's context, 0 while the host runs */
#define CPU_OFF_HYP_REGS 8  /* x19..x30 of the hypervisor, saved by __guest_enter */
#define CPU_OFF_HOST 128    /* the host's context */

/* Exit codes of __guest_enter. */
#define EXIT_SYNC 0
#define EXIT_IRQ 1
#define EXIT_FIQ 2
#define EXIT_SERROR 3

/* Offsets in struct secondary_boot, which a CPU reads with its MMU still off. */
#define BOOT_OFF_SP 0
#define BOOT_OFF_TPIDR 8
#define BOOT_OFF_MMU 16 /* TTBR0, TCR, MAIR, SCTLR: enable_mmu_el2()'s arguments in order */

#ifndef __ASSEMBLER__
#include <arch/platform.h>
#include <hyp/context.h>

struct vcpu;

struct hyp_cpu {
	struct cpu_context *guest;
	uint64_t hyp_regs[12];
	struct cpu_context *loaded;   /* whose EL1 system registers are in hardware */
	struct cpu_context *fp_owner; /* whose FP/SIMD registers are in hardware */
	uint64_t pad[1];
	struct cpu_context host;
	/* Below here only C looks. */
	unsigned idx;	   /* this CPU's index in platform.cpu_mpidr */
	struct vcpu *vcpu; /* the vCPU running here (in VCPU_RUN), or NULL */
	/* State switched lazily (pmu.c, debug.c, vgic.c): which vCPU's is in hardware. */
	struct vcpu *pmu_owner;	   /* NULL: the host's PMU registers are in hardware */
	struct vcpu *debug_owner;  /* NULL: the host's breakpoints and watchpoints are */
	uint64_t host_pmcr;	   /* the host's PMCR_EL0 while EL2 stopped its counters, or 0 */
	uint64_t guest_mdcr;	   /* MDCR_EL2 for a guest whose PMU and debug are both loaded */
	uint32_t ppis_left_active; /* PPIs EL2 acknowledged for the guest and left active */
	bool hyp_timer_armed;	   /* CNTHP stands for the running guest's physical timer */
	bool host_doorbell;	   /* the doorbell rang for the host, not the running vCPU */
	bool has_pmu;
	bool has_ras; /* FEAT_RAS: a guest's DISR_EL1 is VDISR_EL2 (HCR_EL2.AMO) */
};

/* One per CPU of the machine; TPIDR_EL2 points at this CPU's. */
extern struct hyp_cpu hyp_cpus[PLATFORM_MAX_CPUS];

/* What a secondary CPU needs before it can run C: a stack, its hyp_cpu, the MMU. */
struct secondary_boot {
	uint64_t sp;
	uint64_t tpidr;
	uint64_t ttbr0, tcr, mair, sctlr;
};

static inline struct hyp_cpu *this_cpu(void)
{
	struct hyp_cpu *cpu;

	__asm__("mrs %0, tpidr_el2" : "=r"(cpu));
	return cpu;
}

/* Enters the guest whose context is cpu->guest; returns when it traps to EL2. */
int __guest_enter(struct cpu_context *guest, struct hyp_cpu *cpu);
/* Restores the host's registers from its context and returns to it (boot only). */
_Noreturn void __host_enter(struct cpu_context *host);

#endif
#endif
