/* SPDX-License-Identifier: MIT */
/*
 * TV_HC_MTE_COPY_TAGS (hyp/core/mte.c) on the fake arch's tag store: it walks a leaf
 * table at a time, so what it does at a table's end, at holes, at the end of the
 * VM's RAM and at a missing page must be what a page-by-page lookup would do.
 */
#include "test.h"

#include <abi/hvc.h>
#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/mem_protect.h>
#include <hyp/mte.h>
#include <hyp/vm.h>

#include <string.h>

#define RAM	     (8ull << 20)
#define HYP	     (1ull << 20)
#define IPA0	     0x40000000ull
#define VM_PAGES     520u /* past the first leaf table (512 pages) */
#define IPA(i)	     (IPA0 + (uint64_t)(i)*PAGE_SIZE)
#define HOST_PAGE(i) (FAKE_RAM_BASE + HYP + (uint64_t)(i)*PAGE_SIZE)
#define BUF	     HOST_PAGE(100) /* tag bytes: 16 pages' worth per host page */

static struct vm *vm;

static uint8_t *buf(void)
{
	return hyp_va(pa_init(BUF));
}

/* An MTE VM of VM_PAGES pages with pages[0..n) donated, host page i at IPA pages[i]. */
static void setup(const unsigned *pages, unsigned n)
{
	struct fake_config cfg = { RAM, HYP, true };
	int err;

	fake_hyp_init(&cfg);
	vm = vm_from_handle((uint64_t)vm_create(TV_VM_MTE, IPA0, VM_PAGES * PAGE_SIZE, 1), &err);
	for (unsigned i = 0; i < n; i++) {
		ASSERT_EQ(host_donate_guest(vm, HOST_PAGE(i), IPA(pages[i]), 0, 0, 0), 0);
	}
}

TEST(mte, copy_tags_across_a_leaf_table_and_holes)
{
	static const unsigned pages[] = { 510, 511, 512, 513, 516 };
	uint8_t *b;

	setup(pages, ARRAY_SIZE(pages));
	b = buf();
	for (unsigned i = 0; i < 4 * TAGS_PER_PAGE; i++) {
		b[i] = (uint8_t)(0xf0 | (i * 5 + 3) % 16); /* bits 7:4 ignored */
	}
	/* Written across the end of the first table: every page, every granule. */
	EXPECT_EQ(host_copy_tags(vm, IPA(510), 4 * PAGE_SIZE, BUF, TV_TAGS_TO_GUEST),
		  4 * PAGE_SIZE);
	for (unsigned i = 0; i < 4 * TAGS_PER_PAGE; i++) {
		EXPECT_EQ(fake_tag_get(HOST_PAGE(i / TAGS_PER_PAGE) + (i % TAGS_PER_PAGE) * 16),
			  (i * 5 + 3) % 16);
	}
	/* Read from 508 to 517: pages not there read as zero tags. */
	memset(b, 0xee, 10 * TAGS_PER_PAGE);
	EXPECT_EQ(host_copy_tags(vm, IPA(508), 10 * PAGE_SIZE, BUF, TV_TAGS_FROM_GUEST),
		  10 * PAGE_SIZE);
	for (unsigned i = 0; i < 10 * TAGS_PER_PAGE; i++) {
		unsigned page = 508 + i / TAGS_PER_PAGE;
		unsigned want =
		    page >= 510 && page <= 513 ? ((i - 2 * TAGS_PER_PAGE) * 5 + 3) % 16 : 0;

		EXPECT_EQ(b[i], want);
	}
	/* Writing stops at the first missing page, with the progress made. */
	EXPECT_EQ(host_copy_tags(vm, IPA(512), 4 * PAGE_SIZE, BUF, TV_TAGS_TO_GUEST),
		  2 * PAGE_SIZE);
	EXPECT_EQ(host_copy_tags(vm, IPA(514), PAGE_SIZE, BUF, TV_TAGS_TO_GUEST), -TV_EFAULT);
	EXPECT_EQ(host_copy_tags(vm, IPA(509), 2 * PAGE_SIZE, BUF, TV_TAGS_TO_GUEST), -TV_EFAULT);
	/* And any copy stops at the end of RAM. */
	EXPECT_EQ(host_copy_tags(vm, IPA(516), 8 * PAGE_SIZE, BUF, TV_TAGS_FROM_GUEST),
		  4 * PAGE_SIZE);
	EXPECT_EQ(host_copy_tags(vm, IPA(VM_PAGES), PAGE_SIZE, BUF, TV_TAGS_FROM_GUEST),
		  -TV_EFAULT);
	EXPECT_EQ(check_invariants(), 0);
}

TEST(mte, copy_tags_from_a_vm_with_no_page_at_all)
{
	uint8_t *b;

	setup(NULL, 0);
	b = buf();
	memset(b, 0xee, 2 * TAGS_PER_PAGE);
	/* No leaf table exists: zero tags out, nothing in. */
	EXPECT_EQ(host_copy_tags(vm, IPA(0), 2 * PAGE_SIZE, BUF, TV_TAGS_FROM_GUEST),
		  2 * PAGE_SIZE);
	for (unsigned i = 0; i < 2 * TAGS_PER_PAGE; i++) {
		EXPECT_EQ(b[i], 0);
	}
	EXPECT_EQ(host_copy_tags(vm, IPA(0), PAGE_SIZE, BUF, TV_TAGS_TO_GUEST), -TV_EFAULT);
}
