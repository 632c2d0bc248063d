/* SPDX-License-Identifier: MIT */
/*
 * Host hypercalls: a table of thin handlers that unpack registers, call a typed
 * function, and pack its results. Calls are gated by boot phase: the setup band
 * only before TV_HC_FINALISE, the run band only after it.
 */
#include <abi/hvc.h>
#include <hyp/arch.h>
#include <hyp/dirty.h>
#include <hyp/hyp.h>
#include <hyp/mem_protect.h>
#include <hyp/mte.h>
#include <hyp/pmu.h>
#include <hyp/trap.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>
#include <lib/string.h>

struct hyp_state hyp_state;

typedef void (*hcall_handler)(uint64_t *x);

static void handle_version(uint64_t *x)
{
	x[0] = 0;
	x[1] = TV_ABI_VERSION;
}

static void handle_features(uint64_t *x)
{
	uint64_t f = TV_FEAT_PROTECTED | (arch_pmu_present() ? TV_FEAT_PMU : 0);

	if (arch_has_mte()) {
		f |= TV_FEAT_MTE;
		if (arch_has_mte_asym()) {
			f |= TV_FEAT_MTE_ASYM;
		}
		if (hyp_state.host_mte) {
			f |= TV_FEAT_HOST_MTE;
		}
	}
	x[0] = 0;
	x[1] = f;
	x[2] = TV_MAX_VMS;
	x[3] = TV_MAX_VCPUS;
}

static void handle_mem_info(uint64_t *x)
{
	x[0] = 0;
	x[1] = memmap.ram_base;
	x[2] = memmap.ram_size;
	x[3] = memmap.hyp_base;
	x[4] = memmap.hyp_size;
}

static void handle_check(uint64_t *x)
{
	struct iommu_fault last;
	unsigned bad = check_invariants();

	(void)arch_iommu_faults(&last); /* and DMA the IOMMU refused, on the console */

	x[0] = bad ? (uint64_t)-TV_EAGAIN : 0;
	x[1] = bad;
}

static void handle_log(uint64_t *x)
{
	char line[TV_LOG_MAX];

	if (!x[2] || x[2] > TV_LOG_MAX) {
		x[0] = (uint64_t)-TV_EINVAL;
	} else if (host_buffer_check(x[1], x[2], false)) {
		x[0] = (uint64_t)-TV_EFAULT;
	} else {
		/* Our own copy: the host may change its buffer while it is written out. */
		memcpy(line, hyp_va(pa_init(x[1])), x[2]);
		arch_console_write(line, x[2]);
		x[0] = 0;
	}
}

static void handle_iommu_info(uint64_t *x)
{
	struct iommu_fault last;

	x[1] = arch_iommu_faults(&last);
	x[2] = x[1] ? last.device : 0;
	x[3] = x[1] ? last.addr : 0;
	x[4] = x[1] ? (last.write ? TV_IOMMU_WRITE : 0) | last.type : 0;
	x[0] = 0;
}

static void handle_selftest(uint64_t *x)
{
	x[0] = (uint64_t)selftest_run(x[1], x[2]);
}

static void handle_finalise(uint64_t *x)
{
	hyp_state.finalised = true;
	x[0] = 0;
}

static void handle_vm_create(uint64_t *x)
{
	x[0] = (uint64_t)vm_create(x[1], x[2], x[3], x[4]);
}

static void handle_vm_destroy(uint64_t *x)
{
	x[0] = (uint64_t)vm_destroy(x[1]);
}

static void handle_vcpu_create(uint64_t *x)
{
	x[0] = (uint64_t)vcpu_create(x[1]);
}

static void handle_vcpu_run(uint64_t *x)
{
	struct tv_exit exit = { 0 };

	x[0] = (uint64_t)vcpu_run(x[1], x[2], x[3], x[4], &exit);
	x[1] = exit.reason;
	for (unsigned i = 0; i < 5; i++) {
		x[2 + i] = exit.data[i];
	}
}

static void handle_vcpu_get_reg(uint64_t *x)
{
	uint64_t val = 0;

	x[0] = (uint64_t)vcpu_get_reg(x[1], x[2], x[3], &val);
	x[1] = val;
}

static void handle_vcpu_set_reg(uint64_t *x)
{
	x[0] = (uint64_t)vcpu_set_reg(x[1], x[2], x[3], x[4]);
}

/* Looks up the VM for a memory call; on error writes it to x[0] and returns NULL. */
static struct vm *mem_call_vm(uint64_t *x)
{
	int err;
	struct vm *vm = vm_from_handle(x[1], &err);

	if (!vm) {
		x[0] = (uint64_t)(int64_t)err;
	}
	return vm;
}

static void handle_mem_donate(uint64_t *x)
{
	struct vm *vm = mem_call_vm(x);

	if (vm) {
		x[0] = (uint64_t)host_donate_guest(vm, x[2], x[3], x[4], x[5], x[6]);
	}
}

static void handle_mem_share(uint64_t *x)
{
	struct vm *vm = mem_call_vm(x);

	if (vm) {
		x[0] = (uint64_t)host_share_guest(vm, x[2], x[3]);
	}
}

static void handle_mem_unshare(uint64_t *x)
{
	struct vm *vm = mem_call_vm(x);

	if (vm) {
		x[0] = (uint64_t)host_unshare_guest(vm, x[2]);
	}
}

static void handle_mem_reclaim(uint64_t *x)
{
	struct vm *vm = mem_call_vm(x);
	uint64_t pa = 0, len = 0;

	if (vm) {
		x[0] = (uint64_t)host_reclaim_guest(vm, x[2], x[3], x[4], &pa, &len);
		x[1] = pa;
		x[2] = len;
	}
}

static void handle_mem_age(uint64_t *x)
{
	struct vm *vm = mem_call_vm(x);
	uint64_t young = 0, mapped = 0;

	if (vm) {
		x[0] = (uint64_t)host_age_guest(vm, x[2], x[3], &young, &mapped);
		x[1] = young;
		x[2] = mapped;
	}
}

static void handle_vcpu_get_state(uint64_t *x)
{
	x[0] = (uint64_t)vcpu_get_state(x[1], x[2], x[3]);
}

static void handle_vcpu_set_state(uint64_t *x)
{
	x[0] = (uint64_t)vcpu_set_state(x[1], x[2], x[3]);
}

static void handle_vcpu_irq(uint64_t *x)
{
	x[0] = (uint64_t)vcpu_irq(x[1], x[2], x[3], x[4], x[5]);
}

static void handle_vcpu_get_vgic(uint64_t *x)
{
	x[0] = (uint64_t)vcpu_get_vgic(x[1], x[2], x[3]);
}

static void handle_vcpu_set_vgic(uint64_t *x)
{
	x[0] = (uint64_t)vcpu_set_vgic(x[1], x[2], x[3]);
}

static void handle_vcpu_irq_state(uint64_t *x)
{
	uint64_t pending = 0, active = 0;

	x[0] = (uint64_t)vcpu_irq_state(x[1], x[2], &pending, &active);
	x[1] = pending;
	x[2] = active;
}

static void handle_mem_read(uint64_t *x)
{
	struct vm *vm = mem_call_vm(x);
	uint64_t len = 0;

	if (vm) {
		x[0] = (uint64_t)host_read_guest(vm, x[2], x[3], x[4], x[5], &len);
		x[1] = len;
	}
}

static void handle_dirty_log(uint64_t *x)
{
	struct vm *vm = mem_call_vm(x);

	if (vm) {
		x[0] = (uint64_t)dirty_log(vm, x[2], x[3], x[4], x[5]);
	}
}

static void handle_mte_copy_tags(uint64_t *x)
{
	struct vm *vm = mem_call_vm(x);

	if (vm) {
		x[0] = (uint64_t)host_copy_tags(vm, x[2], x[3], x[4], x[5]);
	}
}

static const hcall_handler host_hcalls[TV_HC_NR] = {
	[TV_HC_VERSION] = handle_version,
	[TV_HC_FEATURES] = handle_features,
	[TV_HC_MEM_INFO] = handle_mem_info,
	[TV_HC_CHECK] = handle_check,
	[TV_HC_LOG] = handle_log,
	[TV_HC_IOMMU_INFO] = handle_iommu_info,
	[TV_HC_SELFTEST] = handle_selftest,
	[TV_HC_FINALISE] = handle_finalise,
	[TV_HC_VM_CREATE] = handle_vm_create,
	[TV_HC_VM_DESTROY] = handle_vm_destroy,
	[TV_HC_VCPU_CREATE] = handle_vcpu_create,
	[TV_HC_VCPU_RUN] = handle_vcpu_run,
	[TV_HC_VCPU_GET_REG] = handle_vcpu_get_reg,
	[TV_HC_VCPU_SET_REG] = handle_vcpu_set_reg,
	[TV_HC_VCPU_GET_STATE] = handle_vcpu_get_state,
	[TV_HC_VCPU_SET_STATE] = handle_vcpu_set_state,
	[TV_HC_VCPU_IRQ] = handle_vcpu_irq,
	[TV_HC_VCPU_GET_VGIC] = handle_vcpu_get_vgic,
	[TV_HC_VCPU_SET_VGIC] = handle_vcpu_set_vgic,
	[TV_HC_VCPU_IRQ_STATE] = handle_vcpu_irq_state,
	[TV_HC_MEM_DONATE] = handle_mem_donate,
	[TV_HC_MEM_SHARE] = handle_mem_share,
	[TV_HC_MEM_UNSHARE] = handle_mem_unshare,
	[TV_HC_MEM_RECLAIM] = handle_mem_reclaim,
	[TV_HC_MEM_AGE] = handle_mem_age,
	[TV_HC_MEM_READ] = handle_mem_read,
	[TV_HC_MTE_COPY_TAGS] = handle_mte_copy_tags,
	[TV_HC_DIRTY_LOG] = handle_dirty_log,
};

/* Whether call n may run in the current boot phase. */
static bool phase_allows(unsigned n)
{
	if (n >= TV_HC_RUN_FIRST) {
		return hyp_state.finalised;
	}
	if (n >= TV_HC_SETUP_FIRST) {
		return !hyp_state.finalised;
	}
	return true;
}

void handle_host_hcall(struct cpu_context *host)
{
	uint32_t id = (uint32_t)host->regs[0];
	unsigned n = TV_HC_NUM(id);

	if (!TV_HC_IS_OURS(id) || n >= TV_HC_NR || !host_hcalls[n]) {
		host->regs[0] = (uint64_t)-TV_ENOSYS;
	} else if (!phase_allows(n)) {
		host->regs[0] = (uint64_t)-TV_EPERM;
	} else {
		host_hcalls[n](host->regs);
	}
}
