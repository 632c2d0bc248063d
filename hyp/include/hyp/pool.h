/* SPDX-License-Identifier: MIT */
/*
 * A fixed pool of 4 KiB pages carved out of the hypervisor's memory at boot:
 * the only memory the hypervisor allocates after boot (stage-2 tables).
 */
#ifndef HYP_POOL_H
#define HYP_POOL_H

#include <hyp/types.h>

struct page_pool {
	void *free_list;  /* freed pages, linked through their first word */
	uint8_t *next;    /* never-used pages: [next, end) */
	uint8_t *end;
	size_t free_pages;
	size_t total_pages;
};

void pool_init(struct page_pool *pool, void *base, size_t size);
/* Returns a zeroed page, or NULL when the pool is exhausted. */
void *pool_alloc(struct page_pool *pool);
void pool_free(struct page_pool *pool, void *page);

#endif
