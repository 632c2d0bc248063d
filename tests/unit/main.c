/* SPDX-License-Identifier: MIT */
/* Runs every registered unit test (or those whose "suite.name" contains argv[1]). */
#include "test.h"

#include <stdio.h>
#include <string.h>

static struct unit_test *tests;
int unit_test_failed_checks;
static const struct unit_test *current;

void unit_test_register(struct unit_test *t)
{
	/* Keep registration order: append. */
	struct unit_test **p = &tests;

	while (*p) {
		p = &(*p)->next;
	}
	*p = t;
}

void unit_test_fail(const char *file, int line, const char *what, uint64_t a, uint64_t b)
{
	unit_test_failed_checks++;
	fprintf(stderr, "  %s:%d: %s.%s: check failed: %s (0x%llx vs 0x%llx)\n", file, line,
		current->suite, current->name, what, (unsigned long long)a, (unsigned long long)b);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	char full[256];

	for (const struct unit_test *t = tests; t; t = t->next) {
		snprintf(full, sizeof(full), "%s.%s", t->suite, t->name);
		if (argc > 1 && !strstr(full, argv[1])) {
			continue;
		}
		int before = unit_test_failed_checks;

		current = t;
		t->fn();
		if (unit_test_failed_checks == before) {
			passed++;
			printf("PASS unit %s\n", full);
		} else {
			failed++;
			printf("FAIL unit %s\n", full);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
