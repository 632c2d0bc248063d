/* SPDX-License-Identifier: MIT */
/*
 * Logging and the three tiers of errors:
 *  - anything a host or guest can cause returns an error code (include/abi/hvc.h);
 *  - BUG_ON() is only for a broken invariant of the hypervisor itself: it panics;
 *  - extra cross-checks live in check.c, run by TV_HC_CHECK.
 */
#ifndef HYP_LOG_H
#define HYP_LOG_H

void hyp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void hyp_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define BUG_ON(cond)                                                              \
	do {                                                                      \
		if (cond) {                                                       \
			hyp_panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond); \
		}                                                                 \
	} while (0)

#endif
