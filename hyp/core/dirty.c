/* SPDX-License-Identifier: MIT */
#include <abi/hvc.h>
#include <hyp/arch.h>
#include <hyp/dirty.h>
#include <hyp/log.h>
#include <hyp/mem_protect.h>
#include <lib/string.h>

#define BITS_PER_PAGE (PAGE_SIZE * 8)

static uint64_t page_index(const struct vm *vm, uint64_t ipa)
{
	return (ipa - vm->ram_ipa) >> PAGE_SHIFT;
}

/* The bitmap word holding page i's bit. */
static uint64_t *dirty_word(struct vm *vm, uint64_t i)
{
	return &vm->dirty[i / BITS_PER_PAGE][(i % BITS_PER_PAGE) / 64];
}

void dirty_mark(struct vm *vm, uint64_t ipa)
{
	hyp_assert_held(&vm->lock);
	if (vm->logging) {
		uint64_t i = page_index(vm, ipa);

		*dirty_word(vm, i) |= 1ull << (i % 64);
	}
}

/* Write-protects an owned page for logging (shared pages are the host's to track). */
static void protect_leaf(void *arg, uint64_t ipa, uint64_t pte, unsigned level)
{
	struct vm *vm = arg;

	if (level == 3 && S2_SW_STATE_OF(pte) == PS_OWNED && (pte & S2_AP_W)) {
		BUG_ON(pgt_update_page(&vm->s2, ipa, S2_AP_W, S2_SW_DIRTY_WP));
	}
}

void dirty_release(struct vm *vm)
{
	for (unsigned i = 0; i < TV_DIRTY_BITMAP_PAGES; i++) {
		if (vm->dirty[i]) {
			pool_free(&s2_pool, vm->dirty[i]);
			vm->dirty[i] = NULL;
		}
	}
	vm->logging = false;
}

static int64_t dirty_start(struct vm *vm)
{
	uint64_t pages = ((vm->ram_size >> PAGE_SHIFT) + BITS_PER_PAGE - 1) / BITS_PER_PAGE;

	if (vm->logging) {
		return -TV_EBUSY;
	}
	/* Keep the reserve the ownership transitions count on. */
	if (pages > TV_DIRTY_BITMAP_PAGES || pool_reserve(&s2_pool, pages)) {
		return -TV_ENOMEM;
	}
	for (uint64_t i = 0; i < pages; i++) {
		vm->dirty[i] = pool_alloc(&s2_pool); /* zeroed, one of those reserved */
		BUG_ON(!vm->dirty[i]);
	}
	vm->logging = true;
	pgt_walk(&vm->s2, vm->ram_ipa, vm->ram_size, protect_leaf, vm);
	return 0;
}

static int64_t dirty_get(struct vm *vm, uint64_t ipa, uint64_t pages, uint64_t bitmap)
{
	uint64_t first, count = 0;
	uint64_t *out;

	if (!ALIGNED(ipa, PAGE_SIZE) || !pages || pages % 64) {
		return -TV_EINVAL;
	}
	if (!vm_ipa_in_ram(vm, ipa) || pages > (vm->ram_size >> PAGE_SHIFT) ||
	    !vm_ipa_in_ram(vm, ipa + (pages - 1) * PAGE_SIZE)) {
		return -TV_ERANGE;
	}
	if (host_buffer_check(bitmap, pages / 8, true) || !ALIGNED(bitmap, 8)) {
		return -TV_EFAULT;
	}
	first = page_index(vm, ipa);
	out = hyp_va(pa_init(bitmap));
	for (uint64_t w = 0; w < pages / 64; w++) {
		uint64_t bits = 0;

		/* Words of the report may straddle words of the bitmap. */
		for (uint64_t b = 0; b < 64; b++) {
			uint64_t i = first + w * 64 + b;

			if (*dirty_word(vm, i) >> (i % 64) & 1) {
				bits |= 1ull << b;
			}
		}
		for (uint64_t m = bits; m; m &= m - 1) {
			uint64_t i = first + w * 64 + (uint64_t)__builtin_ctzll(m);
			uint64_t page_ipa = vm->ram_ipa + (i << PAGE_SHIFT);
			uint64_t pte = pgt_lookup(&vm->s2, page_ipa, NULL);

			*dirty_word(vm, i) &= ~(1ull << (i % 64));
			if (pte && S2_SW_STATE_OF(pte) == PS_OWNED && (pte & S2_AP_W)) {
				BUG_ON(pgt_update_page(&vm->s2, page_ipa, S2_AP_W, S2_SW_DIRTY_WP));
			}
			count++;
		}
		out[w] = bits;
	}
	return (int64_t)count;
}

static int64_t dirty_log_locked(struct vm *vm, uint64_t op, uint64_t ipa, uint64_t pages,
				uint64_t bitmap)
{
	switch (op) {
	case TV_DIRTY_START:
		return dirty_start(vm);
	case TV_DIRTY_STOP:
		if (!vm->logging) {
			return -TV_ENOENT;
		}
		/*
		 * Pages stay write-protected and are let go on their next write (dirty_fault):
		 * a walk over every page here would lengthen a migration's stop-and-copy.
		 */
		dirty_release(vm);
		return 0;
	case TV_DIRTY_GET:
		return vm->logging ? dirty_get(vm, ipa, pages, bitmap) : -TV_ENOENT;
	default:
		return -TV_EINVAL;
	}
}

int64_t dirty_log(struct vm *vm, uint64_t op, uint64_t ipa, uint64_t pages, uint64_t bitmap)
{
	int64_t ret;

	if (vm_is_protected(vm)) {
		return -TV_EPERM;
	}
	host_lock_component(); /* the bitmap is a host buffer */
	hyp_lock(&vm->lock);
	ret = dirty_log_locked(vm, op, ipa, pages, bitmap);
	hyp_unlock(&vm->lock);
	host_unlock_component();
	pool_unreserve(&s2_pool);
	return ret;
}

bool dirty_fault(struct vm *vm, uint64_t ipa)
{
	unsigned level;
	uint64_t pte;
	bool handled = false;

	/* Also after logging stopped: the page is only write-protected until written. */
	if (!vm_ipa_in_ram(vm, ipa)) {
		return false;
	}
	hyp_lock(&vm->lock);
	pte = pgt_lookup(&vm->s2, ipa & PAGE_MASK, &level);
	if (pte && (pte & S2_SW_DIRTY_WP)) {
		dirty_mark(vm, ipa);
		BUG_ON(pgt_update_page(&vm->s2, ipa & PAGE_MASK, S2_SW_DIRTY_WP, S2_AP_W));
		handled = true;
	} else if (pte && (pte & S2_AP_W) && level == 3) {
		/*
		 * Another vCPU took the same fault first and the page is writable again; this
		 * CPU's TLB may still hold the read-only entry: drop it, and retry the write.
		 */
		arch_tlb_inval_ipa_local(vm->vmid, ipa & PAGE_MASK);
		handled = true;
	}
	hyp_unlock(&vm->lock);
	return handled;
}
