/* SPDX-License-Identifier: MIT */
/* The fake machine's CPUs: a number of them, the one "running", and the firmware's view. */
#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/host_psci.h>
#include <hyp/psci.h>

#include <stdio.h>
#include <stdlib.h>

unsigned fake_nr_cpus = 1, fake_cpu;
uint64_t fake_fw_power[HYP_MAX_CPUS]; /* PSCI_AFF_* as the firmware would say */
uint64_t fake_cpu_start_ret = PSCI_RET_SUCCESS;
unsigned fake_cpu_starts;

unsigned arch_nr_cpus(void)
{
	return fake_nr_cpus;
}

unsigned arch_this_cpu(void)
{
	return fake_cpu;
}

/* CPU i has affinity 0.0.0.i. */
int arch_cpu_index(uint64_t mpidr)
{
	uint64_t aff = mpidr & 0xff00ffffffull;

	return aff < fake_nr_cpus ? (int)aff : -1;
}

uint64_t arch_cpu_start(unsigned idx)
{
	fake_cpu_starts++;
	if (fake_cpu_start_ret == PSCI_RET_SUCCESS) {
		fake_fw_power[idx] = PSCI_AFF_ON;
	}
	return fake_cpu_start_ret;
}

uint64_t arch_cpu_affinity(unsigned idx)
{
	return fake_fw_power[idx];
}

void arch_cpu_stop(void)
{
	fprintf(stderr, "fake CPU %u stopped\n", fake_cpu);
	abort(); /* tests do not turn their only thread off */
}

void arch_cpu_wait(void)
{
}

unsigned fake_kicks;
struct vcpu *fake_last_kicked;

void fake_smp_reset(void)
{
	fake_nr_cpus = 1;
	fake_cpu = 0;
	fake_cpu_starts = 0;
	fake_cpu_start_ret = PSCI_RET_SUCCESS;
	for (unsigned i = 0; i < HYP_MAX_CPUS; i++) {
		fake_fw_power[i] = i ? PSCI_AFF_OFF : PSCI_AFF_ON;
	}
	fake_kicks = 0;
	fake_last_kicked = NULL;
	host_psci_init(0);
}

void arch_vcpu_kick(struct vcpu *vcpu)
{
	fake_kicks++;
	fake_last_kicked = vcpu;
}
