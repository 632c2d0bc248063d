/* SPDX-License-Identifier: MIT */
/*
 * The host's PSCI calls. The host believes it talks to firmware (its device tree says
 * PSCI over SMC); EL2 answers instead, as pKVM's relay does, so that a CPU the host turns
 * on enters the hypervisor first and reaches the host only once EL2 is set up on it, and
 * so that the host can neither skip EL2 on a CPU nor give it an entry point EL2 would not.
 */
#ifndef HYP_HOST_PSCI_H
#define HYP_HOST_PSCI_H

#include <hyp/context.h>
#include <stdbool.h>
#include <stdint.h>

/* The boot CPU is on, every other off (boot). */
void host_psci_init(unsigned boot_cpu);

/*
 * Answers a PSCI call of the host (function ID in regs[0], arguments in regs[1..3],
 * the result to regs[0]). Returns false if the ID is not PSCI's (nothing changed).
 * SYSTEM_OFF, SYSTEM_RESET and a successful CPU_OFF do not return.
 */
bool host_psci_call(struct cpu_context *host);

/*
 * On a CPU that arch_cpu_start() brought up, once EL2 is set up on it: marks it on and
 * gives where the host asked it to start (entry) and the value for x0 (context).
 */
void host_psci_cpu_up(unsigned idx, uint64_t *entry, uint64_t *context);

/* Whether CPU idx is on for the host, as AFFINITY_INFO would say. For tests and checks. */
bool host_psci_cpu_is_on(unsigned idx);

#endif
