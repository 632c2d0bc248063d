/* SPDX-License-Identifier: MIT */
/* The fake arch's PMU: one register file standing for the hardware, owned by the host or a vCPU. */
#include <arch/fake.h>
#include <hyp/pmu.h>
#include <hyp/vm.h>

#include <string.h>

bool fake_pmu = true;
struct pmu_state fake_pmu_hw;
static const struct vcpu *owner;

void fake_pmu_reset(void)
{
	fake_pmu = true;
	owner = NULL;
	memset(&fake_pmu_hw, 0, sizeof(fake_pmu_hw));
}

bool arch_pmu_present(void)
{
	return fake_pmu;
}

unsigned arch_pmu_counters(void)
{
	return fake_pmu ? 6 : 0; /* as QEMU's max CPU */
}

void arch_pmu_take(struct vcpu *vcpu)
{
	fake_pmu_hw = vcpu->pmu.regs;
	owner = vcpu;
}

bool arch_pmu_loaded(const struct vcpu *vcpu)
{
	return fake_pmu && owner == vcpu;
}

bool arch_pmu_hw_level(void)
{
	return pmu_state_level(&fake_pmu_hw);
}
