/* SPDX-License-Identifier: MIT */
/*
 * A fixed pool of 4 KiB pages carved out of the hypervisor's memory at boot:
 * the only memory the hypervisor allocates after boot (stage-2 tables).
 */
#ifndef HYP_POOL_H
#define HYP_POOL_H

#include <hyp/lock.h>
#include <hyp/types.h>

struct page_pool {
	struct hyp_lock lock; /* innermost but for the leaves (hyp/lock.h) */
	void *free_list;  /* freed pages, linked through their first word */
	uint8_t *next;    /* never-used pages: [next, end) */
	uint8_t *end;
	size_t free_pages;
	size_t total_pages;
	/*
	 * Pages set aside by pool_reserve(), in all and per CPU: only the CPU that reserved
	 * them may take them, so a change that reserved what it needs cannot run out.
	 */
	size_t reserved;
	uint32_t cpu_reserved[HYP_MAX_CPUS];
};

void pool_init(struct page_pool *pool, void *base, size_t size);
/*
 * Returns a zeroed page: one this CPU reserved if it has any left, else one nobody
 * reserved; NULL when there is none.
 */
void *pool_alloc(struct page_pool *pool);
/* Sets n pages aside for this CPU's next allocations. 0, or -TV_ENOMEM (nothing set aside). */
int pool_reserve(struct page_pool *pool, size_t n);
/* Gives back what this CPU has left of its reservation. */
void pool_unreserve(struct page_pool *pool);
void pool_free(struct page_pool *pool, void *page);
/* Free pages now (a hint: another CPU may take some next). */
size_t pool_free_pages(struct page_pool *pool);

#endif
