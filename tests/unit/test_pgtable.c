/* SPDX-License-Identifier: MIT */
/*
 * VMSAv8 translation tables (hyp/core/pgtable.c) on the fake arch: block and page
 * mappings and their descriptor bits, block splitting, walks, table pages going
 * back to the pool, behaviour when the pool runs dry, and the TLB invalidations
 * that break-before-make needs. The tables live in a pool carved out of fake RAM
 * (table addresses must be fake-RAM physical addresses); the output addresses
 * mapped are never accessed, so any value will do.
 */
#include "test.h"

#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/pgtable.h>

#include <string.h>

#define RAM (8ull << 20)
#define HYP (1ull << 20)
/* Table pages for these tests: 4 MiB into fake RAM, up to 1024 pages. */
#define POOL_PA	       (FAKE_RAM_BASE + (4ull << 20))
#define POOL_MAX_PAGES 1024u

#define SZ_4K PAGE_SIZE
#define SZ_2M (2ull << 20)
#define SZ_1G (1ull << 30)

#define ATTR	   (S2_MEMATTR_NORMAL_WB | S2_AP_R | S2_AP_W | PTE_AF | PTE_SH_INNER)
#define TYPE_MASK  (PTE_VALID | PTE_TYPE_TABLE)
#define TYPE_BLOCK PTE_VALID
#define TYPE_PAGE  (PTE_VALID | PTE_TYPE_TABLE)

static struct page_pool pool;

/* A fresh fake machine and a pool of `pages` table pages. */
static void setup(size_t pages)
{
	struct fake_config cfg = { RAM, HYP, false };

	fake_hyp_init(&cfg);
	pool_init(&pool, hyp_va(pa_init(POOL_PA)), pages * PAGE_SIZE);
}

struct leaf {
	uint64_t addr;
	uint64_t pte;
	unsigned level;
};

struct leaves {
	unsigned n;
	struct leaf l[2048];
};

static void collect(void *arg, uint64_t addr, uint64_t pte, unsigned level)
{
	struct leaves *ls = arg;

	if (ls->n < ARRAY_SIZE(ls->l)) {
		ls->l[ls->n] = (struct leaf){ addr, pte, level };
	}
	ls->n++;
}

static struct leaves walked;

static unsigned walk_all(const struct pgtable *pgt)
{
	memset(&walked, 0, sizeof(walked));
	pgt_walk(pgt, 0, 1ull << PGT_IA_BITS, collect, &walked);
	return walked.n;
}

/* What addr translates to: the output address, or ~0 when unmapped. */
static uint64_t translate(const struct pgtable *pgt, uint64_t addr)
{
	unsigned level;
	uint64_t pte = pgt_lookup(pgt, addr, &level);

	if (!pte) {
		return ~0ull;
	}
	return pte_pa(pte) + (addr & (PGT_LEVEL_SIZE(level) - 1));
}

TEST(pgtable, init_takes_one_page_destroy_returns_it)
{
	struct pgtable pgt;

	setup(4);
	EXPECT_EQ(pool.free_pages, 4);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	EXPECT_EQ(pool.free_pages, 3);
	EXPECT_EQ(pgt.vmid, 1);
	EXPECT_TRUE(pgt.pool == &pool);
	EXPECT_EQ(walk_all(&pgt), 0);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 4);
	EXPECT_TRUE(pgt.root == NULL);
	/* A second destroy finds nothing to free and must not double-free. */
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 4);
}

TEST(pgtable, init_fails_on_empty_pool)
{
	struct pgtable pgt;

	setup(0);
	EXPECT_EQ(pgt_init(&pgt, &pool, 1), -TV_ENOMEM);
	EXPECT_TRUE(pgt.root == NULL);
}

TEST(pgtable, map_1g_block_descriptor)
{
	struct pgtable pgt;
	unsigned level = 99;
	uint64_t pte;

	setup(8);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_1G, SZ_1G, 2 * SZ_1G, ATTR, false), 0);
	/* A level-1 block needs no table below the root. */
	EXPECT_EQ(pool.free_pages, 7);
	pte = pgt_lookup(&pgt, SZ_1G + 0x12345000, &level);
	EXPECT_EQ(level, 1);
	EXPECT_EQ(pte & TYPE_MASK, TYPE_BLOCK);
	EXPECT_EQ(pte_pa(pte), 2 * SZ_1G);
	EXPECT_EQ(pte & ~PTE_ADDR_MASK & ~TYPE_MASK, ATTR);
	EXPECT_EQ(pte, 2 * SZ_1G | ATTR | PTE_VALID);
	EXPECT_EQ(translate(&pgt, 2 * SZ_1G - SZ_4K), 3 * SZ_1G - SZ_4K);
	EXPECT_EQ(translate(&pgt, SZ_1G - SZ_4K), ~0ull);
	EXPECT_EQ(translate(&pgt, 2 * SZ_1G), ~0ull);
	EXPECT_EQ(walk_all(&pgt), 1);
	EXPECT_EQ(walked.l[0].addr, SZ_1G);
	EXPECT_EQ(walked.l[0].level, 1);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 8);
}

TEST(pgtable, map_2m_block_descriptor)
{
	struct pgtable pgt;
	unsigned level = 99;
	uint64_t pte;

	setup(8);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, 3 * SZ_2M, SZ_2M, 0x80000000ull + 5 * SZ_2M, ATTR, false), 0);
	EXPECT_EQ(pool.free_pages, 6); /* root and one level-2 table */
	pte = pgt_lookup(&pgt, 3 * SZ_2M + 0x1ff000, &level);
	EXPECT_EQ(level, 2);
	EXPECT_EQ(pte & TYPE_MASK, TYPE_BLOCK);
	EXPECT_EQ(pte, (0x80000000ull + 5 * SZ_2M) | ATTR | PTE_VALID);
	EXPECT_EQ(translate(&pgt, 4 * SZ_2M), ~0ull);
	EXPECT_EQ(translate(&pgt, 3 * SZ_2M - SZ_4K), ~0ull);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 8);
}

TEST(pgtable, map_pages_descriptor)
{
	struct pgtable pgt;
	unsigned level = 99;
	uint64_t pte;

	setup(8);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, 0x1000, 3 * SZ_4K, 0x7654321000ull, ATTR, false), 0);
	EXPECT_EQ(pool.free_pages, 5); /* root, level 2, level 3 */
	for (unsigned i = 0; i < 3; i++) {
		pte = pgt_lookup(&pgt, 0x1000 + i * SZ_4K + 0x123, &level);
		EXPECT_EQ(level, 3);
		EXPECT_EQ(pte & TYPE_MASK, TYPE_PAGE);
		EXPECT_EQ(pte, (0x7654321000ull + i * SZ_4K) | ATTR | TYPE_PAGE);
	}
	EXPECT_EQ(pgt_lookup(&pgt, 0, NULL), 0);
	EXPECT_EQ(pgt_lookup(&pgt, 0x4000, NULL), 0);
	EXPECT_EQ(walk_all(&pgt), 3);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 8);
}

TEST(pgtable, mixed_range_uses_largest_blocks)
{
	struct pgtable pgt;
	/* One page, one 2 MiB block, one 1 GiB block, one 2 MiB block, one page. */
	uint64_t start = SZ_1G - SZ_2M - SZ_4K, end = 2 * SZ_1G + SZ_2M + SZ_4K;
	static const struct {
		uint64_t addr;
		unsigned level;
	} want[] = {
		{ SZ_1G - SZ_2M - SZ_4K, 3 }, { SZ_1G - SZ_2M, 2 }, { SZ_1G, 1 }, { 2 * SZ_1G, 2 },
		{ 2 * SZ_1G + SZ_2M, 3 },
	};

	setup(16);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, start, end - start, start, ATTR, false), 0);
	ASSERT_EQ(walk_all(&pgt), ARRAY_SIZE(want));
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		EXPECT_EQ(walked.l[i].addr, want[i].addr);
		EXPECT_EQ(walked.l[i].level, want[i].level);
		EXPECT_EQ(pte_pa(walked.l[i].pte), want[i].addr); /* identity */
	}
	EXPECT_EQ(translate(&pgt, start - SZ_4K), ~0ull);
	EXPECT_EQ(translate(&pgt, end), ~0ull);
	EXPECT_EQ(translate(&pgt, end - 1), end - 1);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 16);
}

TEST(pgtable, misaligned_pa_forces_pages)
{
	struct pgtable pgt;

	setup(16);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	/* The IA range is block aligned but the output is not: only pages can do it. */
	ASSERT_EQ(pgt_map(&pgt, SZ_2M, SZ_2M, 0x80001000ull, ATTR, false), 0);
	EXPECT_EQ(walk_all(&pgt), 512);
	EXPECT_EQ(walked.l[0].level, 3);
	EXPECT_EQ(walked.l[511].level, 3);
	EXPECT_EQ(translate(&pgt, 2 * SZ_2M - 8), 0x80001000ull + SZ_2M - 8);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 16);
}

TEST(pgtable, pages_only_never_uses_blocks)
{
	struct pgtable pgt;
	unsigned blocks = 0;

	setup(16);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, 0, 2 * SZ_2M, 0x40000000ull, ATTR, true), 0);
	EXPECT_EQ(walk_all(&pgt), 1024);
	for (unsigned i = 0; i < 1024; i++) {
		blocks += walked.l[i].level != 3;
		EXPECT_EQ(walked.l[i].addr, i * SZ_4K);
	}
	EXPECT_EQ(blocks, 0);
	EXPECT_EQ(pool.free_pages, 16 - 4); /* root, level 2, two level 3 */
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 16);
}

TEST(pgtable, attributes_and_address_bits)
{
	struct pgtable pgt;
	uint64_t attr = S2_MEMATTR_DEVICE | S2_AP_R | S2_XN | PTE_AF | PTE_SW_MASK;
	uint64_t pte;

	setup(16);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	/* Every attribute bit goes through, at every level, and nothing else is set. */
	ASSERT_EQ(pgt_map(&pgt, 0, SZ_4K, 0xfffffffff000ull, attr, false), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_2M, SZ_2M, 0xffffffe00000ull, attr, false), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_1G, SZ_1G, 0xffffc0000000ull, attr, false), 0);
	EXPECT_EQ(pgt_lookup(&pgt, 0, NULL), 0xfffffffff000ull | attr | TYPE_PAGE);
	EXPECT_EQ(pgt_lookup(&pgt, SZ_2M, NULL), 0xffffffe00000ull | attr | TYPE_BLOCK);
	EXPECT_EQ(pgt_lookup(&pgt, SZ_1G, NULL), 0xffffc0000000ull | attr | TYPE_BLOCK);
	/* AF clear is kept clear: the attributes are exactly what the caller passed. */
	ASSERT_EQ(pgt_map(&pgt, SZ_4K, SZ_4K, 0x1000, S2_AP_R, false), 0);
	pte = pgt_lookup(&pgt, SZ_4K, NULL);
	EXPECT_EQ(pte & PTE_AF, 0);
	EXPECT_EQ(pte, 0x1000 | S2_AP_R | TYPE_PAGE);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 16);
}

TEST(pgtable, lookup_unmapped_and_out_of_range)
{
	struct pgtable pgt;
	unsigned level = 42;

	setup(8);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	EXPECT_EQ(pgt_lookup(&pgt, 0, &level), 0);
	EXPECT_EQ(level, 0);
	ASSERT_EQ(pgt_map(&pgt, (1ull << PGT_IA_BITS) - SZ_1G, SZ_1G, 0, ATTR, false), 0);
	EXPECT_NE(pgt_lookup(&pgt, (1ull << PGT_IA_BITS) - 1, &level), 0);
	EXPECT_EQ(level, 1);
	/* Above the 39-bit input range nothing is mapped, even if the index would alias. */
	level = 42;
	EXPECT_EQ(pgt_lookup(&pgt, (1ull << PGT_IA_BITS) + (1ull << PGT_IA_BITS) - SZ_1G, &level),
		  0);
	EXPECT_EQ(level, 0);
	EXPECT_EQ(pgt_lookup(&pgt, ~0ull, NULL), 0);
	pgt_destroy(&pgt);
}

TEST(pgtable, leaf_table_gives_the_entries_to_the_end_of_their_table)
{
	struct pgtable pgt;
	const uint64_t *ptes;
	unsigned count = 7;

	setup(16);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	/* Nothing mapped, a block, and above the input range: no level-3 table. */
	EXPECT_TRUE(pgt_leaf_table(&pgt, SZ_2M, &count) == NULL);
	ASSERT_EQ(pgt_map(&pgt, 4 * SZ_2M, SZ_2M, 0x80000000ull, ATTR, false), 0);
	EXPECT_TRUE(pgt_leaf_table(&pgt, 4 * SZ_2M + SZ_4K, &count) == NULL);
	EXPECT_TRUE(pgt_leaf_table(&pgt, 1ull << PGT_IA_BITS, &count) == NULL);
	EXPECT_EQ(count, 7);
	/* Pages 1, 2 and 511 of the first 2 MiB: entries as pgt_lookup() sees them. */
	ASSERT_EQ(pgt_map(&pgt, SZ_4K, 2 * SZ_4K, 0x10000, ATTR, true), 0);
	ASSERT_EQ(pgt_map(&pgt, 511 * SZ_4K, SZ_4K, 0x30000, ATTR, true), 0);
	ptes = pgt_leaf_table(&pgt, 0, &count);
	ASSERT_TRUE(ptes != NULL);
	EXPECT_EQ(count, 512);
	for (unsigned i = 0; i < count; i++) {
		EXPECT_EQ(ptes[i], pgt_lookup(&pgt, i * SZ_4K, NULL));
	}
	EXPECT_EQ(ptes[0], 0);
	EXPECT_EQ(ptes[2], 0x11000 | ATTR | TYPE_PAGE);
	ptes = pgt_leaf_table(&pgt, 510 * SZ_4K, &count);
	ASSERT_TRUE(ptes != NULL);
	EXPECT_EQ(count, 2);
	EXPECT_EQ(ptes[1], 0x30000 | ATTR | TYPE_PAGE);
	pgt_destroy(&pgt);
}

TEST(pgtable, partial_unmap_splits_1g_block)
{
	struct pgtable pgt;
	uint64_t hole = SZ_1G + 5 * SZ_2M + 7 * SZ_4K;
	unsigned level, pages = 0, blocks = 0;
	uint64_t pte;

	setup(8);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_1G, SZ_1G, 4 * SZ_1G, ATTR, false), 0);
	ASSERT_EQ(pgt_unmap(&pgt, hole, SZ_4K), 0);
	EXPECT_EQ(pool.free_pages, 8 - 3); /* root, level 2, level 3 */
	EXPECT_EQ(pgt_lookup(&pgt, hole, NULL), 0);
	/* Everything else still translates as before, through smaller leaves. */
	EXPECT_EQ(translate(&pgt, hole - SZ_4K), 4 * SZ_1G + hole - SZ_4K - SZ_1G);
	EXPECT_EQ(translate(&pgt, hole + SZ_4K), 4 * SZ_1G + hole + SZ_4K - SZ_1G);
	pte = pgt_lookup(&pgt, hole + SZ_4K, &level);
	EXPECT_EQ(level, 3);
	EXPECT_EQ(pte & TYPE_MASK, TYPE_PAGE);
	EXPECT_EQ(pte & ~PTE_ADDR_MASK & ~TYPE_MASK, ATTR);
	pte = pgt_lookup(&pgt, SZ_1G, &level);
	EXPECT_EQ(level, 2);
	EXPECT_EQ(pte, 4 * SZ_1G | ATTR | TYPE_BLOCK);
	EXPECT_EQ(translate(&pgt, 2 * SZ_1G - 1), 5 * SZ_1G - 1);
	EXPECT_EQ(walk_all(&pgt), 511 + 511);
	for (unsigned i = 0; i < walked.n && i < ARRAY_SIZE(walked.l); i++) {
		pages += walked.l[i].level == 3;
		blocks += walked.l[i].level == 2;
	}
	EXPECT_EQ(pages, 511);
	EXPECT_EQ(blocks, 511);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 8);
}

TEST(pgtable, partial_unmap_of_2m_in_1g_needs_no_page_table)
{
	struct pgtable pgt;

	setup(8);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, 0, SZ_1G, SZ_1G, ATTR, false), 0);
	ASSERT_EQ(pgt_unmap(&pgt, 4 * SZ_2M, SZ_2M), 0);
	EXPECT_EQ(pool.free_pages, 8 - 2);
	EXPECT_EQ(translate(&pgt, 4 * SZ_2M), ~0ull);
	EXPECT_EQ(translate(&pgt, 5 * SZ_2M - 1), ~0ull);
	EXPECT_EQ(translate(&pgt, 5 * SZ_2M), SZ_1G + 5 * SZ_2M);
	EXPECT_EQ(translate(&pgt, 4 * SZ_2M - 1), SZ_1G + 4 * SZ_2M - 1);
	EXPECT_EQ(walk_all(&pgt), 511);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 8);
}

TEST(pgtable, remap_pages_only_splits_block)
{
	struct pgtable pgt;
	unsigned level;
	uint64_t pte;

	setup(8);
	ASSERT_EQ(pgt_init(&pgt, &pool, 2), 0);
	ASSERT_EQ(pgt_map(&pgt, 0, SZ_1G, 0x100000000ull, ATTR, false), 0);
	/* Remapping one page elsewhere, with other attributes, splits down to level 3. */
	ASSERT_EQ(pgt_map(&pgt, SZ_2M + SZ_4K, SZ_4K, 0x5000, S2_AP_R | PTE_AF, true), 0);
	EXPECT_EQ(pool.free_pages, 8 - 3);
	pte = pgt_lookup(&pgt, SZ_2M + SZ_4K, &level);
	EXPECT_EQ(level, 3);
	EXPECT_EQ(pte, 0x5000 | S2_AP_R | PTE_AF | TYPE_PAGE);
	pte = pgt_lookup(&pgt, SZ_2M, &level);
	EXPECT_EQ(level, 3);
	EXPECT_EQ(pte, (0x100000000ull + SZ_2M) | ATTR | TYPE_PAGE);
	pte = pgt_lookup(&pgt, 0, &level);
	EXPECT_EQ(level, 2);
	EXPECT_EQ(pte, 0x100000000ull | ATTR | TYPE_BLOCK);
	EXPECT_EQ(walk_all(&pgt), 511 + 512);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 8);
}

TEST(pgtable, block_over_table_frees_the_table)
{
	struct pgtable pgt;
	unsigned level;

	setup(8);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_2M, 3 * SZ_4K, 0x9000, ATTR, true), 0);
	EXPECT_EQ(pool.free_pages, 5);
	/* A 2 MiB block where a level-3 table was: the table page returns to the pool. */
	ASSERT_EQ(pgt_map(&pgt, SZ_2M, SZ_2M, 0x200000, ATTR, false), 0);
	EXPECT_EQ(pool.free_pages, 6);
	EXPECT_EQ(pgt_lookup(&pgt, SZ_2M + SZ_4K, &level), 0x200000 | ATTR | TYPE_BLOCK);
	EXPECT_EQ(level, 2);
	/* And a 1 GiB block over the level-2 table. */
	ASSERT_EQ(pgt_map(&pgt, 0, SZ_1G, 0, ATTR, false), 0);
	EXPECT_EQ(pool.free_pages, 7);
	EXPECT_EQ(walk_all(&pgt), 1);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 8);
}

TEST(pgtable, unmap_whole_ranges_frees_tables)
{
	struct pgtable pgt;

	setup(16);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, 0, 3 * SZ_2M, 0, ATTR, true), 0);
	EXPECT_EQ(pool.free_pages, 16 - 5);
	/* Unmapping a whole 2 MiB entry drops its level-3 table. */
	ASSERT_EQ(pgt_unmap(&pgt, SZ_2M, SZ_2M), 0);
	EXPECT_EQ(pool.free_pages, 16 - 4);
	EXPECT_EQ(walk_all(&pgt), 1024);
	/* Unmapping the whole 1 GiB entry drops the level-2 table and what is below. */
	ASSERT_EQ(pgt_unmap(&pgt, 0, SZ_1G), 0);
	EXPECT_EQ(pool.free_pages, 16 - 1);
	EXPECT_EQ(walk_all(&pgt), 0);
	/* Unmapping nothing is fine and allocates nothing. */
	ASSERT_EQ(pgt_unmap(&pgt, 7 * SZ_1G + SZ_4K, SZ_4K), 0);
	EXPECT_EQ(pool.free_pages, 16 - 1);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 16);
}

TEST(pgtable, update_page)
{
	struct pgtable pgt;
	unsigned before;

	setup(8);
	ASSERT_EQ(pgt_init(&pgt, &pool, 3), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_4K, SZ_4K, 0x7000, ATTR, false), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_2M, SZ_2M, 0x200000, ATTR, false), 0);
	before = fake_tlbi_ipa;
	EXPECT_EQ(pgt_update_page(&pgt, SZ_4K + 0x10, S2_AP_W | PTE_SW_MASK, 3ull << PTE_SW_SHIFT),
		  0);
	EXPECT_EQ(pgt_lookup(&pgt, SZ_4K, NULL),
		  (0x7000 | ATTR | TYPE_PAGE | 3ull << PTE_SW_SHIFT) & ~S2_AP_W);
	EXPECT_EQ(fake_tlbi_ipa, before + 1);
	/* Only level-3 pages: a block or a hole is "no page mapping". */
	EXPECT_EQ(pgt_update_page(&pgt, SZ_2M, S2_AP_W, 0), -TV_ENOENT);
	EXPECT_EQ(pgt_lookup(&pgt, SZ_2M, NULL), 0x200000 | ATTR | TYPE_BLOCK);
	EXPECT_EQ(pgt_update_page(&pgt, 2 * SZ_4K, S2_AP_W, 0), -TV_ENOENT);
	EXPECT_EQ(pgt_update_page(&pgt, 1ull << PGT_IA_BITS, S2_AP_W, 0), -TV_ENOENT);
	EXPECT_EQ(fake_tlbi_ipa, before + 1);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 8);
}

TEST(pgtable, walk_order_and_coverage)
{
	struct pgtable pgt;
	/* Mapped out of order; the walk reports address order. */
	static const struct {
		uint64_t addr, size;
	} ranges[] = {
		{ 5 * SZ_1G, SZ_1G },
		{ 3 * SZ_4K, 2 * SZ_4K },
		{ 3 * SZ_1G + SZ_2M, SZ_2M },
		{ SZ_4K, SZ_4K },
		{ (1ull << PGT_IA_BITS) - SZ_4K, SZ_4K },
	};
	uint64_t covered = 0, want = 0;

	setup(32);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(ranges); i++) {
		ASSERT_EQ(
		    pgt_map(&pgt, ranges[i].addr, ranges[i].size, ranges[i].addr, ATTR, false), 0);
		want += ranges[i].size;
	}
	ASSERT_EQ(walk_all(&pgt), 6);
	for (unsigned i = 0; i < walked.n; i++) {
		covered += PGT_LEVEL_SIZE(walked.l[i].level);
		EXPECT_EQ(pte_pa(walked.l[i].pte), walked.l[i].addr);
		EXPECT_TRUE(walked.l[i].pte & PTE_VALID);
		if (i) {
			EXPECT_LT(walked.l[i - 1].addr, walked.l[i].addr);
		}
	}
	EXPECT_EQ(covered, want);
	EXPECT_EQ(walked.l[0].addr, SZ_4K);
	EXPECT_EQ(walked.l[1].addr, 3 * SZ_4K);
	EXPECT_EQ(walked.l[2].addr, 4 * SZ_4K);
	EXPECT_EQ(walked.l[3].addr, 3 * SZ_1G + SZ_2M);
	EXPECT_EQ(walked.l[4].addr, 5 * SZ_1G);
	EXPECT_EQ(walked.l[5].addr, (1ull << PGT_IA_BITS) - SZ_4K);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 32);
}

TEST(pgtable, walk_subranges_and_clamping)
{
	struct pgtable pgt;
	struct leaves *ls = &walked;

	setup(32);
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, 0, 8 * SZ_4K, 0, ATTR, false), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_1G, SZ_1G, SZ_1G, ATTR, false), 0);
	/* Only the leaves inside the range. */
	memset(ls, 0, sizeof(*ls));
	pgt_walk(&pgt, 2 * SZ_4K, 3 * SZ_4K, collect, ls);
	ASSERT_EQ(ls->n, 3);
	EXPECT_EQ(ls->l[0].addr, 2 * SZ_4K);
	EXPECT_EQ(ls->l[2].addr, 4 * SZ_4K);
	/* A range starting inside a block reports the block, at its own base. */
	memset(ls, 0, sizeof(*ls));
	pgt_walk(&pgt, SZ_1G + SZ_2M, SZ_4K, collect, ls);
	ASSERT_EQ(ls->n, 1);
	EXPECT_EQ(ls->l[0].addr, SZ_1G);
	EXPECT_EQ(ls->l[0].level, 1);
	/* An empty range, and a range past the input space, report nothing. */
	memset(ls, 0, sizeof(*ls));
	pgt_walk(&pgt, 0, 0, collect, ls);
	pgt_walk(&pgt, 1ull << PGT_IA_BITS, SZ_1G, collect, ls);
	EXPECT_EQ(ls->n, 0);
	/* A size that wraps around is clamped to the end of the input space. */
	memset(ls, 0, sizeof(*ls));
	pgt_walk(&pgt, SZ_4K, ~0ull, collect, ls);
	EXPECT_EQ(ls->n, 8);
	pgt_destroy(&pgt);
}

TEST(pgtable, destroy_returns_every_page)
{
	struct pgtable a, b;

	setup(POOL_MAX_PAGES);
	ASSERT_EQ(pgt_init(&a, &pool, 1), 0);
	ASSERT_EQ(pgt_init(&b, &pool, -1), 0);
	/* Tables at every level, in several level-1 slots, some split, some emptied. */
	for (unsigned i = 0; i < 16; i++) {
		uint64_t base = (uint64_t)i * 3 * SZ_1G + (uint64_t)i * SZ_2M;

		ASSERT_EQ(pgt_map(&a, base + i * SZ_4K, (i + 1) * 5 * SZ_4K, base, ATTR, false), 0);
		ASSERT_EQ(pgt_map(&b, base, 4 * SZ_2M, 0, ATTR, i & 1), 0);
		ASSERT_EQ(pgt_unmap(&b, base + 7 * SZ_4K, SZ_4K), 0);
	}
	ASSERT_EQ(pgt_unmap(&a, 0, 8 * SZ_1G), 0);
	EXPECT_LT(pool.free_pages, POOL_MAX_PAGES - 2);
	pgt_destroy(&a);
	pgt_destroy(&b);
	EXPECT_EQ(pool.free_pages, POOL_MAX_PAGES);
	/* The pages came back usable: the pool hands all of them out again, zeroed. */
	for (unsigned i = 0; i < POOL_MAX_PAGES; i++) {
		uint64_t *p = pool_alloc(&pool);

		ASSERT_TRUE(p);
		EXPECT_EQ(p[0] | p[511], 0);
	}
	EXPECT_TRUE(pool_alloc(&pool) == NULL);
}

TEST(pgtable, enomem_map_leaves_consistent_state)
{
	struct pgtable pgt;

	setup(2); /* the root and one more: a page needs two tables below the root */
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	EXPECT_EQ(pgt_map(&pgt, SZ_4K, SZ_4K, 0x1000, ATTR, false), -TV_ENOMEM);
	EXPECT_EQ(pool.free_pages, 0);
	EXPECT_EQ(pgt_lookup(&pgt, SZ_4K, NULL), 0);
	EXPECT_EQ(walk_all(&pgt), 0);
	/* Whatever fits still works: a block in the level-2 table the failed call made. */
	EXPECT_EQ(pgt_map(&pgt, SZ_2M, SZ_2M, SZ_2M, ATTR, false), 0);
	EXPECT_EQ(translate(&pgt, SZ_2M + 5), SZ_2M + 5);
	EXPECT_EQ(pgt_map(&pgt, SZ_1G, SZ_1G, 0, ATTR, false), 0);
	EXPECT_EQ(walk_all(&pgt), 2);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 2);
}

TEST(pgtable, enomem_map_partway)
{
	struct pgtable pgt;

	setup(3); /* root, level 2, one level 3 */
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	/* Two pages on either side of a 2 MiB boundary: the second needs a second table. */
	EXPECT_EQ(pgt_map(&pgt, SZ_2M - SZ_4K, 2 * SZ_4K, 0x10000, ATTR, false), -TV_ENOMEM);
	/* The range is partly mapped, as documented, and what is mapped is right. */
	EXPECT_EQ(translate(&pgt, SZ_2M - SZ_4K), 0x10000);
	EXPECT_EQ(translate(&pgt, SZ_2M), ~0ull);
	EXPECT_EQ(walk_all(&pgt), 1);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 3);
}

TEST(pgtable, enomem_unmap_keeps_block)
{
	struct pgtable pgt;

	setup(1); /* just the root */
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_1G, SZ_1G, 0, ATTR, false), 0);
	EXPECT_EQ(pgt_unmap(&pgt, SZ_1G + SZ_4K, SZ_4K), -TV_ENOMEM);
	EXPECT_EQ(pgt_lookup(&pgt, SZ_1G + SZ_4K, NULL), ATTR | TYPE_BLOCK);
	EXPECT_EQ(walk_all(&pgt), 1);
	/* Unmapping the whole block needs no page and works. */
	EXPECT_EQ(pgt_unmap(&pgt, SZ_1G, SZ_1G), 0);
	EXPECT_EQ(walk_all(&pgt), 0);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 1);
}

TEST(pgtable, enomem_halfway_split_keeps_translation)
{
	struct pgtable pgt;
	uint64_t probes[] = {
		0, SZ_4K, 3 * SZ_2M, 3 * SZ_2M + 5 * SZ_4K, 3 * SZ_2M + 6 * SZ_4K, SZ_1G - SZ_4K
	};

	setup(2); /* root and one: the 1 GiB block splits, the 2 MiB one cannot */
	ASSERT_EQ(pgt_init(&pgt, &pool, 1), 0);
	ASSERT_EQ(pgt_map(&pgt, 0, SZ_1G, 0x80000000ull, ATTR, false), 0);
	EXPECT_EQ(pgt_unmap(&pgt, 3 * SZ_2M + 5 * SZ_4K, SZ_4K), -TV_ENOMEM);
	/* Every address, the one to unmap included, still translates as before. */
	for (unsigned i = 0; i < ARRAY_SIZE(probes); i++) {
		EXPECT_EQ(translate(&pgt, probes[i]), 0x80000000ull + probes[i]);
	}
	EXPECT_EQ(walk_all(&pgt), 512);
	/* Same with a pages_only remap that runs out of tables. */
	EXPECT_EQ(pgt_map(&pgt, 7 * SZ_2M, SZ_4K, 0x1000, ATTR, true), -TV_ENOMEM);
	EXPECT_EQ(translate(&pgt, 7 * SZ_2M), 0x80000000ull + 7 * SZ_2M);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 2);
}

TEST(pgtable, break_before_make_tlb_invalidations)
{
	struct pgtable pgt;
	unsigned t;

	setup(16);
	ASSERT_EQ(pgt_init(&pgt, &pool, 5), 0);
	t = fake_tlbi_ipa;
	/* New mappings over nothing need no invalidation. */
	ASSERT_EQ(pgt_map(&pgt, 0, 4 * SZ_4K, 0x10000, ATTR, false), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_1G, SZ_1G, 0, ATTR, false), 0);
	EXPECT_EQ(fake_tlbi_ipa, t);
	/* Rewriting a leaf with the same descriptor changes nothing. */
	ASSERT_EQ(pgt_map(&pgt, SZ_4K, SZ_4K, 0x11000, ATTR, false), 0);
	EXPECT_EQ(fake_tlbi_ipa, t);
	/* A different output address or attributes: break, invalidate, make. */
	ASSERT_EQ(pgt_map(&pgt, SZ_4K, SZ_4K, 0x99000, ATTR, false), 0);
	EXPECT_EQ(fake_tlbi_ipa, t + 1);
	ASSERT_EQ(pgt_map(&pgt, SZ_4K, 2 * SZ_4K, 0x99000, ATTR & ~S2_AP_W, false), 0);
	EXPECT_EQ(fake_tlbi_ipa, t + 3);
	/* Unmapping a page: one; unmapping nothing: none. */
	ASSERT_EQ(pgt_unmap(&pgt, 0, SZ_4K), 0);
	EXPECT_EQ(fake_tlbi_ipa, t + 4);
	ASSERT_EQ(pgt_unmap(&pgt, 0, SZ_4K), 0);
	EXPECT_EQ(fake_tlbi_ipa, t + 4);
	/* Splitting the 1 GiB block (once), then the 2 MiB one (once), then the page. */
	ASSERT_EQ(pgt_unmap(&pgt, SZ_1G + SZ_4K, SZ_4K), 0);
	EXPECT_EQ(fake_tlbi_ipa, t + 7);
	EXPECT_EQ(fake_tlbi_vmid, 0);
	pgt_destroy(&pgt);
}

TEST(pgtable, stage1_never_invalidates_stage2)
{
	struct pgtable pgt;
	unsigned t;

	setup(16);
	ASSERT_EQ(pgt_init(&pgt, &pool, -1), 0);
	t = fake_tlbi_ipa;
	ASSERT_EQ(pgt_map(&pgt, 0, SZ_1G, 0, ATTR, false), 0);
	ASSERT_EQ(pgt_unmap(&pgt, SZ_4K, SZ_4K), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_4K, SZ_4K, 0x5000, ATTR, false), 0);
	ASSERT_EQ(pgt_update_page(&pgt, SZ_4K, S2_AP_W, 0), 0);
	EXPECT_EQ(fake_tlbi_ipa, t);
	EXPECT_EQ(translate(&pgt, SZ_4K), 0x5000);
	/* Nor does clearing a table. */
	t = fake_tlbi_vmid;
	ASSERT_EQ(pgt_unmap(&pgt, 0, SZ_1G), 0);
	EXPECT_EQ(fake_tlbi_vmid, t);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 16);
}

/*
 * Clearing or replacing a table entry (pgt_unmap of a whole 2 MiB or 1 GiB range mapped
 * through a table, pgt_map of a block over a table) once invalidated only the TLB
 * entries of the range's first address before the table was freed: those of the other
 * pages, and walk caches holding the table, could survive. The whole VMID goes now.
 */
TEST(pgtable, clearing_a_table_invalidates_its_whole_range)
{
	struct pgtable pgt;
	unsigned t;

	setup(16);
	ASSERT_EQ(pgt_init(&pgt, &pool, 5), 0);
	ASSERT_EQ(pgt_map(&pgt, 0, SZ_2M, 0x200000, ATTR, true), 0);
	t = fake_tlbi_vmid;
	ASSERT_EQ(pgt_unmap(&pgt, 0, SZ_2M), 0);
	EXPECT_EQ(fake_tlbi_vmid, t + 1);
	/* A block over a table of pages, and over a table of blocks. */
	ASSERT_EQ(pgt_map(&pgt, 0, SZ_2M, 0x200000, ATTR, true), 0);
	ASSERT_EQ(pgt_map(&pgt, 0, SZ_2M, 0x400000, ATTR, false), 0);
	EXPECT_EQ(fake_tlbi_vmid, t + 2);
	EXPECT_EQ(translate(&pgt, SZ_4K), 0x401000);
	ASSERT_EQ(pgt_map(&pgt, SZ_1G, SZ_2M, 0x200000, ATTR, false), 0);
	ASSERT_EQ(pgt_map(&pgt, SZ_1G, SZ_1G, 0, ATTR, false), 0);
	EXPECT_EQ(fake_tlbi_vmid, t + 3);
	/* Leaves (pages and blocks) still invalidate by address only. */
	ASSERT_EQ(pgt_unmap(&pgt, 0, SZ_2M), 0);
	ASSERT_EQ(pgt_unmap(&pgt, SZ_1G, SZ_1G), 0);
	EXPECT_EQ(fake_tlbi_vmid, t + 3);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, 16);
}

/* ---- random map/unmap against a reference model ---- */

/*
 * The model is the list of operations itself: the translation of an address is
 * given by the last operation that covered it. Sizes are drawn per granule so
 * that blocks, splits and table replacements all happen.
 */
struct op {
	uint64_t addr, size, pa, attr;
	bool map;
};

#define NOPS   400
#define WINDOW (4 * SZ_1G)

static struct op ops[NOPS];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t model_translate(unsigned nops, uint64_t addr, uint64_t *attr)
{
	for (unsigned i = nops; i-- > 0;) {
		if (addr >= ops[i].addr && addr - ops[i].addr < ops[i].size) {
			*attr = ops[i].attr;
			return ops[i].map ? ops[i].pa + (addr - ops[i].addr) : ~0ull;
		}
	}
	return ~0ull;
}

static void check_addr(const struct pgtable *pgt, unsigned nops, uint64_t addr)
{
	uint64_t attr = 0, want = model_translate(nops, addr, &attr);
	uint64_t pte = pgt_lookup(pgt, addr, NULL);

	EXPECT_EQ(translate(pgt, addr), want);
	if (want != ~0ull) {
		EXPECT_EQ(pte & ~PTE_ADDR_MASK & ~TYPE_MASK, attr);
	}
}

TEST(pgtable, random_map_unmap_matches_model)
{
	static const uint64_t grains[] = { SZ_4K, SZ_2M, SZ_1G };
	struct pgtable pgt;
	unsigned n, blocks = 0;
	int failed_before = unit_test_failed_checks;

	setup(POOL_MAX_PAGES);
	ASSERT_EQ(pgt_init(&pgt, &pool, 7), 0);
	for (n = 0; n < NOPS && unit_test_failed_checks == failed_before; n++) {
		uint64_t g = grains[next_rand() % 3], g2 = grains[next_rand() % 3];
		uint64_t addr = (next_rand() % (WINDOW / g)) * g;
		uint64_t size = (1 + next_rand() % 3) * MIN(g, g2);
		struct op *o = &ops[n];

		if (addr + size > WINDOW) {
			size = WINDOW - addr;
		}
		*o = (struct op){ addr, size, (next_rand() % 64) * MIN(g, g2) + SZ_1G,
				  next_rand() & 1 ? ATTR : ATTR | S2_XN, next_rand() % 3 != 0 };
		if (o->map) {
			/* pages_only on a GiB range would take more tables than the pool has. */
			bool pages_only = o->size <= 4 * SZ_2M && next_rand() % 4 == 0;

			ASSERT_EQ(pgt_map(&pgt, o->addr, o->size, o->pa, o->attr, pages_only), 0);
		} else {
			ASSERT_EQ(pgt_unmap(&pgt, o->addr, o->size), 0);
		}
		/* Around every boundary so far, and at random. */
		for (unsigned i = 0; i <= n; i++) {
			check_addr(&pgt, n + 1, ops[i].addr);
			check_addr(&pgt, n + 1, ops[i].addr + ops[i].size - SZ_4K);
			if (ops[i].addr + ops[i].size < WINDOW) {
				check_addr(&pgt, n + 1, ops[i].addr + ops[i].size);
			}
		}
		for (unsigned i = 0; i < 64; i++) {
			check_addr(&pgt, n + 1, (next_rand() % (WINDOW / SZ_4K)) * SZ_4K);
		}
	}
	EXPECT_EQ(n, NOPS);
	/* The sequence did exercise blocks, not only pages. */
	walk_all(&pgt);
	for (unsigned i = 0; i < walked.n && i < ARRAY_SIZE(walked.l); i++) {
		blocks += walked.l[i].level < 3;
	}
	EXPECT_NE(blocks, 0);
	pgt_destroy(&pgt);
	EXPECT_EQ(pool.free_pages, POOL_MAX_PAGES);
}
