/* SPDX-License-Identifier: MIT */
/*
 * Guest page reclaim ("swap") with tags preserved. Evicting a page: the
 * hypervisor unmaps it, hands its data and its compressed tags to the host and
 * clears the tags; the data goes to the swap store (host memory standing in for a
 * swap device, like zram without compression) and the page is free. Restoring:
 * a new page gets the data back and is donated with the tags, which the
 * hypervisor decodes and sets. The guest never notices.
 */
#include <host/vmm.h>
#include <lib/string.h>
#include <lib/tagcodec.h>

#define TAG_SLOT (TAGCODEC_MAX_SIZE + 1)
#define WINDOW 64 /* pages aged per TV_HC_MEM_AGE call */

static uint64_t pages_for(uint64_t bytes)
{
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

int swap_enable(struct guest *g, uint64_t limit)
{
	struct swap *s;

	if (g->vm_flags & TV_VM_PROTECTED) {
		host_log("a protected guest's pages cannot be reclaimed: the hypervisor refuses");
		return -1;
	}
	if (limit < 16) {
		host_log("resident page limit %lu is too small (16 at least)", limit);
		return -1;
	}
	s = alloc_pages(1);
	if (!s) {
		return -1;
	}
	s->limit = limit;
	s->slot = alloc_pages(pages_for(g->nr_pages * sizeof(uint64_t)));
	s->tags = alloc_pages(pages_for(g->nr_pages * TAG_SLOT));
	if (!s->slot || !s->tags) {
		host_log("no memory for the swap store");
		return -1;
	}
	g->swap = s;
	return 0;
}

void swap_release(struct guest *g)
{
	struct swap *s = g->swap;

	if (!s) {
		return;
	}
	for (uint64_t i = 0; i < g->nr_pages; i++) {
		if (s->slot[i]) {
			free_pages((void *)s->slot[i], 1);
		}
	}
	free_pages(s->slot, pages_for(g->nr_pages * sizeof(uint64_t)));
	free_pages(s->tags, pages_for(g->nr_pages * TAG_SLOT));
	free_pages(s, 1);
	g->swap = NULL;
}

/* Takes guest page idx back: its data to a swap page, its tags to the tag store. */
static int evict(struct guest *g, uint64_t idx)
{
	struct swap *s = g->swap;
	uint8_t *tags = s->tags + idx * TAG_SLOT;
	struct hvc_res r;
	int64_t ret = tv_hvc(TV_HC_MEM_RECLAIM, (uint64_t)g->handle, GUEST_RAM_IPA + idx * PAGE_SIZE,
			     (uint64_t)(tags + 1), TAGCODEC_MAX_SIZE, 0, 0, &r);
	void *store;

	if (ret) {
		host_log("guest %u: TV_HC_MEM_RECLAIM of page 0x%lx failed: %ld", g->id,
			 GUEST_RAM_IPA + idx * PAGE_SIZE, ret);
		return -1;
	}
	if (r.x[1] != g->page_pa[idx]) {
		host_panic("reclaim returned page 0x%lx, expected 0x%lx", r.x[1], g->page_pa[idx]);
	}
	store = alloc_pages_raw(1);
	if (!store) {
		host_log("guest %u: swap store full", g->id);
		return -1;
	}
	memcpy(store, (void *)r.x[1], PAGE_SIZE);
	free_pages((void *)r.x[1], 1);
	tags[0] = (uint8_t)r.x[2];
	s->slot[idx] = (uint64_t)store;
	g->page_pa[idx] = 0;
	s->resident--;
	s->evictions++;
	s->stored_tag_bytes += r.x[2];
	s->tagged_evictions += r.x[2] > 1;
	return 0;
}

/*
 * The clock: age a window of 64 pages at the hand (the access flags are read and
 * cleared), evict the first page not used since its last visit, else move on.
 * Pages found used keep their second chance until the hand comes back.
 */
static int evict_one(struct guest *g)
{
	struct swap *s = g->swap;

	for (uint64_t visited = 0; visited <= 2 * g->nr_pages; visited += WINDOW) {
		uint64_t count = g->nr_pages - s->hand < WINDOW ? g->nr_pages - s->hand : WINDOW;
		struct hvc_res r;

		if (tv_hvc(TV_HC_MEM_AGE, (uint64_t)g->handle, GUEST_RAM_IPA + s->hand * PAGE_SIZE,
			   count, 0, 0, 0, &r)) {
			host_log("guest %u: TV_HC_MEM_AGE failed", g->id);
			return -1;
		}
		uint64_t cold = r.x[2] & ~r.x[1];

		if (cold) {
			return evict(g, s->hand + (uint64_t)__builtin_ctzll(cold));
		}
		s->hand = (s->hand + WINDOW) % g->nr_pages;
	}
	host_log("guest %u: no page to evict", g->id);
	return -1;
}

/* Donates a page to the guest at idx, with data and tags restored if it was swapped. */
static int give_page(struct guest *g, uint64_t idx, void *page)
{
	struct swap *s = g->swap;
	uint64_t flags = TV_DONATE_ZERO, tags = 0, tag_len = 0;
	int64_t r;

	if (s && s->slot[idx]) {
		memcpy(page, (void *)s->slot[idx], PAGE_SIZE);
		tag_len = s->tags[idx * TAG_SLOT];
		tags = (uint64_t)(s->tags + idx * TAG_SLOT + 1);
		flags = tag_len ? TV_DONATE_TAGS : 0;
	}
	r = tv_hvc(TV_HC_MEM_DONATE, (uint64_t)g->handle, (uint64_t)page,
		   GUEST_RAM_IPA + idx * PAGE_SIZE, flags, tags, tag_len, NULL);
	if (r) {
		host_log("guest %u: TV_HC_MEM_DONATE at 0x%lx failed: %ld", g->id,
			 GUEST_RAM_IPA + idx * PAGE_SIZE, r);
		return -1;
	}
	g->page_pa[idx] = (uint64_t)page;
	if (s) {
		if (s->slot[idx]) {
			free_pages((void *)s->slot[idx], 1);
			s->slot[idx] = 0;
			s->restores++;
		}
		s->resident++;
	}
	return 0;
}

int swap_fault_in(struct guest *g, uint64_t ipa)
{
	uint64_t idx = (ipa - GUEST_RAM_IPA) / PAGE_SIZE;
	void *page;

	if (idx >= g->nr_pages || g->page_pa[idx]) {
		host_log("guest %u: memory fault at 0x%lx, a page it already has", g->id, ipa);
		return -1;
	}
	while (g->swap && g->swap->resident >= g->swap->limit) {
		if (evict_one(g)) {
			return -1;
		}
	}
	page = alloc_pages_raw(1); /* restored or zeroed by the hypervisor: no need to clear */
	if (!page) {
		host_log("guest %u: out of memory at 0x%lx", g->id, ipa);
		return -1;
	}
	if (give_page(g, idx, page)) {
		free_pages(page, 1);
		return -1;
	}
	return 0;
}
