/* SPDX-License-Identifier: MIT */
/*
 * The fake arch's data cache: a page whose data or tags the hypervisor wrote is dirty
 * until it is cleaned to the point of coherency, so tests can check that no page
 * changes owner with DRAM older than the caches (arch_page_clean_poc).
 */
#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/mem_protect.h>

#include <stdlib.h>

static uint8_t *dirty; /* per page: FAKE_CACHE_DATA | FAKE_CACHE_TAGS */
static uint64_t nr_pages;

void fake_cache_reset(uint64_t ram_size)
{
	free(dirty);
	nr_pages = ram_size >> PAGE_SHIFT;
	dirty = calloc(nr_pages, 1);
	if (!dirty) {
		abort();
	}
}

static uint8_t *page_bits(uint64_t pa)
{
	uint64_t i = (pa - FAKE_RAM_BASE) >> PAGE_SHIFT;

	if (pa < FAKE_RAM_BASE || i >= nr_pages) {
		abort();
	}
	return &dirty[i];
}

void fake_cache_write(uint64_t pa, unsigned what)
{
	*page_bits(pa) |= (uint8_t)what;
}

unsigned fake_cache_dirty(uint64_t pa)
{
	return *page_bits(pa);
}

void arch_page_clean_poc(phys_addr_t pa, bool tags)
{
	*page_bits(pa_addr(pa)) &= (uint8_t) ~(FAKE_CACHE_DATA | (tags ? FAKE_CACHE_TAGS : 0));
}

void arch_page_zero_poc(phys_addr_t pa, bool tags)
{
	if (tags) {
		arch_page_zero_tagged(pa);
	} else {
		arch_page_zero(pa);
	}
	arch_page_clean_poc(pa, tags);
}
