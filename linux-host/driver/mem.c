// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's memory: one slot of the VMM's anonymous memory is the VM's RAM. A page is
 * pinned and donated (host OWNED -> guest OWNED at EL2) on the guest's first touch,
 * with the data the VMM put there (its image) and, for an MTE VM, its tags cleared by
 * EL2. From then on the host, this kernel included, cannot touch it; the VMM's own
 * mapping faults. So the slot must never be copied or read behind the guest's back:
 * it must be private anonymous memory marked MADV_DONTFORK and MADV_DONTDUMP.
 *
 * Everything here runs with vm->lock held. Buffers the hypervisor reads or writes are
 * the kernel's own (bounce buffers), never user memory: the hypervisor takes only
 * memory the host owns, by physical address.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "tagvisor.h"

#define TAGS_BOUNCE_ORDER 2 /* 16 KiB of tags: 256 KiB of guest memory per call */
#define TAGS_BOUNCE_BYTES (PAGE_SIZE << TAGS_BOUNCE_ORDER)
#define DIRTY_PAGES_PER_CALL (PAGE_SIZE * 8)
#define VMA_REQUIRED (VM_READ | VM_WRITE | VM_DONTCOPY | VM_DONTDUMP)

static bool vma_ok(struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED) &&
	       (vma->vm_flags & VMA_REQUIRED) == VMA_REQUIRED;
}

/* The VMM's range must be slot material all along (see above). */
static int check_vmas(u64 start, u64 size)
{
	struct mm_struct *mm = current->mm;
	u64 addr = start;
	int r = 0;

	mmap_read_lock(mm);
	while (addr < start + size) {
		struct vm_area_struct *vma = find_vma(mm, addr);

		if (!vma || vma->vm_start > addr) {
			r = -EFAULT;
			break;
		}
		if (!vma_ok(vma)) {
			r = -EINVAL;
			break;
		}
		addr = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return r;
}

static void free_ram(struct tv_vm *vm)
{
	kvfree(vm->pages);
	bitmap_free(vm->reclaimed);
	vm->pages = NULL;
	vm->reclaimed = NULL;
	vm->has_ram = false;
}

int tv_mem_set_region(struct tv_vm *vm, const struct tagvisor_userspace_memory_region *r)
{
	bool log = r->flags & TAGVISOR_MEM_LOG_DIRTY_PAGES;
	u64 end = r->guest_phys_addr + r->memory_size;
	int err;

	if (r->slot || (r->flags & ~TAGVISOR_MEM_LOG_DIRTY_PAGES))
		return -EINVAL;
	if (vm->has_ram && r->memory_size && r->guest_phys_addr == vm->ram_base &&
	    r->memory_size == vm->ram_size && r->userspace_addr == vm->uaddr) {
		/* Only the flags change: dirty logging starts or stops. */
		if (log && vm->ram_size % (64 * PAGE_SIZE))
			return -EINVAL;
		if (vm->handle && log != vm->logging) {
			err = tv_mem_logging(vm, log);
			if (err)
				return err;
		}
		vm->mem_flags = r->flags;
		return 0;
	}
	/* The RAM of the hypervisor's VM is fixed at its creation (the first vCPU). */
	if (vm->handle)
		return vm->has_ram && !r->memory_size ? -EBUSY : -EINVAL;
	if (!r->memory_size) {
		free_ram(vm);
		return 0;
	}
	if ((r->guest_phys_addr | r->memory_size | r->userspace_addr) & ~PAGE_MASK ||
	    end <= r->guest_phys_addr || end > 1ull << TV_IPA_BITS ||
	    r->userspace_addr + r->memory_size < r->userspace_addr ||
	    !access_ok((void __user *)r->userspace_addr, r->memory_size))
		return -EINVAL;
	/* The hypervisor logs in blocks of 64 pages. */
	if (log && r->memory_size % (64 * PAGE_SIZE))
		return -EINVAL;
	err = check_vmas(r->userspace_addr, r->memory_size);
	if (err)
		return err;
	free_ram(vm);
	vm->nr_pages = r->memory_size >> PAGE_SHIFT;
	vm->pages = kvcalloc(vm->nr_pages, sizeof(*vm->pages), GFP_KERNEL_ACCOUNT);
	vm->reclaimed = bitmap_zalloc(vm->nr_pages, GFP_KERNEL_ACCOUNT);
	if (!vm->pages || !vm->reclaimed) {
		free_ram(vm);
		return -ENOMEM;
	}
	vm->has_ram = true;
	vm->ram_base = r->guest_phys_addr;
	vm->ram_size = r->memory_size;
	vm->uaddr = r->userspace_addr;
	vm->mem_flags = r->flags;
	return 0;
}

/* Index of the RAM page at ipa, or -1 if it is not a page of the slot. */
static long ram_page(const struct tv_vm *vm, u64 ipa)
{
	if (!vm->has_ram || (ipa & ~PAGE_MASK) || ipa < vm->ram_base ||
	    ipa - vm->ram_base >= vm->ram_size)
		return -1;
	return (ipa - vm->ram_base) >> PAGE_SHIFT;
}

/* Pins the VMM's page backing RAM page idx (written, so that COW is broken). */
static struct page *pin_page(struct tv_vm *vm, unsigned long idx)
{
	u64 addr = vm->uaddr + (idx << PAGE_SHIFT);
	struct vm_area_struct *vma;
	struct page *page;
	long n;

	mmap_read_lock(vm->mm);
	n = pin_user_pages(addr, 1, FOLL_WRITE | FOLL_LONGTERM, &page, &vma);
	if (n == 1 && !vma_ok(vma)) {
		unpin_user_page(page);
		n = -EFAULT; /* the VMM changed the mapping since it gave us the slot */
	}
	mmap_read_unlock(vm->mm);
	if (n != 1)
		return ERR_PTR(n < 0 ? n : -EFAULT);
	return page;
}

/* Gives the guest page idx: the VMM's data, EL2 clears its tags (an MTE VM). */
static int donate(struct tv_vm *vm, unsigned long idx, u64 flags, phys_addr_t tags, u64 len)
{
	struct page *page = pin_page(vm, idx);
	long r;

	if (IS_ERR(page))
		return PTR_ERR(page);
	r = tv_hvc(TV_HC_MEM_DONATE, vm->handle, page_to_phys(page),
		   vm->ram_base + (idx << PAGE_SHIFT), flags, tags, len, NULL);
	if (r) {
		unpin_user_page(page);
		return r;
	}
	vm->pages[idx] = page;
	return 0;
}

int tv_mem_populate(struct tv_vm *vm, u64 ipa, bool *reclaimed)
{
	long idx = ram_page(vm, ipa);

	*reclaimed = false;
	if (idx < 0 || vm->pages[idx])
		return -EFAULT; /* not RAM of ours; or one the guest has: EL2 said otherwise */
	if (test_bit(idx, vm->reclaimed)) {
		*reclaimed = true; /* the VMM holds its tags: it must RESTORE it */
		return 0;
	}
	return donate(vm, idx, 0, 0, 0);
}

/* TO_GUEST needs the pages there, as KVM faults them in: donate those the guest lacks. */
static int populate_range(struct tv_vm *vm, u64 ipa, u64 len)
{
	for (; len; ipa += PAGE_SIZE, len -= PAGE_SIZE) {
		long idx = ram_page(vm, ipa);
		int r;

		if (idx < 0 || vm->pages[idx] || test_bit(idx, vm->reclaimed))
			continue; /* the hypervisor answers for those */
		r = donate(vm, idx, 0, 0, 0);
		if (r)
			return r;
	}
	return 0;
}

long tv_mem_copy_tags(struct tv_vm *vm, struct tagvisor_arm_copy_mte_tags *t)
{
	bool to_guest = t->flags == TAGVISOR_ARM_TAGS_TO_GUEST;
	u8 __user *user = t->addr;
	u64 done = 0;
	long r = 0;
	u8 *bounce;

	/* KVM_ARM_MTE_COPY_TAGS's checks, in its order. */
	if (t->reserved[0] || t->reserved[1] || !vm->mte ||
	    (t->flags & ~(u64)TAGVISOR_ARM_TAGS_FROM_GUEST) ||
	    ((t->guest_ipa | t->length) & ~PAGE_MASK) || t->length > INT_MAX)
		return -EINVAL;
	if (!vm->handle)
		return -EFAULT; /* no memory yet */
	bounce = (u8 *)__get_free_pages(GFP_KERNEL, TAGS_BOUNCE_ORDER);
	if (!bounce)
		return -ENOMEM;
	while (done < t->length) {
		u64 chunk = min_t(u64, t->length - done, TAGS_BOUNCE_BYTES * 16);
		u64 ipa = t->guest_ipa + done;

		if (to_guest && (copy_from_user(bounce, user + done / 16, chunk / 16) ||
				 populate_range(vm, ipa, chunk))) {
			r = -EFAULT;
			break;
		}
		r = tv_hvc(TV_HC_MTE_COPY_TAGS, vm->handle, ipa, chunk, virt_to_phys(bounce),
			   to_guest ? TV_TAGS_TO_GUEST : TV_TAGS_FROM_GUEST, 0, NULL);
		if (r <= 0)
			break;
		if (!to_guest && copy_to_user(user + done / 16, bounce, r / 16)) {
			r = -EFAULT;
			break;
		}
		done += r;
		if (r < chunk)
			break; /* stopped part way: the next call reports why */
	}
	free_pages((unsigned long)bounce, TAGS_BOUNCE_ORDER);
	return done ? done : r;
}

int tv_mem_logging(struct tv_vm *vm, bool on)
{
	long r = tv_hvc(TV_HC_DIRTY_LOG, vm->handle, on ? TV_DIRTY_START : TV_DIRTY_STOP, 0, 0, 0,
			0, NULL);

	if (!r)
		vm->logging = on;
	return r;
}

int tv_mem_dirty_log(struct tv_vm *vm, struct tagvisor_dirty_log *log)
{
	u8 __user *bitmap = log->dirty_bitmap;
	unsigned long first, n;
	long r = 0;
	u8 *bounce;

	if (log->slot)
		return -EINVAL;
	if (!vm->has_ram || !(vm->mem_flags & TAGVISOR_MEM_LOG_DIRTY_PAGES))
		return -ENOENT;
	if (!vm->handle)
		return clear_user(bitmap, vm->nr_pages / 8) ? -EFAULT : 0;
	bounce = (u8 *)get_zeroed_page(GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	for (first = 0; first < vm->nr_pages && !r; first += n) {
		n = min_t(unsigned long, vm->nr_pages - first, DIRTY_PAGES_PER_CALL);
		r = tv_hvc(TV_HC_DIRTY_LOG, vm->handle, TV_DIRTY_GET,
			   vm->ram_base + (first << PAGE_SHIFT), n, virt_to_phys(bounce), 0, NULL);
		if (r >= 0 && copy_to_user(bitmap + first / 8, bounce, n / 8))
			r = -EFAULT;
		r = min(r, 0L);
	}
	free_page((unsigned long)bounce);
	return r;
}

int tv_mem_reclaim(struct tv_vm *vm, struct tagvisor_page_tags *p)
{
	long idx = ram_page(vm, p->guest_ipa);
	struct tv_res res;
	u8 *tags;
	long r;

	if (idx < 0)
		return -EINVAL;
	if (!vm->handle || !vm->pages[idx])
		return -ENOENT;
	if (vm->mte && p->tags_size < TAGVISOR_PAGE_TAGS_MAX)
		return -E2BIG;
	tags = kmalloc(TAGVISOR_PAGE_TAGS_MAX, GFP_KERNEL);
	if (!tags)
		return -ENOMEM;
	r = tv_hvc(TV_HC_MEM_RECLAIM, vm->handle, p->guest_ipa, virt_to_phys(tags),
		   TAGVISOR_PAGE_TAGS_MAX, 0, 0, &res);
	if (!r) {
		/* The page is the host's again, with the guest's data, in the VMM's mapping. */
		WARN_ON(res.x[1] != page_to_phys(vm->pages[idx]));
		unpin_user_pages_dirty_lock(&vm->pages[idx], 1, true);
		vm->pages[idx] = NULL;
		set_bit(idx, vm->reclaimed);
		p->tags_len = res.x[2];
		if (p->tags_len && copy_to_user((void __user *)p->tags, tags, p->tags_len))
			r = -EFAULT;
	}
	kfree(tags);
	return r;
}

int tv_mem_restore(struct tv_vm *vm, const struct tagvisor_page_tags *p)
{
	long idx = ram_page(vm, p->guest_ipa);
	u8 *tags;
	int r;

	if (idx < 0 || p->tags_len > TAGVISOR_PAGE_TAGS_MAX || (p->tags_len && !vm->mte))
		return -EINVAL;
	if (!test_bit(idx, vm->reclaimed))
		return -ENOENT;
	tags = kmalloc(TAGVISOR_PAGE_TAGS_MAX, GFP_KERNEL);
	if (!tags)
		return -ENOMEM;
	r = -EFAULT;
	if (!copy_from_user(tags, (void __user *)p->tags, p->tags_len))
		r = donate(vm, idx, p->tags_len ? TV_DONATE_TAGS : 0, virt_to_phys(tags),
			   p->tags_len);
	if (!r)
		clear_bit(idx, vm->reclaimed);
	kfree(tags);
	return r;
}

void tv_mem_release(struct tv_vm *vm)
{
	unsigned long i;
	long r;

	if (vm->handle) {
		r = tv_hvc(TV_HC_VM_DESTROY, vm->handle, 0, 0, 0, 0, 0, NULL);
		if (r) {
			/* Still the guest's: unpinned, the kernel would reuse pages it cannot touch. */
			pr_err("tagvisor: VM 0x%lx not destroyed (%ld): its pages stay pinned\n",
			       vm->handle, r);
			return;
		}
	}
	for (i = 0; vm->pages && i < vm->nr_pages; i++) {
		if (vm->pages[i])
			unpin_user_pages_dirty_lock(&vm->pages[i], 1, true);
	}
	free_ram(vm);
}
