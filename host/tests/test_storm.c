/* SPDX-License-Identifier: MIT */
/*
 * A hypercall storm: thousands of calls with random IDs and arguments drawn from
 * values that matter (live and stale handles, host, guest and hypervisor
 * addresses, edge values, noise). Afterwards the hypervisor's self-check must
 * pass and the protected guests, whose memory no call may take, must verify it.
 */
#include "service.h"

#define CALLS 6000

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct storm {
	uint64_t handles[12];
	unsigned nr_handles;
	uint64_t scratch; /* host pages the storm may give away */
	uint64_t protect[2]; /* the guests that must survive */
};

static uint64_t pick_arg(const struct storm *st)
{
	switch (rnd() % 10) {
	case 0:
		return st->handles[rnd() % st->nr_handles];
	case 1:
		return rnd() % 8;
	case 2:
		return st->scratch + (rnd() % 64) * PAGE_SIZE + (rnd() % 8 ? 0 : rnd() % PAGE_SIZE);
	case 3:
		return GUEST_RAM_IPA + (rnd() % 8192) * PAGE_SIZE;
	case 4:
		return hyp_base + (rnd() % (hyp_size / PAGE_SIZE)) * PAGE_SIZE;
	case 5:
		return (uint64_t[]){ 0, ~0ull, 1ull << 63, ram_base + ram_size, 0x09000000,
				     PAGE_SIZE }[rnd() % 6];
	case 6:
		return rnd() % 64;
	default:
		return rnd();
	}
}

static bool forbidden(const struct storm *st, unsigned n, uint64_t a1)
{
	/* Destroying or running the guests under watch would end them, by right. */
	for (unsigned i = 0; i < 2; i++) {
		if (a1 == st->protect[i] && (n == TV_HC_VM_DESTROY || n == TV_HC_VCPU_RUN)) {
			return true;
		}
	}
	return false;
}

HOST_TEST(hypercall_storm)
{
	static struct service a, b;
	struct storm st = { .nr_handles = 0 };
	unsigned by_result[128] = { 0 }, ok = 0;
	struct hvc_res r;

	HT_EXPECT_EQ(service_start(&a, 0, TV_VM_PROTECTED), 0);
	HT_EXPECT_EQ(service_start(&b, 1, TV_VM_PROTECTED | TV_VM_MTE), 0);
	st.protect[0] = (uint64_t)a.g.handle;
	st.protect[1] = (uint64_t)b.g.handle;
	st.handles[st.nr_handles++] = st.protect[0];
	st.handles[st.nr_handles++] = st.protect[1];
	st.handles[st.nr_handles++] = st.protect[0] + 0x10; /* stale generations */
	st.scratch = (uint64_t)alloc_pages(64);

	for (unsigned i = 0; i < CALLS; i++) {
		static const unsigned ids[] = {
			TV_HC_VERSION,	   TV_HC_FEATURES,	TV_HC_MEM_INFO,	     TV_HC_SELFTEST,
			TV_HC_FINALISE,	   TV_HC_VM_CREATE,	TV_HC_VM_DESTROY,    TV_HC_VCPU_CREATE,
			TV_HC_VCPU_RUN,	   TV_HC_VCPU_GET_REG,	TV_HC_VCPU_SET_REG,  TV_HC_MEM_DONATE,
			TV_HC_MEM_SHARE,   TV_HC_MEM_UNSHARE,	TV_HC_MEM_RECLAIM,   TV_HC_MTE_COPY_TAGS,
			TV_HC_DIRTY_LOG,
		};
		unsigned n = rnd() % 8 ? ids[rnd() % ARRAY_SIZE(ids)] : rnd() % 0x10000;
		uint64_t a1 = pick_arg(&st);
		int64_t ret;

		if (forbidden(&st, n, a1)) {
			continue;
		}
		ret = tv_hvc(n, a1, pick_arg(&st), pick_arg(&st), pick_arg(&st), pick_arg(&st),
			     pick_arg(&st), &r);
		if (ret >= 0) {
			ok++;
			if (n == TV_HC_VM_CREATE && st.nr_handles < ARRAY_SIZE(st.handles)) {
				st.handles[st.nr_handles++] = (uint64_t)ret;
			}
		}
		by_result[ret < 0 && ret > -128 ? -ret : 0]++;
	}
	host_log("storm: %u calls succeeded; ENOSYS %u, EINVAL %u, EPERM %u, ESTALE %u, ERANGE %u, "
		 "ENOENT %u, EEXIST %u, EFAULT %u, ENOMEM %u",
		 ok, by_result[TV_ENOSYS], by_result[TV_EINVAL], by_result[TV_EPERM],
		 by_result[TV_ESTALE], by_result[TV_ERANGE], by_result[TV_ENOENT], by_result[TV_EEXIST],
		 by_result[TV_EFAULT], by_result[TV_ENOMEM]);
	HT_EXPECT_TRUE(ok > 0);
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, &r), 0);
	HT_EXPECT_EQ(r.x[1], 0);
	HT_EXPECT_EQ(service_finish(&a), TV_STATUS_OK);
	HT_EXPECT_EQ(service_finish(&b), TV_STATUS_OK);
	HT_EXPECT_TRUE(service_verified(&a));
	HT_EXPECT_TRUE(service_verified(&b));
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
}
