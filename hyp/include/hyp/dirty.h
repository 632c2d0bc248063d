/* SPDX-License-Identifier: MIT */
/*
 * Dirty-page logging for live migration: the VM's pages are write-protected at
 * stage 2 and the first write to each (data or tags: tag stores need write
 * permission too) is recorded in a bitmap and let through.
 */
#ifndef HYP_DIRTY_H
#define HYP_DIRTY_H

#include <hyp/vm.h>

/* Stage-2 software bit: the page is write-protected for logging only. */
#define S2_SW_DIRTY_WP (1ull << 57)

/**
 * TV_HC_DIRTY_LOG: TV_DIRTY_START, TV_DIRTY_STOP, or TV_DIRTY_GET (x3 ipa, x4 pages, a
 * multiple of 64, x5 host bitmap PA: pages/8 bytes). GET returns the number of
 * dirty pages reported, clears them and protects them again. Errors: -TV_EINVAL
 * (unknown op, misaligned, pages not a multiple of 64 or 0), -TV_ERANGE (outside the
 * VM's RAM), -TV_EPERM (protected VM), -TV_EBUSY (START while logging), -TV_ENOENT
 * (STOP or GET while not logging), -TV_EFAULT (bitmap not host memory), -TV_ENOMEM.
 */
int64_t dirty_log(struct vm *vm, uint64_t op, uint64_t ipa, uint64_t pages, uint64_t bitmap);

/* Marks a page dirty if the VM is logging (the host gave it data or tags). */
void dirty_mark(struct vm *vm, uint64_t ipa);

/* A guest write hit a page protected for logging: record it (if still logging), let it write. */
bool dirty_fault(struct vm *vm, uint64_t ipa);

/* Frees the bitmap of a dying VM. */
void dirty_release(struct vm *vm);

#endif
