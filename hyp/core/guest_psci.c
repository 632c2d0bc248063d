/* SPDX-License-Identifier: MIT */
/*
 * PSCI 1.1 for guests, answered at EL2 (hyp/trap.h): the calls that concern only the
 * VM's own vCPUs. vCPU i has MPIDR affinity 0.0.0.i (VMPIDR_EL2); a vCPU is on or off,
 * under the VM's lock. CPU_ON resets the target as a CPU out of reset and rings its
 * doorbell; SYSTEM_OFF and SYSTEM_RESET end every vCPU of the VM. Errors are those the
 * PSCI specification (DEN0022) gives: INVALID_PARAMETERS for a CPU that does not exist,
 * ALREADY_ON for one that is on.
 */
#include <abi/hvc.h>
#include <hyp/arch.h>
#include <hyp/psci.h>
#include <hyp/trap.h>

/* The affinity fields of MPIDR_EL1: Aff3 39:32, Aff2 23:16, Aff1 15:8, Aff0 7:0. */
#define MPIDR_AFF 0xff00ffffffull

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

/* The vCPU with this MPIDR, or NULL. */
static struct vcpu *vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
	uint64_t aff = mpidr & MPIDR_AFF;

	if (aff >= __atomic_load_n(&vm->nr_vcpus, __ATOMIC_ACQUIRE)) {
		return NULL;
	}
	return &vm->vcpus[aff];
}

static uint64_t cpu_on(struct vcpu *vcpu, uint64_t mpidr, uint64_t entry, uint64_t context)
{
	struct vm *vm = vcpu->vm;
	struct vcpu *target = vcpu_by_mpidr(vm, mpidr);

	if (!target) {
		return PSCI_RET_INVALID_PARAMETERS;
	}
	/* The vCPU starts with its MMU off: an entry outside RAM (or misaligned) cannot run. */
	if (!vm_ipa_in_ram(vm, entry) || (entry & 3)) {
		return PSCI_RET_INVALID_ADDRESS;
	}
	/*
	 * The target is off, but its host may be looking at it this moment (a VCPU_RUN that
	 * returns at once): wait for that to end, without the VM's lock, which it may need.
	 */
	for (;;) {
		hyp_lock(&vm->lock);
		if (!target->off || target->stopped) {
			hyp_unlock(&vm->lock);
			return PSCI_RET_ALREADY_ON;
		}
		if (vcpu_claim(target)) {
			break;
		}
		hyp_unlock(&vm->lock);
	}
	vcpu_power_on(target, entry, context);
	vcpu_release(target);
	hyp_unlock(&vm->lock);
	arch_vcpu_kick(target);
	return PSCI_RET_SUCCESS;
}

/* ON if any vCPU whose affinity matches mpidr above `level` is on. */
static uint64_t affinity_info(struct vm *vm, uint64_t mpidr, uint64_t level)
{
	uint64_t mask = level == 0 ? MPIDR_AFF : level == 1 ? 0xff00ffff00ull
					       : level == 2 ? 0xff00000000ull : 0;
	uint64_t ret = PSCI_RET_INVALID_PARAMETERS;

	if (level > 3) {
		return ret;
	}
	hyp_lock(&vm->lock);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		if ((i & mask) == (mpidr & mask)) {
			if (!vm->vcpus[i].off) {
				ret = PSCI_AFF_ON;
				break;
			}
			ret = PSCI_AFF_OFF;
		}
	}
	hyp_unlock(&vm->lock);
	return ret;
}

/* Whether every vCPU of the VM is off: then no vCPU is left to turn another on. */
bool vm_all_off_locked(struct vm *vm)
{
	hyp_assert_held(&vm->lock);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		if (!vm->vcpus[i].off) {
			return false;
		}
	}
	return true;
}

/* CPU_OFF: returns 1 if it was the VM's last vCPU on, for its host to end the guest. */
static uint64_t cpu_off(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	bool last;

	hyp_lock(&vm->lock);
	vcpu->off = true;
	last = vm_all_off_locked(vm);
	hyp_unlock(&vm->lock);
	return last;
}

/* SYSTEM_OFF or SYSTEM_RESET: no vCPU of the VM runs again; those running stop now. */
static bool system_event(struct vcpu *vcpu, uint32_t event, struct tv_exit *exit)
{
	struct vm *vm = vcpu->vm;
	uint32_t none = 0;

	__atomic_compare_exchange_n(&vm->system_event, &none, event, false, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		if (&vm->vcpus[i] != vcpu) {
			arch_vcpu_kick(&vm->vcpus[i]);
		}
	}
	*exit = (struct tv_exit){ TV_EXIT_SYSTEM_EVENT, { event, 0, 0, 0, 0 } };
	return false;
}

bool guest_psci_call(struct vcpu *vcpu, struct tv_exit *exit, bool *resume)
{
	uint64_t *x = vcpu->ctxt.regs;
	uint32_t fn = (uint32_t)x[0];
	/* The SMC32/HVC32 forms take 32-bit arguments. */
	uint64_t mask = (fn & SMCCC_CONV_64) ? ~0ull : 0xffffffffull;

	*resume = true;
	switch (fn) {
	case PSCI_VERSION:
		x[0] = PSCI_VERSION_1_1;
		return true;
	case PSCI_FEATURES:
		x[0] = features((uint32_t)x[1]);
		return true;
	case PSCI_CPU_ON_32:
	case PSCI_CPU_ON_64:
		x[0] = cpu_on(vcpu, x[1] & mask, x[2] & mask, x[3] & mask);
		return true;
	case PSCI_AFFINITY_INFO_32:
	case PSCI_AFFINITY_INFO_64:
		x[0] = affinity_info(vcpu->vm, x[1] & mask, x[2] & mask);
		return true;
	case PSCI_CPU_SUSPEND_32:
	case PSCI_CPU_SUSPEND_64:
		/* As KVM does: a wait for an interrupt (WFI), after which the call returns. */
		x[0] = PSCI_RET_SUCCESS;
		*resume = vcpu_wfi(vcpu, exit);
		return true;
	case PSCI_MIGRATE_INFO_TYPE:
		x[0] = PSCI_TOS_NOT_PRESENT_MP;
		return true;
	case PSCI_CPU_OFF:
		*exit = (struct tv_exit){ TV_EXIT_CPU_OFF, { cpu_off(vcpu) } };
		*resume = false;
		return true;
	case PSCI_SYSTEM_OFF:
		*resume = system_event(vcpu, TV_SYSTEM_OFF, exit);
		return true;
	case PSCI_SYSTEM_RESET:
		*resume = system_event(vcpu, TV_SYSTEM_RESET, exit);
		return true;
	default:
		return false;
	}
}
