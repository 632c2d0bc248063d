/* SPDX-License-Identifier: MIT */
/*
 * A stage-1 MMU for guests that use MTE. Allocation tags exist only for memory
 * that stage 1 maps Normal Tagged (MAIR 0xF0): with the MMU off every access is
 * Device and untagged. mmu_enable() builds an identity map with the 4 KiB
 * granule (2 MiB blocks), 39-bit VAs in both halves:
 *
 *   0x09000000  2 MiB   Device-nGnRE: the PL011
 *   0x40000000  64 MiB  RAM, Normal Tagged, EL1 only, not executable at EL0, except:
 *     MMU_UNTAGGED_BASE  2 MiB  Normal write-back *untagged* (MAIR 0xFF)
 *     MMU_EL0_BASE       2 MiB  Normal Tagged, read/write/execute at EL0
 *   MMU_HIGH + PA       the same 64 MiB of RAM again through TTBR1 (for TCMA1 and
 *                       TFSR_EL1.TF1, which concern addresses with bit 55 set)
 *
 * TBI0 and TBI1 are set, so the top byte of a pointer (its logical tag in bits
 * 59:56) is ignored by translation. After mmu_enable() MTE is still inert:
 * SCTLR_EL1.ATA/ATA0 = 0 and TCF/TCF0 = none; the mte_set_*() calls change that.
 */
#ifndef GUEST_MMU_H
#define GUEST_MMU_H

#include "guest.h"

#define MMU_RAM_SIZE	  (64ul << 20)
#define MMU_UNTAGGED_BASE (RAM_BASE + (32ul << 20))
#define MMU_EL0_BASE	  (RAM_BASE + (48ul << 20))
#define MMU_REGION_SIZE	  (2ul << 20)
#define MMU_HIGH	  0xffffff8000000000ul

/* SCTLR_EL1.TCF/TCF0: what a tag-check fault does. */
enum mte_tcf {
	TCF_NONE = 0,
	TCF_SYNC = 1,
	TCF_ASYNC = 2,
	TCF_ASYMM = 3, /* loads synchronous, stores asynchronous (FEAT_MTE3) */
};

void mmu_enable(void);
/* SCTLR_EL1.ATA (EL1) and ATA0 (EL0): allocation tag access, and with it tag checks. */
void mte_set_ata(bool el1, bool el0);
/* SCTLR_EL1.TCF (EL1 accesses) and TCF0 (EL0 and unprivileged LDTR/STTR). */
void mte_set_tcf(enum mte_tcf el1, enum mte_tcf el0);
/* TCR_EL1.TCMA0/TCMA1: no checks for logical tag 0 (lower half) / 0xF (upper half). */
void mte_set_tcma(bool tcma0, bool tcma1);
/* PSTATE.TCO: suppresses every tag check while set. */
void mte_set_tco(bool on);
bool mte_tco(void);

/* The pointer p with logical tag t in bits 59:56. */
static inline uint64_t tagged(uint64_t p, unsigned t)
{
	return (p & ~(0xful << 56)) | ((uint64_t)(t & 0xf) << 56);
}

static inline unsigned tag_of(uint64_t p)
{
	return (unsigned)(p >> 56) & 0xf;
}

#endif
