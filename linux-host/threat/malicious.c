// SPDX-License-Identifier: GPL-2.0
/*
 * test=malicious: what the bare-metal host's malicious-host tests do, from a module:
 * loads and stores to a guest's pages, hypervisor memory and the SMMU, and hypercalls
 * with bad arguments. Each must get its refusal, and the hypervisor its self-check.
 */
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/mm.h>

#include "tvthreat.h"

/* A load and a store at va must each get the external abort, with FAR = va. */
static void expect_abort(const char *what, u64 va)
{
	unsigned long flags;
	bool r, w;
	u64 x0 = 0, esr_r, far_r, esr_w;

	local_irq_save(flags);
	r = TRY("ldr x0, [x1]", x0, va);
	esr_r = trap.esr;
	far_r = trap.far;
	x0 = 0x0bad0bad0bad0badull;
	w = TRY("str x0, [x1]", x0, va + 8);
	esr_w = trap.esr;
	local_irq_restore(flags);
	check(r && IS_SEA(esr_r) && far_r == va,
	      "%s: read refused (ESR 0x%llx, FAR 0x%llx)", what, esr_r, far_r);
	check(w && IS_SEA(esr_w),
	      "%s: write refused (ESR 0x%llx)", what, esr_w);
}

static void donated_pages(void)
{
	unsigned long n;
	struct page **pages = vmm_pages(&n);

	if (!pages)
		return;
	expect_abort("guest page (linear map)", (u64)page_address(pages[0]));
	expect_abort("guest page, its end", (u64)page_address(pages[n - 1]) + PAGE_SIZE - 16);
	put_pages(pages, n);
}

static void hyp_memory(u64 hyp_base)
{
	void *va = memremap(hyp_base, PAGE_SIZE, MEMREMAP_WB);
	void __iomem *smmu = ioremap(0x09050000, PAGE_SIZE);

	if (va) {
		expect_abort("hypervisor memory, mapped", (u64)va);
		memunmap(va);
	} else {
		check(false, "hypervisor memory: memremap failed");
	}
	if (smmu) {
		expect_abort("the SMMU's registers, mapped", (u64)smmu);
		iounmap(smmu);
	}
}

static void expect_hvc(const char *what, long got, long want)
{
	check(got == want, "%s: %ld (documented: %ld)", what, got, want);
}

/* One statement per call: the VM they use is destroyed last. */
static void bad_hypercalls(u64 hyp_base)
{
	static const char text[] = "x";
	struct page *page = alloc_page(GFP_KERNEL);
	u64 pa = page ? page_to_phys(page) : 0, ipa = 0x40000000, x[3] = { 0 };
	long h = hvc(TV_HC_VM_CREATE, 0, ipa, 16 << 20, 1, 0, 0, NULL);

	check(h > 0, "VM_CREATE of a VM of our own: 0x%lx", h);
	expect_hvc("an unknown call", hvc(39, 0, 0, 0, 0, 0, 0, NULL), -TV_ENOSYS);
	expect_hvc("another service's ID", hvc(0x10000, 0, 0, 0, 0, 0, 0, NULL), -TV_ENOSYS);
	expect_hvc("SELFTEST after boot", hvc(TV_HC_SELFTEST, pa, 4, 0, 0, 0, 0, NULL), -TV_EPERM);
	expect_hvc("FINALISE again", hvc(TV_HC_FINALISE, 0, 0, 0, 0, 0, 0, NULL), -TV_EPERM);
	expect_hvc("VM_CREATE, unknown flags",
		   hvc(TV_HC_VM_CREATE, 0x80, ipa, 16 << 20, 1, 0, 0, NULL), -TV_EINVAL);
	expect_hvc("MEM_DONATE of hypervisor memory",
		   hvc(TV_HC_MEM_DONATE, h, hyp_base, ipa, 0, 0, 0, NULL), -TV_EPERM);
	expect_hvc("MEM_DONATE of a device", hvc(TV_HC_MEM_DONATE, h, 0x09000000, ipa, 0, 0, 0, NULL),
		   -TV_ERANGE);
	expect_hvc("MEM_DONATE, misaligned", hvc(TV_HC_MEM_DONATE, h, pa + 8, ipa, 0, 0, 0, NULL),
		   -TV_EINVAL);
	expect_hvc("MEM_SHARE of hypervisor memory",
		   hvc(TV_HC_MEM_SHARE, h, hyp_base, ipa, 0, 0, 0, NULL), -TV_EPERM);
	expect_hvc("LOG from hypervisor memory", hvc(TV_HC_LOG, hyp_base, 1, 0, 0, 0, 0, NULL),
		   -TV_EFAULT);
	expect_hvc("LOG, too long", hvc(TV_HC_LOG, virt_to_phys(text), TV_LOG_MAX + 1, 0, 0, 0, 0, NULL),
		   -TV_EINVAL);
	expect_hvc("VM_DESTROY, malformed handle", hvc(TV_HC_VM_DESTROY, 1ull << 32, 0, 0, 0, 0, 0, NULL),
		   -TV_EINVAL);
	expect_hvc("VCPU_RUN, no such vCPU", hvc(TV_HC_VCPU_RUN, h, 3, 0, 0, 0, 0, NULL), -TV_ENOENT);
	expect_hvc("VM_DESTROY", hvc(TV_HC_VM_DESTROY, h, 0, 0, 0, 0, 0, NULL), 0);
	expect_hvc("VM_DESTROY again", hvc(TV_HC_VM_DESTROY, h, 0, 0, 0, 0, 0, NULL), -TV_ESTALE);
	check(hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, x) == 0,
	      "the hypervisor's self-check after all that: %llu violations", x[0]);
	if (page)
		__free_page(page);
}

/* The guest's pages may not be given to a second VM either. */
static void donate_donated(void)
{
	unsigned long n;
	struct page **pages = vmm_pages(&n);
	long h = hvc(TV_HC_VM_CREATE, 0, 0x40000000, 16 << 20, 1, 0, 0, NULL);

	if (pages)
		check(hvc(TV_HC_MEM_DONATE, h, page_to_phys(pages[0]), 0x40000000, 0, 0, 0, NULL) ==
			      -TV_EPERM,
		      "MEM_DONATE of another guest's page: refused");
	hvc(TV_HC_VM_DESTROY, h, 0, 0, 0, 0, 0, NULL);
	if (pages)
		put_pages(pages, n);
}

void test_malicious(u64 hyp_base)
{
	donated_pages();
	hyp_memory(hyp_base);
	donate_donated();
	bad_hypercalls(hyp_base);
}
