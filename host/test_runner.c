/* SPDX-License-Identifier: MIT */
#include <host/test.h>
#include <lib/string.h>

extern const struct host_test __host_tests_start[], __host_tests_end[];
unsigned host_test_failures;

void host_test_fail(const char *file, int line, const char *what, uint64_t a, uint64_t b)
{
	host_test_failures++;
	host_log("check failed at %s:%d: %s (0x%lx vs 0x%lx)", file, line, what, a, b);
}

void run_host_test(const char *name)
{
	for (const struct host_test *t = __host_tests_start; t < __host_tests_end; t++) {
		if (!strcmp(name, "list")) {
			host_printf("%s\n", t->name);
		} else if (!strcmp(name, t->name)) {
			t->fn();
			host_printf("TEST %s %s\n", host_test_failures ? "FAIL" : "PASS", t->name);
			host_exit(host_test_failures ? TV_STATUS_TEST_FAILED : TV_STATUS_OK);
		}
	}
	if (strcmp(name, "list")) {
		host_log("no host test named '%s' (test=list lists them)", name);
		host_exit(TV_STATUS_USAGE);
	}
	host_exit(TV_STATUS_OK);
}
