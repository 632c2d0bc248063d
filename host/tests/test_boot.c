/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor is up, answers the basic calls, gates calls by boot phase,
 * refuses what it does not know and filters SMCs.
 */
#include <host/smp.h>
#include <host/test.h>

HOST_TEST(version)
{
	struct hvc_res r;

	HT_EXPECT_EQ(tv_hvc(TV_HC_VERSION, 0, 0, 0, 0, 0, 0, &r), 0);
	HT_EXPECT_EQ(r.x[1], TV_ABI_VERSION);
}

HOST_TEST(features)
{
	struct hvc_res r;
	uint64_t pfr1;
	bool mte2;

	__asm__ volatile("mrs %0, id_aa64pfr1_el1" : "=r"(pfr1));
	mte2 = ((pfr1 >> 8) & 0xf) >= 2;
	HT_EXPECT_EQ(tv_hvc(TV_HC_FEATURES, 0, 0, 0, 0, 0, 0, &r), 0);
	HT_EXPECT_EQ(!!(r.x[1] & TV_FEAT_MTE), mte2);
	HT_EXPECT_EQ(!!(r.x[1] & TV_FEAT_HOST_MTE), mte2);
	HT_EXPECT_EQ(r.x[2], TV_MAX_VMS);
	HT_EXPECT_EQ(r.x[3], TV_MAX_VCPUS);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_INFO, 0, 0, 0, 0, 0, 0, &r), 0);
	HT_EXPECT_EQ(r.x[1], 0x40000000);
	HT_EXPECT_TRUE(r.x[3] > r.x[1] && r.x[3] + r.x[4] <= r.x[1] + r.x[2]);
}

HOST_TEST(unknown_hypercalls)
{
	uint64_t args[6] = { 0 };
	struct hvc_res r;

	HT_EXPECT_EQ(tv_hvc(TV_HC_NR - 1, 0, 0, 0, 0, 0, 0, NULL), -TV_ENOSYS);
	HT_EXPECT_EQ(tv_hvc(0xffff, 0, 0, 0, 0, 0, 0, NULL), -TV_ENOSYS);
	HT_EXPECT_EQ(hvc_call(0x84000000, args, r.x), -TV_ENOSYS); /* PSCI is not ours */
	HT_EXPECT_EQ(hvc_call(0, args, r.x), -TV_ENOSYS);
	/* The hypervisor is still fine. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_VERSION, 0, 0, 0, 0, 0, 0, &r), 0);
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, &r), 0);
}

HOST_TEST(phase_gating)
{
	void *pages = alloc_pages(4);
	struct hvc_res r;
	int64_t h;

	/* Setup phase: run-phase calls are refused, setup calls work. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_VM_CREATE, 0, 0x40000000, 0x100000, 1, 0, 0, NULL), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_RUN, 0, 0, 0, 0, 0, 0, NULL), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_SELFTEST, (uint64_t)pages, 4, 0, 0, 0, 0, NULL), 0);
	HT_EXPECT_EQ(tv_hvc(TV_HC_FINALISE, 0, 0, 0, 0, 0, 0, NULL), 0);
	/* Run phase: setup calls are refused, run-phase calls work. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_FINALISE, 0, 0, 0, 0, 0, 0, NULL), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_SELFTEST, (uint64_t)pages, 4, 0, 0, 0, 0, NULL), -TV_EPERM);
	h = tv_hvc(TV_HC_VM_CREATE, 0, 0x40000000, 0x100000, 1, 0, 0, &r);
	HT_EXPECT_TRUE(h > 0);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VM_DESTROY, (uint64_t)h, 0, 0, 0, 0, 0, NULL), 0);
	/* Calls of any phase still work. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_VERSION, 0, 0, 0, 0, 0, 0, NULL), 0);
}

HOST_TEST(selftest)
{
	uint64_t *pages = alloc_pages(4);

	HT_EXPECT_EQ(tv_hvc(TV_HC_SELFTEST, (uint64_t)pages, 4, 0, 0, 0, 0, NULL), 0);
	HT_EXPECT_EQ(tv_hvc(TV_HC_SELFTEST, (uint64_t)pages, 3, 0, 0, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_SELFTEST, (uint64_t)pages + 8, 4, 0, 0, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_SELFTEST, hyp_base, 4, 0, 0, 0, 0, NULL), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_SELFTEST, 0x1000, 4, 0, 0, 0, 0, NULL), -TV_EPERM);
	/* The pages came back scrubbed and the host can use them. */
	HT_EXPECT_EQ(pages[0], 0);
	pages[0] = 1;
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
}

/* The host's SMCs reach EL2, which answers PSCI (host/tests/test_smp.c) and nothing else. */
HOST_TEST(smc_is_filtered)
{
	HT_EXPECT_EQ(psci_call(PSCI_FN_VERSION, 0, 0, 0), 0x10001);
	/* CPU_ON of a CPU the machine lacks, or into the hypervisor: refused, nothing started. */
	HT_EXPECT_EQ(psci_call(PSCI_FN_CPU_ON, 0xff, (uint64_t)_secondary_start, 0), -2);
	HT_EXPECT_EQ(psci_call(PSCI_FN_CPU_ON, 0, hyp_base, 0), -9);
	HT_EXPECT_EQ(psci_call(0x82000000, 0, 0, 0), -1);       /* SiP call: nobody to take it */
	HT_EXPECT_EQ(psci_call(0xc2000000, 0, 0, 0), -1);
	HT_EXPECT_EQ(psci_call(0x84000005, 0, 0, 0), -1);       /* PSCI MIGRATE: no Trusted OS */
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
}
