/* SPDX-License-Identifier: MIT */
/*
 * Arm VMSAv8-64 translation tables with the 4 KiB granule and a 39-bit input
 * range (levels 1..3), used for the hypervisor's own stage 1 and for every
 * stage 2. The same descriptor bits are used on the real and the fake arch.
 */
#ifndef HYP_PGTABLE_H
#define HYP_PGTABLE_H

#include <hyp/pool.h>
#include <hyp/types.h>

#define PGT_IA_BITS 39
#define PGT_START_LEVEL 1
#define PGT_LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * (3 - (l)))
#define PGT_LEVEL_SIZE(l) (1ull << PGT_LEVEL_SHIFT(l))

#define PTE_VALID (1ull << 0)
#define PTE_TYPE_TABLE (1ull << 1) /* levels 1-2: next table; level 3: page */
#define PTE_SH_INNER (3ull << 8)
#define PTE_AF (1ull << 10)
#define PTE_ADDR_MASK 0x0000fffffffff000ull

/* Stage 2 leaf attributes. */
#define S2_MEMATTR_NORMAL_WB (0xfull << 2) /* lets tags through: MTE needs it */
#define S2_MEMATTR_DEVICE (0x1ull << 2)    /* Device-nGnRE */
#define S2_AP_R (1ull << 6)
#define S2_AP_W (1ull << 7)
#define S2_XN (2ull << 53)

/* Stage 1 (EL2) leaf attributes; MAIR_EL2 indices are set up by the arch. */
#define S1_ATTR_IDX(i) ((uint64_t)(i) << 2)
#define S1_AP_EL2_RW (1ull << 6) /* AP[1] is RES1 in the EL2 regime */
#define S1_AP_RO (1ull << 7)
#define S1_XN (1ull << 54)

/*
 * Software bits 58:55, ignored by hardware: 56:55 the stage-2 page state (mem_protect.c),
 * 57 write-protected for dirty logging (dirty.h). Change only the field you own.
 */
#define PTE_SW_SHIFT 55
#define PTE_SW_MASK (0xfull << PTE_SW_SHIFT)
#define PTE_SW_STATE (3ull << PTE_SW_SHIFT)

struct pgtable {
	uint64_t *root;
	struct page_pool *pool;
	int vmid; /* TLB maintenance target; -1 for the hypervisor's stage 1 */
};

/* Allocates the root table. Returns 0 or -TV_ENOMEM. */
int pgt_init(struct pgtable *pgt, struct page_pool *pool, int vmid);
/* Frees every table page, the root included. */
void pgt_destroy(struct pgtable *pgt);

/*
 * Maps [addr, addr + size) to [pa, ...) with leaf attributes `attr` (no type or
 * address bits), using 1 GiB and 2 MiB blocks where alignment allows unless
 * `pages_only`. Blocks in the way are split, existing leaves replaced with
 * break-before-make. Returns 0 or -TV_ENOMEM (the range may be partly mapped).
 */
int pgt_map(struct pgtable *pgt, uint64_t addr, uint64_t size, uint64_t pa, uint64_t attr,
	    bool pages_only);
/* Unmaps [addr, addr + size), splitting blocks that straddle it. 0 or -TV_ENOMEM. */
int pgt_unmap(struct pgtable *pgt, uint64_t addr, uint64_t size);

/* Returns the leaf descriptor covering addr (0 if none) and its level. */
uint64_t pgt_lookup(const struct pgtable *pgt, uint64_t addr, unsigned *level);

/*
 * The level-3 entries from addr's to the end of their table (*count of them, valid or
 * not), for walking consecutive pages without a lookup each; NULL if no level-3
 * table covers addr (nothing mapped there, or a block).
 */
const uint64_t *pgt_leaf_table(const struct pgtable *pgt, uint64_t addr, unsigned *count);

/*
 * Rewrites the attributes of the level-3 leaf at addr: clears `clear`, sets `set`.
 * Only for changes that need no break-before-make (permissions, software bits).
 * Returns 0, or -TV_ENOENT if addr has no page mapping.
 */
int pgt_update_page(struct pgtable *pgt, uint64_t addr, uint64_t clear, uint64_t set);

/* Calls fn for every valid leaf in [addr, addr + size), in address order. */
typedef void (*pgt_leaf_fn)(void *arg, uint64_t addr, uint64_t pte, unsigned level);
void pgt_walk(const struct pgtable *pgt, uint64_t addr, uint64_t size, pgt_leaf_fn fn, void *arg);

static inline uint64_t pte_pa(uint64_t pte)
{
	return pte & PTE_ADDR_MASK;
}

#endif
