/* SPDX-License-Identifier: MIT */
/*
 * The machine's other CPUs. The host turns them on with PSCI (hyp/core/host_psci.c);
 * EL2 starts them through the firmware at its own entry (_secondary_entry), with a
 * stack and its hyp_cpu, sets EL2 up on them as on the boot CPU, and only then enters
 * the host where it asked.
 */
#include <arch/platform.h>
#include <arch/smp.h>
#include <arch/sysreg.h>
#include <hyp/arch.h>
#include <hyp/host_psci.h>
#include <hyp/log.h>
#include <hyp/psci.h>
#include <stddef.h>

struct hyp_cpu hyp_cpus[PLATFORM_MAX_CPUS];
struct el2_mmu el2_mmu;

/*
 * Read by a CPU with its MMU off, so uncached: written and cleaned to the point of
 * coherency before the firmware starts the CPU. Each in its own cache line.
 */
static struct secondary_boot boot_args[PLATFORM_MAX_CPUS] __attribute__((aligned(64)));
static uint8_t stacks[PLATFORM_MAX_CPUS][HYP_STACK_SIZE] __attribute__((aligned(16)));

void _secondary_entry(void);

_Static_assert(offsetof(struct secondary_boot, sp) == BOOT_OFF_SP, "boot sp");
_Static_assert(offsetof(struct secondary_boot, tpidr) == BOOT_OFF_TPIDR, "boot tpidr");
_Static_assert(offsetof(struct secondary_boot, ttbr0) == BOOT_OFF_MMU, "boot mmu");
_Static_assert(offsetof(struct secondary_boot, sctlr) == BOOT_OFF_MMU + 24, "boot sctlr");

uint64_t fw_psci(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

struct hyp_cpu *smp_init(void)
{
	int boot = platform_cpu_index(read_sysreg(mpidr_el1));

	if (boot < 0) {
		hyp_panic("the boot CPU (MPIDR 0x%lx) is not in the device tree",
			  read_sysreg(mpidr_el1));
	}
	for (unsigned i = 0; i < PLATFORM_MAX_CPUS; i++) {
		hyp_cpus[i].idx = i;
	}
	host_psci_init((unsigned)boot);
	return &hyp_cpus[boot];
}

unsigned arch_nr_cpus(void)
{
	return platform.nr_cpus;
}

unsigned arch_this_cpu(void)
{
	return this_cpu()->idx;
}

int arch_cpu_index(uint64_t mpidr)
{
	return platform_cpu_index(mpidr);
}

uint64_t arch_cpu_start(unsigned idx)
{
	struct secondary_boot *b = &boot_args[idx];
	uint64_t ret;

	*b = (struct secondary_boot){
		.sp = (uint64_t)(stacks[idx] + HYP_STACK_SIZE),
		.tpidr = (uint64_t)&hyp_cpus[idx],
		.ttbr0 = el2_mmu.ttbr0,
		.tcr = el2_mmu.tcr,
		.mair = el2_mmu.mair,
		.sctlr = el2_mmu.sctlr,
	};
	__asm__ volatile("dc civac, %0" : : "r"(b) : "memory");
	dsb(sy);
	/*
	 * A CPU the host just turned off may still be on its way out: the firmware says
	 * ALREADY_ON until it is gone, which takes a few instructions.
	 */
	for (unsigned tries = 0; tries < 1000000; tries++) {
		ret = fw_psci(PSCI_CPU_ON_64, platform.cpu_mpidr[idx], (uint64_t)_secondary_entry,
			      (uint64_t)b);
		if (ret != PSCI_RET_ALREADY_ON) {
			break;
		}
	}
	return ret;
}

uint64_t arch_cpu_affinity(unsigned idx)
{
	return fw_psci(PSCI_AFFINITY_INFO_64, platform.cpu_mpidr[idx], 0, 0);
}

void arch_cpu_stop(void)
{
	struct hyp_cpu *cpu = this_cpu();

	/* Whatever was loaded here is gone with the CPU: it starts afresh next time. */
	cpu->loaded = NULL;
	cpu->fp_owner = NULL;
	fw_psci(PSCI_CPU_OFF, 0, 0, 0);
	hyp_panic("CPU %u: the firmware did not turn it off", cpu->idx);
}

void arch_cpu_wait(void)
{
	dsb(sy);
	__asm__ volatile("wfi" : : : "memory");
}

/* Called by _secondary_entry with the MMU on, on the CPU's own stack. */
_Noreturn void secondary_main(void)
{
	struct hyp_cpu *cpu = this_cpu();
	uint64_t entry, context;

	cpu_init_el2(cpu);
	host_psci_cpu_up(cpu->idx, &entry, &context);
	enter_host(cpu, entry, context, 0);
}
