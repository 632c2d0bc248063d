/* SPDX-License-Identifier: MIT */
#include <hyp/pool.h>
#include <lib/string.h>

void pool_init(struct page_pool *pool, void *base, size_t size)
{
	pool->free_list = NULL;
	pool->next = base;
	pool->end = (uint8_t *)base + (size & PAGE_MASK);
	pool->total_pages = size >> PAGE_SHIFT;
	pool->free_pages = pool->total_pages;
}

void *pool_alloc(struct page_pool *pool)
{
	void *page = pool->free_list;

	if (page) {
		pool->free_list = *(void **)page;
	} else if (pool->next < pool->end) {
		page = pool->next;
		pool->next += PAGE_SIZE;
	} else {
		return NULL;
	}
	pool->free_pages--;
	memset(page, 0, PAGE_SIZE);
	return page;
}

void pool_free(struct page_pool *pool, void *page)
{
	*(void **)page = pool->free_list;
	pool->free_list = page;
	pool->free_pages++;
}
