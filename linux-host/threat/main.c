// SPDX-License-Identifier: GPL-2.0
/*
 * tvthreat.ko: the threat of "KVM: arm64: Enforce MTE disablement at EL2" (the seed
 * thread), and a malicious host, as a module of tagvisor's Linux host. A host booted
 * with arm64.nomte only stops advertising MTE; the hardware still has it, and a
 * module may turn on everything EL1 controls (the Tagged memory attribute in
 * MAIR_EL1, SCTLR_EL1.ATA, TCR_EL1.TBI1 for tagged kernel pointers) and use STG, LDG,
 * STGM, LDGM, DC GVA and the MTE registers. Only EL2 (HCR_EL2.ATA = 0, the register
 * traps) stands in the way; this module checks that it does.
 *
 *   insmod tvthreat.ko test=own
 *	the MTE registers and tag instructions on the module's own memory;
 *   insmod tvthreat.ko test=tags pid=P uaddr=A bytes=N
 *	tag instructions on pages the host donated to an MTE guest, and on one the
 *	guest shares with it: the VMM P's memory at A (tvrun --on-ready passes them);
 *	the guest checks its tags after;
 *   insmod tvthreat.ko test=malicious pid=P uaddr=A bytes=N
 *	data accesses to donated pages, to hypervisor memory and to the SMMU, and
 *	hypercalls with bad arguments, as the bare-metal host's tests make them.
 *
 * Every check prints "tvthreat: PASS ..." or "tvthreat: FAIL ..."; the module loads
 * (insmod succeeds) only if all passed. Expectations follow the host's MTE mode
 * (TV_HC_FEATURES), so the same module is the control with host MTE on.
 *
 * It survives what it provokes (trap.c). Files: main.c (this), trap.c, own.c
 * (test=own), guest.c (test=tags), malicious.c (test=malicious).
 */
#include <linux/arm-smccc.h>
#include <linux/module.h>

#include "tvthreat.h"

static char *test = "own";
int pid;
unsigned long uaddr, bytes;
module_param(test, charp, 0);
module_param(pid, int, 0);
module_param(uaddr, ulong, 0);
module_param(bytes, ulong, 0);

bool host_mte;
static unsigned int failures;

void check(bool ok, const char *fmt, ...)
{
	struct va_format vaf;
	va_list ap;

	va_start(ap, fmt);
	vaf.fmt = fmt;
	vaf.va = &ap;
	pr_info("tvthreat: %s %pV\n", ok ? "PASS" : "FAIL", &vaf);
	va_end(ap);
	failures += !ok;
}

long hvc(u32 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6, u64 *out)
{
	struct arm_smccc_1_2_regs in = { TV_HC(fn), a1, a2, a3, a4, a5, a6 }, res;

	arm_smccc_1_2_hvc(&in, &res);
	if (out) {
		out[0] = res.a1;
		out[1] = res.a2;
		out[2] = res.a3;
	}
	return (long)res.a0;
}

static int __init tvthreat_init(void)
{
	u64 features[3], mem[3], hyp_base;

	/* Loaded only on tagvisor's host, by the tests: no check for another hypervisor. */
	if (hvc(TV_HC_FEATURES, 0, 0, 0, 0, 0, 0, features) ||
	    hvc(TV_HC_MEM_INFO, 0, 0, 0, 0, 0, 0, mem)) {
		pr_err("tvthreat: not under tagvisor\n");
		return -ENODEV;
	}
	hyp_base = mem[2];
	host_mte = features[0] & TV_FEAT_HOST_MTE;
	if (trap_init()) {
		pr_err("tvthreat: cannot hook UNDEF and aborts\n");
		return -ENOENT;
	}
	pr_info("tvthreat: test %s, host MTE %s\n", test, host_mte ? "on" : "off");
	if (!strcmp(test, "own")) {
		test_own();
	} else if (!strcmp(test, "tags")) {
		test_tags();
	} else if (!strcmp(test, "malicious")) {
		test_malicious(hyp_base);
	} else {
		check(false, "no test named %s", test);
	}
	trap_exit();
	pr_info("tvthreat: %s: %u failed\n", test, failures);
	return failures ? -EINVAL : 0;
}

static void __exit tvthreat_exit(void)
{
}

module_init(tvthreat_init);
module_exit(tvthreat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tagvisor's Linux host: a malicious module, for the tests");
