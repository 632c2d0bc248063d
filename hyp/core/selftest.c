/* SPDX-License-Identifier: MIT */
/*
 * A selftest of the ownership state machine on the real stage-2 tables, real
 * memory and real tags, run in the setup phase (TV_HC_SELFTEST) with pages the
 * host lends for it. It covers what the fake arch cannot: the hardware's view.
 */
#include <abi/hvc.h>
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <hyp/mem_protect.h>
#include <hyp/vm.h>
#include <lib/tagcodec.h>

#define SELFTEST_PAGES 4
#define SELFTEST_IPA 0x40000000ull

static bool failed;

static void expect(bool cond, const char *what)
{
	if (!cond && !failed) {
		hyp_log("selftest failed: %s", what);
		failed = true;
	}
}

static void fill_tags(phys_addr_t pa, uint8_t seed)
{
	uint8_t tags[TAGCODEC_PACKED_SIZE] __attribute__((aligned(8)));

	for (unsigned i = 0; i < sizeof(tags); i++) {
		tags[i] = (uint8_t)(seed + i * 37);
	}
	arch_page_set_tags(pa, tags);
}

static bool tags_are(phys_addr_t pa, uint8_t seed, bool zero)
{
	uint8_t tags[TAGCODEC_PACKED_SIZE] __attribute__((aligned(8)));

	arch_page_get_tags(pa, tags);
	for (unsigned i = 0; i < sizeof(tags); i++) {
		if (tags[i] != (zero ? 0 : (uint8_t)(seed + i * 37))) {
			return false;
		}
	}
	return true;
}

static void expect_states(uint64_t pa, struct vm *vm, enum page_state host, enum page_state guest,
			  const char *what)
{
	expect(page_state_of(pa, OWNER_HOST) == host && page_state_of(pa, vm->owner_id) == guest &&
		       !!pgt_lookup(&host_s2, pa, NULL) == (host != PS_NOPAGE),
	       what);
	expect(check_invariants() == 0, what);
}

int64_t selftest_run(uint64_t pa, uint64_t nr)
{
	uint64_t p0 = pa, p1 = pa + PAGE_SIZE, buf = pa + 3 * PAGE_SIZE, got_pa, len;
	bool mte = arch_has_mte();
	uint64_t *data;
	struct vm *vm;
	int64_t h;
	int err;

	if (!ALIGNED(pa, PAGE_SIZE) || nr < SELFTEST_PAGES) {
		return -TV_EINVAL;
	}
	for (uint64_t i = 0; i < SELFTEST_PAGES; i++) {
		if (page_state_of(pa + i * PAGE_SIZE, OWNER_HOST) != PS_OWNED) {
			return -TV_EPERM;
		}
	}
	/* Only now that p0 is known to be RAM: hyp_va() is defined for RAM only. */
	data = hyp_va(pa_init(p0));
	h = vm_create(mte ? TV_VM_MTE : 0, SELFTEST_IPA, 16 * PAGE_SIZE, 1);
	if (h < 0) {
		return h;
	}
	vm = vm_from_handle((uint64_t)h, &err);
	failed = false;

	data[0] = 0x5e1f7e57;
	if (mte) {
		fill_tags(pa_init(p0), 3);
	}
	expect(host_donate_guest(vm, p0, SELFTEST_IPA, 0, 0, 0) == 0, "donate");
	expect_states(p0, vm, PS_NOPAGE, PS_OWNED, "donate: states");
	expect(data[0] == 0x5e1f7e57, "donate keeps data");
	expect(!mte || tags_are(pa_init(p0), 0, true), "donate clears tags");
	expect(host_donate_guest(vm, p0, SELFTEST_IPA + PAGE_SIZE, 0, 0, 0) == -TV_EPERM,
	       "double donation refused");
	expect(host_donate_guest(vm, p1, SELFTEST_IPA, 0, 0, 0) == -TV_EEXIST, "IPA reuse refused");
	expect(host_donate_guest(vm, memmap.hyp_base, SELFTEST_IPA + PAGE_SIZE, 0, 0, 0) == -TV_EPERM,
	       "donating hypervisor memory refused");

	expect(host_share_guest(vm, p1, SELFTEST_IPA + PAGE_SIZE) == 0, "share");
	expect_states(p1, vm, PS_SHARED_OWNED, PS_SHARED_BORROWED, "share: states");
	expect(host_unshare_guest(vm, SELFTEST_IPA + PAGE_SIZE) == 0, "unshare");
	expect_states(p1, vm, PS_OWNED, PS_NOPAGE, "unshare: states");

	expect(guest_share_host(vm, SELFTEST_IPA) == 0, "guest share");
	expect_states(p0, vm, PS_SHARED_BORROWED, PS_SHARED_OWNED, "guest share: states");
	expect(host_reclaim_guest(vm, SELFTEST_IPA, buf, PAGE_SIZE, &got_pa, &len) == -TV_ENOENT,
	       "reclaim of a shared page refused");
	expect(guest_unshare_host(vm, SELFTEST_IPA) == 0, "guest unshare");
	expect_states(p0, vm, PS_NOPAGE, PS_OWNED, "guest unshare: states");

	if (mte) {
		fill_tags(pa_init(p0), 9);
	}
	expect(host_reclaim_guest(vm, SELFTEST_IPA, buf, PAGE_SIZE, &got_pa, &len) == 0 && got_pa == p0,
	       "reclaim");
	expect_states(p0, vm, PS_OWNED, PS_NOPAGE, "reclaim: states");
	expect(data[0] == 0x5e1f7e57 && (!mte || (len > 0 && tags_are(pa_init(p0), 0, true))),
	       "reclaim hands over data, clears tags");
	expect(host_donate_guest(vm, p0, SELFTEST_IPA, mte ? TV_DONATE_TAGS : 0, buf, len) == 0,
	       "donate back");
	expect(!mte || tags_are(pa_init(p0), 9, false), "tags restored");

	expect(vm_destroy((uint64_t)h) == 0, "destroy");
	expect(page_state_of(p0, OWNER_HOST) == PS_OWNED && data[0] == 0 &&
		       (!mte || tags_are(pa_init(p0), 0, true)),
	       "destroy scrubs and returns pages");
	expect(check_invariants() == 0, "invariants after destroy");
	return failed ? -TV_EAGAIN : 0;
}
