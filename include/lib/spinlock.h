/* SPDX-License-Identifier: MIT */
/*
 * A ticket spinlock: fair (CPUs get the lock in the order they asked), small, and
 * portable (C11 atomics; LSE instructions on arm64, whatever the fake arch's
 * compiler uses on x86). Only for short sections that never sleep or fault.
 */
#ifndef HYP_SPINLOCK_H
#define HYP_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	uint32_t next;  /* the next ticket to hand out */
	uint32_t owner; /* the ticket that holds the lock */
};

static inline void spin_lock(struct spinlock *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket) {
	}
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const struct spinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

#endif
