/* SPDX-License-Identifier: MIT */
/*
 * Strict parsing of option values. Each parser takes the option's name for its
 * message, and accepts exactly the form its help text gives: nothing after the
 * number, no signs, nothing out of range. On a bad value it prints one line naming
 * the option, the value and the accepted form, and returns -1.
 */
#ifndef TOOLS_TAGVISOR_OPTIONS_H
#define TOOLS_TAGVISOR_OPTIONS_H

#include <stdint.h>

/* A decimal integer in [min, max]. */
int opt_uint(const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out);

/*
 * A size as QEMU reads -m: a bare number is MiB; K, M, G, T suffixes (KiB..TiB, case
 * does not matter, an optional B after them); at least `min` bytes, at most `max`,
 * a multiple of 4 KiB.
 */
int opt_size(const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out);

/*
 * A time: N instructions (a bare number; *instructions is set), or N with a unit
 * ns, us, ms, s. Returns nanoseconds in *ns, at least 1.
 */
int opt_time(const char *opt, const char *v, uint64_t *ns, int *instructions);

/* "on" or "off". */
int opt_on_off(const char *opt, const char *v, int *out);

#endif
