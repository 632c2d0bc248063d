/* SPDX-License-Identifier: MIT */
/*
 * The outcomes docs/ABI.md allows for each hypercall, for tests that make random
 * calls (tests/unit/test_hcall.c's storm, tests/fuzz/fuzz_hcall.c): one table, so
 * that the document, the storm and the fuzzer cannot drift apart.
 */
#ifndef TESTS_COMMON_HCALL_OUTCOME_H
#define TESTS_COMMON_HCALL_OUTCOME_H

#include <abi/hvc.h>
#include <lib/tagcodec.h>

#include <stdbool.h>
#include <stdint.h>

#define HC_MAX_ERRS 9

/* Every error each call documents; a call without a row is not checked (may do anything). */
static const int hcall_errors[TV_HC_NR][HC_MAX_ERRS] = {
	[TV_HC_LOG] = { TV_EINVAL, TV_EFAULT },
	[TV_HC_SELFTEST] = { TV_EINVAL, TV_EPERM },
	[TV_HC_VM_CREATE] = { TV_EINVAL, TV_ENODEV, TV_ENOMEM },
	[TV_HC_VM_DESTROY] = { TV_EINVAL, TV_ESTALE },
	[TV_HC_VCPU_CREATE] = { TV_EINVAL, TV_ESTALE, TV_EEXIST, TV_EPERM },
	[TV_HC_VCPU_RUN] = { TV_EINVAL, TV_ESTALE, TV_ENOENT, TV_EPERM },
	[TV_HC_VCPU_GET_REG] = { TV_EINVAL, TV_ESTALE, TV_ENOENT, TV_EPERM },
	[TV_HC_VCPU_SET_REG] = { TV_EINVAL, TV_ESTALE, TV_ENOENT, TV_EPERM },
	[TV_HC_VCPU_GET_STATE] = { TV_EINVAL, TV_ESTALE, TV_ENOENT, TV_EPERM, TV_EFAULT,
				   TV_EBUSY },
	[TV_HC_VCPU_SET_STATE] = { TV_EINVAL, TV_ESTALE, TV_ENOENT, TV_EPERM, TV_EFAULT },
	[TV_HC_MEM_DONATE] = { TV_EINVAL, TV_ESTALE, TV_ERANGE, TV_EPERM, TV_EEXIST, TV_EFAULT,
			       TV_EBADMSG, TV_ENOMEM },
	[TV_HC_MEM_SHARE] = { TV_EINVAL, TV_ESTALE, TV_ERANGE, TV_EPERM, TV_EEXIST, TV_ENOMEM },
	[TV_HC_MEM_UNSHARE] = { TV_EINVAL, TV_ESTALE, TV_ENOENT },
	[TV_HC_MEM_RECLAIM] = { TV_EINVAL, TV_ESTALE, TV_EPERM, TV_ENOENT, TV_E2BIG, TV_EFAULT,
				TV_ENOMEM },
	[TV_HC_MEM_AGE] = { TV_EINVAL, TV_ESTALE, TV_ERANGE, TV_EPERM },
	[TV_HC_MEM_READ] = { TV_EINVAL, TV_ESTALE, TV_EPERM, TV_ERANGE, TV_ENOENT, TV_E2BIG,
			     TV_EFAULT },
	[TV_HC_MTE_COPY_TAGS] = { TV_EINVAL, TV_ESTALE, TV_EPERM, TV_EFAULT },
	[TV_HC_DIRTY_LOG] = { TV_EINVAL, TV_ESTALE, TV_EPERM, TV_EBUSY, TV_ENOENT, TV_ERANGE,
			      TV_EFAULT, TV_ENOMEM },
	[TV_HC_VCPU_IRQ] = { TV_EINVAL, TV_ESTALE, TV_ENOENT, TV_ENOMEM },
	[TV_HC_VCPU_GET_VGIC] = { TV_EINVAL, TV_ESTALE, TV_ENOENT, TV_EPERM, TV_EFAULT },
	[TV_HC_VCPU_SET_VGIC] = { TV_EINVAL, TV_ESTALE, TV_ENOENT, TV_EPERM, TV_EFAULT },
	[TV_HC_VCPU_IRQ_STATE] = { TV_EINVAL, TV_ESTALE, TV_ENOENT },
};

/* Calls every phase allows and that cannot fail. */
static inline bool hcall_always_ok(unsigned n)
{
	return n <= TV_HC_CHECK || n == TV_HC_IOMMU_INFO;
}

/*
 * Whether x0 = ret (and x1, x2) is a documented outcome of call n in this phase.
 * Numbers past the dispatch table must be -TV_ENOSYS; calls without a row here may
 * do anything but crash or break the invariants (the callers check those).
 */
static inline bool hcall_outcome_allowed(unsigned n, int64_t ret, bool finalised, uint64_t x1,
					 uint64_t x2, uint64_t run_flags)
{
	bool known = n < TV_HC_NR && (hcall_always_ok(n) || n == TV_HC_FINALISE ||
				      hcall_errors[n][0]);

	if (!known) {
		return n < TV_HC_NR || ret == -TV_ENOSYS;
	}
	if (n >= TV_HC_RUN_FIRST ? !finalised : n >= TV_HC_SETUP_FIRST && finalised) {
		return ret == -TV_EPERM;
	}
	if (ret >= 0) {
		switch (n) {
		case TV_HC_VM_CREATE:
			return ret > 0 && ret <= 0xffffffffll;
		case TV_HC_VCPU_CREATE:
			return ret < TV_MAX_VCPUS;
		case TV_HC_MTE_COPY_TAGS:
			return ret > 0 && ret % 4096 == 0;
		case TV_HC_VCPU_RUN:
			/* Reason 0 ("did not run") only for flags beyond the three completions. */
			return x1 <= TV_EXIT_LAST &&
			       (x1 || (run_flags & ~(uint64_t)(TV_RUN_MMIO_READ | TV_RUN_HVC_RET |
								 TV_RUN_INJECT_DABT)));
		case TV_HC_MEM_RECLAIM:
			return ret == 0 && x2 <= TAGCODEC_MAX_SIZE;
		case TV_HC_MEM_READ:
			return ret == 0 && x1 <= TAGCODEC_MAX_SIZE;
		case TV_HC_DIRTY_LOG:
			return true; /* GET returns how many pages it reported */
		default:
			return hcall_always_ok(n) || ret == 0;
		}
	}
	for (unsigned i = 0; i < HC_MAX_ERRS; i++) {
		if (hcall_errors[n][i] && ret == -hcall_errors[n][i]) {
			return true;
		}
	}
	return false;
}

#endif
