/* SPDX-License-Identifier: MIT */
/* The hypervisor is up, answers the basic calls, and gates calls by boot phase. */
#include <host/test.h>

HOST_TEST(version)
{
	struct hvc_res r;

	HT_EXPECT_EQ(tv_hvc(TV_HC_VERSION, 0, 0, 0, 0, 0, 0, &r), 0);
	HT_EXPECT_EQ(r.x[1], TV_ABI_VERSION);
}
