// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU file descriptors: TAGVISOR_RUN and the register, state and interrupt ioctls.
 * An exit the VMM must answer (an MMIO read, a guest hypercall) is completed by the
 * next run, from what the VMM wrote into the shared struct tagvisor_run, as KVM
 * completes its MMIO; everything EL2 leaves to the host but the VMM need not see
 * (a page to populate, an interrupt for this kernel) is handled here in the loop.
 */
#include <linux/anon_inodes.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <abi/snapshot.h>

#include "tagvisor.h"

static const struct file_operations tv_vcpu_fops;

/* The hypervisor's VM, created with the first vCPU, when RAM and MTE are settled. */
static long create_hyp_vm(struct tv_vm *vm)
{
	u64 flags = (vm->mte ? TV_VM_MTE : 0) |
		    ((vm->type & TAGVISOR_VM_TYPE_PROTECTED) ? TV_VM_PROTECTED : 0) |
		    ((vm->type & TAGVISOR_VM_TYPE_GIC) ? TV_VM_GIC : 0);
	long h;

	if (!vm->has_ram)
		return -EINVAL; /* the slot comes first: it is the VM's RAM */
	h = tv_hvc(TV_HC_VM_CREATE, flags, vm->ram_base, vm->ram_size, TV_MAX_VCPUS, 0, 0, NULL);
	if (h < 0)
		return h;
	vm->handle = h;
	if (vm->mem_flags & TAGVISOR_MEM_LOG_DIRTY_PAGES)
		return tv_mem_logging(vm, true);
	return 0;
}

long tv_create_vcpu(struct tv_vm *vm, unsigned long id)
{
	struct tv_vcpu *vc;
	long r;
	int fd;

	/* Ids in order: the hypervisor numbers its vCPUs 0, 1, ... */
	if (id != vm->nr_vcpus || id >= TV_MAX_VCPUS)
		return id < TV_MAX_VCPUS && id < vm->nr_vcpus ? -EEXIST : -EINVAL;
	if (!vm->handle) {
		r = create_hyp_vm(vm);
		if (r)
			return r;
	}
	vc = kzalloc(sizeof(*vc), GFP_KERNEL_ACCOUNT);
	if (!vc)
		return -ENOMEM;
	vc->run = (struct tagvisor_run *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vc->run) {
		kfree(vc);
		return -ENOMEM;
	}
	r = tv_hvc(TV_HC_VCPU_CREATE, vm->handle, 0, 0, 0, 0, 0, NULL);
	if (r != (long)id) {
		free_page((unsigned long)vc->run);
		kfree(vc);
		return r < 0 ? r : -EIO;
	}
	mutex_init(&vc->lock);
	vc->vm = vm;
	vc->idx = id;
	/* The vCPU outlives the hypervisor's record only with its VM: it holds a reference. */
	refcount_inc(&vm->users);
	vm->vcpus[vm->nr_vcpus++] = vc;
	fd = anon_inode_getfd("tagvisor-vcpu", &tv_vcpu_fops, vc, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		refcount_dec(&vm->users); /* the VM's fd still holds one */
	return fd;
}

/* Flags and value that complete the pending exit from what the VMM answered. */
static u64 completion(struct tv_vcpu *vc, u64 *value)
{
	struct tagvisor_run *run = vc->run;

	*value = 0;
	switch (vc->pending) {
	case TV_EXIT_MMIO:
		if (run->mmio.abort)
			return TV_RUN_INJECT_DABT;
		if (!vc->pending_read)
			return 0;
		memcpy(value, run->mmio.data, sizeof(*value));
		return TV_RUN_MMIO_READ;
	case TV_EXIT_HVC:
		*value = run->hypercall.ret;
		return TV_RUN_HVC_RET;
	case TV_EXIT_MMIO_NISV:
		return TV_RUN_INJECT_DABT; /* the only answer there is to it */
	default:
		return 0;
	}
}

/* Completes the pending exit without entering the guest (before reading its state). */
static long complete_pending(struct tv_vcpu *vc)
{
	u64 value, flags;
	long r;

	if (!vc->pending)
		return 0;
	flags = completion(vc, &value);
	r = tv_hvc(TV_HC_VCPU_RUN, vc->vm->handle, vc->idx, flags | TV_RUN_COMPLETE_ONLY, value, 0,
		   0, NULL);
	if (!r)
		vc->pending = 0;
	return r;
}

/* Fills the run page for an exit the VMM handles. Returns false to keep running. */
static bool exit_to_user(struct tv_vcpu *vc, const struct tv_res *res, long *ret)
{
	struct tagvisor_run *run = vc->run;
	struct tv_vm *vm = vc->vm;
	bool reclaimed;

	*ret = 0;
	switch (res->x[1]) {
	case TV_EXIT_MMIO:
		run->exit_reason = TAGVISOR_EXIT_MMIO;
		run->mmio.phys_addr = res->x[2];
		run->mmio.len = 1u << (res->x[4] & TV_MMIO_SIZE_MASK);
		run->mmio.is_write = !!(res->x[4] & TV_MMIO_WRITE);
		run->mmio.abort = 0;
		memcpy(run->mmio.data, &res->x[3], sizeof(run->mmio.data));
		vc->pending = TV_EXIT_MMIO;
		vc->pending_read = !run->mmio.is_write;
		return true;
	case TV_EXIT_MEM_FAULT:
		mutex_lock(&vm->lock);
		*ret = tv_mem_populate(vm, res->x[2], &reclaimed);
		mutex_unlock(&vm->lock);
		if (!*ret && !reclaimed)
			return false;
		run->exit_reason = TAGVISOR_EXIT_MEMORY_FAULT;
		run->memory_fault.gpa = res->x[2];
		run->memory_fault.size = PAGE_SIZE;
		run->memory_fault.flags = reclaimed ? TAGVISOR_MEMORY_FAULT_RECLAIMED : 0;
		return true;
	case TV_EXIT_HVC:
		run->exit_reason = TAGVISOR_EXIT_HYPERCALL;
		memcpy(run->hypercall.args, &res->x[2], sizeof(run->hypercall.args));
		run->hypercall.ret = ~0ull; /* SMCCC NOT_SUPPORTED unless the VMM says more */
		vc->pending = TV_EXIT_HVC;
		return true;
	case TV_EXIT_SYSTEM_EVENT:
		run->exit_reason = TAGVISOR_EXIT_SYSTEM_EVENT;
		run->system_event.type = res->x[2] == TV_SYSTEM_RESET ? TAGVISOR_SYSTEM_EVENT_RESET
								       : TAGVISOR_SYSTEM_EVENT_SHUTDOWN;
		run->system_event.ndata = 0;
		return true;
	case TV_EXIT_WFI:
		run->exit_reason = TAGVISOR_EXIT_WFI;
		run->wfi.deadline = res->x[2];
		return true;
	case TV_EXIT_CPU_OFF:
		run->exit_reason = TAGVISOR_EXIT_CPU_OFF;
		return true;
	case TV_EXIT_GUEST_ERROR:
		run->exit_reason = TAGVISOR_EXIT_GUEST_ERROR;
		run->guest_error.esr = res->x[2];
		run->guest_error.elr = res->x[3];
		run->guest_error.far = res->x[4];
		return true;
	case TV_EXIT_MMIO_NISV:
		run->exit_reason = TAGVISOR_EXIT_ARM_NISV;
		run->arm_nisv.fault_ipa = res->x[2];
		run->arm_nisv.esr_iss = res->x[3];
		vc->pending = TV_EXIT_MMIO_NISV;
		return true;
	case TV_EXIT_IRQ:
		/* Ours: taken as soon as the HVC returned (interrupts are on here). */
		return false;
	default:
		run->exit_reason = TAGVISOR_EXIT_UNKNOWN;
		*ret = -EIO;
		return true;
	}
}

static long vcpu_run(struct tv_vcpu *vc)
{
	struct tv_res res;
	u64 flags, value;
	long r;

	for (;;) {
		if (vc->run->immediate_exit || signal_pending(current)) {
			r = vc->run->immediate_exit ? complete_pending(vc) : 0;
			vc->run->exit_reason = TAGVISOR_EXIT_INTR;
			return r ? r : -EINTR;
		}
		flags = completion(vc, &value);
		r = tv_hvc(TV_HC_VCPU_RUN, vc->vm->handle, vc->idx, flags, value, 0, 0, &res);
		if (r)
			return r;
		vc->pending = 0;
		if (exit_to_user(vc, &res, &r))
			return r;
		cond_resched();
	}
}

/* A struct of the hypervisor's (state, vGIC) through a kernel bounce buffer. */
static long state_call(struct tv_vcpu *vc, u32 fn, void __user *argp, size_t size, bool get)
{
	void *buf = kzalloc(size, GFP_KERNEL);
	long r;

	if (!buf)
		return -ENOMEM;
	r = complete_pending(vc);
	if (!r && !get && copy_from_user(buf, argp, size))
		r = -EFAULT;
	if (!r)
		r = tv_hvc(fn, vc->vm->handle, vc->idx, virt_to_phys(buf), 0, 0, 0, NULL);
	if (!r && get && copy_to_user(argp, buf, size))
		r = -EFAULT;
	kfree(buf);
	return r;
}

static long one_reg(struct tv_vcpu *vc, void __user *argp, bool get)
{
	struct tagvisor_one_reg reg;
	u64 __user *uval;
	struct tv_res res;
	u64 val;
	long r;

	if (copy_from_user(&reg, argp, sizeof(reg)))
		return -EFAULT;
	uval = (u64 __user *)reg.addr;
	r = complete_pending(vc);
	if (r)
		return r;
	if (get) {
		r = tv_hvc(TV_HC_VCPU_GET_REG, vc->vm->handle, vc->idx, reg.id, 0, 0, 0, &res);
		return r ? r : put_user(res.x[1], uval);
	}
	if (get_user(val, uval))
		return -EFAULT;
	return tv_hvc(TV_HC_VCPU_SET_REG, vc->vm->handle, vc->idx, reg.id, val, 0, 0, NULL);
}

static long irq_line(struct tv_vcpu *vc, void __user *argp)
{
	struct tagvisor_irq_line l;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	if (l.padding)
		return -EINVAL;
	return tv_hvc(TV_HC_VCPU_IRQ, vc->vm->handle, vc->idx, l.intid, l.flags, l.priority, 0,
		      NULL);
}

static long tv_vcpu_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct tv_vcpu *vc = f->private_data;
	void __user *argp = (void __user *)arg;
	long r;

	if (current->mm != vc->vm->mm)
		return -EIO;
	mutex_lock(&vc->lock);
	switch (cmd) {
	case TAGVISOR_RUN:
		r = arg ? -EINVAL : vcpu_run(vc);
		break;
	case TAGVISOR_GET_ONE_REG:
	case TAGVISOR_SET_ONE_REG:
		r = one_reg(vc, argp, cmd == TAGVISOR_GET_ONE_REG);
		break;
	case TAGVISOR_GET_VCPU_STATE:
	case TAGVISOR_SET_VCPU_STATE:
		r = state_call(vc, cmd == TAGVISOR_GET_VCPU_STATE ? TV_HC_VCPU_GET_STATE
								   : TV_HC_VCPU_SET_STATE,
			       argp, sizeof(struct tv_vcpu_state), cmd == TAGVISOR_GET_VCPU_STATE);
		break;
	case TAGVISOR_GET_VGIC_STATE:
	case TAGVISOR_SET_VGIC_STATE:
		r = state_call(vc, cmd == TAGVISOR_GET_VGIC_STATE ? TV_HC_VCPU_GET_VGIC
								   : TV_HC_VCPU_SET_VGIC,
			       argp, sizeof(struct tv_vgic_state), cmd == TAGVISOR_GET_VGIC_STATE);
		break;
	case TAGVISOR_IRQ_LINE:
		r = irq_line(vc, argp);
		break;
	default:
		r = -ENOTTY;
		break;
	}
	mutex_unlock(&vc->lock);
	return r;
}

static int tv_vcpu_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct tv_vcpu *vc = f->private_data;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	return vm_insert_page(vma, vma->vm_start, virt_to_page(vc->run));
}

static int tv_vcpu_release(struct inode *inode, struct file *f)
{
	struct tv_vcpu *vc = f->private_data;

	/* The vCPU itself goes with its VM (tv_vm_put), which the hypervisor keeps whole. */
	tv_vm_put(vc->vm);
	return 0;
}

static const struct file_operations tv_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = tv_vcpu_release,
	.unlocked_ioctl = tv_vcpu_ioctl,
	.mmap = tv_vcpu_mmap,
	.llseek = noop_llseek,
};
