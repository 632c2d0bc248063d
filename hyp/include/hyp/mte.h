/* SPDX-License-Identifier: MIT */
/* The host's access to a guest's allocation tags (KVM_ARM_MTE_COPY_TAGS semantics). */
#ifndef HYP_MTE_H
#define HYP_MTE_H

#include <hyp/vm.h>

/* Pages one call processes at most, to bound the time spent at EL2 with interrupts masked. */
#define TAG_COPY_MAX_PAGES 1024

/**
 * Copies the tags of guest memory [ipa, ipa + len) from or to the host buffer at PA
 * buf, one tag per byte (len / 16 bytes). TV_TAGS_FROM_GUEST reads zeros for pages
 * the guest does not have yet; TV_TAGS_TO_GUEST ignores bits 7:4 of each byte.
 * Returns the bytes of guest memory processed: len, or less if it stopped part way
 * (the per-call limit, or an error on the next page: calling again from there
 * continues or returns the error). Before any progress, an error:
 *  -TV_EINVAL  flags other than a direction, ipa or len not page aligned, len 0 or
 *              above INT32_MAX, a VM without MTE
 *  -TV_EPERM   a protected VM
 *  -TV_EFAULT  guest memory outside the VM's RAM, a page that is not there for
 *              TV_TAGS_TO_GUEST, or a buffer that is not host memory
 */
int64_t host_copy_tags(struct vm *vm, uint64_t ipa, uint64_t len, uint64_t buf, uint64_t flags);

#endif
