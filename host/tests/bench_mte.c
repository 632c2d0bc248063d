/* SPDX-License-Identifier: MIT */
/*
 * Benchmarks of the MTE paths, run by `make bench` under -icount shift=0 (one
 * counter tick is one instruction); they also check their results, so they run
 * as ordinary tests too. Prints "bench: KEY VALUE" lines.
 */
#include <host/test.h>
#include <host/vmm.h>

#define BENCH_MEM (64ull << 20)
#define PAGES (BENCH_MEM / PAGE_SIZE)
#define POPULATE_PAGES 2048

static int64_t new_vm(uint32_t flags)
{
	host_finalise();
	return tv_hvc(TV_HC_VM_CREATE, flags, GUEST_RAM_IPA, BENCH_MEM, 1, 0, 0, NULL);
}

/* Instructions per page to populate POPULATE_PAGES zeroed pages of a VM. */
static uint64_t populate_cost(uint32_t flags)
{
	int64_t h = new_vm(flags);
	uint8_t *pages = alloc_pages(POPULATE_PAGES);
	uint64_t t0, t1;
	unsigned failed = 0;

	HT_EXPECT_TRUE(h > 0 && pages);
	t0 = read_cntpct();
	for (unsigned i = 0; i < POPULATE_PAGES; i++) {
		failed += tv_hvc(TV_HC_MEM_DONATE, (uint64_t)h, (uint64_t)pages + i * PAGE_SIZE,
				 GUEST_RAM_IPA + i * PAGE_SIZE, TV_DONATE_ZERO, 0, 0, NULL) != 0;
	}
	t1 = read_cntpct();
	HT_EXPECT_EQ(failed, 0);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VM_DESTROY, (uint64_t)h, 0, 0, 0, 0, 0, NULL), 0);
	free_pages(pages, POPULATE_PAGES);
	return (t1 - t0) * 1000000000ull / read_cntfrq() / POPULATE_PAGES;
}

/* Copies the tags of all of guest RAM one way; returns instructions per page. */
static uint64_t copy_cost(int64_t h, uint8_t *buf, uint64_t dir)
{
	uint64_t t0 = read_cntpct(), done = 0;

	while (done < BENCH_MEM) {
		int64_t r = tv_hvc(TV_HC_MTE_COPY_TAGS, (uint64_t)h, GUEST_RAM_IPA + done,
				   BENCH_MEM - done, (uint64_t)buf + done / 16, dir, 0, NULL);

		if (r <= 0) {
			HT_EXPECT_TRUE(r > 0);
			return 0;
		}
		done += (uint64_t)r;
	}
	return (read_cntpct() - t0) * 1000000000ull / read_cntfrq() / PAGES;
}

HOST_TEST(bench_mte_pages)
{
	uint64_t zero_mte = populate_cost(TV_VM_MTE), zero_plain = populate_cost(0);
	int64_t h = new_vm(TV_VM_MTE);
	uint8_t *pages = alloc_pages(PAGES), *in = alloc_pages(PAGES / 16),
		*out = alloc_pages(PAGES / 16);
	uint64_t to, from;
	unsigned bad = 0;

	HT_EXPECT_TRUE(h > 0 && pages && in && out);
	for (uint64_t i = 0; i < PAGES; i++) {
		HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, (uint64_t)h, (uint64_t)pages + i * PAGE_SIZE,
				    GUEST_RAM_IPA + i * PAGE_SIZE, TV_DONATE_ZERO, 0, 0, NULL),
			     0);
	}
	for (uint64_t i = 0; i < PAGES * 256; i++) {
		in[i] = (uint8_t)((i * 2654435761u >> 28) & 0xf);
	}
	to = copy_cost(h, in, TV_TAGS_TO_GUEST);
	from = copy_cost(h, out, TV_TAGS_FROM_GUEST);
	for (uint64_t i = 0; i < PAGES * 256; i++) {
		bad += in[i] != out[i];
	}
	HT_EXPECT_EQ(bad, 0);
	host_printf("bench: populate_page_mte %lu\n", zero_mte);
	host_printf("bench: populate_page_plain %lu\n", zero_plain);
	host_printf("bench: populate_ratio_x100 %lu\n", zero_mte * 100 / zero_plain);
	host_printf("bench: copy_tags_to_guest_per_page %lu\n", to);
	host_printf("bench: copy_tags_from_guest_per_page %lu\n", from);
}
