/* SPDX-License-Identifier: MIT */
/*
 * Page ownership transitions. Each transition is one flat function: it checks
 * every precondition first and returns an error without changing anything, then
 * applies changes that cannot fail. The pool reserve checked up front covers the
 * stage-2 tables the changes may need, so a commit never runs out of pages.
 *
 * The hypervisor runs on one physical CPU with interrupts masked at EL2, so no
 * locks are taken; a hypercall runs to completion before anything else happens.
 */
#include <abi/hvc.h>
#include <hyp/arch.h>
#include <hyp/dirty.h>
#include <hyp/log.h>
#include <hyp/mem_protect.h>
#include <lib/tagcodec.h>

struct hyp_memmap memmap;
struct pgtable host_s2;
struct page_pool s2_pool;
static struct hyp_page *meta;

#define S2_RAM_ATTR (S2_MEMATTR_NORMAL_WB | S2_AP_R | S2_AP_W | PTE_AF | PTE_SH_INNER)
#define S2_DEVICE_ATTR (S2_MEMATTR_DEVICE | S2_AP_R | S2_AP_W | PTE_AF | S2_XN)
#define GUEST_ATTR(state) (S2_RAM_ATTR | S2_SW_STATE(state))

static size_t copy_out_tags(phys_addr_t pa, uint64_t tags_pa, bool take);

/* Table pages one transition may need: a level-2 and a level-3 table in each of two stage 2s. */
#define TRANSITION_RESERVE 4

struct hyp_page *page_meta(uint64_t pa)
{
	if (pa < memmap.ram_base || pa - memmap.ram_base >= memmap.ram_size) {
		return NULL;
	}
	return &meta[(pa - memmap.ram_base) >> PAGE_SHIFT];
}

enum page_state page_state_of(uint64_t pa, uint8_t id)
{
	const struct hyp_page *p = page_meta(pa);

	if (!p) {
		return PS_NOPAGE;
	}
	if (p->owner == id) {
		return p->borrower == OWNER_NONE ? PS_OWNED : PS_SHARED_OWNED;
	}
	return p->borrower == id ? PS_SHARED_BORROWED : PS_NOPAGE;
}

int mem_protect_init(struct hyp_page *m, const struct mem_range *devices, unsigned nr)
{
	uint64_t ram_end = memmap.ram_base + memmap.ram_size;
	uint64_t hyp_end = memmap.hyp_base + memmap.hyp_size;
	int ret;

	meta = m;
	for (uint64_t pa = memmap.ram_base; pa < ram_end; pa += PAGE_SIZE) {
		struct hyp_page *p = page_meta(pa);
		bool hyp = pa >= memmap.hyp_base && pa < hyp_end;

		p->owner = hyp ? OWNER_HYP : OWNER_HOST;
		p->borrower = OWNER_NONE;
	}
	ret = pgt_init(&host_s2, &s2_pool, 0);
	for (unsigned i = 0; !ret && i < nr; i++) {
		const struct mem_range *d = &devices[i];

		/* Device memory only: RAM reaches the host through ownership, never as MMIO. */
		if (!ALIGNED(d->base | d->size, PAGE_SIZE) || d->base + d->size < d->base ||
		    (d->base < ram_end && d->base + d->size > memmap.ram_base)) {
			return -TV_EINVAL;
		}
		ret = pgt_map(&host_s2, d->base, d->size, d->base, S2_DEVICE_ATTR, false);
	}
	if (!ret) {
		ret = pgt_map(&host_s2, memmap.ram_base, memmap.hyp_base - memmap.ram_base,
			      memmap.ram_base, S2_RAM_ATTR, false);
	}
	if (!ret) {
		ret = pgt_map(&host_s2, hyp_end, ram_end - hyp_end, hyp_end, S2_RAM_ATTR, false);
	}
	return ret;
}

int host_buffer_check(uint64_t pa, uint64_t len, bool write)
{
	(void)write; /* every page the host can see, it can also write */
	if (pa + len < pa) {
		return -TV_EFAULT;
	}
	for (uint64_t p = pa & PAGE_MASK; p < pa + len; p += PAGE_SIZE) {
		if (page_state_of(p, OWNER_HOST) == PS_NOPAGE) {
			return -TV_EFAULT;
		}
	}
	return 0;
}

/* Checks shared by the transitions that give a host page to a guest. */
static int64_t check_host_page_for_guest(struct vm *vm, uint64_t pa, uint64_t ipa)
{
	struct hyp_page *p;

	if (!ALIGNED(pa | ipa, PAGE_SIZE)) {
		return -TV_EINVAL;
	}
	p = page_meta(pa);
	if (!p || !vm_ipa_in_ram(vm, ipa)) {
		return -TV_ERANGE;
	}
	if (p->owner != OWNER_HOST || p->borrower != OWNER_NONE) {
		return -TV_EPERM;
	}
	if (pgt_lookup(&vm->s2, ipa, NULL)) {
		return -TV_EEXIST;
	}
	if (s2_pool.free_pages < TRANSITION_RESERVE) {
		return -TV_ENOMEM;
	}
	return 0;
}

/*
 * Sets the contents a donated page starts with in the guest; see host_donate_guest(). The
 * page then goes to the point of coherency: a guest with its MMU off (Device memory at
 * stage 1) reads DRAM, which must hold the zeroes or the image the caches hold, not
 * what DRAM had before (contents the host could otherwise plant there).
 */
static void prepare_donated_page(struct vm *vm, phys_addr_t pa, uint64_t flags, const uint8_t *tags)
{
	if ((flags & TV_DONATE_ZERO) && !tags) {
		arch_page_zero_poc(pa, vm_has_mte(vm));
		return;
	}
	if (flags & TV_DONATE_ZERO) {
		arch_page_zero(pa);
	} else if (vm_has_mte(vm) && !tags) {
		arch_page_clear_tags(pa);
	}
	if (tags) {
		arch_page_set_tags(pa, tags);
	}
	arch_page_clean_poc(pa, vm_has_mte(vm));
}

int64_t host_donate_guest(struct vm *vm, uint64_t pa, uint64_t ipa, uint64_t flags,
			  uint64_t tags_pa, uint64_t tags_len)
{
	uint8_t tags[TAGCODEC_PACKED_SIZE] __attribute__((aligned(8)));
	bool with_tags = flags & TV_DONATE_TAGS;
	int64_t ret;

	if ((flags & ~(uint64_t)TV_DONATE_FLAGS_ALL) || (with_tags && !vm_has_mte(vm))) {
		return -TV_EINVAL;
	}
	/*
	 * Once a protected VM has run, the host may only give it zeroed pages: contents of
	 * the host's choosing appearing at unpopulated IPAs would be planted data (pKVM lets
	 * the host load only the image, before the first run).
	 */
	if (vm_is_protected(vm) && vm->started && flags != TV_DONATE_ZERO) {
		return -TV_EPERM;
	}
	ret = check_host_page_for_guest(vm, pa, ipa);
	if (ret) {
		return ret;
	}
	if (with_tags) {
		if (tags_len == 0 || tags_len > TAGCODEC_MAX_SIZE) {
			return -TV_EINVAL;
		}
		if (host_buffer_check(tags_pa, tags_len, false)) {
			return -TV_EFAULT;
		}
		/* Decoded into our own buffer first: the host cannot change it under us. */
		if (tagcodec_decode(hyp_va(pa_init(tags_pa)), tags_len, tags)) {
			return -TV_EBADMSG;
		}
	}

	page_meta(pa)->owner = vm->owner_id;
	BUG_ON(pgt_unmap(&host_s2, pa, PAGE_SIZE));
	prepare_donated_page(vm, pa_init(pa), flags, with_tags ? tags : NULL);
	BUG_ON(pgt_map(&vm->s2, ipa, PAGE_SIZE, pa, GUEST_ATTR(PS_OWNED), true));
	vm->nr_pages++;
	dirty_mark(vm, ipa); /* new contents: a migration must send them */
	return 0;
}

int64_t host_share_guest(struct vm *vm, uint64_t pa, uint64_t ipa)
{
	int64_t ret;

	if (vm_is_protected(vm)) {
		return -TV_EPERM;
	}
	ret = check_host_page_for_guest(vm, pa, ipa);
	if (ret) {
		return ret;
	}

	page_meta(pa)->borrower = vm->owner_id;
	if (vm_has_mte(vm)) {
		arch_page_clear_tags(pa_init(pa)); /* no stale host tag reaches the guest */
	}
	BUG_ON(pgt_map(&vm->s2, ipa, PAGE_SIZE, pa, GUEST_ATTR(PS_SHARED_BORROWED), true));
	vm->nr_pages++;
	return 0;
}

/* Returns the guest's leaf at ipa if it is a page in `state`, else 0. */
static uint64_t guest_page(struct vm *vm, uint64_t ipa, enum page_state state)
{
	unsigned level;
	uint64_t pte;

	if (!ALIGNED(ipa, PAGE_SIZE) || !vm_ipa_in_ram(vm, ipa)) {
		return 0;
	}
	pte = pgt_lookup(&vm->s2, ipa, &level);
	return pte && level == 3 && S2_SW_STATE_OF(pte) == state ? pte : 0;
}

int64_t host_unshare_guest(struct vm *vm, uint64_t ipa)
{
	uint64_t pte = guest_page(vm, ipa, PS_SHARED_BORROWED);
	struct hyp_page *p;

	if (!pte) {
		return ALIGNED(ipa, PAGE_SIZE) ? -TV_ENOENT : -TV_EINVAL;
	}
	p = page_meta(pte_pa(pte));
	BUG_ON(!p || p->owner != OWNER_HOST || p->borrower != vm->owner_id);

	BUG_ON(pgt_unmap(&vm->s2, ipa, PAGE_SIZE));
	p->borrower = OWNER_NONE;
	vm->nr_pages--;
	return 0;
}

int64_t guest_share_host(struct vm *vm, uint64_t ipa)
{
	uint64_t pte = guest_page(vm, ipa, PS_OWNED);
	struct hyp_page *p;

	if (!pte) {
		return ALIGNED(ipa, PAGE_SIZE) ? -TV_ENOENT : -TV_EINVAL;
	}
	p = page_meta(pte_pa(pte));
	BUG_ON(!p || p->owner != vm->owner_id || p->borrower != OWNER_NONE);
	if (s2_pool.free_pages < TRANSITION_RESERVE) {
		return -TV_ENOMEM;
	}

	p->borrower = OWNER_HOST;
	/* The state bits only: a page write-protected for dirty logging stays so. */
	BUG_ON(pgt_update_page(&vm->s2, ipa, PTE_SW_STATE, S2_SW_STATE(PS_SHARED_OWNED)));
	BUG_ON(pgt_map(&host_s2, pte_pa(pte), PAGE_SIZE, pte_pa(pte), S2_RAM_ATTR, true));
	return 0;
}

int64_t guest_unshare_host(struct vm *vm, uint64_t ipa)
{
	uint64_t pte = guest_page(vm, ipa, PS_SHARED_OWNED);
	struct hyp_page *p;

	if (!pte) {
		return ALIGNED(ipa, PAGE_SIZE) ? -TV_ENOENT : -TV_EINVAL;
	}
	p = page_meta(pte_pa(pte));
	BUG_ON(!p || p->owner != vm->owner_id || p->borrower != OWNER_HOST);

	BUG_ON(pgt_unmap(&host_s2, pte_pa(pte), PAGE_SIZE));
	p->borrower = OWNER_NONE;
	BUG_ON(pgt_update_page(&vm->s2, ipa, PTE_SW_STATE, S2_SW_STATE(PS_OWNED)));
	return 0;
}

int64_t host_reclaim_guest(struct vm *vm, uint64_t ipa, uint64_t tags_pa, uint64_t tags_cap,
			   uint64_t *pa_out, uint64_t *tags_len)
{
	uint64_t pte, pa;
	size_t len = 0;

	if (vm_is_protected(vm)) {
		return -TV_EPERM;
	}
	pte = guest_page(vm, ipa, PS_OWNED);
	if (!pte) {
		return ALIGNED(ipa, PAGE_SIZE) ? -TV_ENOENT : -TV_EINVAL;
	}
	if (vm_has_mte(vm)) {
		if (tags_cap < TAGCODEC_MAX_SIZE) {
			return -TV_E2BIG;
		}
		if (host_buffer_check(tags_pa, TAGCODEC_MAX_SIZE, true)) {
			return -TV_EFAULT;
		}
	}
	if (s2_pool.free_pages < TRANSITION_RESERVE) {
		return -TV_ENOMEM;
	}
	pa = pte_pa(pte);
	BUG_ON(page_meta(pa)->owner != vm->owner_id);

	/* The guest loses the page before its tags are read, so they cannot change after. */
	BUG_ON(pgt_unmap(&vm->s2, ipa, PAGE_SIZE));
	if (vm_has_mte(vm)) {
		len = copy_out_tags(pa_init(pa), tags_pa, true);
	}
	/* The host may map it any way it likes: DRAM holds the guest's data, not older data. */
	arch_page_clean_poc(pa_init(pa), vm_has_mte(vm));
	page_meta(pa)->owner = OWNER_HOST;
	BUG_ON(pgt_map(&host_s2, pa, PAGE_SIZE, pa, S2_RAM_ATTR, true));
	vm->nr_pages--;
	*pa_out = pa;
	*tags_len = len;
	return 0;
}

static void reclaim_leaf(void *arg, uint64_t ipa, uint64_t pte, unsigned level)
{
	struct vm *vm = arg;
	uint64_t pa = pte_pa(pte);
	struct hyp_page *p = page_meta(pa);

	(void)ipa;
	BUG_ON(level != 3 || !p);
	switch (S2_SW_STATE_OF(pte)) {
	case PS_SHARED_OWNED:
		BUG_ON(pgt_unmap(&host_s2, pa, PAGE_SIZE));
		/* Scrubbed like any page the guest owned. */
		__attribute__((fallthrough));
	case PS_OWNED:
		/*
		 * Scrubbed in the caches (DC ZVA/GZVA), then cleaned to the point of coherency:
		 * a host mapping the page non-cacheable must find zeroes in DRAM too, not the
		 * guest's data and tags.
		 */
		arch_page_zero_poc(pa_init(pa), arch_has_mte());
		p->owner = OWNER_HOST;
		p->borrower = OWNER_NONE;
		BUG_ON(pgt_map(&host_s2, pa, PAGE_SIZE, pa, S2_RAM_ATTR, true));
		break;
	case PS_SHARED_BORROWED:
		BUG_ON(p->owner != OWNER_HOST || p->borrower != vm->owner_id);
		p->borrower = OWNER_NONE;
		break;
	default:
		BUG_ON(true);
	}
	vm->nr_pages--;
}

void vm_reclaim_all(struct vm *vm)
{
	dirty_release(vm);
	pgt_walk(&vm->s2, 0, 1ull << PGT_IA_BITS, reclaim_leaf, vm);
	arch_tlb_inval_vmid(vm->vmid);
	pgt_destroy(&vm->s2);
	BUG_ON(vm->nr_pages != 0);
}

int64_t host_age_guest(struct vm *vm, uint64_t ipa, uint64_t count, uint64_t *young,
		       uint64_t *mapped)
{
	if (!ALIGNED(ipa, PAGE_SIZE) || !count || count > 64) {
		return -TV_EINVAL;
	}
	if (!vm_ipa_in_ram(vm, ipa) || !vm_ipa_in_ram(vm, ipa + (count - 1) * PAGE_SIZE)) {
		return -TV_ERANGE;
	}
	if (vm_is_protected(vm)) {
		return -TV_EPERM;
	}
	*young = *mapped = 0;
	for (uint64_t i = 0; i < count; i++, ipa += PAGE_SIZE) {
		unsigned level;
		uint64_t pte = pgt_lookup(&vm->s2, ipa, &level);

		if (!pte) {
			continue;
		}
		*mapped |= 1ull << i;
		if (pte & PTE_AF) {
			*young |= 1ull << i;
			BUG_ON(pgt_update_page(&vm->s2, ipa, PTE_AF, 0));
		}
	}
	return 0;
}

bool guest_mark_young(struct vm *vm, uint64_t ipa)
{
	return vm_ipa_in_ram(vm, ipa) && !pgt_update_page(&vm->s2, ipa & PAGE_MASK, 0, PTE_AF);
}

/*
 * Encodes a guest page's tags into a host buffer (checked for TAGCODEC_MAX_SIZE bytes);
 * returns the length. The encoder only writes its output, so the host's buffer takes it
 * directly. Reclaim (`take`: the tags are cleared too) uses the quick encoding: the
 * host's swap store has a fixed slot per page, where a run list would save nothing.
 * Snapshots and migration, whose streams carry each page's length, get the smallest.
 */
static size_t copy_out_tags(phys_addr_t pa, uint64_t tags_pa, bool take)
{
	uint8_t tags[TAGCODEC_PACKED_SIZE] __attribute__((aligned(8)));

	if (take) {
		arch_page_take_tags(pa, tags);
		return tagcodec_encode_quick(tags, hyp_va(pa_init(tags_pa)));
	}
	arch_page_get_tags(pa, tags);
	return tagcodec_encode(tags, hyp_va(pa_init(tags_pa)));
}

int64_t host_read_guest(struct vm *vm, uint64_t ipa, uint64_t data_pa, uint64_t tags_pa,
			uint64_t tags_cap, uint64_t *tags_len)
{
	unsigned level;
	uint64_t pte;
	enum page_state state;

	if (vm_is_protected(vm)) {
		return -TV_EPERM;
	}
	if (!ALIGNED(ipa | data_pa, PAGE_SIZE)) {
		return -TV_EINVAL;
	}
	if (!vm_ipa_in_ram(vm, ipa)) {
		return -TV_ERANGE;
	}
	pte = pgt_lookup(&vm->s2, ipa, &level);
	state = pte ? S2_SW_STATE_OF(pte) : PS_NOPAGE;
	if (state != PS_OWNED && state != PS_SHARED_OWNED) {
		return -TV_ENOENT;
	}
	if (vm_has_mte(vm) && tags_cap < TAGCODEC_MAX_SIZE) {
		return -TV_E2BIG;
	}
	if (host_buffer_check(data_pa, PAGE_SIZE, true) ||
	    (vm_has_mte(vm) && host_buffer_check(tags_pa, TAGCODEC_MAX_SIZE, true))) {
		return -TV_EFAULT;
	}
	arch_page_copy(pa_init(data_pa), pa_init(pte_pa(pte)));
	*tags_len = vm_has_mte(vm) ? copy_out_tags(pa_init(pte_pa(pte)), tags_pa, false) : 0;
	return 0;
}
