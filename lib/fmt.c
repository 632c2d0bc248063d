/* SPDX-License-Identifier: MIT */
#include <lib/fmt.h>
#include <stdbool.h>
#include <stdint.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size) {
		o->buf[o->len] = c;
	}
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left) {
		while (fill-- > 0) {
			put(o, pad);
		}
	}
	for (size_t i = 0; i < n; i++) {
		put(o, s[i]);
	}
	if (left) {
		while (fill-- > 0) {
			put(o, ' ');
		}
	}
}

/* prefix ("-", "0x" or "") counts in the width and goes before zero padding, as in C. */
static void put_number(struct out *o, uint64_t v, const char *prefix, unsigned base, bool upper,
		       int width, bool left, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0, plen = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	while (prefix[plen]) {
		plen++;
	}
	if (pad == '0' && !left) {
		for (size_t i = 0; i < plen; i++) {
			put(o, prefix[i]);
		}
		width -= (int)plen;
	} else {
		for (size_t i = plen; i-- > 0;) {
			tmp[sizeof(tmp) - 1 - n++] = prefix[i];
		}
	}
	put_padded(o, tmp + sizeof(tmp) - n, n, width, left, pad);
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		bool left = false;
		char pad = ' ';
		int width = 0;
		int longs = 0;

		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-') {
				left = true;
			} else {
				pad = '0';
			}
		}
		while (*fmt >= '0' && *fmt <= '9') {
			width = width * 10 + (*fmt++ - '0');
		}
		for (; *fmt == 'l' || *fmt == 'z'; fmt++) {
			longs = *fmt == 'z' ? 2 : longs + 1;
		}
		uint64_t u;
		int64_t s;
		switch (*fmt) {
		case 'c': {
			char c = (char)va_arg(ap, int);

			put_padded(&o, &c, 1, width, left, ' ');
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t n = 0;

			if (!str) {
				str = "(null)";
			}
			while (str[n]) {
				n++;
			}
			put_padded(&o, str, n, width, left, ' ');
			break;
		}
		case 'd':
		case 'i':
			s = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_number(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0 ? "-" : "", 10,
				   false, width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_number(&o, u, "", *fmt == 'u' ? 10 : 16, *fmt == 'X', width, left, pad);
			break;
		case 'p':
			put_number(&o, (uintptr_t)va_arg(ap, void *), "0x", 16, false, width, left,
				   pad);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size) {
		o.buf[o.len < size ? o.len : size - 1] = '\0';
	}
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
