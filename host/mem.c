/* SPDX-License-Identifier: MIT */
/*
 * The host's page allocator over the RAM it owns: everything above its image.
 * Runs of free pages are kept in a bitmap; allocation is first-fit. One lock for
 * every CPU: the VMM allocates at populate and restore time, not on hot paths.
 */
#include <host/host.h>
#include <lib/spinlock.h>
#include <lib/string.h>

extern char __host_end[];

uint64_t hyp_base, hyp_size, ram_base, ram_size;

#define MAX_PAGES (1u << 20) /* 4 GiB of RAM */

static uint64_t bitmap[MAX_PAGES / 64]; /* 1 = free */
static uint64_t first_pfn, nr_pages, nr_free, search_hint;
static struct spinlock lock; /* the bitmap, nr_free, search_hint */

static bool page_free(uint64_t i)
{
	return bitmap[i / 64] >> (i % 64) & 1;
}

static void set_free(uint64_t i, bool free)
{
	if (free) {
		bitmap[i / 64] |= 1ull << (i % 64);
	} else {
		bitmap[i / 64] &= ~(1ull << (i % 64));
	}
}

void mem_init(void)
{
	struct hvc_res r;
	uint64_t start = ((uint64_t)__host_end + PAGE_SIZE - 1) & PAGE_MASK;

	if (tv_hvc(TV_HC_MEM_INFO, 0, 0, 0, 0, 0, 0, &r)) {
		host_panic("TV_HC_MEM_INFO failed");
	}
	ram_base = r.x[1];
	ram_size = r.x[2];
	hyp_base = r.x[3];
	hyp_size = r.x[4];
	if (start < hyp_base + hyp_size) {
		host_panic("host image overlaps the hypervisor");
	}
	first_pfn = start / PAGE_SIZE;
	nr_pages = (ram_base + ram_size - start) / PAGE_SIZE;
	if (nr_pages > MAX_PAGES) {
		nr_pages = MAX_PAGES;
	}
	for (uint64_t i = 0; i < nr_pages; i++) {
		set_free(i, true);
	}
	nr_free = nr_pages;
}

void *alloc_pages(size_t n)
{
	void *p = alloc_pages_raw(n);

	if (p) {
		memset(p, 0, n * PAGE_SIZE);
	}
	return p;
}

static void *alloc_locked(size_t n)
{
	uint64_t run = 0;

	for (uint64_t k = 0; k < nr_pages; k++) {
		uint64_t i = (search_hint + k) % nr_pages;

		if (i == 0) {
			run = 0; /* runs do not wrap around */
		}
		run = page_free(i) ? run + 1 : 0;
		if (run == n) {
			uint64_t first = i + 1 - n;
			void *p = (void *)((first_pfn + first) * PAGE_SIZE);

			for (uint64_t j = first; j <= i; j++) {
				set_free(j, false);
			}
			nr_free -= n;
			search_hint = (i + 1) % nr_pages;
			return p;
		}
	}
	return NULL;
}

void *alloc_pages_raw(size_t n)
{
	void *p;

	spin_lock(&lock);
	p = alloc_locked(n);
	spin_unlock(&lock);
	return p;
}

void free_pages(void *p, size_t n)
{
	uint64_t first = (uint64_t)p / PAGE_SIZE - first_pfn;

	spin_lock(&lock);
	for (uint64_t i = first; i < first + n; i++) {
		if (i >= nr_pages || page_free(i)) {
			spin_unlock(&lock);
			host_panic("bad free of page 0x%lx", (first_pfn + i) * PAGE_SIZE);
		}
		set_free(i, true);
	}
	nr_free += n;
	spin_unlock(&lock);
}

int mem_reserve(uint64_t pa, uint64_t n)
{
	uint64_t first = pa / PAGE_SIZE - first_pfn;

	if (pa % PAGE_SIZE || pa / PAGE_SIZE < first_pfn || first + n > nr_pages || first + n < first) {
		return -1;
	}
	spin_lock(&lock);
	for (uint64_t i = first; i < first + n; i++) {
		if (!page_free(i)) {
			spin_unlock(&lock);
			return -1;
		}
	}
	for (uint64_t i = first; i < first + n; i++) {
		set_free(i, false);
	}
	nr_free -= n;
	spin_unlock(&lock);
	return 0;
}

size_t free_page_count(void)
{
	return nr_free;
}
