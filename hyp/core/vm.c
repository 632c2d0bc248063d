/* SPDX-License-Identifier: MIT */
#include <abi/hvc.h>
#include <hyp/arch.h>
#include <hyp/log.h>
#include <hyp/mem_protect.h>
#include <hyp/vm.h>
#include <lib/string.h>

struct vm vms[TV_MAX_VMS];

/*
 * Slots, generations and references (hyp/lock.h: outermost). Held only for a lookup
 * or a change of slot, never across the work done on a VM.
 */
static struct hyp_lock vm_table_lock;

void vm_table_lock_acquire(void)
{
	hyp_lock(&vm_table_lock);
}

void vm_table_lock_release(void)
{
	hyp_unlock(&vm_table_lock);
}

/* SCTLR_EL1 at reset: its RES1 bits, MMU and caches off, as on a CPU out of reset. */
#define SCTLR_EL1_RESET 0x30d00800ull

void vm_init(void)
{
	for (unsigned i = 0; i < TV_MAX_VMS; i++) {
		vms[i].idx = (uint8_t)i;
		vms[i].gen = 1;
	}
}

/* The live VM a handle names, or NULL with *err. Under vm_table_lock. */
static struct vm *lookup(uint64_t handle, int *err)
{
	uint64_t idx = handle & 0xf;
	struct vm *vm;

	if (handle >> 32 || idx >= TV_MAX_VMS) {
		*err = -TV_EINVAL;
		return NULL;
	}
	vm = &vms[idx];
	if (vm->slot != VM_LIVE || vm->gen != handle >> 4) {
		*err = -TV_ESTALE;
		return NULL;
	}
	return vm;
}

struct vm *vm_from_handle(uint64_t handle, int *err)
{
	return lookup(handle, err);
}

struct vm *vm_get(uint64_t handle, int *err)
{
	struct vm *vm;

	hyp_lock(&vm_table_lock);
	vm = lookup(handle, err);
	if (vm) {
		vm->refs++;
	}
	hyp_unlock(&vm_table_lock);
	return vm;
}

void vm_put(struct vm *vm)
{
	hyp_lock(&vm_table_lock);
	BUG_ON(!vm->refs);
	vm->refs--;
	hyp_unlock(&vm_table_lock);
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
	hyp_lock(&vm_table_lock);
	for (unsigned i = 0; i < TV_MAX_VMS && !vm; i++) {
		if (vms[i].slot == VM_FREE && !vms[i].retired) {
			vm = &vms[i];
		}
	}
	if (!vm || pgt_init(&vm->s2, &s2_pool, vm->idx + 1)) {
		hyp_unlock(&vm_table_lock);
		return -TV_ENOMEM;
	}
	vm->lock = (struct hyp_lock){ 0 };
	vm->refs = 0;
	vm->started = false;
	vm->system_event = 0;
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
	vm->slot = VM_LIVE;
	vm->in_use = true;
	hyp_unlock(&vm_table_lock);
	return vm_handle(vm);
}

int64_t vm_destroy(uint64_t handle)
{
	int err;
	struct vm *vm;

	hyp_lock(&vm_table_lock);
	vm = lookup(handle, &err);
	if (vm && vm->refs) {
		vm = NULL;
		err = -TV_EBUSY; /* a call on it is under way elsewhere: it finishes first */
	}
	if (vm) {
		vm->slot = VM_DYING; /* no new reference from here on */
		vm->in_use = false;
	}
	hyp_unlock(&vm_table_lock);
	if (!vm) {
		return err;
	}
	vm_reclaim_all(vm);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		arch_ctxt_reset(&vm->vcpus[i].ctxt);
	}
	/*
	 * A handle must never name a later VM: the slot's generations only go up, and a
	 * slot whose last generation was used is retired for as long as the hypervisor runs
	 * (after 2^28 - 1 VMs in that slot).
	 */
	hyp_lock(&vm_table_lock);
	if (vm->gen == VM_GEN_LAST) {
		vm->retired = true;
	} else {
		vm->gen++;
	}
	vm->slot = VM_FREE;
	hyp_unlock(&vm_table_lock);
	return 0;
}

/*
 * A vCPU as out of reset: entry at pc in EL1h, DAIF masked, MMU off; its CPU interface
 * reset too. What is not the CPU's own stays: its interrupt lines and pending SGIs (the
 * redistributor's), and who has it claimed and where it runs.
 */
static void vcpu_reset(struct vcpu *vcpu, uint64_t pc)
{
	struct vcpu keep = *vcpu;

	arch_ctxt_reset(&vcpu->ctxt);
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = keep.vm;
	vcpu->idx = keep.idx;
	vcpu->claimed = keep.claimed;
	vcpu->cpu = keep.cpu;
	memcpy(vcpu->vgic.lines, keep.vgic.lines, sizeof(vcpu->vgic.lines));
	vcpu->vgic.sgi_enabled = keep.vgic.sgi_enabled;
	vcpu->vgic.sgi_pending = keep.vgic.sgi_pending;
	memcpy(vcpu->vgic.sgi_prio, keep.vgic.sgi_prio, sizeof(vcpu->vgic.sgi_prio));
	vcpu->ctxt.pc = pc;
	vcpu->ctxt.pstate = PSR_MODE_EL1H | PSR_DAIF;
	vcpu->ctxt.sys[CTX_SCTLR_EL1] = SCTLR_EL1_RESET;
	vcpu->debug.oslk = 1; /* the OS lock is set at reset, as on a CPU out of cold reset */
}

int64_t vcpu_create(uint64_t handle, uint64_t flags)
{
	int err;
	struct vm *vm = vm_get(handle, &err);
	struct vcpu *vcpu;
	int64_t ret;

	if (!vm) {
		return err;
	}
	hyp_lock(&vm->lock);
	if (flags & ~(uint64_t)TV_VCPU_CREATE_OFF) {
		ret = -TV_EINVAL;
	} else if (vm->nr_vcpus >= vm->max_vcpus) {
		ret = -TV_EEXIST;
	} else if (vm->started && vm_is_protected(vm)) {
		ret = -TV_EPERM;
	} else {
		vcpu = &vm->vcpus[vm->nr_vcpus];
		memset(vcpu, 0, sizeof(*vcpu));
		vcpu->vm = vm;
		vcpu->idx = (uint8_t)vm->nr_vcpus;
		vcpu_reset(vcpu, vm->ram_ipa);
		/* Secondaries of an SMP guest wait for PSCI CPU_ON, as on a machine. */
		vcpu->off = flags & TV_VCPU_CREATE_OFF;
		ret = vm->nr_vcpus;
		/* Lookups without the lock see the vCPU only once it is made. */
		__atomic_store_n(&vm->nr_vcpus, vm->nr_vcpus + 1, __ATOMIC_RELEASE);
	}
	hyp_unlock(&vm->lock);
	vm_put(vm);
	return ret;
}

void vcpu_power_on(struct vcpu *vcpu, uint64_t pc, uint64_t context)
{
	hyp_assert_held(&vcpu->vm->lock);
	vcpu_reset(vcpu, pc);
	vcpu->ctxt.regs[0] = context;
	vcpu->off = false;
}

static struct vcpu *vcpu_of(struct vm *vm, uint64_t idx, int *err)
{
	if (idx >= __atomic_load_n(&vm->nr_vcpus, __ATOMIC_ACQUIRE)) {
		*err = -TV_ENOENT;
		return NULL;
	}
	return &vm->vcpus[idx];
}

struct vcpu *vcpu_from_handle(uint64_t handle, uint64_t idx, int *err)
{
	struct vm *vm = vm_from_handle(handle, err);

	return vm ? vcpu_of(vm, idx, err) : NULL;
}

struct vcpu *vcpu_get(uint64_t handle, uint64_t idx, int *err)
{
	struct vm *vm = vm_get(handle, err);
	struct vcpu *vcpu = vm ? vcpu_of(vm, idx, err) : NULL;

	if (vm && !vcpu) {
		vm_put(vm);
	}
	return vcpu;
}

bool vcpu_claim(struct vcpu *vcpu)
{
	uint32_t free = 0;

	return __atomic_compare_exchange_n(&vcpu->claimed, &free, arch_this_cpu() + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void vcpu_release(struct vcpu *vcpu)
{
	BUG_ON(vcpu->claimed != arch_this_cpu() + 1);
	__atomic_store_n(&vcpu->claimed, 0, __ATOMIC_RELEASE);
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

/*
 * A vCPU register the host may access now, with the vCPU claimed and referenced (undo
 * with host_reg_done()); NULL with *err otherwise.
 */
static uint64_t *host_reg_access(uint64_t handle, uint64_t idx, uint64_t reg, int64_t *err,
				 struct vcpu **out)
{
	int e;
	struct vcpu *vcpu = vcpu_get(handle, idx, &e);
	uint64_t *slot = NULL;

	if (!vcpu) {
		*err = e;
		return NULL;
	}
	if (vcpu->vm->started && vm_is_protected(vcpu->vm)) {
		*err = -TV_EPERM;
	} else if (!(slot = reg_slot(&vcpu->ctxt, reg))) {
		*err = -TV_EINVAL;
	} else if (!vcpu_claim(vcpu)) {
		*err = -TV_EBUSY; /* it runs, or another call has it */
		slot = NULL;
	}
	if (!slot) {
		vcpu_put(vcpu);
		return NULL;
	}
	*out = vcpu;
	return slot;
}

static void host_reg_done(struct vcpu *vcpu)
{
	vcpu_release(vcpu);
	vcpu_put(vcpu);
}

int64_t vcpu_get_reg(uint64_t handle, uint64_t idx, uint64_t reg, uint64_t *val)
{
	int64_t err = 0;
	struct vcpu *vcpu;
	uint64_t *slot = host_reg_access(handle, idx, reg, &err, &vcpu);

	if (slot) {
		*val = *slot;
		host_reg_done(vcpu);
	}
	return err;
}

int64_t vcpu_set_reg(uint64_t handle, uint64_t idx, uint64_t reg, uint64_t val)
{
	int64_t err = 0;
	struct vcpu *vcpu;
	uint64_t *slot = host_reg_access(handle, idx, reg, &err, &vcpu);

	if (!slot) {
		return err;
	}
	/* Never let a host send a guest to EL2 or to AArch32, now or by its next ERET. */
	if ((reg == TV_REG_PSTATE && !tv_pstate_valid(val)) ||
	    (reg == TV_REG_SPSR_EL1 && !tv_spsr_el1_valid(val))) {
		err = -TV_EINVAL;
	} else {
		*slot = val;
	}
	host_reg_done(vcpu);
	return err;
}
