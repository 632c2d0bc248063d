/* SPDX-License-Identifier: MIT */
/*
 * The CLI's option parsers (tools/tagvisor/options.c): exactly the forms the help text
 * gives, and a refusal for everything else (signs, junk after numbers, overflow,
 * values out of range), as a user typing a wrong value must be told at once.
 */
#include "test.h"

#include "../../tools/tagvisor/options.h"

#include <stdio.h>

TEST(cli_options, whole_numbers)
{
	uint64_t v = 7;

	EXPECT_EQ(opt_uint("--timeout", "30", 1, 86400, &v), 0);
	EXPECT_EQ(v, 30);
	EXPECT_EQ(opt_uint("--timeout", "86400", 1, 86400, &v), 0);
	static const char *bad[] = { "", "abc", "0", "-1", "+5", "5s", " 5", "86401", "0x10",
				     "99999999999999999999" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		EXPECT_EQ(opt_uint("--timeout", bad[i], 1, 86400, &v), -1);
		EXPECT_EQ(v, 7);
	}
}

TEST(cli_options, sizes_read_as_qemu_reads_them)
{
	static const struct {
		const char *s;
		uint64_t bytes;
	} good[] = { { "128", 128ull << 20 }, { "64M", 64ull << 20 }, { "64m", 64ull << 20 },
		     { "1G", 1ull << 30 },    { "1GiB", 1ull << 30 },  { "4096K", 4ull << 20 },
		     { "2gb", 2ull << 30 } };
	uint64_t v;

	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		EXPECT_EQ(opt_size("--mem", good[i].s, 1ull << 20, 1ull << 40, &v), 0);
		EXPECT_EQ(v, good[i].bytes);
	}
	static const char *bad[] = { "", "abc", "-1", "1.5G", "64X", "0", "1K", "6K", "2T",
				     "99999999999999999999G", "64 M", "64MM" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(opt_size("--mem", bad[i], 1ull << 20, 1ull << 40, &v), -1);
	}
}

TEST(cli_options, times)
{
	uint64_t ns;
	int insns;

	EXPECT_EQ(opt_time("--migrate-at", "100ms", &ns, &insns), 0);
	EXPECT_EQ(ns, 100000000);
	EXPECT_EQ(insns, 0);
	EXPECT_EQ(opt_time("--migrate-at", "5000000", &ns, &insns), 0);
	EXPECT_EQ(ns, 5000000);
	EXPECT_EQ(insns, 1);
	EXPECT_EQ(opt_time("--migrate-at", "2s", &ns, &insns), 0);
	EXPECT_EQ(ns, 2000000000);
	static const char *bad[] = { "", "garbage", "-5ms", "0", "0ms", "5 ms", "5min", "1.5s",
				     "99999999999999999999s", "18446744073709551615s" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(opt_time("--migrate-at", bad[i], &ns, &insns), -1);
	}
}

TEST(cli_options, on_off)
{
	int v = 5;

	EXPECT_EQ(opt_on_off("--host-mte", "on", &v), 0);
	EXPECT_EQ(v, 1);
	EXPECT_EQ(opt_on_off("--host-mte", "off", &v), 0);
	EXPECT_EQ(v, 0);
	EXPECT_EQ(opt_on_off("--host-mte", "yes", &v), -1);
	EXPECT_EQ(opt_on_off("--host-mte", "", &v), -1);
}
