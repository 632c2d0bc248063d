/* SPDX-License-Identifier: MIT */
/*
 * The host cannot reach the hypervisor's memory: loads, stores and instruction
 * fetches get an external abort injected, the hypervisor goes on, and its
 * memory is unchanged (TV_HC_CHECK verifies its image and data).
 */
#include <host/test.h>

#define EC(esr) ((esr) >> 26)
#define FSC(esr) ((esr)&0x3f)
#define WNR (1ull << 6)

HOST_TEST(host_cannot_touch_hyp_memory)
{
	uint64_t addrs[] = { hyp_base, hyp_base + 0x1000, hyp_base + hyp_size / 2,
			     hyp_base + hyp_size - 8 };
	struct fault_record f;

	uint64_t v;

	for (unsigned i = 0; i < ARRAY_SIZE(addrs); i++) {
		HT_EXPECT_TRUE(probe_read64(addrs[i], &v, &f));
		HT_EXPECT_EQ(EC(f.esr), 0x25); /* data abort, current EL */
		HT_EXPECT_EQ(FSC(f.esr), 0x10); /* synchronous external abort */
		HT_EXPECT_EQ(f.esr & WNR, 0);
		HT_EXPECT_EQ(f.far, addrs[i]);

		HT_EXPECT_TRUE(probe_write64(addrs[i], 0xbad0bad0bad0bad0ull, &f));
		HT_EXPECT_EQ(EC(f.esr), 0x25);
		HT_EXPECT_EQ(f.esr & WNR, WNR);
		HT_EXPECT_EQ(f.far, addrs[i]);
	}

	/* Executing hypervisor code: an instruction abort. */
	void (*fn)(void) = (void (*)(void))(hyp_base + 0x1000);

	fault_expect(&f);
	fn();
	__asm__ volatile("" ::: "memory");
	HT_EXPECT_TRUE(f.hit);
	HT_EXPECT_EQ(EC(f.esr), 0x21);
	HT_EXPECT_EQ(f.far, hyp_base + 0x1000);

	/* The hypervisor is alive, its image and data intact, the invariants hold. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_VERSION, 0, 0, 0, 0, 0, 0, NULL), 0);
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
}

HOST_TEST(host_memory_is_usable)
{
	/* The control case: the host's own memory, from both ends of RAM, just works. */
	uint64_t *lo = alloc_pages(1);
	volatile uint64_t *top = (volatile uint64_t *)(ram_base + ram_size - 8);

	HT_EXPECT_TRUE(lo != NULL);
	lo[0] = 0x1234;
	*top = 0x5678;
	HT_EXPECT_EQ(lo[0], 0x1234);
	HT_EXPECT_EQ(*top, 0x5678);
}
