/* SPDX-License-Identifier: MIT */
/* World-switch helpers shared by the guest run loop and the host trap handler. */
#ifndef ARCH_SWITCH_H
#define ARCH_SWITCH_H

#include <arch/percpu.h>
#include <hyp/context.h>

void fpsimd_save(struct fpsimd_state *s);
void fpsimd_load(const struct fpsimd_state *s);

/* Makes `to` the owner of the FP/SIMD registers (lazy switch on its first use). */
void fp_take(struct hyp_cpu *cpu, struct cpu_context *to);

/* The CPTR_EL2 value for running `ctxt`: FP/SIMD traps unless it owns the registers. */
uint64_t cptr_for(const struct hyp_cpu *cpu, const struct cpu_context *ctxt);


/* EL2 configuration for running the host. */
uint64_t host_hcr(void);
void load_host_el2_config(struct hyp_cpu *cpu);

#endif
