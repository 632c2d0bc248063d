/* SPDX-License-Identifier: MIT */
/* VCPU_RUN: complete the exit the host handled, then run the vCPU until its next exit. */
#include <abi/hvc.h>
#include <hyp/arch.h>
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
	bool mmio = vcpu->pending == PENDING_MMIO_READ || vcpu->pending == PENDING_MMIO_WRITE;

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

	if (flags & TV_RUN_INJECT_DABT) {
		/* The guest sees an external abort at the faulting address; pc stays. */
		inject_dabt(&vcpu->ctxt, vcpu->mmio_far);
	} else if (mmio) {
		if (flags & TV_RUN_MMIO_READ) {
			complete_mmio_read(vcpu, value);
		}
		vcpu->ctxt.pc += 4;
	} else if (vcpu->pending == PENDING_HVC) {
		vcpu->ctxt.regs[0] = (flags & TV_RUN_HVC_RET) ? value : SMCCC_RET_NOT_SUPPORTED;
	}
	vcpu->pending = PENDING_NONE;
	return 0;
}

int64_t vcpu_run(uint64_t handle, uint64_t idx, uint64_t flags, uint64_t value, struct tv_exit *exit)
{
	int err;
	struct vcpu *vcpu = vcpu_from_handle(handle, idx, &err);
	int64_t ret;

	if (!vcpu) {
		return err;
	}
	if (flags & ~(uint64_t)TV_RUN_FLAGS_ALL) {
		return -TV_EINVAL;
	}
	if (vcpu->off) {
		return -TV_EPERM;
	}
	ret = complete_pending(vcpu, flags & ~(uint64_t)TV_RUN_COMPLETE_ONLY, value);
	if (ret) {
		return ret;
	}
	if (flags & TV_RUN_COMPLETE_ONLY) {
		*exit = (struct tv_exit){ TV_EXIT_NONE, { 0 } };
		return 0;
	}
	vcpu->vm->started = true;
	arch_vcpu_run(vcpu, exit);
	return 0;
}
