/* SPDX-License-Identifier: MIT */
/*
 * Host tests, run inside QEMU one per boot ("test=NAME"), after Hafnium's hftest:
 *   HOST_TEST(name) { HT_EXPECT_EQ(tv_hvc(...), 0); }
 * A test passes if no check failed; the run prints "TEST PASS name" or
 * "TEST FAIL name" and exits with TV_STATUS_OK or TV_STATUS_TEST_FAILED.
 * A test starts in the setup phase; host_finalise() moves to the run phase.
 */
#ifndef HOST_TEST_H
#define HOST_TEST_H

#include <host/host.h>

struct host_test {
	const char *name;
	void (*fn)(void);
};

#define HOST_TEST(name)                                                             \
	static void host_test_##name(void);                                         \
	static const struct host_test host_test_desc_##name                         \
		__attribute__((section(".host_tests"), used)) = { #name, host_test_##name }; \
	static void host_test_##name(void)

extern unsigned host_test_failures;
void host_test_fail(const char *file, int line, const char *what, uint64_t a, uint64_t b);

#define HT_EXPECT_CMP(a, op, b)                                                          \
	do {                                                                             \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                         \
		if (!(a_ op b_)) {                                                       \
			host_test_fail(__FILE__, __LINE__, #a " " #op " " #b, a_, b_);   \
		}                                                                        \
	} while (0)
#define HT_EXPECT_EQ(a, b) HT_EXPECT_CMP(a, ==, b)
#define HT_EXPECT_NE(a, b) HT_EXPECT_CMP(a, !=, b)
#define HT_EXPECT_TRUE(c) HT_EXPECT_CMP(!!(c), ==, 1)

/* Runs the named test, or lists all with "list"; does not return. */
_Noreturn void run_host_test(const char *name);

#endif
