/* SPDX-License-Identifier: MIT */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Digits only, then whatever follows (*end); false for no digits or an overflow. */
static int digits(const char *v, uint64_t *n, const char **end)
{
	uint64_t x = 0;
	const char *p = v;

	if (*p < '0' || *p > '9') {
		return 0;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (x > (UINT64_MAX - d) / 10) {
			return 0;
		}
		x = x * 10 + d;
	}
	*n = x;
	*end = p;
	return 1;
}

int opt_uint(const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t n;

	if (!digits(v, &n, &end) || *end || n < min || n > max) {
		fprintf(stderr, "tagvisor: %s: '%s' is not a whole number from %llu to %llu\n", opt, v,
			(unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = n;
	return 0;
}

int opt_size(const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = { { "", 20 },   { "K", 10 },  { "KB", 10 }, { "KIB", 10 }, { "M", 20 },
		      { "MB", 20 }, { "MIB", 20 }, { "G", 30 }, { "GB", 30 },  { "GIB", 30 },
		      { "T", 40 },  { "TB", 40 },  { "TIB", 40 } };
	const char *end;
	uint64_t n;

	if (digits(v, &n, &end)) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			uint64_t bytes = n << units[i].shift;

			if (strcasecmp(end, units[i].suffix) || bytes >> units[i].shift != n) {
				continue;
			}
			if (bytes >= min && bytes <= max && !(bytes & 0xfff)) {
				*out = bytes;
				return 0;
			}
			break;
		}
	}
	fprintf(stderr,
		"tagvisor: %s: '%s' is not a size from %llu MiB to %llu MiB (a number of MiB, or "
		"with a K, M, G or T suffix; whole 4 KiB pages)\n",
		opt, v, (unsigned long long)(min >> 20), (unsigned long long)(max >> 20));
	return -1;
}

int opt_time(const char *opt, const char *v, uint64_t *ns, int *instructions)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = { { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 } };
	const char *end;
	uint64_t n;

	if (digits(v, &n, &end) && n) {
		if (!*end) {
			*ns = n;
			*instructions = 1;
			return 0;
		}
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (!strcmp(end, units[i].unit) && n <= UINT64_MAX / units[i].ns) {
				*ns = n * units[i].ns;
				*instructions = 0;
				return 0;
			}
		}
	}
	fprintf(stderr,
		"tagvisor: %s: '%s' is not a time (N instructions, or N with a unit: ns, us, ms, "
		"s; N at least 1)\n",
		opt, v);
	return -1;
}

int opt_on_off(const char *opt, const char *v, int *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "off")) {
		*out = !strcmp(v, "on");
		return 0;
	}
	fprintf(stderr, "tagvisor: %s takes 'on' or 'off', not '%s'\n", opt, v);
	return -1;
}
