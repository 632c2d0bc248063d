/* SPDX-License-Identifier: MIT */
#include <abi/hvc.h>
#include <hyp/arch.h>
#include <hyp/log.h>
#include <hyp/pgtable.h>

#define ENTRIES 512u
#define LEAF_LEVEL 3u

static unsigned index_at(uint64_t addr, unsigned level)
{
	return (addr >> PGT_LEVEL_SHIFT(level)) & (ENTRIES - 1);
}

static bool is_table(uint64_t pte, unsigned level)
{
	return level < LEAF_LEVEL && (pte & (PTE_VALID | PTE_TYPE_TABLE)) == (PTE_VALID | PTE_TYPE_TABLE);
}

static uint64_t *table_of(uint64_t pte)
{
	return hyp_va(pa_init(pte_pa(pte)));
}

static uint64_t leaf_desc(uint64_t pa, uint64_t attr, unsigned level)
{
	uint64_t type = level == LEAF_LEVEL ? (PTE_VALID | PTE_TYPE_TABLE) : PTE_VALID;

	return (pa & PTE_ADDR_MASK) | attr | type;
}

static void tlb_inval(const struct pgtable *pgt, uint64_t addr)
{
	if (pgt->vmid >= 0) {
		arch_tlb_inval_ipa((uint16_t)pgt->vmid, addr);
	}
}

/*
 * Break-before-make: an entry that was valid is invalidated and its TLB entries dropped
 * first. A leaf's (page or block) are found by any address it maps; a table's are every
 * entry cached from below it, and walk caches holding it: only the whole VMID covers them.
 */
static void set_entry(const struct pgtable *pgt, uint64_t *ptep, uint64_t addr, unsigned level,
		      uint64_t new)
{
	uint64_t old = *ptep;

	if ((old & PTE_VALID) && old != new) {
		*ptep = 0;
		if (!is_table(old, level)) {
			tlb_inval(pgt, addr);
		} else if (pgt->vmid >= 0) {
			arch_tlb_inval_vmid((uint16_t)pgt->vmid);
		}
	}
	*ptep = new;
}

int pgt_init(struct pgtable *pgt, struct page_pool *pool, int vmid)
{
	pgt->pool = pool;
	pgt->vmid = vmid;
	pgt->root = pool_alloc(pool);
	return pgt->root ? 0 : -TV_ENOMEM;
}

static void free_table(struct pgtable *pgt, uint64_t *table, unsigned level)
{
	for (unsigned i = 0; i < ENTRIES; i++) {
		if (is_table(table[i], level)) {
			free_table(pgt, table_of(table[i]), level + 1);
		}
	}
	pool_free(pgt->pool, table);
}

void pgt_destroy(struct pgtable *pgt)
{
	if (pgt->root) {
		free_table(pgt, pgt->root, PGT_START_LEVEL);
		pgt->root = NULL;
	}
}

/*
 * Returns the next-level table behind *ptep, creating it if the entry is empty or
 * splitting the block it holds into a table of equivalent smaller mappings.
 */
static uint64_t *next_table(struct pgtable *pgt, uint64_t *ptep, uint64_t addr, unsigned level)
{
	uint64_t pte = *ptep;

	if (is_table(pte, level)) {
		return table_of(pte);
	}
	uint64_t *table = pool_alloc(pgt->pool);

	if (!table) {
		return NULL;
	}
	if (pte & PTE_VALID) {
		uint64_t attr = pte & ~(PTE_ADDR_MASK | PTE_VALID | PTE_TYPE_TABLE);
		uint64_t step = PGT_LEVEL_SIZE(level + 1);

		for (unsigned i = 0; i < ENTRIES; i++) {
			table[i] = leaf_desc(pte_pa(pte) + i * step, attr, level + 1);
		}
	}
	set_entry(pgt, ptep, addr & ~(PGT_LEVEL_SIZE(level) - 1), level,
		  pa_addr(hyp_pa(table)) | PTE_VALID | PTE_TYPE_TABLE);
	return table;
}

static int map_level(struct pgtable *pgt, uint64_t *table, unsigned level, uint64_t addr,
		     uint64_t end, uint64_t pa, uint64_t attr, bool pages_only)
{
	uint64_t size = PGT_LEVEL_SIZE(level);

	while (addr < end) {
		uint64_t *ptep = &table[index_at(addr, level)];
		uint64_t next = (addr & ~(size - 1)) + size;
		bool whole = ALIGNED(addr, size) && next <= end && ALIGNED(pa, size);

		if (level == LEAF_LEVEL || (whole && !pages_only)) {
			if (is_table(*ptep, level)) {
				uint64_t *old = table_of(*ptep);

				set_entry(pgt, ptep, addr, level, 0);
				free_table(pgt, old, level + 1);
			}
			set_entry(pgt, ptep, addr, level, leaf_desc(pa, attr, level));
		} else {
			uint64_t *sub = next_table(pgt, ptep, addr, level);
			uint64_t stop = next < end ? next : end;
			int ret;

			if (!sub) {
				return -TV_ENOMEM;
			}
			ret = map_level(pgt, sub, level + 1, addr, stop, pa, attr, pages_only);
			if (ret) {
				return ret;
			}
		}
		pa += next - addr;
		addr = next;
	}
	return 0;
}

int pgt_map(struct pgtable *pgt, uint64_t addr, uint64_t size, uint64_t pa, uint64_t attr,
	    bool pages_only)
{
	BUG_ON(!ALIGNED(addr | size | pa, PAGE_SIZE) || addr + size > (1ull << PGT_IA_BITS));
	return map_level(pgt, pgt->root, PGT_START_LEVEL, addr, addr + size, pa, attr, pages_only);
}

static int unmap_level(struct pgtable *pgt, uint64_t *table, unsigned level, uint64_t addr,
		       uint64_t end)
{
	uint64_t size = PGT_LEVEL_SIZE(level);

	while (addr < end) {
		uint64_t *ptep = &table[index_at(addr, level)];
		uint64_t next = (addr & ~(size - 1)) + size;

		if (*ptep & PTE_VALID) {
			if (ALIGNED(addr, size) && next <= end) {
				uint64_t old = *ptep;

				set_entry(pgt, ptep, addr, level, 0);
				if (is_table(old, level)) {
					free_table(pgt, table_of(old), level + 1);
				}
			} else {
				uint64_t *sub = next_table(pgt, ptep, addr, level);
				int ret;

				if (!sub) {
					return -TV_ENOMEM;
				}
				ret = unmap_level(pgt, sub, level + 1, addr, next < end ? next : end);
				if (ret) {
					return ret;
				}
			}
		}
		addr = next;
	}
	return 0;
}

int pgt_unmap(struct pgtable *pgt, uint64_t addr, uint64_t size)
{
	BUG_ON(!ALIGNED(addr | size, PAGE_SIZE) || addr + size > (1ull << PGT_IA_BITS));
	return unmap_level(pgt, pgt->root, PGT_START_LEVEL, addr, addr + size);
}

/* Returns a pointer to the leaf entry for addr, or NULL; sets *level. */
static uint64_t *leaf_ptep(const struct pgtable *pgt, uint64_t addr, unsigned *level)
{
	uint64_t *table = pgt->root;

	if (addr >> PGT_IA_BITS) {
		return NULL;
	}
	for (unsigned l = PGT_START_LEVEL;; l++) {
		uint64_t *ptep = &table[index_at(addr, l)];

		if (!(*ptep & PTE_VALID)) {
			return NULL;
		}
		if (!is_table(*ptep, l)) {
			*level = l;
			return ptep;
		}
		table = table_of(*ptep);
	}
}

const uint64_t *pgt_leaf_table(const struct pgtable *pgt, uint64_t addr, unsigned *count)
{
	const uint64_t *table = pgt->root;

	if (addr >> PGT_IA_BITS) {
		return NULL;
	}
	for (unsigned l = PGT_START_LEVEL; l < LEAF_LEVEL; l++) {
		uint64_t pte = table[index_at(addr, l)];

		if (!is_table(pte, l)) {
			return NULL;
		}
		table = table_of(pte);
	}
	*count = ENTRIES - index_at(addr, LEAF_LEVEL);
	return &table[index_at(addr, LEAF_LEVEL)];
}

uint64_t pgt_lookup(const struct pgtable *pgt, uint64_t addr, unsigned *level)
{
	unsigned l = 0;
	uint64_t *ptep = leaf_ptep(pgt, addr, &l);

	if (level) {
		*level = l;
	}
	return ptep ? *ptep : 0;
}

int pgt_update_page(struct pgtable *pgt, uint64_t addr, uint64_t clear, uint64_t set)
{
	unsigned level;
	uint64_t *ptep = leaf_ptep(pgt, addr, &level);

	if (!ptep || level != LEAF_LEVEL) {
		return -TV_ENOENT;
	}
	*ptep = (*ptep & ~clear) | set;
	tlb_inval(pgt, addr);
	return 0;
}

static void walk_level(const struct pgtable *pgt, const uint64_t *table, unsigned level,
		       uint64_t addr, uint64_t end, pgt_leaf_fn fn, void *arg)
{
	uint64_t size = PGT_LEVEL_SIZE(level);

	while (addr < end) {
		uint64_t pte = table[index_at(addr, level)];
		uint64_t next = (addr & ~(size - 1)) + size;

		if (is_table(pte, level)) {
			walk_level(pgt, table_of(pte), level + 1, addr, next < end ? next : end, fn, arg);
		} else if (pte & PTE_VALID) {
			fn(arg, addr & ~(size - 1), pte, level);
		}
		addr = next;
	}
}

void pgt_walk(const struct pgtable *pgt, uint64_t addr, uint64_t size, pgt_leaf_fn fn, void *arg)
{
	uint64_t end = addr + size;

	if (end > (1ull << PGT_IA_BITS) || end < addr) {
		end = 1ull << PGT_IA_BITS;
	}
	walk_level(pgt, pgt->root, PGT_START_LEVEL, addr, end, fn, arg);
}
