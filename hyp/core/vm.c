/* SPDX-License-Identifier: MIT */
#include <abi/hvc.h>
#include <hyp/arch.h>
#include <hyp/log.h>
#include <hyp/mem_protect.h>
#include <hyp/vm.h>
#include <lib/string.h>

struct vm vms[TV_MAX_VMS];

/* SCTLR_EL1 at reset: its RES1 bits, MMU and caches off, as on a CPU out of reset. */
#define SCTLR_EL1_RESET 0x30d00800ull


void vm_init(void)
{
	for (unsigned i = 0; i < TV_MAX_VMS; i++) {
		vms[i].idx = (uint8_t)i;
		vms[i].gen = 1;
	}
}

struct vm *vm_from_handle(uint64_t handle, int *err)
{
	uint64_t idx = handle & 0xf;
	struct vm *vm;

	if (handle >> 32 || idx >= TV_MAX_VMS) {
		*err = -TV_EINVAL;
		return NULL;
	}
	vm = &vms[idx];
	if (!vm->in_use || vm->gen != handle >> 4) {
		*err = -TV_ESTALE;
		return NULL;
	}
	return vm;
}

int64_t vm_create(uint64_t flags, uint64_t ram_ipa, uint64_t ram_size, uint64_t max_vcpus)
{
	struct vm *vm = NULL;

	if ((flags & ~(uint64_t)TV_VM_FLAGS_ALL) || !ALIGNED(ram_ipa | ram_size, PAGE_SIZE) ||
	    !ram_size || ram_ipa + ram_size < ram_ipa || ram_ipa + ram_size > (1ull << TV_IPA_BITS) ||
	    !max_vcpus || max_vcpus > TV_MAX_VCPUS) {
		return -TV_EINVAL;
	}
	if ((flags & TV_VM_MTE) && !arch_has_mte()) {
		return -TV_ENODEV;
	}
	for (unsigned i = 0; i < TV_MAX_VMS && !vm; i++) {
		if (!vms[i].in_use && !vms[i].retired) {
			vm = &vms[i];
		}
	}
	if (!vm) {
		return -TV_ENOMEM;
	}
	if (pgt_init(&vm->s2, &s2_pool, vm->idx + 1)) {
		return -TV_ENOMEM;
	}
	vm->in_use = true;
	vm->started = false;
	vm->owner_id = (uint8_t)(OWNER_VM_FIRST + vm->idx);
	vm->vmid = (uint16_t)(vm->idx + 1);
	vm->flags = (uint32_t)flags;
	vm->ram_ipa = ram_ipa;
	vm->ram_size = ram_size;
	vm->max_vcpus = (unsigned)max_vcpus;
	vm->nr_vcpus = 0;
	vm->nr_pages = 0;
	/* The guest's virtual counter starts at 0 with it, as a machine's at power-on. */
	vm->cntvoff = arch_counter();
	vm->logging = false;
	memset(vm->dirty, 0, sizeof(vm->dirty));
	memset(vm->vcpus, 0, sizeof(vm->vcpus));
	return vm_handle(vm);
}

int64_t vm_destroy(uint64_t handle)
{
	int err;
	struct vm *vm = vm_from_handle(handle, &err);

	if (!vm) {
		return err;
	}
	vm_reclaim_all(vm);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		arch_ctxt_reset(&vm->vcpus[i].ctxt);
	}
	vm->in_use = false;
	/*
	 * A handle must never name a later VM: the slot's generations only go up, and a
	 * slot whose last generation was used is retired for as long as the hypervisor runs
	 * (after 2^28 - 1 VMs in that slot).
	 */
	if (vm->gen == VM_GEN_LAST) {
		vm->retired = true;
	} else {
		vm->gen++;
	}
	return 0;
}

int64_t vcpu_create(uint64_t handle)
{
	int err;
	struct vm *vm = vm_from_handle(handle, &err);
	struct vcpu *vcpu;

	if (!vm) {
		return err;
	}
	if (vm->nr_vcpus >= vm->max_vcpus) {
		return -TV_EEXIST;
	}
	if (vm->started && vm_is_protected(vm)) {
		return -TV_EPERM;
	}
	vcpu = &vm->vcpus[vm->nr_vcpus];
	arch_ctxt_reset(&vcpu->ctxt);
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->idx = (uint8_t)vm->nr_vcpus;
	vcpu->ctxt.pc = vm->ram_ipa;
	vcpu->ctxt.pstate = PSR_MODE_EL1H | PSR_DAIF;
	vcpu->ctxt.sys[CTX_SCTLR_EL1] = SCTLR_EL1_RESET;
	vcpu->debug.oslk = 1; /* the OS lock is set at reset, as on a CPU out of cold reset */
	return vm->nr_vcpus++;
}

struct vcpu *vcpu_from_handle(uint64_t handle, uint64_t idx, int *err)
{
	struct vm *vm = vm_from_handle(handle, err);

	if (!vm) {
		return NULL;
	}
	if (idx >= vm->nr_vcpus) {
		*err = -TV_ENOENT;
		return NULL;
	}
	return &vm->vcpus[idx];
}

/* Returns where register `reg` lives in the context, or NULL for an unknown ID. */
static uint64_t *reg_slot(struct cpu_context *c, uint64_t reg)
{
	static const uint8_t sysreg_of[] = {
		[TV_REG_SP] = CTX_SP_EL1,	[TV_REG_SP_EL0] = CTX_SP_EL0,
		[TV_REG_ELR_EL1] = CTX_ELR_EL1, [TV_REG_SPSR_EL1] = CTX_SPSR_EL1,
		[TV_REG_ESR_EL1] = CTX_ESR_EL1, [TV_REG_FAR_EL1] = CTX_FAR_EL1,
		[TV_REG_VBAR_EL1] = CTX_VBAR_EL1,
	};

	if (reg <= TV_REG_X0 + 30) {
		return &c->regs[reg];
	}
	if (reg == TV_REG_PC) {
		return &c->pc;
	}
	if (reg == TV_REG_PSTATE) {
		return &c->pstate;
	}
	if (reg < ARRAY_SIZE(sysreg_of) && sysreg_of[reg]) {
		return &c->sys[sysreg_of[reg]];
	}
	return NULL;
}

/* Looks up a vCPU register the host may access now. */
static uint64_t *host_reg_access(uint64_t handle, uint64_t idx, uint64_t reg, int64_t *err)
{
	int e;
	struct vcpu *vcpu = vcpu_from_handle(handle, idx, &e);
	uint64_t *slot;

	if (!vcpu) {
		*err = e;
		return NULL;
	}
	if (vcpu->vm->started && vm_is_protected(vcpu->vm)) {
		*err = -TV_EPERM;
		return NULL;
	}
	slot = reg_slot(&vcpu->ctxt, reg);
	if (!slot) {
		*err = -TV_EINVAL;
	}
	return slot;
}

int64_t vcpu_get_reg(uint64_t handle, uint64_t idx, uint64_t reg, uint64_t *val)
{
	int64_t err = 0;
	uint64_t *slot = host_reg_access(handle, idx, reg, &err);

	if (slot) {
		*val = *slot;
	}
	return err;
}

int64_t vcpu_set_reg(uint64_t handle, uint64_t idx, uint64_t reg, uint64_t val)
{
	int64_t err = 0;
	uint64_t *slot = host_reg_access(handle, idx, reg, &err);

	if (!slot) {
		return err;
	}
	/* Never let a host send a guest to EL2 or to AArch32, now or by its next ERET. */
	if ((reg == TV_REG_PSTATE && !tv_pstate_valid(val)) ||
	    (reg == TV_REG_SPSR_EL1 && !tv_spsr_el1_valid(val))) {
		return -TV_EINVAL;
	}
	*slot = val;
	return 0;
}
