/* SPDX-License-Identifier: MIT */
/* Bringing CPUs up at EL2: what the boot CPU set up, for every other to repeat. */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include <arch/percpu.h>
#include <stdint.h>

#define HYP_STACK_SIZE 16384

/* The boot CPU's EL2 MMU configuration (enable_mmu_el2's arguments), and VTCR_EL2. */
struct el2_mmu {
	uint64_t ttbr0, tcr, mair, sctlr;
	uint64_t vtcr;
};
extern struct el2_mmu el2_mmu;

/* Sets this CPU's EL2 registers for the hypervisor and the host (every CPU, at power-on). */
void cpu_init_el2(struct hyp_cpu *cpu);

/* Enters the host at EL1 at pc, MMU off, x0 and x1 as given: a CPU's first entry. */
_Noreturn void enter_host(struct hyp_cpu *cpu, uint64_t pc, uint64_t x0, uint64_t x1);

/* Fills hyp_cpus[] from the platform's CPU list; returns the boot CPU's (panics if absent). */
struct hyp_cpu *smp_init(void);

/* A PSCI call to the firmware (SMC): x0 on return. */
uint64_t fw_psci(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

#endif
