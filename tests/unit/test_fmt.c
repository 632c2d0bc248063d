/* SPDX-License-Identifier: MIT */
/*
 * The freestanding printf (lib/fmt.c): every conversion, flags, widths, length
 * modifiers, truncation and the return value, then a comparison with the C
 * library's snprintf on the subset where both are specified alike.
 */
#include "test.h"

#include <lib/fmt.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * fmt_snprintf() without the compiler's format checking, for formats that are
 * deliberately malformed or that the compiler would flag.
 */
static int raw_fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vsnprintf(buf, size, f, ap);
	va_end(ap);
	return n;
}

/* Formats into a fresh buffer and checks the text and the returned length. */
#define EXPECT_FMT(want, ...)                                                                      \
	do {                                                                                       \
		char buf_[256];                                                                    \
		int n_ = raw_fmt(buf_, sizeof(buf_), __VA_ARGS__);                                 \
		if (strcmp(buf_, want)) {                                                          \
			fprintf(stderr, "  got \"%s\", want \"%s\"\n", buf_, want);                \
		}                                                                                  \
		EXPECT_EQ(strcmp(buf_, want), 0);                                                  \
		EXPECT_EQ(n_, strlen(want));                                                       \
	} while (0)

TEST(fmt, plain_text_and_percent)
{
	EXPECT_FMT("", "%s", "");
	EXPECT_FMT("abc", "abc");
	EXPECT_FMT("%", "%%");
	EXPECT_FMT("100% sure", "100%% sure");
	EXPECT_FMT("a%%b", "a%%%%b");
}

TEST(fmt, chars_and_strings)
{
	EXPECT_FMT("x", "%c", 'x');
	EXPECT_FMT("[a][b]", "[%c][%c]", 'a', 'b');
	EXPECT_FMT("hi", "%s", "hi");
	EXPECT_FMT("(null)", "%s", (char *)NULL);
	EXPECT_FMT("   hi", "%5s", "hi");
	EXPECT_FMT("hi   |", "%-5s|", "hi");
	EXPECT_FMT("hello", "%2s", "hello"); /* a width never truncates */
	EXPECT_FMT("a b c", "%s %s %s", "a", "b", "c");
	/* A %c of NUL is one character of output, as in C. */
	{
		char buf[8];

		memset(buf, 'z', sizeof(buf));
		EXPECT_EQ(raw_fmt(buf, sizeof(buf), "a%cb", 0), 3);
		EXPECT_EQ(buf[0], 'a');
		EXPECT_EQ(buf[1], 0);
		EXPECT_EQ(buf[2], 'b');
		EXPECT_EQ(buf[3], 0);
	}
}

TEST(fmt, signed_conversions)
{
	EXPECT_FMT("0", "%d", 0);
	EXPECT_FMT("42", "%d", 42);
	EXPECT_FMT("-42", "%i", -42);
	EXPECT_FMT("2147483647", "%d", INT_MAX);
	EXPECT_FMT("-2147483648", "%d", INT_MIN);
	EXPECT_FMT("-1", "%d", -1);
	EXPECT_FMT("9223372036854775807", "%ld", (long)INT64_MAX);
	EXPECT_FMT("-9223372036854775808", "%ld", (long)INT64_MIN);
	EXPECT_FMT("-9223372036854775808", "%lld", (long long)INT64_MIN);
	EXPECT_FMT("-5", "%zd", (long)-5);
	EXPECT_FMT("-1 -2", "%lli %li", -1ll, -2l);
}

TEST(fmt, unsigned_and_hex_conversions)
{
	EXPECT_FMT("0", "%u", 0u);
	EXPECT_FMT("4294967295", "%u", UINT_MAX);
	EXPECT_FMT("18446744073709551615", "%lu", (unsigned long)UINT64_MAX);
	EXPECT_FMT("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	EXPECT_FMT("4096", "%zu", (size_t)4096);
	EXPECT_FMT("0", "%x", 0u);
	EXPECT_FMT("deadbeef", "%x", 0xdeadbeefu);
	EXPECT_FMT("DEADBEEF", "%X", 0xdeadbeefu);
	EXPECT_FMT("ffffffffffffffff", "%lx", (unsigned long)UINT64_MAX);
	EXPECT_FMT("123456789ABCDEF0", "%llX", 0x123456789abcdef0ull);
	EXPECT_FMT("fffffffe", "%x", -2); /* an int read as unsigned */
	/* Without l, only the int's 32 bits are read. */
	EXPECT_FMT("ffffffff 7", "%x %d", 0xffffffffu, 7);
}

TEST(fmt, widths_and_padding)
{
	EXPECT_FMT("   42", "%5d", 42);
	EXPECT_FMT("42   |", "%-5d|", 42);
	EXPECT_FMT("00042", "%05d", 42);
	EXPECT_FMT("-0042", "%05d", -42);
	EXPECT_FMT("  -42", "%5d", -42);
	EXPECT_FMT("-42  |", "%-5d|", -42);
	EXPECT_FMT("-42  |", "%-05d|", -42); /* '-' wins over '0' */
	EXPECT_FMT("-42  |", "%0-5d|", -42);
	EXPECT_FMT("12345", "%2d", 12345);
	EXPECT_FMT("-123", "%02d", -123);
	EXPECT_FMT("0000beef", "%08x", 0xbeefu);
	EXPECT_FMT("    BEEF", "%8X", 0xbeefu);
	EXPECT_FMT("00000000000000000001", "%020lu", 1ul);
	EXPECT_FMT("7", "%0d", 7);
	EXPECT_FMT("7", "%1d", 7);
	/* Widths beyond any buffer are counted, not written past it. */
	{
		char buf[16];

		EXPECT_EQ(fmt_snprintf(buf, sizeof(buf), "%200d", 5), 200);
		EXPECT_EQ(strlen(buf), 15);
		EXPECT_EQ(buf[0], ' ');
	}
}

TEST(fmt, pointers)
{
	EXPECT_FMT("0x1234", "%p", (void *)0x1234);
	EXPECT_FMT("0x0", "%p", (void *)0);
	EXPECT_FMT("0xffff800012345678", "%p", (void *)0xffff800012345678ull);
}

TEST(fmt, truncation_and_return_value)
{
	char buf[32];
	const char *s = "hello world";

	/* Truncated to size - 1 characters and a NUL; the return is the full length. */
	memset(buf, '#', sizeof(buf));
	EXPECT_EQ(fmt_snprintf(buf, 5, "%s", s), 11);
	EXPECT_EQ(strcmp(buf, "hell"), 0);
	EXPECT_EQ(buf[5], '#'); /* nothing past size */
	/* Exact fit, and one short of it. */
	memset(buf, '#', sizeof(buf));
	EXPECT_EQ(fmt_snprintf(buf, 12, "%s", s), 11);
	EXPECT_EQ(strcmp(buf, s), 0);
	EXPECT_EQ(buf[12], '#');
	EXPECT_EQ(fmt_snprintf(buf, 11, "%s", s), 11);
	EXPECT_EQ(strcmp(buf, "hello worl"), 0);
	/* Size 1: just the NUL. Size 0: nothing written at all, not even a NUL. */
	memset(buf, '#', sizeof(buf));
	EXPECT_EQ(fmt_snprintf(buf, 1, "%d", 12345), 5);
	EXPECT_EQ(buf[0], 0);
	EXPECT_EQ(buf[1], '#');
	memset(buf, '#', sizeof(buf));
	EXPECT_EQ(fmt_snprintf(buf, 0, "%d-%s", -12345, s), 18);
	EXPECT_EQ(buf[0], '#');
	EXPECT_EQ(fmt_snprintf(NULL, 0, "%lx", 0x1234ul), 4);
	/* A cut inside a padded number or after a sign. */
	memset(buf, '#', sizeof(buf));
	EXPECT_EQ(fmt_snprintf(buf, 4, "%08x", 0xabcu), 8);
	EXPECT_EQ(strcmp(buf, "000"), 0);
	EXPECT_EQ(fmt_snprintf(buf, 2, "%d", -7), 2);
	EXPECT_EQ(strcmp(buf, "-"), 0);
	/* Through the checked entry point too. */
	EXPECT_EQ(fmt_snprintf(buf, sizeof(buf), "%s=%u", "n", 3u), 3);
	EXPECT_EQ(strcmp(buf, "n=3"), 0);
}

TEST(fmt, unknown_conversions_and_trailing_percent)
{
	/* An unknown conversion prints as written and consumes no argument. */
	EXPECT_FMT("%q 5", "%q %d", 5);
	EXPECT_FMT("%hd 5", "%%hd %d", 5);
	/* A format ending inside a conversion ends the output there. */
	{
		char buf[16];

		EXPECT_EQ(raw_fmt(buf, sizeof(buf), "abc%"), 3);
		EXPECT_EQ(strcmp(buf, "abc"), 0);
		EXPECT_EQ(raw_fmt(buf, sizeof(buf), "abc%-05"), 3);
		EXPECT_EQ(strcmp(buf, "abc"), 0);
		EXPECT_EQ(raw_fmt(buf, sizeof(buf), "x%l"), 1);
		EXPECT_EQ(strcmp(buf, "x"), 0);
	}
}

static uint64_t rng = 0xf00dfacecafebeefull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Both implementations on one format with one argument; returns whether they agree. */
static bool same_as_libc(const char *f, char conv, bool is_long, uint64_t v, const char *s,
			 size_t size)
{
	char a[96], b[96];
	int na, nb;

	memset(a, 0x55, sizeof(a));
	memset(b, 0x55, sizeof(b));
	if (conv == 's') {
		na = raw_fmt(a, size, f, s);
		nb = snprintf(b, size, f, s);
	} else if (conv == 'p') {
		na = raw_fmt(a, size, f, (void *)(uintptr_t)v);
		nb = snprintf(b, size, f, (void *)(uintptr_t)v);
	} else if (is_long) {
		na = raw_fmt(a, size, f, (unsigned long)v);
		nb = snprintf(b, size, f, (unsigned long)v);
	} else {
		na = raw_fmt(a, size, f, (unsigned)v);
		nb = snprintf(b, size, f, (unsigned)v);
	}
	if (na != nb || memcmp(a, b, sizeof(a))) {
		fprintf(stderr, "  \"%s\" (size %zu): fmt \"%.*s\" (%d), libc \"%.*s\" (%d)\n", f,
			size, (int)sizeof(a), a, na, (int)sizeof(b), b, nb);
		return false;
	}
	return true;
}

TEST(fmt, agrees_with_libc)
{
	static const char convs[] = { 'd', 'i', 'u', 'x', 'X', 's', 'c', 'p' };
	static const char *const strs[] = { "", "a", "tagvisor", "0123456789abcdef" };
	static const uint64_t edges[] = { 0,	      1,	  9,	     10,	 0x7fffffff,
					  0x80000000, 0xffffffff, INT64_MAX, 1ull << 63, ~0ull };
	unsigned disagree = 0;

	for (unsigned i = 0; i < 20000 && disagree < 5; i++) {
		char f[32];
		char conv = convs[rnd() % ARRAY_SIZE(convs)];
		/* Numbers only: 'l' with %c is a wide character; '0' with %s, %c, %p undefined. */
		bool number = conv != 's' && conv != 'c' && conv != 'p';
		bool is_long = number && rnd() % 2;
		const char *flags = number ? (const char *[]){ "", "-", "0", "-0", "0-" }[rnd() % 5]
					   : (rnd() % 2 ? "-" : "");
		uint64_t v = rnd() % 2 ? edges[rnd() % ARRAY_SIZE(edges)] : rnd() >> (rnd() % 64);
		size_t size = rnd() % 4 ? 96 : rnd() % 24;

		if (conv == 'p' && !v) {
			v = 1; /* glibc prints a null pointer as "(nil)" */
		}
		if (rnd() % 3) {
			snprintf(f, sizeof(f), "<%%%s%u%s%c>", flags, (unsigned)(rnd() % 25),
				 is_long ? "l" : "", conv);
		} else {
			snprintf(f, sizeof(f), "<%%%s%s%c>", flags, is_long ? "l" : "", conv);
		}
		disagree +=
		    !same_as_libc(f, conv, is_long, v, strs[rnd() % ARRAY_SIZE(strs)], size);
	}
	EXPECT_EQ(disagree, 0);
}

/*
 * lib/fmt.h promises "a width" without exceptions: it once was ignored for %c and, for
 * %p, did not count the "0x" (C: "%5c" is four spaces and the character; "%10p" is ten
 * characters). Zero padding of %p goes after the "0x", as glibc does.
 */
TEST(fmt, width_applies_to_every_conversion)
{
	EXPECT_FMT("    x", "%5c", 'x');
	EXPECT_FMT("x    |", "%-5c|", 'x');
	EXPECT_FMT("x", "%1c", 'x');
	EXPECT_FMT("    0x1234", "%10p", (void *)0x1234);
	EXPECT_FMT("0x1234    |", "%-10p|", (void *)0x1234);
	EXPECT_FMT("0x00001234", "%010p", (void *)0x1234);
	EXPECT_FMT("0x1234", "%6p", (void *)0x1234);
	EXPECT_FMT("0x1234", "%2p", (void *)0x1234);
	EXPECT_FMT("-0042", "%05d", -42);
	EXPECT_FMT("-42  |", "%-05d|", -42);
}
