/* SPDX-License-Identifier: MIT */
/*
 * The host's own stage 1: an identity map, devices below RAM, RAM as Normal
 * memory (Tagged when the host has MTE). It maps all of RAM, the hypervisor's
 * and the guests' pages included: stage 2 is what keeps the host out of them.
 */
#include <host/host.h>

#define MAIR_NORMAL_TAGGED 0xf0ull
#define MAIR_NORMAL 0xffull
#define MAIR_DEVICE_nGnRE 0x04ull
#define ATTR_IDX_NORMAL 0
#define ATTR_IDX_DEVICE 1

#define DESC_BLOCK 0x1ull
#define DESC_AF (1ull << 10)
#define DESC_SH_INNER (3ull << 8)
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define DESC_PXN (1ull << 53)
#define DESC_UXN (1ull << 54)

#define SCTLR_M (1ull << 0)
#define SCTLR_C (1ull << 2)
#define SCTLR_SA (1ull << 3)
#define SCTLR_I (1ull << 12)
#define SCTLR_ATA (1ull << 43)
#define SCTLR_RES1 0x30d00800ull

static uint64_t l1_table[512] __attribute__((aligned(4096)));

static uint64_t mair, tcr, sctlr;

/* Loads the configuration mmu_init() chose on this CPU and turns its MMU on. */
void mmu_enable_this_cpu(void)
{
	__asm__ volatile("msr mair_el1, %0\n"
			 "msr tcr_el1, %1\n"
			 "msr ttbr0_el1, %2\n"
			 "isb\n"
			 "tlbi vmalle1\n"
			 "dsb nsh\n"
			 "isb\n"
			 "msr sctlr_el1, %3\n"
			 "isb\n"
			 "ic iallu\n"
			 "dsb nsh\n"
			 "isb"
			 :
			 : "r"(mair), "r"(tcr), "r"((uint64_t)l1_table), "r"(sctlr)
			 : "memory");
}

void mmu_init(bool tagged)
{
	mair = (tagged ? MAIR_NORMAL_TAGGED : MAIR_NORMAL) | MAIR_DEVICE_nGnRE << 8;
	/* T0SZ 25 (39 bits), WB caches, inner shareable, 4 KiB, 40-bit IPS, TBI0, no TTBR1. */
	tcr = 25 | 1ull << 8 | 1ull << 10 | 3ull << 12 | 1ull << 23 | 2ull << 32 | 1ull << 37;
	sctlr = SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I | (tagged ? SCTLR_ATA : 0);

	/* 1 GiB blocks: the first is the device region, the rest RAM. */
	l1_table[0] = DESC_BLOCK | DESC_AF | DESC_ATTR(ATTR_IDX_DEVICE) | DESC_PXN | DESC_UXN;
	for (unsigned i = 1; i < 64; i++) {
		l1_table[i] = (uint64_t)i << 30 | DESC_BLOCK | DESC_AF | DESC_SH_INNER |
			      DESC_ATTR(ATTR_IDX_NORMAL) | DESC_UXN;
	}
	mmu_enable_this_cpu();
}
