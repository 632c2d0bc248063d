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

/* Copies the tags of one page, or reports a page without them; false: stop here. */
static bool copy_page_tags(struct vm *vm, uint64_t pte, uint64_t ipa, uint8_t *bytes, bool to_guest)
{
	if (!(pte & PTE_VALID)) {
		/* A page the guest has not touched has no tags yet; writing needs one. */
		if (to_guest) {
			return false;
		}
		memset(bytes, 0, TAGS_PER_PAGE);
	} else if (to_guest) {
		arch_page_tags_from_bytes(pa_init(pte_pa(pte)), bytes);
		dirty_mark(vm, ipa); /* unlike KVM, allowed while logging: it is logged */
	} else {
		arch_page_tags_to_bytes(pa_init(pte_pa(pte)), bytes);
	}
	return true;
}

int64_t host_copy_tags(struct vm *vm, uint64_t ipa, uint64_t len, uint64_t buf, uint64_t flags)
{
	bool to_guest = flags == TV_TAGS_TO_GUEST;
	uint64_t pages, done = 0;
	uint8_t fp_save[ARCH_TAG_BYTES_SAVE] __attribute__((aligned(16)));
	uint8_t *bytes;

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
	bytes = hyp_va(pa_init(buf));
	arch_tag_bytes_begin(fp_save);
	/* A leaf table at a time, up to the end of RAM: no page-table walk per page. */
	while (done < pages && vm_ipa_in_ram(vm, ipa)) {
		unsigned count = 1;
		const uint64_t *ptes = pgt_leaf_table(&vm->s2, ipa, &count);
		uint64_t n =
		    MIN(MIN(count, pages - done), (vm->ram_ipa + vm->ram_size - ipa) / PAGE_SIZE);
		uint64_t i = 0;

		for (; i < n; i++, ipa += PAGE_SIZE, bytes += TAGS_PER_PAGE) {
			if (!copy_page_tags(vm, ptes ? ptes[i] : 0, ipa, bytes, to_guest)) {
				break;
			}
		}
		done += i;
		if (i < n) {
			break;
		}
	}
	arch_tag_bytes_end(fp_save);
	return done ? (int64_t)(done * PAGE_SIZE) : -TV_EFAULT;
}
