/* SPDX-License-Identifier: MIT */
/* The stage-1 identity map of mmu.h, and the MTE controls of SCTLR_EL1, TCR_EL1 and PSTATE. */
#include "mmu.h"

/* MAIR_EL1 attribute indexes. 0xF0 is the only encoding whose memory holds tags. */
#define ATTR_TAGGED   0
#define ATTR_UNTAGGED 1
#define ATTR_DEVICE   2
#define MAIR_VALUE                                                                                 \
	(0xf0ul << (8 * ATTR_TAGGED) | 0xfful << (8 * ATTR_UNTAGGED) | 0x04ul << (8 * ATTR_DEVICE))

/* VMSAv8-64 descriptors, 4 KiB granule: level 1 entries map 1 GiB, level 2 blocks 2 MiB. */
#define DESC_BLOCK   1ul
#define DESC_TABLE   3ul
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define DESC_AP_EL0  (1ul << 6) /* AP[1]: EL0 may read and write too */
#define DESC_SH_IS   (3ul << 8)
#define DESC_AF	     (1ul << 10)
#define DESC_PXN     (1ul << 53)
#define DESC_UXN     (1ul << 54)
#define BLOCK_SHIFT  21
#define L1_SHIFT     30

/*
 * 39-bit VAs in both halves (T0SZ = T1SZ = 25), so a walk starts at level 1;
 * walks cacheable write-back and inner shareable; 4 KiB granules; 40-bit PAs.
 */
#define TCR_WALK_WB (1ul << 8 | 1ul << 10 | 3ul << 12) /* IRGN0, ORGN0, SH0; TTBR1's at +16 */
#define TCR_VALUE                                                                                  \
	(25ul | TCR_WALK_WB | 25ul << 16 | TCR_WALK_WB << 16 | 2ul << 30 /* TG1 4K */ |            \
	 2ul << 32 /* IPS */ | TCR_TBI0 | TCR_TBI1)
#define TCR_TBI0  (1ul << 37)
#define TCR_TBI1  (1ul << 38)
#define TCR_TCMA0 (1ul << 57)
#define TCR_TCMA1 (1ul << 58)

#define SCTLR_M		 (1ul << 0)
#define SCTLR_C		 (1ul << 2)
#define SCTLR_I		 (1ul << 12)
#define SCTLR_DZE	 (1ul << 14) /* EL0 may use DC ZVA, DC GVA, DC GZVA */
#define SCTLR_WXN	 (1ul << 19)
#define SCTLR_ITFSB	 (1ul << 37) /* exception entry makes pending async faults visible in TFSR */
#define SCTLR_TCF0_SHIFT 38
#define SCTLR_TCF_SHIFT	 40
#define SCTLR_ATA0	 (1ul << 42)
#define SCTLR_ATA	 (1ul << 43)

static uint64_t l1_low[512] __attribute__((aligned(4096)));
static uint64_t l1_high[512] __attribute__((aligned(4096)));
static uint64_t l2_dev[512] __attribute__((aligned(4096)));
static uint64_t l2_ram[512] __attribute__((aligned(4096)));

static uint64_t ram_block(uint64_t pa)
{
	uint64_t d = pa | DESC_BLOCK | DESC_AF | DESC_SH_IS;

	if (pa >= MMU_UNTAGGED_BASE && pa < MMU_UNTAGGED_BASE + MMU_REGION_SIZE) {
		return d | DESC_ATTR(ATTR_UNTAGGED) | DESC_UXN;
	}
	if (pa >= MMU_EL0_BASE && pa < MMU_EL0_BASE + MMU_REGION_SIZE) {
		/* EL0-writable memory is never executable at EL1 anyway; say so. */
		return d | DESC_ATTR(ATTR_TAGGED) | DESC_AP_EL0 | DESC_PXN;
	}
	return d | DESC_ATTR(ATTR_TAGGED) | DESC_UXN;
}

void mmu_enable(void)
{
	uint64_t sctlr;

	for (uint64_t pa = RAM_BASE; pa < RAM_BASE + MMU_RAM_SIZE; pa += 1ul << BLOCK_SHIFT) {
		l2_ram[(pa >> BLOCK_SHIFT) & 511] = ram_block(pa);
	}
	l2_dev[(UART_BASE >> BLOCK_SHIFT) & 511] =
	    UART_BASE | DESC_BLOCK | DESC_AF | DESC_ATTR(ATTR_DEVICE) | DESC_PXN | DESC_UXN;
	l1_low[UART_BASE >> L1_SHIFT] = (uint64_t)l2_dev | DESC_TABLE;
	l1_low[RAM_BASE >> L1_SHIFT] = (uint64_t)l2_ram | DESC_TABLE;
	/* MMU_HIGH + PA has the same level-1 index as PA: share the level-2 table. */
	l1_high[RAM_BASE >> L1_SHIFT] = (uint64_t)l2_ram | DESC_TABLE;

	/*
	 * The tables were written with the MMU off, that is straight to memory, by a
	 * program that never had its caches on: no stale line can hide them from
	 * the walker. The dsb orders the writes before the first walk.
	 */
	__asm__ volatile("dsb ish" ::: "memory");
	write_sysreg(mair_el1, MAIR_VALUE);
	write_sysreg(tcr_el1, TCR_VALUE);
	write_sysreg(ttbr0_el1, (uint64_t)l1_low);
	write_sysreg(ttbr1_el1, (uint64_t)l1_high);
	isb();
	__asm__ volatile("tlbi vmalle1\n\tdsb nsh" ::: "memory");
	isb();

	sctlr = read_sysreg(sctlr_el1);
	sctlr &= ~(SCTLR_WXN | SCTLR_ATA | SCTLR_ATA0 | 3ul << SCTLR_TCF_SHIFT |
		   3ul << SCTLR_TCF0_SHIFT);
	sctlr |= SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_DZE | SCTLR_ITFSB;
	write_sysreg(sctlr_el1, sctlr);
	isb();
}

static void sctlr_update(uint64_t clear, uint64_t set)
{
	write_sysreg(sctlr_el1, (read_sysreg(sctlr_el1) & ~clear) | set);
	isb();
}

void mte_set_ata(bool el1, bool el0)
{
	sctlr_update(SCTLR_ATA | SCTLR_ATA0, (el1 ? SCTLR_ATA : 0) | (el0 ? SCTLR_ATA0 : 0));
}

void mte_set_tcf(enum mte_tcf el1, enum mte_tcf el0)
{
	sctlr_update(3ul << SCTLR_TCF_SHIFT | 3ul << SCTLR_TCF0_SHIFT,
		     (uint64_t)el1 << SCTLR_TCF_SHIFT | (uint64_t)el0 << SCTLR_TCF0_SHIFT);
}

void mte_set_tcma(bool tcma0, bool tcma1)
{
	uint64_t tcr = read_sysreg(tcr_el1) & ~(TCR_TCMA0 | TCR_TCMA1);

	write_sysreg(tcr_el1, tcr | (tcma0 ? TCR_TCMA0 : 0) | (tcma1 ? TCR_TCMA1 : 0));
	/* TLB entries may hold TCR_EL1 fields: drop them so the change applies at once. */
	isb();
	__asm__ volatile("tlbi vmalle1\n\tdsb nsh" ::: "memory");
	isb();
}

void mte_set_tco(bool on)
{
	if (on) {
		__asm__ volatile("msr tco, #1" ::: "memory");
	} else {
		__asm__ volatile("msr tco, #0" ::: "memory");
	}
}

bool mte_tco(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, tco" : "=r"(v));
	return v & (1ul << 25);
}
