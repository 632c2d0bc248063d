/* SPDX-License-Identifier: MIT */
/*
 * The host's PSCI (hyp/host_psci.h). Every CPU's power state as the host sees it:
 *
 *   OFF --CPU_ON--> ON_PENDING --(EL2 set up on it)--> ON --CPU_OFF--> OFF
 *
 * Arguments are checked before anything changes: an unknown CPU is INVALID_PARAMETERS,
 * an entry point that is not the host's memory INVALID_ADDRESS, a CPU already on or on
 * its way ALREADY_ON or ON_PENDING. The lock orders transitions between CPUs; it is a
 * leaf (nothing else is taken under it).
 */
#include <abi/status.h>
#include <hyp/arch.h>
#include <hyp/host_psci.h>
#include <hyp/mem_protect.h>
#include <hyp/psci.h>
#include <lib/spinlock.h>

enum cpu_power {
	POWER_OFF,
	POWER_ON_PENDING,
	POWER_ON,
};

static struct host_cpu {
	uint8_t power; /* enum cpu_power */
	uint64_t entry, context;
} cpus[HYP_MAX_CPUS];

static struct spinlock psci_lock;

void host_psci_init(unsigned boot_cpu)
{
	for (unsigned i = 0; i < HYP_MAX_CPUS; i++) {
		cpus[i] = (struct host_cpu){ i == boot_cpu ? POWER_ON : POWER_OFF, 0, 0 };
	}
}

/* The host may start a CPU only in memory it owns (and so may execute). */
static bool entry_is_host_memory(uint64_t entry)
{
	enum page_state s = page_state_of(entry & PAGE_MASK, OWNER_HOST);

	return ALIGNED(entry, 4) && (s == PS_OWNED || s == PS_SHARED_OWNED);
}

static uint64_t cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
	int idx = arch_cpu_index(mpidr);
	struct host_cpu *c;
	uint64_t ret;

	if (idx < 0) {
		return PSCI_RET_INVALID_PARAMETERS;
	}
	if (!entry_is_host_memory(entry)) {
		return PSCI_RET_INVALID_ADDRESS;
	}
	c = &cpus[idx];
	spin_lock(&psci_lock);
	if (c->power != POWER_OFF) {
		ret = c->power == POWER_ON ? PSCI_RET_ALREADY_ON : PSCI_RET_ON_PENDING;
		spin_unlock(&psci_lock);
		return ret;
	}
	c->power = POWER_ON_PENDING;
	c->entry = entry;
	c->context = context;
	spin_unlock(&psci_lock);

	ret = arch_cpu_start((unsigned)idx);
	if (ret != PSCI_RET_SUCCESS) {
		spin_lock(&psci_lock);
		c->power = POWER_OFF;
		spin_unlock(&psci_lock);
		/* The firmware's refusals the host could not have caused are ours. */
		return ret == PSCI_RET_INVALID_PARAMETERS || ret == PSCI_RET_INVALID_ADDRESS
			       ? PSCI_RET_INTERNAL_FAILURE
			       : ret;
	}
	return PSCI_RET_SUCCESS;
}

void host_psci_cpu_up(unsigned idx, uint64_t *entry, uint64_t *context)
{
	spin_lock(&psci_lock);
	cpus[idx].power = POWER_ON;
	*entry = cpus[idx].entry;
	*context = cpus[idx].context;
	spin_unlock(&psci_lock);
}

/*
 * OFF only once the firmware agrees too: a CPU that has asked to go off is still running
 * its last instructions, and the host may turn it on again as soon as it reads OFF.
 */
static uint64_t affinity_info(uint64_t mpidr, uint64_t level)
{
	int idx = arch_cpu_index(mpidr);
	uint8_t power;

	if (idx < 0 || level != 0) {
		return PSCI_RET_INVALID_PARAMETERS;
	}
	spin_lock(&psci_lock);
	power = cpus[idx].power;
	spin_unlock(&psci_lock);
	if (power == POWER_ON) {
		return PSCI_AFF_ON;
	}
	if (power == POWER_ON_PENDING) {
		return PSCI_AFF_ON_PENDING;
	}
	return arch_cpu_affinity((unsigned)idx) == PSCI_AFF_OFF ? PSCI_AFF_OFF : PSCI_AFF_ON;
}

bool host_psci_cpu_is_on(unsigned idx)
{
	return idx < HYP_MAX_CPUS && cpus[idx].power == POWER_ON;
}

static _Noreturn void cpu_off(void)
{
	spin_lock(&psci_lock);
	cpus[arch_this_cpu()].power = POWER_OFF;
	spin_unlock(&psci_lock);
	arch_cpu_stop();
}

static uint64_t features(uint32_t fn)
{
	switch (fn) {
	case PSCI_VERSION:
	case PSCI_FEATURES:
	case PSCI_CPU_OFF:
	case PSCI_CPU_ON_32:
	case PSCI_CPU_ON_64:
	case PSCI_AFFINITY_INFO_32:
	case PSCI_AFFINITY_INFO_64:
	case PSCI_MIGRATE_INFO_TYPE:
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
		return PSCI_RET_SUCCESS;
	case PSCI_CPU_SUSPEND_32:
	case PSCI_CPU_SUSPEND_64:
		return 0; /* the original power_state format, platform-coordinated */
	default:
		return PSCI_RET_NOT_SUPPORTED;
	}
}

bool host_psci_call(struct cpu_context *host)
{
	uint64_t *x = host->regs;
	uint32_t fn = (uint32_t)x[0];
	/* The SMC32 forms take 32-bit arguments: the upper halves are not the caller's. */
	uint64_t mask = (fn & SMCCC_CONV_64) ? ~0ull : 0xffffffffull;

	switch (fn) {
	case PSCI_VERSION:
		x[0] = PSCI_VERSION_1_1;
		return true;
	case PSCI_FEATURES:
		x[0] = features((uint32_t)x[1]);
		return true;
	case PSCI_CPU_ON_32:
	case PSCI_CPU_ON_64:
		x[0] = cpu_on(x[1] & mask, x[2] & mask, x[3] & mask);
		return true;
	case PSCI_AFFINITY_INFO_32:
	case PSCI_AFFINITY_INFO_64:
		x[0] = affinity_info(x[1] & mask, x[2] & mask);
		return true;
	case PSCI_CPU_OFF:
		cpu_off();
	case PSCI_CPU_SUSPEND_32:
	case PSCI_CPU_SUSPEND_64:
		if ((x[1] & mask) & ~(uint64_t)PSCI_POWER_STATE_VALID) {
			x[0] = PSCI_RET_INVALID_PARAMETERS;
			return true;
		}
		/*
		 * Every state is entered as standby, as QEMU's own firmware does: the CPU waits
		 * for an interrupt and the call returns, context kept (allowed for a powerdown
		 * state too, as if woken at once).
		 */
		arch_cpu_wait();
		x[0] = PSCI_RET_SUCCESS;
		return true;
	case PSCI_MIGRATE_INFO_TYPE:
		x[0] = PSCI_TOS_NOT_PRESENT_MP;
		return true;
	case PSCI_SYSTEM_OFF:
		arch_halt(TV_STATUS_OK);
	case PSCI_SYSTEM_RESET:
		arch_halt(TV_STATUS_RESET);
	default:
		return false;
	}
}
