/* SPDX-License-Identifier: MIT */
/*
 * The ownership invariants, checked across the page metadata and every stage 2:
 *  - every RAM page has a live owner, and a borrower only if it is shared;
 *  - the host's stage 2 maps a RAM page, at its own address, iff the host owns or
 *    borrows it (so never a hypervisor page or a page a guest owns alone);
 *  - a VM's stage 2 maps a page iff the VM owns or borrows it, once, inside its
 *    RAM, with the VM's state in the leaf's software bits.
 */
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <hyp/mem_protect.h>
#include <hyp/vm.h>

static unsigned violations;

static void violation(const char *what, uint64_t addr)
{
	if (violations++ < 8) {
		hyp_log("invariant violated: %s at 0x%lx", what, addr);
	}
}

static bool live_id(uint8_t id)
{
	if (id == OWNER_HOST || id == OWNER_HYP) {
		return true;
	}
	return id >= OWNER_VM_FIRST && id < OWNER_VM_FIRST + TV_MAX_VMS &&
	       vms[id - OWNER_VM_FIRST].in_use;
}

static void check_page(uint64_t pa, uint64_t *vm_pages)
{
	struct hyp_page *p = page_meta(pa);
	unsigned level;
	uint64_t pte = pgt_lookup(&host_s2, pa, &level);
	bool host_sees = page_state_of(pa, OWNER_HOST) != PS_NOPAGE;

	p->seen = 0;
	if (!live_id(p->owner)) {
		violation("page owned by a dead component", pa);
	}
	if (p->borrower != OWNER_NONE &&
	    (!live_id(p->borrower) || p->borrower == p->owner || p->owner == OWNER_HYP)) {
		violation("bad borrower", pa);
	}
	if (host_sees != !!pte) {
		violation(pte ? "host maps a page it does not own" : "host lost a page it owns", pa);
	} else if (pte && pte_pa(pte) + (pa & (PGT_LEVEL_SIZE(level) - 1)) != pa) {
		violation("host stage 2 is not an identity map", pa);
	}
	for (unsigned i = 0; i < TV_MAX_VMS; i++) {
		uint8_t id = (uint8_t)(OWNER_VM_FIRST + i);

		if (p->owner == id || p->borrower == id) {
			vm_pages[i]++;
		}
	}
}

struct vm_walk {
	struct vm *vm;
	uint64_t leaves;
};

static void check_vm_leaf(void *arg, uint64_t ipa, uint64_t pte, unsigned level)
{
	struct vm_walk *w = arg;
	uint64_t pa = pte_pa(pte);

	w->leaves++;
	if (level != 3) {
		violation("guest block mapping", ipa);
	} else if (!page_meta(pa)) {
		violation("guest maps non-RAM", ipa);
	} else if (!vm_ipa_in_ram(w->vm, ipa)) {
		violation("guest page outside its RAM", ipa);
	} else if (page_state_of(pa, w->vm->owner_id) != S2_SW_STATE_OF(pte) ||
		   S2_SW_STATE_OF(pte) == PS_NOPAGE) {
		violation("guest leaf state differs from metadata", ipa);
	} else if (page_meta(pa)->seen) {
		violation("page mapped twice in guests", ipa);
	} else {
		page_meta(pa)->seen = 1;
	}
}

/*
 * Everything stands still while it is checked: no VM comes or goes, no page changes
 * owner, no stage 2 changes (the VMs' locks in index order: nothing else takes two).
 * vCPUs go on running on other CPUs meanwhile, and may only take faults that wait.
 */
unsigned check_invariants(void)
{
	uint64_t vm_pages[TV_MAX_VMS] = { 0 };
	unsigned bad;

	vm_table_lock_acquire();
	host_lock_component();
	for (unsigned i = 0; i < TV_MAX_VMS; i++) {
		if (vms[i].in_use) {
			hyp_lock(&vms[i].lock);
		}
	}
	violations = 0;
	if (!arch_image_intact()) {
		violation("hypervisor code or read-only data changed", 0);
	}
	for (uint64_t pa = memmap.ram_base; pa - memmap.ram_base < memmap.ram_size; pa += PAGE_SIZE) {
		check_page(pa, vm_pages);
	}
	for (unsigned i = 0; i < TV_MAX_VMS; i++) {
		struct vm_walk w = { &vms[i], 0 };

		if (!vms[i].in_use) {
			continue;
		}
		pgt_walk(&vms[i].s2, 0, 1ull << PGT_IA_BITS, check_vm_leaf, &w);
		/* With no page seen twice, equal counts mean each page is mapped exactly once. */
		if (w.leaves != vm_pages[i] || w.leaves != vms[i].nr_pages) {
			violation("guest page count differs from metadata", i);
		}
	}
	bad = violations;
	for (unsigned i = TV_MAX_VMS; i-- > 0;) {
		if (vms[i].in_use) {
			hyp_unlock(&vms[i].lock);
		}
	}
	host_unlock_component();
	vm_table_lock_release();
	return bad;
}
