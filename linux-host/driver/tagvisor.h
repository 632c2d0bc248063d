/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tagvisor.ko: /dev/tagvisor for a Linux host of the tagvisor hypervisor. The
 * hypervisor does the work (include/abi/hvc.h); this module turns file descriptors,
 * pinned user pages and user buffers into its handles, physical addresses and
 * bounce buffers, and its error codes into errnos (they have the same values).
 *
 * Lock order: vcpu->lock, then vm->lock. Hypercalls run to completion at EL2.
 */
#ifndef TAGVISOR_DRV_H
#define TAGVISOR_DRV_H

#include <abi/hvc.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <uapi/tagvisor.h>

struct tv_res {
	u64 x[8];
};

/* A hypercall: returns x0 (>= 0, or -errno), results in res (may be NULL). */
long tv_hvc(u32 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6, struct tv_res *res);

extern u64 tv_features; /* TV_HC_FEATURES x1 */

struct tv_vcpu;

struct tv_vm {
	struct mutex lock; /* everything below */
	refcount_t users;  /* the VM's fd and each vCPU's */
	struct mm_struct *mm; /* the VMM's: pages are pinned from it, ioctls come from it */
	u32 type;	   /* TAGVISOR_VM_TYPE_* */
	bool mte;
	long handle; /* the hypervisor's, 0 until the first vCPU is created */

	/* Slot 0, the VM's RAM (fixed once the hypervisor's VM exists). */
	bool has_ram;
	u32 mem_flags;
	u64 ram_base, ram_size, uaddr;
	unsigned long nr_pages;
	struct page **pages;	   /* pinned pages the guest has, by page index */
	unsigned long *reclaimed; /* taken back with RECLAIM: the guest faults until RESTORE */
	bool logging;		   /* dirty logging started at EL2 */

	unsigned int nr_vcpus;
	struct tv_vcpu *vcpus[TV_MAX_VCPUS];
};

struct tv_vcpu {
	struct tv_vm *vm;
	unsigned int idx;
	struct mutex lock;
	struct tagvisor_run *run; /* a page, mapped by userspace */
	u32 pending;		  /* the exit the next run completes: TV_EXIT_MMIO, _HVC, or 0 */
	bool pending_read;
};

/* vm.c */
long tv_create_vm(unsigned long type);
void tv_vm_put(struct tv_vm *vm);
long tv_check_extension(unsigned long cap);

/* mem.c (vm->lock held) */
int tv_mem_set_region(struct tv_vm *vm, const struct tagvisor_userspace_memory_region *r);
int tv_mem_populate(struct tv_vm *vm, u64 ipa, bool *reclaimed);
long tv_mem_copy_tags(struct tv_vm *vm, struct tagvisor_arm_copy_mte_tags *t);
int tv_mem_dirty_log(struct tv_vm *vm, struct tagvisor_dirty_log *log);
int tv_mem_logging(struct tv_vm *vm, bool on);
int tv_mem_reclaim(struct tv_vm *vm, struct tagvisor_page_tags *p);
int tv_mem_restore(struct tv_vm *vm, const struct tagvisor_page_tags *p);
void tv_mem_release(struct tv_vm *vm);

/* vcpu.c */
long tv_create_vcpu(struct tv_vm *vm, unsigned long id);

#endif
