/* SPDX-License-Identifier: MIT */
/*
 * Page ownership, after pKVM. Every page of RAM has one owner (the host, the
 * hypervisor or a VM) and at most one borrower it is shared with. The state of
 * a page as each component sees it follows:
 *
 *   owner, no borrower     OWNED
 *   owner, with borrower   SHARED_OWNED
 *   the borrower           SHARED_BORROWED
 *   anyone else            NOPAGE
 *
 * A component's stage 2 maps exactly the pages that are not NOPAGE for it. The
 * hypervisor's own pages are never in any stage 2. Guest stage-2 leaves carry the
 * guest's state in their software bits, so check.c can compare both views.
 */
#ifndef HYP_MEM_PROTECT_H
#define HYP_MEM_PROTECT_H

#include <hyp/pgtable.h>
#include <hyp/types.h>
#include <hyp/vm.h>

enum page_state {
	PS_NOPAGE = 0,
	PS_OWNED = 1,
	PS_SHARED_OWNED = 2,
	PS_SHARED_BORROWED = 3,
};

enum {
	OWNER_HOST = 0,
	OWNER_HYP = 1,
	OWNER_VM_FIRST = 2, /* VM i is OWNER_VM_FIRST + i */
	OWNER_NONE = 0xff,  /* "no borrower" */
};

struct hyp_page {
	uint8_t owner;
	uint8_t borrower;
	uint8_t seen; /* scratch for check.c: the page was found in a guest stage 2 */
	uint8_t unused;
};

/* The RAM the hypervisor manages, and where it lives in it. */
struct hyp_memmap {
	uint64_t ram_base;
	uint64_t ram_size;
	uint64_t hyp_base;
	uint64_t hyp_size;
};

extern struct hyp_memmap memmap;
extern struct pgtable host_s2;
extern struct page_pool s2_pool;

/* A range of physical addresses (a device's registers), page aligned. */
struct mem_range {
	uint64_t base;
	uint64_t size;
};

/*
 * Sets up page metadata (`meta` has one entry per RAM page), marks the
 * hypervisor's pages, and builds the host's stage-2 identity map of RAM minus
 * the hypervisor, plus exactly the `nr` device ranges the host may reach (its
 * MMIO, never RAM). 0, or -TV_ENOMEM, or -TV_EINVAL for a device range in RAM.
 */
int mem_protect_init(struct hyp_page *meta, const struct mem_range *devices, unsigned nr);

/* The state of a RAM page as component `id` sees it (PS_NOPAGE if not RAM). */
enum page_state page_state_of(uint64_t pa, uint8_t id);
/* The page's metadata, or NULL if pa is not RAM. */
struct hyp_page *page_meta(uint64_t pa);

/* Guest stage-2 software bits holding the guest's page_state. */
#define S2_SW_STATE(s) ((uint64_t)(s) << PTE_SW_SHIFT)
#define S2_SW_STATE_OF(pte) ((enum page_state)(((pte) & PTE_SW_STATE) >> PTE_SW_SHIFT))

/**
 * host: OWNED -> NOPAGE; guest: NOPAGE -> OWNED.
 * The host gives a page to a VM. TV_DONATE_ZERO: the hypervisor zeroes it (data and,
 * for an MTE VM, tags); otherwise the data is kept (an image the host loaded) and
 * the tags are cleared, or set from `tags` (TV_DONATE_TAGS, a compressed tag page at
 * host PA tags_pa, tags_len bytes). Errors:
 *  -TV_EINVAL  misaligned pa or ipa, unknown flags, TV_DONATE_TAGS with a non-MTE VM
 *  -TV_ERANGE  pa not RAM, or ipa outside the VM's RAM
 *  -TV_EPERM   the host does not own the page exclusively (hypervisor or VM memory)
 *  -TV_EEXIST  ipa already mapped in the VM
 *  -TV_EFAULT  the tag buffer is not host memory
 *  -TV_EBADMSG the compressed tags are corrupt
 *  -TV_ENOMEM  the stage-2 pool is exhausted
 */
int64_t host_donate_guest(struct vm *vm, uint64_t pa, uint64_t ipa, uint64_t flags,
			  uint64_t tags_pa, uint64_t tags_len);

/**
 * host: OWNED -> SHARED_OWNED; guest: NOPAGE -> SHARED_BORROWED.
 * Errors as host_donate_guest; -TV_EPERM for a protected VM.
 */
int64_t host_share_guest(struct vm *vm, uint64_t pa, uint64_t ipa);

/**
 * host: SHARED_OWNED -> OWNED; guest: SHARED_BORROWED -> NOPAGE.
 * -TV_ENOENT if ipa holds no page the host shared.
 */
int64_t host_unshare_guest(struct vm *vm, uint64_t ipa);

/**
 * guest: OWNED -> SHARED_OWNED; host: NOPAGE -> SHARED_BORROWED.
 * A guest lends one of its pages to the host. -TV_ENOENT if the guest does not
 * own the page exclusively.
 */
int64_t guest_share_host(struct vm *vm, uint64_t ipa);

/** guest: SHARED_OWNED -> OWNED; host: SHARED_BORROWED -> NOPAGE. */
int64_t guest_unshare_host(struct vm *vm, uint64_t ipa);

/**
 * guest: OWNED -> NOPAGE; host: NOPAGE -> OWNED ("swap out").
 * The page returns to the host with its data; for an MTE VM its tags are encoded
 * into the host buffer at tags_pa (tags_cap bytes) and cleared in memory. Sets
 * *pa_out and *tags_len. Errors:
 *  -TV_EPERM   protected VM
 *  -TV_ENOENT  no page the guest owns exclusively at ipa
 *  -TV_EFAULT  the tag buffer is not host memory
 *  -TV_E2BIG   the tag buffer is too small for the encoded tags (nothing changed)
 */
int64_t host_reclaim_guest(struct vm *vm, uint64_t ipa, uint64_t tags_pa, uint64_t tags_cap,
			   uint64_t *pa_out, uint64_t *tags_len);

/**
 * Reports which of `count` (1..64) pages from ipa the guest accessed since the last
 * call, and starts a new period: bit i of *young for page i, of *mapped if the
 * guest has the page. The stage-2 access flag is cleared and set again by the
 * hardware (FEAT_HAFDBS) or by EL2 on the access-flag fault. Errors: -TV_EINVAL
 * (misaligned, count 0 or > 64), -TV_ERANGE (outside the VM's RAM), -TV_EPERM
 * (protected VM: its access pattern is its own).
 */
int64_t host_age_guest(struct vm *vm, uint64_t ipa, uint64_t count, uint64_t *young,
		       uint64_t *mapped);

/* A guest access hit a page with its access flag clear: set it. Returns false if unmapped. */
bool guest_mark_young(struct vm *vm, uint64_t ipa);

/**
 * Copies a guest page (data, and for an MTE VM its compressed tags) to the host,
 * leaving it the guest's: how the host reads a running VM's memory for snapshots
 * and migration. data_pa: a host page; tags_pa: at least 129 bytes of host memory.
 * Returns 0 with *tags_len set. Errors: -TV_EPERM protected VM; -TV_EINVAL
 * misaligned; -TV_ERANGE outside the VM's RAM; -TV_ENOENT no page there;
 * -TV_EFAULT a buffer that is not host memory; -TV_E2BIG tags_cap < 129 (MTE VM).
 */
int64_t host_read_guest(struct vm *vm, uint64_t ipa, uint64_t data_pa, uint64_t tags_pa,
			uint64_t tags_cap, uint64_t *tags_len);

/* Returns every page of a dying VM to the host (scrubbed if the VM owned it). */
void vm_reclaim_all(struct vm *vm);

/*
 * Checks that [pa, pa + len) is memory the host may read (write: and write) on
 * behalf of a hypercall: RAM, owned or borrowed by the host. 0 or -TV_EFAULT.
 */
int host_buffer_check(uint64_t pa, uint64_t len, bool write);

#endif
