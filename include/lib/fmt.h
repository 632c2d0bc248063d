/* SPDX-License-Identifier: MIT */
/* A small vsnprintf: %c %s %d %i %u %x %X %p %%, modifiers l ll z, flags 0 and -, a width. */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Returns the length the output would have had (as C's vsnprintf); writes at most size bytes. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
