/* SPDX-License-Identifier: MIT */
/*
 * Page ownership on the fake arch: each transition and its errors, then long
 * random sequences of transitions checked against a simple reference model and
 * against the invariants (check_invariants) after every step.
 */
#include "test.h"

#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/mem_protect.h>
#include <hyp/vm.h>
#include <lib/tagcodec.h>

#include <string.h>

#define RAM (8ull << 20)
#define HYP (1ull << 20)
#define IPA0 0x40000000ull
#define HOST_PAGE(i) (FAKE_RAM_BASE + HYP + (uint64_t)(i)*PAGE_SIZE)

static struct vm *make_vm(uint32_t flags, int64_t *handle)
{
	int err;
	int64_t h = vm_create(flags, IPA0, 64 * PAGE_SIZE, 1);

	*handle = h;
	return h > 0 ? vm_from_handle((uint64_t)h, &err) : NULL;
}

static void init(bool mte)
{
	struct fake_config cfg = { RAM, HYP, mte };

	fake_hyp_init(&cfg);
}

TEST(mem_protect, host_starts_owning_all_but_hyp)
{
	init(true);
	EXPECT_EQ(page_state_of(FAKE_RAM_BASE, OWNER_HOST), PS_NOPAGE);
	EXPECT_EQ(page_state_of(FAKE_RAM_BASE, OWNER_HYP), PS_OWNED);
	EXPECT_EQ(page_state_of(HOST_PAGE(0), OWNER_HOST), PS_OWNED);
	EXPECT_EQ(pgt_lookup(&host_s2, FAKE_RAM_BASE, NULL), 0);
	EXPECT_NE(pgt_lookup(&host_s2, HOST_PAGE(0), NULL), 0);
	EXPECT_EQ(check_invariants(), 0);
}

TEST(mem_protect, donate_clears_tags_keeps_data)
{
	int64_t h;
	struct vm *vm;
	uint64_t *data;

	init(true);
	vm = make_vm(TV_VM_MTE, &h);
	ASSERT_TRUE(vm);
	data = hyp_va(pa_init(HOST_PAGE(0)));
	data[0] = 42;
	fake_tag_set(HOST_PAGE(0) + 16, 7);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0, 0, 0, 0), 0);
	EXPECT_EQ(data[0], 42);
	EXPECT_EQ(fake_tag_get(HOST_PAGE(0) + 16), 0);
	EXPECT_EQ(page_state_of(HOST_PAGE(0), OWNER_HOST), PS_NOPAGE);
	EXPECT_EQ(page_state_of(HOST_PAGE(0), vm->owner_id), PS_OWNED);
	EXPECT_EQ(pgt_lookup(&host_s2, HOST_PAGE(0), NULL), 0);
	EXPECT_EQ(pte_pa(pgt_lookup(&vm->s2, IPA0, NULL)), HOST_PAGE(0));
	EXPECT_EQ(check_invariants(), 0);

	/* TV_DONATE_ZERO zeroes data and tags. */
	data = hyp_va(pa_init(HOST_PAGE(1)));
	data[3] = 9;
	fake_tag_set(HOST_PAGE(1) + 4080, 3);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(1), IPA0 + PAGE_SIZE, TV_DONATE_ZERO, 0, 0), 0);
	EXPECT_EQ(data[3], 0);
	EXPECT_EQ(fake_tag_get(HOST_PAGE(1) + 4080), 0);
}

TEST(mem_protect, donate_errors)
{
	int64_t h, h2;
	struct vm *vm, *vm2;

	init(true);
	vm = make_vm(0, &h);
	vm2 = make_vm(0, &h2);
	ASSERT_TRUE(vm && vm2);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0) + 8, IPA0, 0, 0, 0), -TV_EINVAL);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0 + 8, 0, 0, 0), -TV_EINVAL);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0, 0x80, 0, 0), -TV_EINVAL);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0, TV_DONATE_TAGS, 0, 0), -TV_EINVAL);
	EXPECT_EQ(host_donate_guest(vm, 0x1000, IPA0, 0, 0, 0), -TV_ERANGE);
	EXPECT_EQ(host_donate_guest(vm, FAKE_RAM_BASE + RAM, IPA0, 0, 0, 0), -TV_ERANGE);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0 - PAGE_SIZE, 0, 0, 0), -TV_ERANGE);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0 + 64 * PAGE_SIZE, 0, 0, 0), -TV_ERANGE);
	EXPECT_EQ(host_donate_guest(vm, FAKE_RAM_BASE, IPA0, 0, 0, 0), -TV_EPERM); /* hyp memory */
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0, 0, 0, 0), 0);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0 + PAGE_SIZE, 0, 0, 0), -TV_EPERM);
	EXPECT_EQ(host_donate_guest(vm2, HOST_PAGE(0), IPA0, 0, 0, 0), -TV_EPERM);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(1), IPA0, 0, 0, 0), -TV_EEXIST);
	EXPECT_EQ(host_share_guest(vm, HOST_PAGE(0), IPA0 + PAGE_SIZE), -TV_EPERM);
	EXPECT_EQ(check_invariants(), 0);
}

TEST(mem_protect, protected_vm_refuses_share_and_reclaim)
{
	int64_t h;
	struct vm *vm;
	uint64_t pa, len;
	uint64_t buf = HOST_PAGE(10);

	init(true);
	vm = make_vm(TV_VM_PROTECTED | TV_VM_MTE, &h);
	ASSERT_TRUE(vm);
	EXPECT_EQ(host_share_guest(vm, HOST_PAGE(0), IPA0), -TV_EPERM);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0, 0, 0, 0), 0);
	EXPECT_EQ(host_reclaim_guest(vm, IPA0, buf, PAGE_SIZE, &pa, &len), -TV_EPERM);
	/* Teardown returns it scrubbed: data and tags. */
	*(uint64_t *)hyp_va(pa_init(HOST_PAGE(0))) = 0x5ec2e7;
	fake_tag_set(HOST_PAGE(0), 5);
	EXPECT_EQ(vm_destroy((uint64_t)h), 0);
	EXPECT_EQ(*(uint64_t *)hyp_va(pa_init(HOST_PAGE(0))), 0);
	EXPECT_EQ(fake_tag_get(HOST_PAGE(0)), 0);
	EXPECT_EQ(page_state_of(HOST_PAGE(0), OWNER_HOST), PS_OWNED);
	EXPECT_EQ(check_invariants(), 0);
}

/*
 * A protected VM gets host data (its image) only before it first runs; after that only
 * pages the hypervisor zeroes, so the host cannot plant data or tags at unpopulated IPAs.
 */
TEST(mem_protect, protected_vm_after_start_gets_zeroed_pages_only)
{
	static const uint8_t zero_tags[] = { 0 }; /* any encoding: refused before decoding */
	int64_t h, hn;
	struct vm *vm, *plain;
	uint64_t tags = HOST_PAGE(20);

	init(true);
	vm = make_vm(TV_VM_PROTECTED | TV_VM_MTE, &h);
	plain = make_vm(TV_VM_MTE, &hn);
	ASSERT_TRUE(vm && plain);
	memcpy(hyp_va(pa_init(tags)), zero_tags, sizeof(zero_tags));
	/* Before the first run: the image's pages, data kept. */
	*(uint64_t *)hyp_va(pa_init(HOST_PAGE(0))) = 0x1a6e;
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0, 0, 0, 0), 0);
	vm->started = true;
	plain->started = true;
	*(uint64_t *)hyp_va(pa_init(HOST_PAGE(1))) = 0xbad;
	fake_tag_set(HOST_PAGE(1), 7);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(1), IPA0 + PAGE_SIZE, 0, 0, 0), -TV_EPERM);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(1), IPA0 + PAGE_SIZE, TV_DONATE_TAGS, tags, 1),
		  -TV_EPERM);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(1), IPA0 + PAGE_SIZE,
				    TV_DONATE_ZERO | TV_DONATE_TAGS, tags, 1),
		  -TV_EPERM);
	EXPECT_EQ(page_state_of(HOST_PAGE(1), OWNER_HOST), PS_OWNED);
	/* A zeroed page it may have: data and tags zero. */
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(1), IPA0 + PAGE_SIZE, TV_DONATE_ZERO, 0, 0), 0);
	EXPECT_EQ(*(uint64_t *)hyp_va(pa_init(HOST_PAGE(1))), 0);
	EXPECT_EQ(fake_tag_get(HOST_PAGE(1)), 0);
	/* A VM that is not protected still takes the host's data (reclaim, restore). */
	EXPECT_EQ(host_donate_guest(plain, HOST_PAGE(2), IPA0, 0, 0, 0), 0);
	EXPECT_EQ(check_invariants(), 0);
}

/*
 * No page changes owner with DRAM older than the caches: what EL2 wrote (a scrub, tags) and
 * what the guest wrote are cleaned to the point of coherency, data and tags, before the
 * host or the guest can map the page (a non-cacheable mapping reads DRAM).
 */
TEST(mem_protect, pages_change_owner_clean_to_poc)
{
	const unsigned both = FAKE_CACHE_DATA | FAKE_CACHE_TAGS;
	uint64_t pa, len, buf = HOST_PAGE(30);
	int64_t h;
	struct vm *vm;

	for (unsigned protect = 0; protect < 2; protect++) {
		init(true);
		vm = make_vm(TV_VM_MTE | (protect ? TV_VM_PROTECTED : 0), &h);
		ASSERT_TRUE(vm);
		/* Donated: zeroed, kept (an image), with restored tags. */
		EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0, TV_DONATE_ZERO, 0, 0), 0);
		EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(1), IPA0 + PAGE_SIZE, 0, 0, 0), 0);
		for (unsigned i = 0; i < 2; i++) {
			EXPECT_EQ(fake_cache_dirty(HOST_PAGE(i)), 0);
		}
		/* The guest writes data and tags (in the caches). */
		fake_cache_write(HOST_PAGE(0), both);
		fake_cache_write(HOST_PAGE(1), both);
		if (!protect) {
			EXPECT_EQ(host_reclaim_guest(vm, IPA0, buf, PAGE_SIZE, &pa, &len), 0);
			EXPECT_EQ(pa, HOST_PAGE(0));
			EXPECT_EQ(fake_cache_dirty(HOST_PAGE(0)), 0);
		}
		/* Teardown: scrubbed and cleaned before the host has it again. */
		EXPECT_EQ(vm_destroy((uint64_t)h), 0);
		EXPECT_EQ(fake_cache_dirty(HOST_PAGE(1)), 0);
		EXPECT_EQ(page_state_of(HOST_PAGE(1), OWNER_HOST), PS_OWNED);
	}
	/* Without MTE in the VM, a teardown still cleans the tags (the hardware has them). */
	init(true);
	vm = make_vm(0, &h);
	ASSERT_TRUE(vm);
	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(2), IPA0, TV_DONATE_ZERO, 0, 0), 0);
	EXPECT_EQ(fake_cache_dirty(HOST_PAGE(2)), 0);
	fake_cache_write(HOST_PAGE(2), FAKE_CACHE_DATA);
	EXPECT_EQ(vm_destroy((uint64_t)h), 0);
	EXPECT_EQ(fake_cache_dirty(HOST_PAGE(2)), 0);
}

TEST(mem_protect, reclaim_hands_over_data_and_tags)
{
	int64_t h;
	struct vm *vm;
	uint64_t pa = 0, len = 0, buf = HOST_PAGE(10);
	uint8_t tags[TAGCODEC_PACKED_SIZE];

	init(true);
	vm = make_vm(TV_VM_MTE, &h);
	ASSERT_TRUE(vm);
	ASSERT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0, TV_DONATE_ZERO, 0, 0), 0);
	for (unsigned g = 0; g < 256; g++) {
		fake_tag_set(HOST_PAGE(0) + g * 16, (uint8_t)(g % 7));
	}
	*(uint64_t *)hyp_va(pa_init(HOST_PAGE(0))) = 77;
	EXPECT_EQ(host_reclaim_guest(vm, IPA0, buf, 100, &pa, &len), -TV_E2BIG);
	EXPECT_EQ(host_reclaim_guest(vm, IPA0, FAKE_RAM_BASE, PAGE_SIZE, &pa, &len), -TV_EFAULT);
	EXPECT_EQ(host_reclaim_guest(vm, IPA0, buf, PAGE_SIZE, &pa, &len), 0);
	EXPECT_EQ(pa, HOST_PAGE(0));
	EXPECT_EQ(*(uint64_t *)hyp_va(pa_init(pa)), 77);
	EXPECT_EQ(fake_tag_get(pa + 16), 0);
	EXPECT_EQ(page_state_of(pa, OWNER_HOST), PS_OWNED);
	ASSERT_TRUE(len > 0 && len <= TAGCODEC_MAX_SIZE);
	ASSERT_EQ(tagcodec_decode(hyp_va(pa_init(buf)), len, tags), 0);
	for (unsigned g = 0; g < 256; g++) {
		EXPECT_EQ((tags[g / 2] >> (4 * (g % 2))) & 0xf, g % 7);
	}
	/* Back with the same tags; a truncated encoding is refused without any change. */
	EXPECT_EQ(host_donate_guest(vm, pa, IPA0, TV_DONATE_TAGS, buf, len - 1), -TV_EBADMSG);
	EXPECT_EQ(host_donate_guest(vm, pa, IPA0, TV_DONATE_TAGS, buf, 0), -TV_EINVAL);
	EXPECT_EQ(page_state_of(pa, OWNER_HOST), PS_OWNED);
	EXPECT_EQ(host_donate_guest(vm, pa, IPA0, TV_DONATE_TAGS, buf, len), 0);
	EXPECT_EQ(fake_tag_get(pa + 16 * 13), 13 % 7);
	EXPECT_EQ(check_invariants(), 0);
}

TEST(mem_protect, shares_both_ways)
{
	int64_t h;
	struct vm *vm;

	init(false);
	vm = make_vm(0, &h);
	ASSERT_TRUE(vm);
	EXPECT_EQ(host_share_guest(vm, HOST_PAGE(0), IPA0), 0);
	EXPECT_EQ(page_state_of(HOST_PAGE(0), OWNER_HOST), PS_SHARED_OWNED);
	EXPECT_EQ(page_state_of(HOST_PAGE(0), vm->owner_id), PS_SHARED_BORROWED);
	EXPECT_EQ(guest_share_host(vm, IPA0), -TV_ENOENT); /* not the guest's to lend */
	EXPECT_EQ(host_unshare_guest(vm, IPA0), 0);
	EXPECT_EQ(host_unshare_guest(vm, IPA0), -TV_ENOENT);

	EXPECT_EQ(host_donate_guest(vm, HOST_PAGE(1), IPA0, 0, 0, 0), 0);
	EXPECT_EQ(guest_share_host(vm, IPA0), 0);
	EXPECT_EQ(page_state_of(HOST_PAGE(1), OWNER_HOST), PS_SHARED_BORROWED);
	EXPECT_NE(pgt_lookup(&host_s2, HOST_PAGE(1), NULL), 0);
	EXPECT_EQ(guest_share_host(vm, IPA0), -TV_ENOENT);
	EXPECT_EQ(host_unshare_guest(vm, IPA0), -TV_ENOENT);
	EXPECT_EQ(check_invariants(), 0);
	EXPECT_EQ(guest_unshare_host(vm, IPA0), 0);
	EXPECT_EQ(pgt_lookup(&host_s2, HOST_PAGE(1), NULL), 0);
	EXPECT_EQ(check_invariants(), 0);
}

/* ---- random transitions against a reference model ---- */

#define NPAGES 24
#define NVMS 3
#define NSLOTS 12

enum model_state { M_HOST, M_DONATED, M_SHARED, M_LENT };

struct model_page {
	enum model_state state;
	int vm;   /* index into handles */
	int slot; /* IPA slot */
};

struct model {
	struct model_page page[NPAGES];
	int64_t handle[NVMS];
	bool protected_vm[NVMS];
};

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int page_at(const struct model *m, int vm, int slot)
{
	for (int p = 0; p < NPAGES; p++) {
		if (m->page[p].state != M_HOST && m->page[p].vm == vm && m->page[p].slot == slot) {
			return p;
		}
	}
	return -1;
}

static struct vm *vm_of(const struct model *m, int v)
{
	int err;

	return vm_from_handle((uint64_t)m->handle[v], &err);
}

static void new_vm(struct model *m, int v)
{
	m->protected_vm[v] = next_rand() % 3 == 0;
	m->handle[v] = vm_create(TV_VM_MTE | (m->protected_vm[v] ? TV_VM_PROTECTED : 0), IPA0,
				 NSLOTS * PAGE_SIZE, 1);
}

static void check_model(const struct model *m)
{
	for (int p = 0; p < NPAGES; p++) {
		static const enum page_state host_view[] = { PS_OWNED, PS_NOPAGE, PS_SHARED_OWNED,
							     PS_SHARED_BORROWED };

		EXPECT_EQ(page_state_of(HOST_PAGE(p), OWNER_HOST), host_view[m->page[p].state]);
	}
	EXPECT_EQ(check_invariants(), 0);
}

/* One random operation; the model says what must happen. */
static void random_step(struct model *m)
{
	int v = (int)(next_rand() % NVMS), slot = (int)(next_rand() % NSLOTS);
	int p = (int)(next_rand() % NPAGES);
	struct vm *vm = vm_of(m, v);
	uint64_t ipa = IPA0 + (uint64_t)slot * PAGE_SIZE, pa, len;
	int at = page_at(m, v, slot);
	int64_t ret, want;

	switch (next_rand() % 7) {
	case 0: /* donate */
		want = m->page[p].state != M_HOST ? -TV_EPERM : at >= 0 ? -TV_EEXIST : 0;
		ret = host_donate_guest(vm, HOST_PAGE(p), ipa, next_rand() & 1, 0, 0);
		EXPECT_EQ(ret, want);
		if (!ret) {
			m->page[p] = (struct model_page){ M_DONATED, v, slot };
		}
		break;
	case 1: /* host share */
		want = m->protected_vm[v]		? -TV_EPERM
		       : m->page[p].state != M_HOST	? -TV_EPERM
		       : at >= 0			? -TV_EEXIST
							: 0;
		ret = host_share_guest(vm, HOST_PAGE(p), ipa);
		EXPECT_EQ(ret, want);
		if (!ret) {
			m->page[p] = (struct model_page){ M_SHARED, v, slot };
		}
		break;
	case 2: /* host unshare */
		want = at >= 0 && m->page[at].state == M_SHARED ? 0 : -TV_ENOENT;
		EXPECT_EQ(host_unshare_guest(vm, ipa), want);
		if (!want) {
			m->page[at].state = M_HOST;
		}
		break;
	case 3: /* guest share */
		want = at >= 0 && m->page[at].state == M_DONATED ? 0 : -TV_ENOENT;
		EXPECT_EQ(guest_share_host(vm, ipa), want);
		if (!want) {
			m->page[at].state = M_LENT;
		}
		break;
	case 4: /* guest unshare */
		want = at >= 0 && m->page[at].state == M_LENT ? 0 : -TV_ENOENT;
		EXPECT_EQ(guest_unshare_host(vm, ipa), want);
		if (!want) {
			m->page[at].state = M_DONATED;
		}
		break;
	case 5: /* reclaim (swap out) */
		want = m->protected_vm[v]				 ? -TV_EPERM
		       : at >= 0 && m->page[at].state == M_DONATED ? 0
								 : -TV_ENOENT;
		ret = host_reclaim_guest(vm, ipa, HOST_PAGE(NPAGES), PAGE_SIZE, &pa, &len);
		EXPECT_EQ(ret, want);
		if (!ret) {
			EXPECT_EQ(pa, HOST_PAGE(at));
			m->page[at].state = M_HOST;
		}
		break;
	case 6: /* now and then, destroy and recreate a VM */
		if (next_rand() % 8) {
			break;
		}
		EXPECT_EQ(vm_destroy((uint64_t)m->handle[v]), 0);
		for (int q = 0; q < NPAGES; q++) {
			if (m->page[q].state != M_HOST && m->page[q].vm == v) {
				m->page[q].state = M_HOST;
			}
		}
		EXPECT_EQ(vm_destroy((uint64_t)m->handle[v]), -TV_ESTALE);
		new_vm(m, v);
		break;
	}
}

TEST(mem_protect, random_transitions_match_model)
{
	struct model m;

	init(true);
	memset(&m, 0, sizeof(m));
	for (int v = 0; v < NVMS; v++) {
		new_vm(&m, v);
		ASSERT_TRUE(m.handle[v] > 0);
	}
	for (int step = 0; step < 20000 && !unit_test_failed_checks; step++) {
		random_step(&m);
		if (step % 16 == 0) {
			check_model(&m);
		}
	}
	check_model(&m);
}
