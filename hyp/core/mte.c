/* SPDX-License-Identifier: MIT */
/*
 * TV_HC_MTE_COPY_TAGS: the VMM reads and writes a guest's tags without ever
 * mapping guest memory Tagged itself (the interface KVM gives its VMMs).
 * Never for protected VMs: their tags are as private as their data.
 */
#include <abi/hvc.h>
#include <hyp/arch.h>
#include <hyp/dirty.h>
#include <hyp/mem_protect.h>
#include <hyp/mte.h>
#include <lib/string.h>

int64_t host_copy_tags(struct vm *vm, uint64_t ipa, uint64_t len, uint64_t buf, uint64_t flags)
{
	bool to_guest = flags == TV_TAGS_TO_GUEST;
	uint64_t pages, done = 0;
	uint8_t fp_save[64];

	if (flags > TV_TAGS_FROM_GUEST || !ALIGNED(ipa | len, PAGE_SIZE) || !len ||
	    len > INT32_MAX || !vm_has_mte(vm)) {
		return -TV_EINVAL;
	}
	if (vm_is_protected(vm)) {
		return -TV_EPERM;
	}
	pages = MIN(len / PAGE_SIZE, TAG_COPY_MAX_PAGES);
	if (host_buffer_check(buf, pages * TAGS_PER_PAGE, !to_guest)) {
		return -TV_EFAULT;
	}
	arch_tag_bytes_begin(fp_save);
	for (; done < pages; done++, ipa += PAGE_SIZE, buf += TAGS_PER_PAGE) {
		unsigned level;
		uint64_t pte = vm_ipa_in_ram(vm, ipa) ? pgt_lookup(&vm->s2, ipa, &level) : 0;

		if (!pte) {
			/* A page the guest has not touched has no tags yet; writing needs one. */
			if (to_guest || !vm_ipa_in_ram(vm, ipa)) {
				break;
			}
			memset(hyp_va(pa_init(buf)), 0, TAGS_PER_PAGE);
		} else if (to_guest) {
			arch_page_tags_from_bytes(pa_init(pte_pa(pte)), hyp_va(pa_init(buf)));
			dirty_mark(vm, ipa); /* unlike KVM, allowed while logging: it is logged */
		} else {
			arch_page_tags_to_bytes(pa_init(pte_pa(pte)), hyp_va(pa_init(buf)));
		}
	}
	arch_tag_bytes_end(fp_save);
	return done ? (int64_t)(done * PAGE_SIZE) : -TV_EFAULT;
}
