// SPDX-License-Identifier: GPL-2.0
/*
 * VM file descriptors. The hypervisor's VM is created with the first vCPU: by then
 * its RAM (slot 0) and MTE (TAGVISOR_CAP_ARM_MTE, fixed before any vCPU exists, as
 * KVM's) are known. The VM lives until its fd and every vCPU fd are closed (its
 * process died, say); then the hypervisor destroys it and its pages come back to
 * the host scrubbed, and only then are they unpinned.
 */
#include <linux/anon_inodes.h>
#include <linux/gfp.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "tagvisor.h"

#define VM_TYPES (TAGVISOR_VM_TYPE_GIC | TAGVISOR_VM_TYPE_PROTECTED)

static const struct file_operations tv_vm_fops;

long tv_check_extension(unsigned long cap)
{
	switch (cap) {
	case TAGVISOR_CAP_NR_VCPUS:
	case TAGVISOR_CAP_MAX_VCPUS:
		return TV_MAX_VCPUS;
	case TAGVISOR_CAP_NR_MEMSLOTS:
		return 1;
	case TAGVISOR_CAP_ARM_MTE:
		return !!(tv_features & TV_FEAT_MTE);
	case TAGVISOR_CAP_ARM_MTE_ASYM:
		return !!(tv_features & TV_FEAT_MTE_ASYM);
	case TAGVISOR_CAP_HOST_MTE:
		return !!(tv_features & TV_FEAT_HOST_MTE);
	case TAGVISOR_CAP_PROTECTED_VM:
		return !!(tv_features & TV_FEAT_PROTECTED);
	case TAGVISOR_CAP_MAX_VMS:
		return TV_MAX_VMS;
	default:
		return 0;
	}
}

long tv_create_vm(unsigned long type)
{
	struct tv_vm *vm;
	int fd;

	if (type & ~(unsigned long)VM_TYPES)
		return -EINVAL;
	if ((type & TAGVISOR_VM_TYPE_PROTECTED) && !(tv_features & TV_FEAT_PROTECTED))
		return -EINVAL;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return -ENOMEM;
	mutex_init(&vm->lock);
	refcount_set(&vm->users, 1);
	vm->type = type;
	vm->mm = current->mm;
	mmgrab(vm->mm);
	fd = anon_inode_getfd("tagvisor-vm", &tv_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		mmdrop(vm->mm);
		kfree(vm);
	}
	return fd;
}

void tv_vm_put(struct tv_vm *vm)
{
	unsigned int i;

	if (!refcount_dec_and_test(&vm->users))
		return;
	tv_mem_release(vm); /* destroys the hypervisor's VM, then unpins */
	for (i = 0; i < vm->nr_vcpus; i++) {
		/* A mapping of the run page keeps it until it is unmapped. */
		free_page((unsigned long)vm->vcpus[i]->run);
		kfree(vm->vcpus[i]);
	}
	mmdrop(vm->mm);
	kfree(vm);
}

static int tv_vm_release(struct inode *inode, struct file *f)
{
	tv_vm_put(f->private_data);
	return 0;
}

static int tv_enable_cap(struct tv_vm *vm, const struct tagvisor_enable_cap *cap)
{
	/* KVM_CAP_ARM_MTE's rules: no flags, hardware with MTE, no vCPU yet. */
	if (cap->cap != TAGVISOR_CAP_ARM_MTE || cap->flags)
		return -EINVAL;
	if (!(tv_features & TV_FEAT_MTE) || vm->nr_vcpus)
		return -EINVAL;
	vm->mte = true;
	return 0;
}

static long tv_vm_ioctl_locked(struct tv_vm *vm, unsigned int cmd, void __user *argp,
			       unsigned long arg)
{
	union {
		struct tagvisor_userspace_memory_region region;
		struct tagvisor_enable_cap cap;
		struct tagvisor_arm_copy_mte_tags tags;
		struct tagvisor_dirty_log log;
		struct tagvisor_page_tags page;
	} u;
	long r;

	switch (cmd) {
	case TAGVISOR_CREATE_VCPU:
		return tv_create_vcpu(vm, arg);
	case TAGVISOR_CHECK_EXTENSION:
		return tv_check_extension(arg);
	case TAGVISOR_ENABLE_CAP:
		if (copy_from_user(&u.cap, argp, sizeof(u.cap)))
			return -EFAULT;
		return tv_enable_cap(vm, &u.cap);
	case TAGVISOR_SET_USER_MEMORY_REGION:
		if (copy_from_user(&u.region, argp, sizeof(u.region)))
			return -EFAULT;
		return tv_mem_set_region(vm, &u.region);
	case TAGVISOR_ARM_MTE_COPY_TAGS:
		if (copy_from_user(&u.tags, argp, sizeof(u.tags)))
			return -EFAULT;
		return tv_mem_copy_tags(vm, &u.tags);
	case TAGVISOR_GET_DIRTY_LOG:
		if (copy_from_user(&u.log, argp, sizeof(u.log)))
			return -EFAULT;
		return tv_mem_dirty_log(vm, &u.log);
	case TAGVISOR_RECLAIM_PAGE:
		if (copy_from_user(&u.page, argp, sizeof(u.page)))
			return -EFAULT;
		r = tv_mem_reclaim(vm, &u.page);
		if (!r && copy_to_user(argp, &u.page, sizeof(u.page)))
			r = -EFAULT; /* the page is the VMM's again either way */
		return r;
	case TAGVISOR_RESTORE_PAGE:
		if (copy_from_user(&u.page, argp, sizeof(u.page)))
			return -EFAULT;
		return tv_mem_restore(vm, &u.page);
	default:
		return -ENOTTY;
	}
}

static long tv_vm_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct tv_vm *vm = f->private_data;
	long r;

	/* As KVM: a VM belongs to the process that created it (its pages are that mm's). */
	if (current->mm != vm->mm)
		return -EIO;
	mutex_lock(&vm->lock);
	r = tv_vm_ioctl_locked(vm, cmd, (void __user *)arg, arg);
	mutex_unlock(&vm->lock);
	return r;
}

static const struct file_operations tv_vm_fops = {
	.owner = THIS_MODULE,
	.release = tv_vm_release,
	.unlocked_ioctl = tv_vm_ioctl,
	.llseek = noop_llseek,
};
