/* SPDX-License-Identifier: MIT */
/*
 * What a guest's trap to EL2 means: handled here and resumed (PSCI queries,
 * emulated system registers, page sharing), or turned into an exit that the host
 * VMM completes (MMIO, a page to populate, PSCI system events, WFI, errors).
 */
#include <abi/guest.h>
#include <abi/hvc.h>
#include <hyp/arch.h>
#include <hyp/debug.h>
#include <hyp/dirty.h>
#include <hyp/esr.h>
#include <hyp/mem_protect.h>
#include <hyp/pmu.h>
#include <hyp/psci.h>
#include <hyp/timer.h>
#include <hyp/trap.h>

static bool exit_to_host(struct tv_exit *exit, uint64_t reason, uint64_t a, uint64_t b, uint64_t c)
{
	*exit = (struct tv_exit){ reason, { a, b, c, 0, 0 } };
	return false;
}

/*
 * A fault the guest cannot go on from. A protected VM's report says only what the host
 * needs to decide: the syndrome and the page of the faulting address, not where in the
 * page it was, nor the guest's pc.
 */
static bool guest_error(struct vcpu *vcpu, const struct trap_info *t, struct tv_exit *exit)
{
	bool sealed = vm_is_protected(vcpu->vm);

	return exit_to_host(exit, TV_EXIT_GUEST_ERROR, t->esr, sealed ? 0 : vcpu->ctxt.pc,
			    sealed ? t->far & PAGE_MASK : t->far);
}

/*
 * The calls the host VMM may answer: its own range and the PSCI functions EL2 leaves
 * to it. Any other ID no one implements, so EL2 answers NOT_SUPPORTED, as KVM does,
 * without a round trip to the host.
 */
static bool call_for_host(uint32_t fn)
{
	uint32_t psci = fn & ~SMCCC_CONV_64;

	return (psci >= PSCI_FN_FIRST && psci <= PSCI_FN_LAST) ||
	       (fn >= TV_VMM_CALL_FIRST && fn <= TV_VMM_CALL_LAST);
}

/* HVC #0 or SMC #0 from the guest; pc already points after the instruction. */
static bool handle_guest_call(struct vcpu *vcpu, struct tv_exit *exit)
{
	uint64_t *x = vcpu->ctxt.regs;
	uint32_t fn = (uint32_t)x[0];
	int64_t ret;
	bool resume;

	if (guest_psci_call(vcpu, exit, &resume)) {
		return resume;
	}
	switch (fn) {
	case TV_GUEST_HC_SHARE:
		ret = guest_share_host(vcpu->vm, x[1]);
		x[0] = (uint64_t)ret;
		return true;
	case TV_GUEST_HC_UNSHARE:
		ret = guest_unshare_host(vcpu->vm, x[1]);
		x[0] = (uint64_t)ret;
		return true;
	default:
		if (!call_for_host(fn)) {
			x[0] = SMCCC_RET_NOT_SUPPORTED;
			return true;
		}
		vcpu->pending = PENDING_HVC;
		*exit = (struct tv_exit){ TV_EXIT_HVC, { x[0], x[1], x[2], x[3], x[4] } };
		return false;
	}
}

/* The IPA of a stage-2 abort: HPFAR holds bits 51:12, FAR the offset in the page. */
static uint64_t fault_ipa(const struct trap_info *t)
{
	return ((t->hpfar >> 4) << PAGE_SHIFT) | (t->far & (PAGE_SIZE - 1));
}

static bool handle_mmio(struct vcpu *vcpu, const struct trap_info *t, uint64_t ipa,
			struct tv_exit *exit)
{
	uint64_t esr = t->esr;
	unsigned size_log2 = (unsigned)ESR_DABT_SAS(esr);
	unsigned rt = (unsigned)ESR_DABT_SRT(esr);
	bool write = esr & ESR_DABT_WNR;
	uint64_t info = size_log2 << TV_MMIO_SIZE_SHIFT | (uint64_t)rt << TV_MMIO_REG_SHIFT;
	uint64_t data = 0;

	vcpu->mmio_far = t->far;
	vcpu->mmio_write = write; /* WnR is valid without ISV too: an abort reports it */
	/*
	 * Without a valid syndrome (LDP, a writeback, ...) the access cannot be emulated: as
	 * KVM's KVM_EXIT_ARM_NISV, the VMM hears of it and answers with an abort.
	 */
	if (!(esr & ESR_DABT_ISV)) {
		vcpu->pending = PENDING_MMIO_NISV;
		return exit_to_host(exit, TV_EXIT_MMIO_NISV,
				    vm_is_protected(vcpu->vm) ? ipa & PAGE_MASK : ipa, esr, 0);
	}
	if (write) {
		info |= TV_MMIO_WRITE;
		data = rt == 31 ? 0 : vcpu->ctxt.regs[rt];
		if (size_log2 < 3) {
			data &= (1ull << (8u << size_log2)) - 1;
		}
		vcpu->pending = PENDING_MMIO_WRITE;
	} else {
		vcpu->pending = PENDING_MMIO_READ;
		vcpu->mmio_reg = (uint8_t)rt;
		vcpu->mmio_size_log2 = (uint8_t)size_log2;
		vcpu->mmio_sign_extend = esr & ESR_DABT_SSE;
		vcpu->mmio_64bit = esr & ESR_DABT_SF;
	}
	return exit_to_host(exit, TV_EXIT_MMIO, ipa, data, info);
}

static bool handle_abort(struct vcpu *vcpu, const struct trap_info *t, struct tv_exit *exit)
{
	uint64_t ipa = fault_ipa(t);
	bool is_data = ESR_EC(t->esr) == EC_DABT_LOW;

	/* A write to a page protected for dirty logging: logged at EL2, the guest goes on. */
	if (fsc_is_permission(t->esr) && is_data && (t->esr & ESR_DABT_WNR) &&
	    dirty_fault(vcpu->vm, ipa)) {
		return true;
	}
	/* Without hardware access-flag updates, EL2 sets the flag that aging cleared. */
	if (fsc_is_access_flag(t->esr) && guest_mark_young(vcpu->vm, ipa)) {
		return true;
	}
	if (!fsc_is_translation(t->esr)) {
		return guest_error(vcpu, t, exit);
	}
	if (vm_ipa_in_ram(vcpu->vm, ipa)) {
		bool write = is_data && (t->esr & ESR_DABT_WNR) && !(t->esr & ESR_ABT_S1PTW);

		return exit_to_host(exit, TV_EXIT_MEM_FAULT, ipa & PAGE_MASK, write, 0);
	}
	/*
	 * Outside RAM, what no device could answer is an external abort taken by the guest,
	 * as KVM injects it: an instruction fetch, and a stage-1 table walk (a data abort,
	 * whatever the access, as KVM does). Data accesses go to the VMM's devices.
	 */
	if (!is_data) {
		inject_iabt(&vcpu->ctxt, t->far);
		return true;
	}
	if (t->esr & ESR_ABT_S1PTW) {
		inject_dabt(&vcpu->ctxt, t->far, false);
		return true;
	}
	return handle_mmio(vcpu, t, ipa, exit);
}

/* The earlier of two deadlines, 0 meaning none. */
static uint64_t earlier(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/*
 * WFI: nothing to do if an interrupt is already there for the guest; else the host
 * may wait, until one of the guest's timers fires at the latest (x2, a physical
 * counter value).
 */
bool vcpu_wfi(struct vcpu *vcpu, struct tv_exit *exit)
{
	uint64_t deadline = 0;

	if (vcpu->vm->flags & TV_VM_GIC) {
		/* An SGI another vCPU sent since entry goes in first: then it is pending. */
		if (vgic_sgi_waiting(vcpu)) {
			arch_vgic_refresh(vcpu);
		}
		if (arch_vgic_pending()) {
			return true;
		}
		/* A timer asserted and enabled but not yet presented (every LR busy) is taken. */
		if ((vtimer_level(vcpu) && vgic_line_enabled(vcpu, TV_IRQ_VTIMER)) ||
		    (ptimer_level(vcpu) && vgic_line_enabled(vcpu, TV_IRQ_PTIMER))) {
			return true;
		}
		deadline = earlier(vtimer_deadline(vcpu), ptimer_deadline(vcpu));
	}
	return exit_to_host(exit, TV_EXIT_WFI, deadline, 0, 0);
}

/* Emulates a trapped system register access (an SGI, ID or MTE register). */
static bool handle_sysreg(struct vcpu *vcpu, const struct trap_info *t)
{
	if (ptimer_emulate(vcpu, t->esr) || pmu_trap(vcpu, t->esr) || debug_trap(vcpu, t->esr)) {
		return true;
	}
	if (!(vcpu->vm->flags & TV_VM_GIC) || !vgic_emulate_sgi(vcpu, t->esr)) {
		struct cpu_view view = { vm_has_mte(vcpu->vm), true };

		emulate_sysreg(&vcpu->ctxt, t->esr, &view);
	}
	return true;
}

bool handle_guest_trap(struct vcpu *vcpu, const struct trap_info *t, struct tv_exit *exit)
{
	/*
	 * Calls first, before the switch sets up a stack frame: most are answered here.
	 * (An AArch32 HVC has another EC, so none reaches this from AArch32.)
	 */
	if (ESR_EC(t->esr) == EC_HVC64) {
		return handle_guest_call(vcpu, exit);
	}
	/* Nothing is emulated for AArch32 (run.c says why): a T32 instruction may be 2 bytes. */
	if (__builtin_expect(vcpu->ctxt.pstate & PSR_MODE32, 0)) {
		vcpu_stop_aarch32(vcpu, t->esr, exit);
		return false;
	}
	switch (ESR_EC(t->esr)) {
	case EC_SMC64:
		skip_instr(&vcpu->ctxt); /* a trapped SMC returns to itself */
		return handle_guest_call(vcpu, exit);
	case EC_SYS64:
		return handle_sysreg(vcpu, t);
	case EC_WFX:
		skip_instr(&vcpu->ctxt);
		return vcpu_wfi(vcpu, exit);
	case EC_DABT_LOW:
	case EC_IABT_LOW:
		return handle_abort(vcpu, t, exit);
	case EC_PAC:
	case EC_SVE:
	case EC_SME:
	case EC_UNKNOWN:
		inject_undef(&vcpu->ctxt); /* features the guest was told it does not have */
		return true;
	default:
		return guest_error(vcpu, t, exit);
	}
}
