/* SPDX-License-Identifier: MIT */
/*
 * The PMU at EL2 (hyp/include/hyp/pmu.h says what a guest gets): its registers saved and
 * loaded between the host and the vCPU that owns it, the host's counters stopped while
 * any guest runs, and the MDCR_EL2 bits that keep a guest's counters to the guest.
 */
#include <arch/lazy.h>
#include <arch/platform.h>
#include <arch/sysreg.h>
#include <hyp/pmu.h>
#include <hyp/vm.h>

#define PMUVER(dfr0) (((dfr0) >> 8) & 0xf)
#define PMUVER_V3P1  4
#define PMUVER_V3P5  6

static unsigned nr_counters;
static uint64_t counters_mask; /* the event counters and the cycle counter, as in PMCNTENSET */

/* Each CPU's host registers while a vCPU's are loaded there (cpu->pmu_owner). */
static struct pmu_state host_regs[PLATFORM_MAX_CPUS];

void pmu_arch_init(struct hyp_cpu *cpu)
{
	uint64_t ver = PMUVER(read_sysreg(id_aa64dfr0_el1));

	cpu->has_pmu = ver != 0 && ver != 0xf;
	if (!cpu->has_pmu) {
		return;
	}
	nr_counters = (unsigned)((read_sysreg(pmcr_el0) >> 11) & 0x1f);
	counters_mask = ((1ull << nr_counters) - 1) | PMU_CYCLE_BIT;
	/* HPMN all counters; HPMD, HCCD: a guest's counters never count EL2. */
	cpu->guest_mdcr |= nr_counters | (ver >= PMUVER_V3P1 ? MDCR_HPMD : 0) |
			   (ver >= PMUVER_V3P5 ? MDCR_HCCD : 0);
}

bool arch_pmu_present(void)
{
	return this_cpu()->has_pmu;
}

unsigned arch_pmu_counters(void)
{
	return nr_counters;
}

/* Stops the counters first, so that what is saved is one moment's. */
static void hw_save(struct pmu_state *s)
{
	uint64_t pmcr = read_sysreg(pmcr_el0);

	write_sysreg(pmcr_el0, pmcr & ~(PMCR_E | PMCR_P | PMCR_C));
	isb();
	s->pmcr = pmcr & PMCR_STATE;
	s->cnten = read_sysreg(pmcntenset_el0);
	s->inten = read_sysreg(pmintenset_el1);
	s->ovs = read_sysreg(pmovsset_el0);
	s->selr = read_sysreg(pmselr_el0);
	s->userenr = read_sysreg(pmuserenr_el0);
	s->ccfiltr = read_sysreg(pmccfiltr_el0);
	s->ccntr = read_sysreg(pmccntr_el0);
	for (unsigned i = 0; i < nr_counters; i++) {
		write_sysreg(pmselr_el0, i);
		isb();
		s->evtyper[i] = read_sysreg(pmxevtyper_el0);
		s->evcntr[i] = read_sysreg(pmxevcntr_el0);
	}
}

/* Every register written, enables last: nothing of the previous owner remains. */
static void hw_load(const struct pmu_state *s)
{
	write_sysreg(pmcr_el0, s->pmcr & ~PMCR_E);
	isb();
	for (unsigned i = 0; i < nr_counters; i++) {
		write_sysreg(pmselr_el0, i);
		isb();
		write_sysreg(pmxevtyper_el0, s->evtyper[i]);
		write_sysreg(pmxevcntr_el0, s->evcntr[i]);
	}
	write_sysreg(pmccntr_el0, s->ccntr);
	write_sysreg(pmccfiltr_el0, s->ccfiltr);
	write_sysreg(pmuserenr_el0, s->userenr);
	write_sysreg(pmselr_el0, s->selr);
	write_sysreg(pmovsclr_el0, counters_mask);
	write_sysreg(pmovsset_el0, s->ovs & counters_mask);
	write_sysreg(pmintenclr_el1, counters_mask);
	write_sysreg(pmintenset_el1, s->inten & counters_mask);
	write_sysreg(pmcntenclr_el0, counters_mask);
	write_sysreg(pmcntenset_el0, s->cnten & counters_mask);
	isb();
	write_sysreg(pmcr_el0, s->pmcr);
	isb();
}

bool arch_pmu_loaded(const struct vcpu *vcpu)
{
	return this_cpu()->pmu_owner == vcpu;
}

bool arch_pmu_hw_level(void)
{
	return (read_sysreg(pmcr_el0) & PMCR_E) &&
	       (read_sysreg(pmintenset_el1) & read_sysreg(pmovsset_el0));
}

void pmu_take(struct hyp_cpu *cpu, struct vcpu *vcpu)
{
	struct pmu_state *host = &host_regs[cpu->idx];

	hw_save(host);
	if (cpu->host_pmcr) {
		host->pmcr = cpu->host_pmcr & PMCR_STATE; /* as before EL2 stopped it */
		cpu->host_pmcr = 0;
	}
	hw_load(&vcpu->pmu.regs);
	cpu->pmu_owner = vcpu;
}

void arch_pmu_take(struct vcpu *vcpu)
{
	pmu_take(this_cpu(), vcpu);
	write_sysreg(mdcr_el2, (read_sysreg(mdcr_el2) & ~(MDCR_TPM | MDCR_TPMCR)));
	isb();
}

void pmu_give_back(struct hyp_cpu *cpu)
{
	struct vcpu *vcpu = cpu->pmu_owner;

	hw_save(&vcpu->pmu.regs);
	vcpu->pmu.counting = pmu_state_counting(&vcpu->pmu.regs);
	hw_load(&host_regs[cpu->idx]);
	cpu->pmu_owner = NULL;
}
