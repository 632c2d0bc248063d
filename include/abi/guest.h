/* SPDX-License-Identifier: MIT */
/*
 * What tagvisor's VMM offers a guest beyond QEMU's virt machine: calls to the VMM
 * (SMCCC HVCs in the vendor-hypervisor range, which EL2 hands to the host) and the
 * same requests as an MMIO "doorbell" page, for code that cannot make an HVC (Linux
 * userspace, through /dev/mem). Documented in docs/ABI.md, "The guest's side".
 */
#ifndef ABI_GUEST_H
#define ABI_GUEST_H

/*
 * VMM calls: x0 the function, the result in x0; -1 (NOT_SUPPORTED) if not offered.
 * EL2 hands the host only this range (and PSCI); it answers other unknown IDs itself.
 */
#define TV_VMM_CALL_FIRST 0xc6001000ul
#define TV_VMM_CALL_LAST 0xc6001ffful
#define TV_VMM_CALL_READY 0xc6001000ul    /* the test service guest: x1 base, x2 bytes */
#define TV_VMM_CALL_SNAPSHOT 0xc6001001ul /* 0 when saved, 1 in the restored guest */

/*
 * The doorbell: one page, outside RAM and every virt-machine device, not in the
 * device tree (no driver claims it, so Linux's /dev/mem may map it). 32-bit accesses:
 *   REQUEST (write): a TV_DOORBELL_* request, done when the write completes.
 *   RESULT  (read):  the last request's result: TV_DOORBELL_SAVED, _RESTORED or
 *                    _REFUSED (no --snapshot was given, or one was taken already).
 * A snapshot taken through the doorbell holds the guest just after its REQUEST
 * write, so both the saved guest and the one restored later read RESULT next.
 */
#define TV_DOORBELL_IPA 0x09100000ul
#define TV_DOORBELL_REQUEST 0x0
#define TV_DOORBELL_RESULT 0x4
#define TV_DOORBELL_SNAPSHOT 1u
#define TV_DOORBELL_SAVED 0u
#define TV_DOORBELL_RESTORED 1u
#define TV_DOORBELL_REFUSED 0xffffffffu

#endif
