/* SPDX-License-Identifier: MIT */
/*
 * Byte-wise string functions. The images are built with -mstrict-align and run
 * parts of their boot with the MMU off (Device memory), so nothing here may do
 * unaligned wide accesses; the aligned fast paths only use naturally aligned words.
 */
#include <lib/string.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t v = (unsigned char)c * 0x0101010101010101ull;

	while (n && ((uintptr_t)d & 7)) {
		*d++ = (unsigned char)c;
		n--;
	}
	for (; n >= 8; n -= 8, d += 8) {
		*(uint64_t *)(void *)d = v;
	}
	while (n--) {
		*d++ = (unsigned char)c;
	}
	return dst;
}

/*
 * Copies whole words once dst is aligned. A misaligned source is read as aligned
 * words too, each output word merged from two neighbours: snapshot streams put
 * page data after variable-length tags. An aligned word never crosses a page, so
 * reading the whole last one is safe (this file is never built with ASan).
 */
void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n && ((uintptr_t)d & 7)) {
		*d++ = *s++;
		n--;
	}
	if (n >= 16 && ((uintptr_t)s & 7)) {
		unsigned off = (unsigned)((uintptr_t)s & 7), sh = off * 8;
		const uint64_t *ws = (const uint64_t *)(const void *)(s - off);
		uint64_t lo = *ws++;

		/* Four words an iteration here too: half the loop overhead of one. */
		for (; n >= 32; n -= 32, d += 32, ws += 4) {
			uint64_t w0 = ws[0], w1 = ws[1], w2 = ws[2], w3 = ws[3];

			((uint64_t *)(void *)d)[0] = (lo >> sh) | (w0 << (64 - sh));
			((uint64_t *)(void *)d)[1] = (w0 >> sh) | (w1 << (64 - sh));
			((uint64_t *)(void *)d)[2] = (w1 >> sh) | (w2 << (64 - sh));
			((uint64_t *)(void *)d)[3] = (w2 >> sh) | (w3 << (64 - sh));
			lo = w3;
		}
		for (; n >= 8; n -= 8, d += 8) {
			uint64_t hi = *ws++;

			*(uint64_t *)(void *)d = (lo >> sh) | (hi << (64 - sh));
			lo = hi;
		}
		s = (const unsigned char *)ws - 8 + off;
	}
	if (((uintptr_t)s & 7) == 0) {
		/* Four words an iteration: pages are copied often (snapshots, swap). */
		for (; n >= 32; n -= 32, d += 32, s += 32) {
			uint64_t a = ((const uint64_t *)(const void *)s)[0];
			uint64_t b = ((const uint64_t *)(const void *)s)[1];
			uint64_t c = ((const uint64_t *)(const void *)s)[2];
			uint64_t e = ((const uint64_t *)(const void *)s)[3];

			((uint64_t *)(void *)d)[0] = a;
			((uint64_t *)(void *)d)[1] = b;
			((uint64_t *)(void *)d)[2] = c;
			((uint64_t *)(void *)d)[3] = e;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8) {
			*(uint64_t *)(void *)d = *(const uint64_t *)(const void *)s;
		}
	}
	while (n--) {
		*d++ = *s++;
	}
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n) {
		return memcpy(dst, src, n);
	}
	while (n--) {
		d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i]) {
			return x[i] < y[i] ? -1 : 1;
		}
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n]) {
		n++;
	}
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i]) {
			return (unsigned char)a[i] - (unsigned char)b[i];
		}
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c) {
			return (char *)s;
		}
		if (!*s) {
			return NULL;
		}
	}
}

char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack; haystack++) {
		if (!strncmp(haystack, needle, n)) {
			return (char *)haystack;
		}
	}
	return n ? NULL : (char *)haystack;
}
