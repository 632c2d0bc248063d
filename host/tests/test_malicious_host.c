/* SPDX-License-Identifier: MIT */
/*
 * A malicious host: touching pages it gave to guests, and hypercalls with bad
 * arguments. Each is refused (an abort, an error code), the hypervisor is
 * unharmed (TV_HC_CHECK), and the guests' memory is intact (they verify it).
 */
#include "service.h"

#include <abi/snapshot.h>
#include <lib/string.h>

#define EC(esr) ((esr) >> 26)
#define FSC(esr) ((esr)&0x3f)

static void expect_untouchable(uint64_t pa)
{
	struct fault_record f;
	uint64_t v;

	HT_EXPECT_TRUE(probe_read64(pa, &v, &f));
	HT_EXPECT_EQ(EC(f.esr), 0x25);
	HT_EXPECT_EQ(FSC(f.esr), 0x10);
	HT_EXPECT_EQ(f.far, pa);
	HT_EXPECT_TRUE(probe_write64(pa + 8, 0x0bad0bad0bad0badull, &f));
	HT_EXPECT_EQ(EC(f.esr), 0x25);
}

static void donated_pages_untouchable(uint32_t flags)
{
	struct service s;
	uint64_t data_page, code_page;

	HT_EXPECT_EQ(service_start(&s, 0, flags), 0);
	data_page = s.g.page_pa[(s.base - GUEST_RAM_IPA) / PAGE_SIZE];
	code_page = s.g.page_pa[0x80]; /* the image starts 512 KiB into RAM */
	HT_EXPECT_NE(data_page, 0);
	HT_EXPECT_NE(code_page, 0);
	expect_untouchable(data_page);
	expect_untouchable(data_page + PAGE_SIZE - 16);
	expect_untouchable(code_page);
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
	HT_EXPECT_EQ(service_finish(&s), TV_STATUS_OK);
	HT_EXPECT_TRUE(service_verified(&s));
	guest_destroy(&s.g);
}

HOST_TEST(host_cannot_touch_donated_pages)
{
	donated_pages_untouchable(0);
}

HOST_TEST(host_cannot_touch_protected_pages)
{
	donated_pages_untouchable(TV_VM_PROTECTED);
}

HOST_TEST(host_bad_memory_calls)
{
	static struct service s, p; /* a normal and a protected guest */
	uint64_t free_pa = (uint64_t)alloc_pages(1), ipa_free = GUEST_RAM_IPA + (8ull << 20);
	uint64_t owned, h, hp;

	HT_EXPECT_EQ(service_start(&s, 0, 0), 0);
	HT_EXPECT_EQ(service_start(&p, 1, TV_VM_PROTECTED), 0);
	h = (uint64_t)s.g.handle;
	hp = (uint64_t)p.g.handle;
	owned = s.g.page_pa[(s.base - GUEST_RAM_IPA) / PAGE_SIZE];

	/* Donating a page twice, or one another VM has, or the hypervisor's, or no RAM. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, owned, ipa_free, 0, 0, 0, NULL), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, hp, owned, ipa_free, 0, 0, 0, NULL), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, hyp_base + 0x10000, ipa_free, 0, 0, 0, NULL),
		     -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, 0x09000000, ipa_free, 0, 0, 0, NULL), -TV_ERANGE);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, ram_base + ram_size, ipa_free, 0, 0, 0, NULL),
		     -TV_ERANGE);
	/* Misaligned, out of the VM's RAM, an IPA in use, unknown flags. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, free_pa + 8, ipa_free, 0, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, free_pa, ipa_free + 8, 0, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, free_pa, GUEST_RAM_IPA + SERVICE_MEM, 0, 0, 0, NULL),
		     -TV_ERANGE);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, free_pa, 0x1000, 0, 0, 0, NULL), -TV_ERANGE);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, free_pa, s.base, 0, 0, 0, NULL), -TV_EEXIST);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, free_pa, ipa_free, 1u << 7, 0, 0, NULL), -TV_EINVAL);
	/* Sharing into a protected VM; reclaiming from it. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_SHARE, hp, free_pa, ipa_free, 0, 0, 0, NULL), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_RECLAIM, hp, p.base, free_pa, PAGE_SIZE, 0, 0, NULL), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_UNSHARE, h, s.base, 0, 0, 0, 0, NULL), -TV_ENOENT);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_RECLAIM, h, ipa_free, free_pa, PAGE_SIZE, 0, 0, NULL),
		     -TV_ENOENT);
	/* Bad handles and vCPUs. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_RUN, 0xdeadbeef00ull, 0, 0, 0, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_RUN, 15, 0, 0, 0, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_RUN, h + 0x10, 0, 0, 0, 0, 0, NULL), -TV_ESTALE);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_RUN, h, 1, 0, 0, 0, 0, NULL), -TV_ENOENT);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_RUN, h, 0, 1u << 9, 0, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_RUN, h, 0, TV_RUN_MMIO_READ, 0, 0, 0, NULL), -TV_EINVAL);
	/* A guest can never be sent to EL2 or AArch32; a protected guest's registers are sealed. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_SET_REG, h, 0, TV_REG_PSTATE, 0x3c9, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_SET_REG, h, 0, TV_REG_PSTATE, 0x3d0, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_SET_REG, h, 0, 99, 0, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_GET_REG, hp, 0, TV_REG_PC, 0, 0, 0, NULL), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_SET_REG, hp, 0, TV_REG_PC, 0, 0, 0, NULL), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VM_CREATE, 1u << 5, GUEST_RAM_IPA, PAGE_SIZE, 1, 0, 0, NULL),
		     -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VM_CREATE, 0, GUEST_RAM_IPA, 1ull << 40, 1, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VM_CREATE, 0, GUEST_RAM_IPA, PAGE_SIZE, 9, 0, 0, NULL), -TV_EINVAL);

	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
	HT_EXPECT_EQ(service_finish(&s), TV_STATUS_OK);
	HT_EXPECT_EQ(service_finish(&p), TV_STATUS_OK);
	HT_EXPECT_TRUE(service_verified(&s));
	HT_EXPECT_TRUE(service_verified(&p));

	/* A destroyed VM is gone for good: its handle is stale for every call. */
	guest_destroy(&s.g);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_RUN, h, 0, 0, 0, 0, 0, NULL), -TV_ESTALE);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, free_pa, ipa_free, 0, 0, 0, NULL), -TV_ESTALE);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VM_DESTROY, h, 0, 0, 0, 0, 0, NULL), -TV_ESTALE);
	guest_destroy(&p.g);
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
}

/*
 * No AArch32 for a guest, whatever the host writes: not in PSTATE, and not in SPSR_EL1,
 * which the guest's next ERET would use (issue: SET_REG SPSR_EL1 = 0x10 once ran the
 * guest in A32 at EL0). The vCPU state interface refuses the same.
 */
HOST_TEST(host_cannot_put_a_guest_in_aarch32)
{
	static struct service s;
	static struct tv_vcpu_state st;
	uint64_t h;

	HT_EXPECT_EQ(service_start(&s, 0, 0), 0);
	h = (uint64_t)s.g.handle;
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_SET_REG, h, 0, TV_REG_SPSR_EL1, 0x10, 0, 0, NULL),
		     -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_SET_REG, h, 0, TV_REG_SPSR_EL1, 0x30, 0, 0, NULL),
		     -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_SET_REG, h, 0, TV_REG_PSTATE, 0x10, 0, 0, NULL), -TV_EINVAL);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_RUN, h, 0, TV_RUN_HVC_RET | TV_RUN_COMPLETE_ONLY, 0, 0, 0,
			    NULL),
		     0);
	s.g.vcpu[0].run_flags = 0; /* the READY call is answered */
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_GET_STATE, h, 0, (uint64_t)&st, 0, 0, 0, NULL), 0);
	st.spsr_el1 = 0x10;
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_SET_STATE, h, 0, (uint64_t)&st, 0, 0, 0, NULL), -TV_EINVAL);
	st.spsr_el1 = 0x3c5;
	st.pstate = 0x10;
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_SET_STATE, h, 0, (uint64_t)&st, 0, 0, 0, NULL), -TV_EINVAL);
	/* The guest runs on in AArch64 and verifies its memory. */
	HT_EXPECT_EQ(service_finish(&s), TV_STATUS_OK);
	HT_EXPECT_TRUE(service_verified(&s));
	guest_destroy(&s.g);
}

/*
 * A protected VM that has run gets only zeroed pages (issue: the host could plant data
 * and tags at unpopulated IPAs of a running protected VM).
 */
HOST_TEST(protected_vm_gets_zeroed_pages_once_running)
{
	static struct service s;
	uint8_t *page = alloc_pages(1), *tags = alloc_pages(1);
	uint64_t h, ipa = GUEST_RAM_IPA + (8ull << 20);

	HT_EXPECT_EQ(service_start(&s, 0, TV_VM_PROTECTED | TV_VM_MTE), 0);
	h = (uint64_t)s.g.handle;
	memset(page, 0x5a, PAGE_SIZE);
	tags[0] = 0;
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, (uint64_t)page, ipa, 0, 0, 0, NULL), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, (uint64_t)page, ipa, TV_DONATE_TAGS,
			    (uint64_t)tags, 1, NULL),
		     -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, (uint64_t)page, ipa,
			    TV_DONATE_ZERO | TV_DONATE_TAGS, (uint64_t)tags, 1, NULL),
		     -TV_EPERM);
	/* The page is still the host's, unchanged. */
	HT_EXPECT_EQ(page[100], 0x5a);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, h, (uint64_t)page, ipa, TV_DONATE_ZERO, 0, 0, NULL),
		     0);
	s.g.page_pa[(ipa - GUEST_RAM_IPA) / PAGE_SIZE] = (uint64_t)page;
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
	HT_EXPECT_EQ(service_finish(&s), TV_STATUS_OK);
	HT_EXPECT_TRUE(service_verified(&s));
	guest_destroy(&s.g);
}
