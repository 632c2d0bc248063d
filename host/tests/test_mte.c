/* SPDX-License-Identifier: MIT */
/*
 * MTE from the host's side: TV_HC_MTE_COPY_TAGS with KVM's semantics, MTE VMs
 * refused without the hardware, and a host booted with MTE off (host-mte=off)
 * unable to use or observe any tag: its MTE registers UNDEF, its ID registers
 * say no MTE, its tag instructions read 0 and change nothing. Tests that depend
 * on the host's MTE mode check it through TV_HC_FEATURES and run in both modes.
 */
#include <host/mte.h>
#include <host/test.h>
#include <host/vmm.h>

#define EC(esr) ((esr) >> 26)
#define GUEST_MEM (16ull << 20)

static uint64_t features(void)
{
	struct hvc_res r;

	tv_hvc(TV_HC_FEATURES, 0, 0, 0, 0, 0, 0, &r);
	return r.x[1];
}

static int64_t copy_tags(int64_t h, uint64_t ipa, uint64_t len, void *buf, uint64_t dir)
{
	return tv_hvc(TV_HC_MTE_COPY_TAGS, (uint64_t)h, ipa, len, (uint64_t)buf, dir, 0, NULL);
}

/* A VM with `n` zeroed pages donated at the start of its RAM. */
static int64_t vm_with_pages(uint32_t flags, unsigned n)
{
	int64_t h;

	host_finalise();
	h = tv_hvc(TV_HC_VM_CREATE, flags, GUEST_RAM_IPA, GUEST_MEM, 1, 0, 0, NULL);
	for (unsigned i = 0; i < n && h > 0; i++) {
		if (tv_hvc(TV_HC_MEM_DONATE, (uint64_t)h, (uint64_t)alloc_pages(1),
			   GUEST_RAM_IPA + i * PAGE_SIZE, TV_DONATE_ZERO, 0, 0, NULL)) {
			return -1;
		}
	}
	return h;
}

HOST_TEST(mte_copy_tags)
{
	int64_t h = vm_with_pages(TV_VM_MTE, 4), hn, hp;
	uint8_t *out = alloc_pages(1), *in = alloc_pages(1);

	HT_EXPECT_TRUE(h > 0);
	for (unsigned i = 0; i < 4 * 256; i++) {
		in[i] = (uint8_t)(0xa0 | (i * 7 % 16)); /* bits 7:4 must be ignored */
	}
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA, 4 * PAGE_SIZE, in, TV_TAGS_TO_GUEST), 4 * PAGE_SIZE);
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA, 4 * PAGE_SIZE, out, TV_TAGS_FROM_GUEST),
		     4 * PAGE_SIZE);
	unsigned bad = 0;

	for (unsigned i = 0; i < 4 * 256; i++) {
		bad += out[i] != (i * 7 % 16);
	}
	HT_EXPECT_EQ(bad, 0);

	/* Pages the guest does not have: zeros when read, -EFAULT (or progress) when written. */
	out[0] = 0xff;
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA + 8 * PAGE_SIZE, PAGE_SIZE, out, TV_TAGS_FROM_GUEST),
		     PAGE_SIZE);
	HT_EXPECT_EQ(out[0], 0);
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA + 8 * PAGE_SIZE, PAGE_SIZE, in, TV_TAGS_TO_GUEST),
		     -TV_EFAULT);
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA + 3 * PAGE_SIZE, 2 * PAGE_SIZE, in, TV_TAGS_TO_GUEST),
		     PAGE_SIZE); /* progress: one page, then the missing one */

	/* KVM's error cases. */
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA, PAGE_SIZE, out, 2), -TV_EINVAL);
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA + 16, PAGE_SIZE, out, 1), -TV_EINVAL);
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA, 100, out, 1), -TV_EINVAL);
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA, 0, out, 1), -TV_EINVAL);
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA, 1ull << 31, out, 1), -TV_EINVAL);
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA - PAGE_SIZE, PAGE_SIZE, out, 1), -TV_EFAULT);
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA, PAGE_SIZE, (void *)hyp_base, 1), -TV_EFAULT);
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA, PAGE_SIZE, (void *)0x1000, 1), -TV_EFAULT);
	HT_EXPECT_EQ(copy_tags(h + 0x10, GUEST_RAM_IPA, PAGE_SIZE, out, 1), -TV_ESTALE);

	/* Refused for VMs without MTE (as KVM) and for protected VMs. */
	hn = vm_with_pages(0, 1);
	hp = vm_with_pages(TV_VM_MTE | TV_VM_PROTECTED, 1);
	HT_EXPECT_EQ(copy_tags(hn, GUEST_RAM_IPA, PAGE_SIZE, out, 1), -TV_EINVAL);
	HT_EXPECT_EQ(copy_tags(hp, GUEST_RAM_IPA, PAGE_SIZE, out, 1), -TV_EPERM);
	HT_EXPECT_EQ(copy_tags(hp, GUEST_RAM_IPA, PAGE_SIZE, in, 0), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
}

HOST_TEST(mte_copy_tags_is_bounded)
{
	/* One call processes at most 4 MiB; calling again from the returned offset continues. */
	int64_t h = vm_with_pages(TV_VM_MTE, 0);
	uint8_t *buf = alloc_pages(GUEST_MEM / PAGE_SIZE / 16);
	uint64_t done = 0;
	unsigned calls = 0;

	HT_EXPECT_TRUE(h > 0 && buf);
	while (done < GUEST_MEM && calls < 100) {
		int64_t r = copy_tags(h, GUEST_RAM_IPA + done, GUEST_MEM - done, buf + done / 16,
				      TV_TAGS_FROM_GUEST);

		HT_EXPECT_TRUE(r > 0);
		if (r <= 0) {
			break;
		}
		done += (uint64_t)r;
		calls++;
	}
	HT_EXPECT_EQ(done, GUEST_MEM);
	HT_EXPECT_EQ(calls, 4);
}

HOST_TEST(mte_vm_needs_hardware)
{
	bool hw = features() & TV_FEAT_MTE;
	int64_t h;

	host_finalise();
	h = tv_hvc(TV_HC_VM_CREATE, TV_VM_MTE, GUEST_RAM_IPA, GUEST_MEM, 1, 0, 0, NULL);
	if (hw) {
		HT_EXPECT_TRUE(h > 0);
	} else {
		HT_EXPECT_EQ(h, -TV_ENODEV);
		HT_EXPECT_EQ(features() & (TV_FEAT_HOST_MTE | TV_FEAT_MTE_ASYM), 0);
	}
	h = tv_hvc(TV_HC_VM_CREATE, 0, GUEST_RAM_IPA, GUEST_MEM, 1, 0, 0, NULL);
	HT_EXPECT_TRUE(h > 0);
}

/* Reads an MTE register, returning whether it trapped (UNDEF) and the value. */
#define TRY_MRS(reg, val, f)                                                               \
	({                                                                                 \
		fault_expect(f);                                                           \
		__asm__ volatile("mov %0, #0x55\nmrs %0, " reg : "=&r"(val) : : "memory"); \
		fault_expect_none();                                                       \
		(f)->hit;                                                                  \
	})

HOST_TEST(host_mte_enforcement)
{
	bool on = features() & TV_FEAT_HOST_MTE;
	struct fault_record f;
	uint64_t v, pfr1;
	int64_t h = vm_with_pages(TV_VM_MTE, 0);
	uint64_t shared = (uint64_t)alloc_pages(1), own = (uint64_t)alloc_pages(1);
	uint8_t *tags = alloc_pages(1);

	HT_EXPECT_TRUE(features() & TV_FEAT_MTE);
	host_log("host MTE is %s", on ? "on" : "off");

	/* The four MTE registers: usable with MTE on, UNDEF with it off. */
	static const char *const regs[] = { "GCR_EL1", "RGSR_EL1", "TFSR_EL1", "TFSRE0_EL1" };
	bool trapped[4];

	trapped[0] = TRY_MRS("s3_0_c1_c0_6", v, &f);
	trapped[1] = TRY_MRS("s3_0_c1_c0_5", v, &f);
	trapped[2] = TRY_MRS("s3_0_c5_c6_0", v, &f);
	trapped[3] = TRY_MRS("s3_0_c5_c6_1", v, &f);
	for (unsigned i = 0; i < 4; i++) {
		if (trapped[i] != !on) {
			host_log("%s: %s", regs[i], trapped[i] ? "UNDEF" : "readable");
		}
		HT_EXPECT_EQ(trapped[i], !on);
	}
	fault_expect(&f);
	__asm__ volatile("msr s3_0_c1_c0_6, %0" : : "r"(0x10001ul) : "memory"); /* GCR_EL1 */
	fault_expect_none();
	HT_EXPECT_EQ(f.hit, !on);
	if (!on) {
		HT_EXPECT_EQ(f.esr, 0x02000000); /* UNDEF, IL */
	}

	/* The ID registers and GMID_EL1 describe a CPU without MTE when it is off. */
	__asm__ volatile("mrs %0, id_aa64pfr1_el1" : "=r"(pfr1));
	HT_EXPECT_EQ(((pfr1 >> 8) & 0xf) >= 2, on);
	if (TRY_MRS("s3_1_c0_c0_4", v, &f)) {
		HT_EXPECT_TRUE(!on);
		HT_EXPECT_EQ(EC(f.esr), 0x18); /* FEAT_IDST: the trapped-MRS syndrome */
	} else {
		HT_EXPECT_TRUE(on);
		HT_EXPECT_EQ(v & 0xf, 6); /* GMID_EL1.BS: 256-byte blocks */
	}

	/* A page the host shares with an MTE guest, given tags through the hypervisor. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_SHARE, (uint64_t)h, shared, GUEST_RAM_IPA, 0, 0, 0, NULL), 0);
	for (unsigned i = 0; i < 256; i++) {
		tags[i] = (uint8_t)(1 + i % 15);
	}
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA, PAGE_SIZE, tags, TV_TAGS_TO_GUEST), PAGE_SIZE);
	/* Reading: the real tags with MTE on, 0 with it off. */
	HT_EXPECT_EQ(mte_ldg(shared + 16 * 5), on ? 6 : 0);
	HT_EXPECT_EQ(mte_ldg(shared + 16 * 14), on ? 15 : 0);
	/* Writing: takes effect with MTE on, is dropped with it off. */
	mte_stg(shared, 9);
	mte_dc_gzva(shared + 64); /* data zeroed either way; tags only with MTE on */
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA, PAGE_SIZE, tags, TV_TAGS_FROM_GUEST), PAGE_SIZE);
	HT_EXPECT_EQ(tags[0], on ? 9 : 1);
	HT_EXPECT_EQ(tags[4], on ? 0 : 5);
	HT_EXPECT_EQ(*(volatile uint64_t *)(shared + 64), 0);
	/* The host's own memory: with MTE off it cannot even see its own tags. */
	mte_stg(own, 7);
	HT_EXPECT_EQ(mte_ldg(own), on ? 7 : 0);
	if (!on) {
		HT_EXPECT_EQ(mte_irg(own), 0);
	}
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
}

HOST_TEST(protected_mte_pages_come_back_clean)
{
	/*
	 * A protected MTE guest's page: its tags are cleared on donation, never readable
	 * through the hypervisor, and scrubbed with the data when the page returns.
	 */
	int64_t h;
	uint64_t page = (uint64_t)alloc_pages(1);
	uint8_t *tags = alloc_pages(1);
	bool on = features() & TV_FEAT_HOST_MTE;

	host_finalise();
	h = tv_hvc(TV_HC_VM_CREATE, TV_VM_MTE | TV_VM_PROTECTED, GUEST_RAM_IPA, GUEST_MEM, 1, 0, 0,
		   NULL);
	*(volatile uint64_t *)page = 0x5ec2e75ec2e7ull;
	if (on) {
		mte_stg(page + 32, 11); /* a stale host tag */
	}
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, (uint64_t)h, page, GUEST_RAM_IPA, 0, 0, 0, NULL), 0);
	HT_EXPECT_EQ(copy_tags(h, GUEST_RAM_IPA, PAGE_SIZE, tags, TV_TAGS_FROM_GUEST), -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_RECLAIM, (uint64_t)h, GUEST_RAM_IPA, (uint64_t)tags, PAGE_SIZE,
			    0, 0, NULL),
		     -TV_EPERM);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VM_DESTROY, (uint64_t)h, 0, 0, 0, 0, 0, NULL), 0);
	/* Back with the host: zero data, zero tags. */
	HT_EXPECT_EQ(*(volatile uint64_t *)page, 0);
	if (on) {
		unsigned nonzero = 0;

		for (unsigned g = 0; g < 256; g++) {
			nonzero += mte_ldg(page + 16 * g) != 0;
		}
		HT_EXPECT_EQ(nonzero, 0);
	}
}
