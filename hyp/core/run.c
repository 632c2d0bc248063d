/* SPDX-License-Identifier: MIT */
/* VCPU_RUN: complete the exit the host handled, then run the vCPU until its next exit. */
#include <abi/hvc.h>
#include <hyp/arch.h>
#include <hyp/debug.h>
#include <hyp/psci.h>
#include <hyp/trap.h>

/* Writes MMIO read data to the destination register as the load would have. */
static void complete_mmio_read(struct vcpu *vcpu, uint64_t data)
{
	unsigned bits = 8u << vcpu->mmio_size_log2;

	if (bits < 64) {
		data &= (1ull << bits) - 1;
		if (vcpu->mmio_sign_extend && (data >> (bits - 1)) & 1) {
			data |= ~0ull << bits;
		}
	}
	if (!vcpu->mmio_64bit) {
		data &= 0xffffffffull;
	}
	if (vcpu->mmio_reg != 31) {
		vcpu->ctxt.regs[vcpu->mmio_reg] = data;
	}
}

/* Applies the host's answer to the pending exit. 0 or -TV_EINVAL. */
static int64_t complete_pending(struct vcpu *vcpu, uint64_t flags, uint64_t value)
{
	bool mmio = vcpu->pending == PENDING_MMIO_READ || vcpu->pending == PENDING_MMIO_WRITE ||
		    vcpu->pending == PENDING_MMIO_NISV;

	if ((flags & TV_RUN_HVC_RET) && vcpu->pending != PENDING_HVC) {
		return -TV_EINVAL;
	}
	if ((flags & (TV_RUN_MMIO_READ | TV_RUN_INJECT_DABT)) && !mmio) {
		return -TV_EINVAL;
	}
	if ((flags & TV_RUN_MMIO_READ) &&
	    (vcpu->pending != PENDING_MMIO_READ || (flags & TV_RUN_INJECT_DABT))) {
		return -TV_EINVAL;
	}
	if (vcpu->pending == PENDING_MMIO_READ && !(flags & (TV_RUN_MMIO_READ | TV_RUN_INJECT_DABT))) {
		return -TV_EINVAL;
	}
	/* An access that cannot be emulated has no other answer than an abort. */
	if (vcpu->pending == PENDING_MMIO_NISV && !(flags & TV_RUN_INJECT_DABT)) {
		return -TV_EINVAL;
	}

	if (flags & TV_RUN_INJECT_DABT) {
		/* The guest sees an external abort at the faulting address; pc stays. */
		inject_dabt(&vcpu->ctxt, vcpu->mmio_far, vcpu->mmio_write);
	} else if (mmio) {
		if (flags & TV_RUN_MMIO_READ) {
			complete_mmio_read(vcpu, value);
		}
		skip_instr(&vcpu->ctxt);
	} else if (vcpu->pending == PENDING_HVC) {
		vcpu->ctxt.regs[0] = (flags & TV_RUN_HVC_RET) ? value : SMCCC_RET_NOT_SUPPORTED;
	}
	vcpu->pending = PENDING_NONE;
	return 0;
}

void vcpu_stop_aarch32(struct vcpu *vcpu, uint64_t esr, struct tv_exit *exit)
{
	uint64_t elr = vm_is_protected(vcpu->vm) ? 0 : vcpu->ctxt.pc;

	*exit = (struct tv_exit){ TV_EXIT_GUEST_ERROR, { esr, elr, 0, TV_ERROR_AARCH32, 0 } };
	vcpu->stopped = true;
	vcpu->pending = PENDING_NONE;
	/* What the host can read back stays a state it could write (GET/SET_STATE agree). */
	vcpu->ctxt.pstate = PSR_MODE_EL1H | PSR_DAIF;
	ctxt_sys_write(&vcpu->ctxt, CTX_SPSR_EL1, PSR_MODE_EL1H | PSR_DAIF);
}

/*
 * No AArch32 at any level of a guest. EL1 is AArch64 (HCR_EL2.RW) and the ID registers
 * say EL0 is too, but the CPU may implement AArch32 EL0 all the same, which an ERET with
 * an AArch32 SPSR_EL1 reaches without EL2 seeing it. As pKVM does, a vCPU caught in that
 * state when it leaves the CPU (or when it traps: exit.c) is stopped, so EL2 never
 * emulates an AArch32 instruction.
 */
static inline void check_aarch64(struct vcpu *vcpu, struct tv_exit *exit)
{
	if (__builtin_expect((vcpu->ctxt.pstate | vcpu->ctxt.sys[CTX_SPSR_EL1]) & PSR_MODE32, 0)) {
		uint64_t esr = exit->reason == TV_EXIT_GUEST_ERROR ? exit->data[0] : 0;

		vcpu_stop_aarch32(vcpu, esr, exit);
	}
}

/* VCPU_RUN of a vCPU this CPU has claimed. */
static int64_t run_claimed(struct vcpu *vcpu, uint64_t flags, uint64_t value, struct tv_exit *exit)
{
	struct vm *vm = vcpu->vm;
	uint32_t event;
	int64_t ret;
	bool off, all_off;

	/* Where its doorbell rings from now on: here, where it runs or its host waits. */
	__atomic_store_n(&vcpu->cpu, (uint8_t)arch_this_cpu(), __ATOMIC_RELAXED);
	event = __atomic_load_n(&vm->system_event, __ATOMIC_ACQUIRE);
	if (event) {
		/* Another vCPU ended the VM: every vCPU's run says so, none enters the guest. */
		*exit = (struct tv_exit){ TV_EXIT_SYSTEM_EVENT, { event, 0, 0, 0, 0 } };
		return 0;
	}
	if (vcpu->stopped) {
		return -TV_EPERM;
	}
	ret = complete_pending(vcpu, flags & ~(uint64_t)TV_RUN_COMPLETE_ONLY, value);
	if (ret) {
		return ret;
	}
	hyp_lock(&vm->lock);
	off = vcpu->off;
	all_off = off && vm_all_off_locked(vm);
	hyp_unlock(&vm->lock);
	if (off) {
		/* It waits for PSCI CPU_ON from another vCPU: the doorbell says when. */
		*exit = (struct tv_exit){ TV_EXIT_CPU_OFF, { all_off } };
		return 0;
	}
	if (vcpu->ctxt.step_done) {
		debug_step_done(vcpu); /* a completed MMIO access the guest was stepping */
	}
	if (flags & TV_RUN_COMPLETE_ONLY) {
		*exit = (struct tv_exit){ TV_EXIT_NONE, { 0 } };
		return 0;
	}
	__atomic_store_n(&vm->started, true, __ATOMIC_RELAXED);
	arch_vcpu_run(vcpu, exit);
	check_aarch64(vcpu, exit);
	return 0;
}

int64_t vcpu_run(uint64_t handle, uint64_t idx, uint64_t flags, uint64_t value, struct tv_exit *exit)
{
	int err;
	struct vcpu *vcpu = vcpu_get(handle, idx, &err);
	int64_t ret;

	if (!vcpu) {
		return err;
	}
	if (flags & ~(uint64_t)TV_RUN_FLAGS_ALL) {
		ret = -TV_EINVAL;
	} else if (!vcpu_claim(vcpu)) {
		ret = -TV_EBUSY; /* it runs on another CPU, or another call has it */
	} else {
		ret = run_claimed(vcpu, flags, value, exit);
		vcpu_release(vcpu);
	}
	vcpu_put(vcpu);
	return ret;
}
