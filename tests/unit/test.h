/* SPDX-License-Identifier: MIT */
/*
 * A minimal unit-test framework for the native (x86) build of the core.
 *   TEST(suite, name) { EXPECT_EQ(a, b); ASSERT_TRUE(c); }
 * Each TEST is one test: it passes if none of its checks failed. EXPECT_* goes on
 * after a failure, ASSERT_* returns from the test.
 */
#ifndef TESTS_UNIT_TEST_H
#define TESTS_UNIT_TEST_H

#include <stdint.h>
#include <stdio.h>

struct unit_test {
	const char *suite;
	const char *name;
	void (*fn)(void);
	struct unit_test *next;
};

void unit_test_register(struct unit_test *t);
void unit_test_fail(const char *file, int line, const char *what, uint64_t a, uint64_t b);

#define TEST(suite, name)                                                          \
	static void test_##suite##_##name(void);                                   \
	static struct unit_test test_desc_##suite##_##name = { #suite, #name,      \
							      test_##suite##_##name, 0 }; \
	__attribute__((constructor)) static void test_reg_##suite##_##name(void)   \
	{                                                                          \
		unit_test_register(&test_desc_##suite##_##name);                   \
	}                                                                          \
	static void test_##suite##_##name(void)

#define EXPECT_CMP(a, op, b)                                                             \
	do {                                                                             \
		uint64_t ua_ = (uint64_t)(a), ub_ = (uint64_t)(b);                       \
		if (!(ua_ op ub_)) {                                                     \
			unit_test_fail(__FILE__, __LINE__, #a " " #op " " #b, ua_, ub_); \
		}                                                                        \
	} while (0)

#define EXPECT_EQ(a, b) EXPECT_CMP(a, ==, b)
#define EXPECT_NE(a, b) EXPECT_CMP(a, !=, b)
#define EXPECT_LE(a, b) EXPECT_CMP(a, <=, b)
#define EXPECT_LT(a, b) EXPECT_CMP(a, <, b)
#define EXPECT_TRUE(c) EXPECT_CMP(!!(c), ==, 1)
#define EXPECT_FALSE(c) EXPECT_CMP(!!(c), ==, 0)

extern int unit_test_failed_checks;

#define ASSERT_CMP(a, op, b)                            \
	do {                                            \
		int before_ = unit_test_failed_checks;  \
		EXPECT_CMP(a, op, b);                   \
		if (unit_test_failed_checks != before_) { \
			return;                         \
		}                                       \
	} while (0)
#define ASSERT_EQ(a, b) ASSERT_CMP(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_CMP(a, !=, b)
#define ASSERT_TRUE(c) ASSERT_CMP(!!(c), ==, 1)

#endif
