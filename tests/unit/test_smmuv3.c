/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 structures the hypervisor builds (hyp/core/smmuv3_desc.c), field by
 * field against the architecture's layout (Arm IHI 0070): a wrong bit here means
 * DMA that escapes stage 2 or a machine that refuses to boot.
 */
#include "test.h"

#include <hyp/smmuv3.h>

#define BITS(v, hi, lo) (((v) >> (lo)) & ((2ull << ((hi) - (lo))) - 1))

TEST(smmuv3, stage2_ste_translates_through_the_given_table)
{
	uint64_t ste[SMMU_STE_DWORDS];
	struct smmu_s2_cfg cfg = { 0x41234000, 0, 39, 2 };

	smmu_ste_s2(ste, &cfg);
	EXPECT_EQ(BITS(ste[0], 0, 0), 1);    /* V */
	EXPECT_EQ(BITS(ste[0], 3, 1), 0x6);  /* Config: stage 1 bypass, stage 2 translate */
	EXPECT_EQ(BITS(ste[2], 15, 0), 0);   /* S2VMID */
	EXPECT_EQ(BITS(ste[2], 37, 32), 25); /* S2T0SZ: 39-bit input */
	EXPECT_EQ(BITS(ste[2], 39, 38), 1);  /* S2SL0: start at level 1 */
	EXPECT_EQ(BITS(ste[2], 41, 40), 1);  /* S2IR0 write-back */
	EXPECT_EQ(BITS(ste[2], 43, 42), 1);  /* S2OR0 write-back */
	EXPECT_EQ(BITS(ste[2], 45, 44), 3);  /* S2SH0 inner shareable */
	EXPECT_EQ(BITS(ste[2], 47, 46), 0);  /* S2TG 4 KiB */
	EXPECT_EQ(BITS(ste[2], 50, 48), 2);  /* S2PS 40 bits */
	EXPECT_EQ(BITS(ste[2], 51, 51), 1);  /* S2AA64 */
	EXPECT_EQ(BITS(ste[2], 52, 52), 0);  /* S2ENDI little-endian */
	EXPECT_EQ(BITS(ste[2], 56, 55), 0);  /* no hardware dirty/access updates */
	EXPECT_EQ(BITS(ste[2], 58, 58), 1);  /* S2R: faults are recorded */
	EXPECT_EQ(ste[3], 0x41234000);       /* S2TTB */
	for (unsigned i = 4; i < SMMU_STE_DWORDS; i++) {
		EXPECT_EQ(ste[i], 0);
	}
	cfg.vmid = 7;
	cfg.ttb = 0xffff41234fffull;
	smmu_ste_s2(ste, &cfg);
	EXPECT_EQ(BITS(ste[2], 15, 0), 7);
	EXPECT_EQ(ste[3], 0xffff41234ff0ull); /* only bits 51:4 */
}

TEST(smmuv3, abort_ste_is_valid_and_aborts)
{
	uint64_t ste[SMMU_STE_DWORDS];

	smmu_ste_abort(ste);
	EXPECT_EQ(ste[0], 1); /* V, Config 0b000: abort */
	for (unsigned i = 1; i < SMMU_STE_DWORDS; i++) {
		EXPECT_EQ(ste[i], 0);
	}
}

TEST(smmuv3, commands)
{
	uint64_t c[SMMU_CMD_DWORDS];

	smmu_cmd_cfgi_all(c);
	EXPECT_EQ(c[0], 0x04);
	EXPECT_EQ(c[1], 31);
	smmu_cmd_tlbi_nsnh_all(c);
	EXPECT_EQ(c[0], 0x30);
	smmu_cmd_tlbi_s12_vmall(c, 5);
	EXPECT_EQ(c[0], 0x28 | 5ull << 32);
	smmu_cmd_tlbi_s2_ipa(c, 0, 0x41235abcull);
	EXPECT_EQ(c[0], 0x2a);
	EXPECT_EQ(c[1], 0x41235000ull); /* address bits 51:12, not leaf-only */
	smmu_cmd_sync(c);
	EXPECT_EQ(c[0], 0x46);
	EXPECT_EQ(c[1], 0);
}

TEST(smmuv3, event_records_decode)
{
	/* A translation fault of a write by 00:02.0 at 0x40201000. */
	uint64_t evt[SMMU_EVT_DWORDS] = { 0x10 | 0x10ull << 32, 0, 0x40201000, 0 };
	struct smmu_event e;

	smmu_event_decode(evt, &e);
	EXPECT_EQ(e.type, SMMU_EVT_F_TRANSLATION);
	EXPECT_EQ(e.sid, 0x10);
	EXPECT_EQ(e.addr, 0x40201000);
	EXPECT_TRUE(e.write);
	evt[1] = 1ull << 35; /* RnW: a read */
	smmu_event_decode(evt, &e);
	EXPECT_FALSE(e.write);
	/* An unknown stream has no address. */
	evt[0] = 0x02 | 0x99ull << 32;
	smmu_event_decode(evt, &e);
	EXPECT_EQ(e.type, SMMU_EVT_C_BAD_STREAMID);
	EXPECT_EQ(e.sid, 0x99);
	EXPECT_EQ(e.addr, 0);
	EXPECT_EQ(smmu_event_name(SMMU_EVT_F_TRANSLATION)[0], 't');
	EXPECT_EQ(smmu_event_name(0xee)[0], 'e');
}
