/* SPDX-License-Identifier: MIT */
/* The fake machine's CPUs: a number of them, the one "running", and the firmware's view. */
#include <arch/fake.h>
#include <hyp/arch.h>
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
