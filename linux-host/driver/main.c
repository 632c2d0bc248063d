// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/tagvisor: the module's entry, the hypercall wrapper and the system ioctls.
 * It loads only under tagvisor's EL2 (the version hypercall answers 1.x).
 */
#include <linux/arm-smccc.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "tagvisor.h"

u64 tv_features;

long tv_hvc(u32 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6, struct tv_res *res)
{
	struct arm_smccc_1_2_regs in = { TV_HC(fn), a1, a2, a3, a4, a5, a6 }, out;

	/* SMCCC 1.2's call passes and returns x0..x17; ours uses x0..x7. */
	arm_smccc_1_2_hvc(&in, &out);
	if (res) {
		*res = (struct tv_res){ { out.a0, out.a1, out.a2, out.a3, out.a4, out.a5, out.a6,
					  out.a7 } };
	}
	return (long)out.a0;
}

static long tv_dev_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case TAGVISOR_GET_API_VERSION:
		return arg ? -EINVAL : TAGVISOR_API_VERSION;
	case TAGVISOR_CREATE_VM:
		return tv_create_vm(arg);
	case TAGVISOR_CHECK_EXTENSION:
		return tv_check_extension(arg);
	case TAGVISOR_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : PAGE_SIZE;
	case TAGVISOR_HYP_CHECK: {
		struct tv_res r;
		long ret = tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, &r);

		return ret == -TV_EAGAIN ? (long)r.x[1] : ret;
	}
	default:
		return -ENOTTY;
	}
}

static const struct file_operations tv_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = tv_dev_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice tv_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tagvisor",
	.fops = &tv_dev_fops,
	.mode = 0600,
};

static int __init tv_init(void)
{
	struct tv_res r;
	u64 version;

	/*
	 * Without EL2 an HVC is UNDEFINED: only call where the ID registers say EL2
	 * exists (tagvisor shows it to its host). Another hypervisor answers -1.
	 */
	if (!((read_sysreg_s(SYS_ID_AA64PFR0_EL1) >> 8) & 0xf) ||
	    tv_hvc(TV_HC_VERSION, 0, 0, 0, 0, 0, 0, &r) != 0 || r.x[1] >> 16 != TV_ABI_MAJOR) {
		pr_err("tagvisor: not running under the tagvisor hypervisor\n");
		return -ENODEV;
	}
	version = r.x[1];
	tv_hvc(TV_HC_FEATURES, 0, 0, 0, 0, 0, 0, &r);
	tv_features = r.x[1];
	pr_info("tagvisor: hypervisor ABI %llu.%llu, MTE %s, host MTE %s\n", version >> 16,
		version & 0xffff, (tv_features & TV_FEAT_MTE) ? "yes" : "no",
		(tv_features & TV_FEAT_HOST_MTE) ? "on" : "off");
	return misc_register(&tv_dev);
}

static void __exit tv_exit(void)
{
	misc_deregister(&tv_dev);
}

module_init(tv_init);
module_exit(tv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("/dev/tagvisor: VMs of the tagvisor hypervisor for its Linux host");
