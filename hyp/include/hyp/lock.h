/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's locks: ticket spinlocks that know which CPU holds them, so that a
 * function that needs a lock held can say so with hyp_assert_held() and have it checked
 * in debug builds (TV_DEBUG: the unit tests, `make DEBUG=1`).
 *
 * The order, outermost first (a CPU holding one may take only those below it):
 *
 *   vm_table_lock   vm.c: VM slots, handles, references
 *   host_lock       mem_protect.c: page ownership (every page's metadata), the host's
 *                   stage 2, and every access EL2 makes to a host buffer
 *   vm->lock        vm.h: a VM's stage 2, pages, dirty log, vCPU power states
 *   vcpu->vgic.lock vgic.h: a vCPU's interrupt lines and pending SGIs
 *   pool lock       pool.c: the page pools
 *   (leaves)        host_psci.c's, the console's, the SMMU's command queue
 *
 * None is held while a guest runs, nor across a return to the host.
 */
#ifndef HYP_LOCK_H
#define HYP_LOCK_H

#include <hyp/log.h>
#include <lib/spinlock.h>

unsigned arch_this_cpu(void);

struct hyp_lock {
	struct spinlock l;
	uint32_t holder; /* the holding CPU's index + 1; 0 when free */
};

static inline void hyp_lock(struct hyp_lock *l)
{
	spin_lock(&l->l);
	__atomic_store_n(&l->holder, arch_this_cpu() + 1, __ATOMIC_RELAXED);
}

static inline void hyp_unlock(struct hyp_lock *l)
{
	__atomic_store_n(&l->holder, 0, __ATOMIC_RELAXED);
	spin_unlock(&l->l);
}

static inline bool hyp_lock_held(const struct hyp_lock *l)
{
	return __atomic_load_n(&l->holder, __ATOMIC_RELAXED) == arch_this_cpu() + 1;
}

#ifdef TV_DEBUG
#define hyp_assert_held(l) BUG_ON(!hyp_lock_held(l))
#else
#define hyp_assert_held(l) ((void)(l))
#endif

#endif
