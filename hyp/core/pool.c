/* SPDX-License-Identifier: MIT */
#include <abi/hvc.h>
#include <hyp/log.h>
#include <hyp/pool.h>
#include <lib/string.h>

void pool_init(struct page_pool *pool, void *base, size_t size)
{
	*pool = (struct page_pool){ 0 };
	pool->next = base;
	pool->end = (uint8_t *)base + (size & PAGE_MASK);
	pool->total_pages = size >> PAGE_SHIFT;
	pool->free_pages = pool->total_pages;
}

void *pool_alloc(struct page_pool *pool)
{
	uint32_t *mine = &pool->cpu_reserved[arch_this_cpu()];
	void *page;

	hyp_lock(&pool->lock);
	if (*mine) {
		(*mine)--;
		pool->reserved--;
	} else if (pool->free_pages <= pool->reserved) {
		hyp_unlock(&pool->lock);
		return NULL; /* what is left is set aside for others */
	}
	page = pool->free_list;
	if (page) {
		pool->free_list = *(void **)page;
	} else if (pool->next < pool->end) {
		page = pool->next;
		pool->next += PAGE_SIZE;
	} else {
		BUG_ON(true); /* free_pages said there was one */
	}
	pool->free_pages--;
	hyp_unlock(&pool->lock);
	memset(page, 0, PAGE_SIZE); /* the page is ours alone now */
	return page;
}

void pool_free(struct page_pool *pool, void *page)
{
	hyp_lock(&pool->lock);
	*(void **)page = pool->free_list;
	pool->free_list = page;
	pool->free_pages++;
	hyp_unlock(&pool->lock);
}

int pool_reserve(struct page_pool *pool, size_t n)
{
	int ret = -TV_ENOMEM;

	hyp_lock(&pool->lock);
	if (pool->free_pages - pool->reserved >= n) {
		pool->reserved += n;
		pool->cpu_reserved[arch_this_cpu()] += (uint32_t)n;
		ret = 0;
	}
	hyp_unlock(&pool->lock);
	return ret;
}

void pool_unreserve(struct page_pool *pool)
{
	uint32_t *mine = &pool->cpu_reserved[arch_this_cpu()];

	hyp_lock(&pool->lock);
	pool->reserved -= *mine;
	*mine = 0;
	hyp_unlock(&pool->lock);
}

size_t pool_free_pages(struct page_pool *pool)
{
	return __atomic_load_n(&pool->free_pages, __ATOMIC_RELAXED);
}
