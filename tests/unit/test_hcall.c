/* SPDX-License-Identifier: MIT */
/*
 * Host hypercall dispatch (hyp/core/hcall.c) exactly as the host reaches it: a
 * struct cpu_context with the function ID in x0 and arguments in x1..x6, results
 * read back from the registers. Phase gating, unknown IDs, where each call puts
 * its results, and a long storm of random calls after which the ownership
 * invariants must still hold.
 */
#include "test.h"
#include "../common/hcall_outcome.h"

#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/hyp.h>
#include <hyp/mem_protect.h>
#include <hyp/psci.h>
#include <hyp/trap.h>
#include <hyp/vm.h>
#include <lib/tagcodec.h>

#include <string.h>

#define RAM	      (8ull << 20)
#define HYP	      (1ull << 20)
#define IPA0	      0x40000000ull
#define VM_PAGES      64
#define HOST_PAGE(i)  (FAKE_RAM_BASE + HYP + (uint64_t)(i)*PAGE_SIZE)
#define NR_HOST_PAGES ((RAM - HYP) / PAGE_SIZE)

static struct cpu_context host;

static void init(bool mte)
{
	struct fake_config cfg = { RAM, HYP, mte };

	fake_hyp_init(&cfg);
	memset(&host, 0, sizeof(host));
}

/* The value every register the call must preserve holds before it. */
static uint64_t canary(unsigned r)
{
	return 0xca11ab1e00000000ull | r;
}

/*
 * Makes a call as the host would, with every register the ABI says is preserved
 * (x7..x30, pc, pstate, the system registers) holding a known value, and checks
 * that it still does afterwards. Returns x0.
 */
static int64_t hc_raw(uint64_t x0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
		      uint64_t a6)
{
	uint64_t args[7] = { x0, a1, a2, a3, a4, a5, a6 };
	struct cpu_context before;

	for (unsigned r = 0; r < 31; r++) {
		host.regs[r] = r < 7 ? args[r] : canary(r);
	}
	host.pc = 0x42001234;
	host.pstate = PSR_MODE_EL1H;
	for (unsigned i = 0; i < CTX_NR_SYSREGS; i++) {
		host.sys[i] = canary(100 + i);
	}
	before = host;
	handle_host_hcall(&host);
	EXPECT_EQ(memcmp(&host.regs[7], &before.regs[7], 24 * sizeof(uint64_t)), 0);
	EXPECT_EQ(memcmp(&host.pc, &before.pc, sizeof(host) - offsetof(struct cpu_context, pc)), 0);
	return (int64_t)host.regs[0];
}

static int64_t hc(unsigned n, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
		  uint64_t a6)
{
	return hc_raw(TV_HC(n), a1, a2, a3, a4, a5, a6);
}

#define HC0(n) hc(n, 0, 0, 0, 0, 0, 0)
#define X(i)   (host.regs[i])

static void check_any_phase_calls(bool mte)
{
	EXPECT_EQ(HC0(TV_HC_VERSION), 0);
	EXPECT_EQ(X(1), 1u << 16 | 0);
	EXPECT_EQ(HC0(TV_HC_FEATURES), 0);
	EXPECT_EQ(X(1), (mte ? TV_FEAT_MTE | TV_FEAT_MTE_ASYM | TV_FEAT_HOST_MTE : 0) |
				TV_FEAT_PROTECTED | TV_FEAT_PMU);
	EXPECT_EQ(X(2), TV_MAX_VMS);
	EXPECT_EQ(X(3), TV_MAX_VCPUS);
	EXPECT_EQ(HC0(TV_HC_MEM_INFO), 0);
	EXPECT_EQ(X(1), FAKE_RAM_BASE);
	EXPECT_EQ(X(2), RAM);
	EXPECT_EQ(X(3), FAKE_RAM_BASE);
	EXPECT_EQ(X(4), HYP);
	EXPECT_EQ(hc(TV_HC_CHECK, 5, 5, 5, 5, 5, 5), 0);
	EXPECT_EQ(X(1), 0);
}

TEST(hcall, any_phase_calls_in_both_phases)
{
	for (int mte = 0; mte < 2; mte++) {
		init(mte);
		check_any_phase_calls(mte);
		EXPECT_EQ(HC0(TV_HC_FINALISE), 0);
		check_any_phase_calls(mte);
	}
}

TEST(hcall, setup_band_only_before_finalise)
{
	init(true);
	EXPECT_EQ(hc(TV_HC_SELFTEST, HOST_PAGE(0), 4, 0, 0, 0, 0), 0);
	EXPECT_EQ(hc(TV_HC_SELFTEST, HOST_PAGE(0), 9, 0, 0, 0, 0), 0);
	EXPECT_EQ(page_state_of(HOST_PAGE(0), OWNER_HOST), PS_OWNED);
	EXPECT_EQ(HC0(TV_HC_FINALISE), 0);
	EXPECT_TRUE(hyp_state.finalised);
	EXPECT_EQ(hc(TV_HC_SELFTEST, HOST_PAGE(0), 4, 0, 0, 0, 0), -TV_EPERM);
	EXPECT_EQ(HC0(TV_HC_FINALISE), -TV_EPERM);
	EXPECT_TRUE(hyp_state.finalised);
	EXPECT_EQ(check_invariants(), 0);
}

TEST(hcall, selftest_argument_errors)
{
	init(false);
	EXPECT_EQ(hc(TV_HC_SELFTEST, HOST_PAGE(0) + 8, 4, 0, 0, 0, 0), -TV_EINVAL);
	EXPECT_EQ(hc(TV_HC_SELFTEST, HOST_PAGE(0), 3, 0, 0, 0, 0), -TV_EINVAL);
	EXPECT_EQ(hc(TV_HC_SELFTEST, HOST_PAGE(0), 0, 0, 0, 0, 0), -TV_EINVAL);
	/* Hypervisor memory, and pages running off the end of RAM, are not the host's. */
	EXPECT_EQ(hc(TV_HC_SELFTEST, FAKE_RAM_BASE, 4, 0, 0, 0, 0), -TV_EPERM);
	EXPECT_EQ(hc(TV_HC_SELFTEST, FAKE_RAM_BASE + HYP - PAGE_SIZE, 4, 0, 0, 0, 0), -TV_EPERM);
	EXPECT_EQ(hc(TV_HC_SELFTEST, FAKE_RAM_BASE + RAM - 2 * PAGE_SIZE, 4, 0, 0, 0, 0),
		  -TV_EPERM);
	EXPECT_EQ(hc(TV_HC_SELFTEST, HOST_PAGE(0), 4, 0, 0, 0, 0), 0);
	EXPECT_EQ(check_invariants(), 0);
	for (unsigned i = 0; i < TV_MAX_VMS; i++) {
		EXPECT_FALSE(vms[i].in_use); /* its VM is gone again */
	}
}

/*
 * selftest_run() once took hyp_va() of its first page before checking it was RAM: a
 * cast on aarch64, an abort on the fake arch (hyp_va() is defined for RAM only).
 */
TEST(hcall, selftest_outside_ram_is_eperm)
{
	init(false);
	EXPECT_EQ(hc(TV_HC_SELFTEST, 0x1000, 4, 0, 0, 0, 0), -TV_EPERM);
	EXPECT_EQ(hc(TV_HC_SELFTEST, FAKE_RAM_BASE + RAM, 4, 0, 0, 0, 0), -TV_EPERM);
	EXPECT_EQ(hc(TV_HC_SELFTEST, 0, 4, 0, 0, 0, 0), -TV_EPERM);
	EXPECT_EQ(check_invariants(), 0);
}

static const unsigned run_calls[] = {
	TV_HC_VM_CREATE,    TV_HC_VM_DESTROY,	TV_HC_VCPU_CREATE, TV_HC_VCPU_RUN,
	TV_HC_VCPU_GET_REG, TV_HC_VCPU_SET_REG, TV_HC_MEM_DONATE,  TV_HC_MEM_SHARE,
	TV_HC_MEM_UNSHARE,  TV_HC_MEM_RECLAIM,	TV_HC_MEM_AGE,	   TV_HC_MTE_COPY_TAGS,
};

TEST(hcall, run_band_only_after_finalise)
{
	init(true);
	/* Arguments that would work after finalising: refused before, with no effect. */
	for (unsigned i = 0; i < ARRAY_SIZE(run_calls); i++) {
		EXPECT_EQ(hc(run_calls[i], TV_VM_MTE, IPA0, VM_PAGES * PAGE_SIZE, 1, 0, 0),
			  -TV_EPERM);
	}
	EXPECT_EQ(hc(TV_HC_VM_CREATE, 0, IPA0, PAGE_SIZE, 1, 0, 0), -TV_EPERM);
	for (unsigned i = 0; i < TV_MAX_VMS; i++) {
		EXPECT_FALSE(vms[i].in_use);
	}
	EXPECT_EQ(HC0(TV_HC_FINALISE), 0);
	EXPECT_EQ(hc(TV_HC_VM_CREATE, 0, IPA0, PAGE_SIZE, 1, 0, 0), 1 << 4);
	EXPECT_EQ(hc(TV_HC_VCPU_CREATE, 1 << 4, 0, 0, 0, 0, 0), 0);
	EXPECT_EQ(hc(TV_HC_VM_DESTROY, 1 << 4, 0, 0, 0, 0, 0), 0);
}

TEST(hcall, unknown_function_ids)
{
	/* Unassigned numbers in our range, in every band. */
	static const unsigned nums[] = { 6,  7,  10, 11, 12, 14, 15, 30, 31,
					 38, 39, TV_HC_NR, 41, 0x100, 0x101, 0xffff };
	/* Other owners and call types: PSCI, SMCCC arch, SMC32 vendor-hyp, owner 5 and 7,
	 * a yielding call, reserved bits 23:16 set, nothing. */
	static const uint32_t ids[] = { PSCI_VERSION, PSCI_CPU_ON_64, SMCCC_VERSION, 0x86000000u,
					0xc5000000u,  0xc7000000u,    0x46000000u,   0xc6010000u,
					0xc6ff0000u,  0x00000000u,    0xffffffffu,   0x0600000u };

	init(false);
	for (int phase = 0; phase < 2; phase++) {
		for (unsigned i = 0; i < ARRAY_SIZE(nums); i++) {
			EXPECT_EQ(hc(nums[i], 1, 2, 3, 4, 5, 6), -TV_ENOSYS);
			EXPECT_EQ(X(1), 1); /* and x1..x6 untouched */
			EXPECT_EQ(X(6), 6);
		}
		for (unsigned i = 0; i < ARRAY_SIZE(ids); i++) {
			EXPECT_EQ(hc_raw(ids[i], 1, 2, 3, 4, 5, 6), -TV_ENOSYS);
			/* High bits of x0 do not make a foreign ID ours. */
			EXPECT_EQ(hc_raw((uint64_t)TV_HC_BASE << 32 | ids[i], 0, 0, 0, 0, 0, 0),
				  -TV_ENOSYS);
		}
		HC0(TV_HC_FINALISE);
	}
	/* The function ID is w0 (SMCCC): bits 63:32 of x0 are not part of it. */
	EXPECT_EQ(hc_raw(0xffffffff00000000ull | TV_HC(TV_HC_VERSION), 0, 0, 0, 0, 0, 0), 0);
	EXPECT_EQ(X(1), TV_ABI_VERSION);
	EXPECT_EQ(hc_raw(1ull << 32 | TV_HC(TV_HC_MEM_INFO), 0, 0, 0, 0, 0, 0), 0);
	EXPECT_EQ(X(2), RAM);
}

/* A guest for the run call: an MMIO store of x3 (0xabcd) to the device page, then IRQ. */
static bool mmio_guest(struct vcpu *v, struct trap_info *t, void *arg)
{
	unsigned *left = arg;

	if (!*left) {
		return false;
	}
	(*left)--;
	v->ctxt.regs[3] = 0xabcd;
	t->esr = (uint64_t)EC_DABT_LOW << ESR_EC_SHIFT | ESR_IL | ESR_DABT_ISV | 1ull << 22 |
		 3ull << 16 | ESR_DABT_WNR | (FSC_TRANS_L0 + 3);
	t->far = 0x10;
	t->hpfar = (0x09000000ull >> PAGE_SHIFT) << 4;
	return true;
}

TEST(hcall, every_call_returns_in_the_documented_registers)
{
	int64_t h, hp;
	unsigned left = 1;

	init(true);
	EXPECT_EQ(HC0(TV_HC_FINALISE), 0);
	h = hc(TV_HC_VM_CREATE, TV_VM_MTE, IPA0, VM_PAGES * PAGE_SIZE, 2, 0, 0);
	ASSERT_EQ(h, 1 << 4);
	hp = hc(TV_HC_VM_CREATE, TV_VM_PROTECTED, IPA0, VM_PAGES * PAGE_SIZE, 1, 0, 0);
	ASSERT_EQ(hp, 1 << 4 | 1);
	EXPECT_EQ(hc(TV_HC_VCPU_CREATE, h, 0, 0, 0, 0, 0), 0);
	EXPECT_EQ(hc(TV_HC_VCPU_CREATE, h, 0, 0, 0, 0, 0), 1);
	EXPECT_EQ(hc(TV_HC_VCPU_CREATE, h, 0, 0, 0, 0, 0), -TV_EEXIST);

	/* Registers: GET returns in x1. */
	EXPECT_EQ(hc(TV_HC_VCPU_SET_REG, h, 1, 7, 0x7777, 0, 0), 0);
	EXPECT_EQ(hc(TV_HC_VCPU_GET_REG, h, 1, 7, 0, 0, 0), 0);
	EXPECT_EQ(X(1), 0x7777);
	EXPECT_EQ(hc(TV_HC_VCPU_GET_REG, h, 1, TV_REG_PC, 0, 0, 0), 0);
	EXPECT_EQ(X(1), IPA0);
	EXPECT_EQ(hc(TV_HC_VCPU_GET_REG, h, 1, 99, 0, 0, 0), -TV_EINVAL);
	EXPECT_EQ(hc(TV_HC_VCPU_SET_REG, h, 0, TV_REG_PSTATE, 0x9, 0, 0), -TV_EINVAL);

	/* Memory: donate, share, unshare, age (x1 young, x2 mapped), reclaim (x1 PA, x2 length). */
	EXPECT_EQ(hc(TV_HC_MEM_DONATE, h, HOST_PAGE(0), IPA0, TV_DONATE_ZERO, 0, 0), 0);
	EXPECT_EQ(hc(TV_HC_MEM_DONATE, h, HOST_PAGE(1), IPA0 + 2 * PAGE_SIZE, 0, 0, 0), 0);
	EXPECT_EQ(hc(TV_HC_MEM_SHARE, h, HOST_PAGE(2), IPA0 + 5 * PAGE_SIZE, 0, 0, 0), 0);
	EXPECT_EQ(hc(TV_HC_MEM_AGE, h, IPA0, 6, 0, 0, 0), 0);
	EXPECT_EQ(X(1), 1 | 1 << 2 | 1 << 5);
	EXPECT_EQ(X(2), 1 | 1 << 2 | 1 << 5);
	EXPECT_EQ(hc(TV_HC_MEM_AGE, h, IPA0, 6, 0, 0, 0), 0);
	EXPECT_EQ(X(1), 0);
	EXPECT_EQ(X(2), 1 | 1 << 2 | 1 << 5);
	EXPECT_EQ(hc(TV_HC_MEM_UNSHARE, h, IPA0 + 5 * PAGE_SIZE, 0, 0, 0, 0), 0);
	fake_tag_set(HOST_PAGE(1) + 48, 0xc);
	EXPECT_EQ(hc(TV_HC_MEM_RECLAIM, h, IPA0 + 2 * PAGE_SIZE, HOST_PAGE(9), PAGE_SIZE, 0, 0), 0);
	EXPECT_EQ(X(1), HOST_PAGE(1));
	EXPECT_TRUE(X(2) > 0 && X(2) <= TAGCODEC_MAX_SIZE);
	EXPECT_EQ(page_state_of(HOST_PAGE(1), OWNER_HOST), PS_OWNED);
	/* And back in with the tags it came out with. */
	EXPECT_EQ(hc(TV_HC_MEM_DONATE, h, HOST_PAGE(1), IPA0 + 2 * PAGE_SIZE, TV_DONATE_TAGS,
		     HOST_PAGE(9), X(2)),
		  0);
	EXPECT_EQ(fake_tag_get(HOST_PAGE(1) + 48), 0xc);

	/* Tag copy: returns the bytes of guest memory done. */
	EXPECT_EQ(hc(TV_HC_MTE_COPY_TAGS, h, IPA0 + 2 * PAGE_SIZE, PAGE_SIZE, HOST_PAGE(10),
		     TV_TAGS_FROM_GUEST, 0),
		  PAGE_SIZE);
	EXPECT_EQ(((uint8_t *)hyp_va(pa_init(HOST_PAGE(10))))[3], 0xc);
	EXPECT_EQ(hc(TV_HC_MTE_COPY_TAGS, hp, IPA0, PAGE_SIZE, HOST_PAGE(10), 0, 0), -TV_EINVAL);

	/* Run: x1 reason, x2..x6 data. */
	fake_set_guest(mmio_guest, &left);
	EXPECT_EQ(hc(TV_HC_VCPU_RUN, h, 1, 0, 0, 0, 0), 0);
	EXPECT_EQ(X(1), TV_EXIT_MMIO);
	EXPECT_EQ(X(2), 0x09000010);
	EXPECT_EQ(X(3), 0xabcd);
	EXPECT_EQ(X(4), 1 | TV_MMIO_WRITE | 3u << TV_MMIO_REG_SHIFT);
	EXPECT_EQ(X(5), 0);
	EXPECT_EQ(X(6), 0);
	EXPECT_EQ(hc(TV_HC_VCPU_RUN, h, 1, 0, 0, 0, 0), 0);
	EXPECT_EQ(X(1), TV_EXIT_IRQ);
	/* A failed run leaves nothing behind in x1..x6. */
	EXPECT_EQ(hc(TV_HC_VCPU_RUN, h, 2, 0, 0, 5, 6), -TV_ENOENT);
	for (unsigned i = 1; i <= 6; i++) {
		EXPECT_EQ(X(i), 0);
	}

	EXPECT_EQ(hc(TV_HC_VM_DESTROY, h, 0, 0, 0, 0, 0), 0);
	EXPECT_EQ(hc(TV_HC_VM_DESTROY, h, 0, 0, 0, 0, 0), -TV_ESTALE);
	EXPECT_EQ(hc(TV_HC_VM_DESTROY, h | 1ull << 32, 0, 0, 0, 0, 0), -TV_EINVAL);
	EXPECT_EQ(hc(TV_HC_MEM_DONATE, h, HOST_PAGE(0), IPA0, 0, 0, 0), -TV_ESTALE);
	EXPECT_EQ(HC0(TV_HC_CHECK), 0);
}

TEST(hcall, check_reports_violations)
{
	struct hyp_page *p;

	init(false);
	p = page_meta(HOST_PAGE(3));
	ASSERT_TRUE(p);
	p->owner = 0x77; /* an owner that does not exist */
	EXPECT_EQ(hc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0), -TV_EAGAIN);
	EXPECT_TRUE(X(1) >= 1);
	p->owner = OWNER_HOST;
	EXPECT_EQ(hc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0), 0);
	EXPECT_EQ(X(1), 0);
}

/* ---- the storm ---- */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool chance(unsigned percent)
{
	return rnd() % 100 < percent;
}

#define MAX_HANDLES 64

struct storm {
	uint64_t live[MAX_HANDLES], stale[MAX_HANDLES];
	unsigned nlive, nstale;
	unsigned calls[TV_HC_NR + 1], ok[TV_HC_NR + 1];
	unsigned bad, guest_traps;
};

static struct storm st;

static uint64_t edge_value(void)
{
	static const uint64_t v[] = { 0,
				      1,
				      2,
				      3,
				      4,
				      8,
				      31,
				      32,
				      33,
				      64,
				      128,
				      129,
				      PAGE_SIZE,
				      0x7fffffff,
				      0x80000000,
				      0xffffffff,
				      1ull << 32,
				      1ull << 39,
				      (1ull << 39) - PAGE_SIZE,
				      INT64_MAX,
				      1ull << 63,
				      ~0ull,
				      ~0ull - PAGE_SIZE + 1 };

	return chance(80) ? v[rnd() % ARRAY_SIZE(v)] : rnd();
}

static uint64_t any_handle(void)
{
	switch (rnd() % 8) {
	case 0:
	case 1:
	case 2:
	case 3:
		if (st.nlive) {
			return st.live[rnd() % st.nlive];
		}
		return edge_value();
	case 4:
		if (st.nstale) {
			return st.stale[rnd() % st.nstale];
		}
		return 1 << 4 | (rnd() & 7);
	case 5: /* malformed: a live one with high bits, or a slot past the table */
		return (st.nlive ? st.live[rnd() % st.nlive] : 0x10) |
		       (chance(50) ? 1ull << (32 + rnd() % 32) : 8);
	default:
		return edge_value();
	}
}

/* A physical address: mostly host pages, some hypervisor or outside RAM, some misaligned. */
static uint64_t any_pa(void)
{
	uint64_t pa;

	switch (rnd() % 10) {
	case 0:
		pa = FAKE_RAM_BASE + (rnd() % (HYP / PAGE_SIZE)) * PAGE_SIZE;
		break;
	case 1:
		pa = chance(50) ? FAKE_RAM_BASE + RAM : FAKE_RAM_BASE - PAGE_SIZE;
		break;
	case 2:
		pa = edge_value();
		break;
	default:
		pa = HOST_PAGE(rnd() % 48);
		break;
	}
	if (chance(5)) {
		pa += 1 + rnd() % (PAGE_SIZE - 1);
	}
	return pa;
}

/* An IPA: mostly in the VMs' RAM (all at IPA0), some just past it, some wild. */
static uint64_t any_ipa(void)
{
	uint64_t ipa;

	switch (rnd() % 10) {
	case 0:
		ipa = edge_value();
		break;
	case 1:
		ipa = IPA0 + (VM_PAGES + rnd() % 4) * PAGE_SIZE;
		break;
	default:
		ipa = IPA0 + (rnd() % 16) * PAGE_SIZE;
		break;
	}
	if (chance(5)) {
		ipa += 1 + rnd() % (PAGE_SIZE - 1);
	}
	return ipa;
}

static uint64_t small(unsigned n)
{
	return chance(90) ? rnd() % n : edge_value();
}

/* Guest traps for the storm's runs: a few random ones, then an IRQ exit. */
static bool storm_guest(struct vcpu *v, struct trap_info *t, void *arg)
{
	static const uint32_t encs[] = { ENC_ID_AA64PFR0_EL1,	 ENC_ID_AA64PFR1_EL1,
					 ENC_GMID_EL1,		 ENC_GCR_EL1,
					 ENC_TFSR_EL1,		 SYS_ENC(2, 0, 0, 2, 2),
					 SYS_ENC(3, 3, 9, 12, 0) };
	static const uint64_t fns[] = { PSCI_VERSION,	     PSCI_FEATURES,	TV_GUEST_HC_SHARE,
					TV_GUEST_HC_UNSHARE, TV_GUEST_HC_SHARE, TV_GUEST_HC_UNSHARE,
					0xc2000000,	     PSCI_CPU_ON_64 };
	/* Rarely: they stop the vCPU for good. */
	static const uint64_t off_fns[] = { PSCI_CPU_OFF, PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET };
	uint64_t ipa = chance(70) ? IPA0 + (rnd() % (VM_PAGES + 4)) * PAGE_SIZE : any_ipa();
	uint64_t ec;

	(void)arg;
	if (chance(30)) {
		return false;
	}
	st.guest_traps++;
	for (unsigned r = 0; r < 5; r++) {
		if (chance(30)) {
			v->ctxt.regs[rnd() % 31] = edge_value();
		}
	}
	if (chance(5)) {
		static const uint64_t modes[] = { PSR_MODE_EL0T, PSR_MODE_EL1T, PSR_MODE_EL1H };

		v->ctxt.pstate = modes[rnd() % 3] | (rnd() & (PSR_DAIF | PSR_PAN));
	}
	t->far = (chance(50) ? 0xffff000000000000ull : 0) | (ipa & (PAGE_SIZE - 1)) |
		 (rnd() & ~0xfffull & 0xffffffffffffull);
	t->hpfar = (ipa >> PAGE_SHIFT) << 4;
	switch (rnd() % 8) {
	case 0: /* a call */
		v->ctxt.regs[0] = chance(95) ? fns[rnd() % ARRAY_SIZE(fns)] : rnd();
		if (chance(3)) {
			v->ctxt.regs[0] = off_fns[rnd() % ARRAY_SIZE(off_fns)];
		}
		v->ctxt.regs[1] = chance(50) ? ipa : edge_value();
		ec = chance(80) ? EC_HVC64 : EC_SMC64;
		t->esr = ec << ESR_EC_SHIFT | ESR_IL;
		break;
	case 1:
	case 2: /* a load or store, with a valid syndrome or not */
		ec = chance(80) ? EC_DABT_LOW : EC_IABT_LOW;
		t->esr = ec << ESR_EC_SHIFT | ESR_IL | (chance(85) ? ESR_DABT_ISV : 0) |
			 (rnd() & (3ull << 22 | ESR_DABT_SSE | 0x1full << 16 | ESR_DABT_SF |
				   ESR_DABT_WNR | (chance(10) ? ESR_ABT_S1PTW : 0))) |
			 (chance(70) ? FSC_TRANS_L0 + 3 : rnd() % 64);
		break;
	case 3:
		t->hpfar = (0x09000000ull >> PAGE_SHIFT) << 4; /* MMIO, always outside RAM */
		t->esr = (uint64_t)EC_DABT_LOW << ESR_EC_SHIFT | ESR_IL | ESR_DABT_ISV |
			 (rnd() & (3ull << 22 | ESR_DABT_SSE | 0x1full << 16 | ESR_DABT_SF |
				   ESR_DABT_WNR)) |
			 (FSC_TRANS_L0 + 3);
		break;
	case 4: /* a system register */
		t->esr = (uint64_t)EC_SYS64 << ESR_EC_SHIFT | ESR_IL |
			 (chance(80) ? encs[rnd() % ARRAY_SIZE(encs)] : rnd() & ESR_SYS_ENC_MASK) |
			 (rnd() & (0x1f << 5 | ESR_SYS_READ));
		break;
	case 5:
		t->esr = (uint64_t)EC_WFX << ESR_EC_SHIFT | ESR_IL;
		break;
	case 6: /* an access-flag fault */
		t->esr = (uint64_t)EC_DABT_LOW << ESR_EC_SHIFT | ESR_IL | (FSC_ACCESS_L0 + 3);
		break;
	default: /* anything at all */
		t->esr = rnd() & 0xffffffff;
		break;
	}
	return true;
}

static const unsigned storm_ids[] = {
	TV_HC_VERSION,	     TV_HC_FEATURES,	 TV_HC_MEM_INFO,     TV_HC_CHECK,
	TV_HC_SELFTEST,	     TV_HC_VM_CREATE,	 TV_HC_VM_CREATE,    TV_HC_VM_DESTROY,
	TV_HC_VCPU_CREATE,   TV_HC_VCPU_CREATE,	 TV_HC_VCPU_RUN,     TV_HC_VCPU_RUN,
	TV_HC_VCPU_RUN,	     TV_HC_VCPU_GET_REG, TV_HC_VCPU_SET_REG, TV_HC_MEM_DONATE,
	TV_HC_MEM_DONATE,    TV_HC_MEM_DONATE,	 TV_HC_MEM_SHARE,    TV_HC_MEM_SHARE,
	TV_HC_MEM_UNSHARE,   TV_HC_MEM_RECLAIM,	 TV_HC_MEM_RECLAIM,  TV_HC_MEM_AGE,
	TV_HC_MTE_COPY_TAGS, TV_HC_DIRTY_LOG,	 TV_HC_VCPU_GET_STATE, TV_HC_VCPU_SET_STATE,
	TV_HC_MEM_READ,	     TV_HC_VCPU_IRQ,	 TV_HC_VCPU_IRQ,     TV_HC_VCPU_GET_VGIC,
	TV_HC_VCPU_SET_VGIC,
};

/* One random call; returns whether its outcome was a documented one. */
static void storm_call(bool allow_finalise)
{
	uint64_t a[7] = { 0 };
	unsigned n;
	uint64_t x0;
	int64_t ret;
	bool finalised = hyp_state.finalised;

	if (chance(97)) {
		n = storm_ids[rnd() % ARRAY_SIZE(storm_ids)];
		if (allow_finalise && chance(1)) {
			n = TV_HC_FINALISE;
		}
		x0 = TV_HC(n) | (chance(2) ? rnd() << 32 : 0);
	} else {
		x0 = chance(50) ? TV_HC(rnd() % 64) : rnd();
		n = TV_HC_IS_OURS((uint32_t)x0) ? TV_HC_NUM((uint32_t)x0) : TV_HC_NR;
		if (n == TV_HC_FINALISE && !allow_finalise) {
			return;
		}
		if (n > TV_HC_NR) {
			n = TV_HC_NR;
		}
	}
	for (unsigned i = 1; i < 7; i++) {
		a[i] = edge_value();
	}
	switch (n) {
	case TV_HC_SELFTEST:
		/* Only RAM: the fake arch aborts on hyp_va() of anything else (see the BUG). */
		a[1] = chance(80) ? HOST_PAGE(rnd() % 48) : FAKE_RAM_BASE + rnd() % RAM;
		a[2] = small(8);
		break;
	case TV_HC_VM_CREATE:
		a[1] = chance(90) ? rnd() & TV_VM_FLAGS_ALL : edge_value();
		a[2] = chance(90) ? IPA0 : edge_value();
		a[3] = chance(90) ? VM_PAGES * PAGE_SIZE : edge_value();
		a[4] = small(6);
		break;
	case TV_HC_VCPU_RUN:
		a[1] = any_handle();
		a[2] = small(5);
		a[3] = chance(90) ? rnd() & TV_RUN_FLAGS_ALL : edge_value();
		a[4] = chance(50) ? rnd() : edge_value();
		if (chance(70)) {
			/* Mostly the completion the pending exit wants, as a VMM would. */
			int err;
			struct vcpu *v = vcpu_from_handle(a[1], a[2], &err);

			a[3] = !v ? 0
			       : v->pending == PENDING_MMIO_READ
				   ? (chance(90) ? TV_RUN_MMIO_READ : TV_RUN_INJECT_DABT)
			       : v->pending == PENDING_HVC ? (chance(50) ? TV_RUN_HVC_RET : 0)
							   : 0;
		}
		break;
	case TV_HC_VCPU_GET_REG:
	case TV_HC_VCPU_SET_REG:
		a[1] = any_handle();
		a[2] = small(5);
		a[3] = small(TV_REG_NR_CORE + 4);
		a[4] = a[3] == TV_REG_PSTATE && chance(70) ? PSR_MODE_EL1H | (rnd() & 0xf00003c0)
							   : edge_value();
		break;
	case TV_HC_MEM_DONATE:
		a[1] = any_handle();
		a[2] = any_pa();
		a[3] = any_ipa();
		a[4] = chance(90) ? rnd() & TV_DONATE_FLAGS_ALL : edge_value();
		a[5] = chance(80) ? HOST_PAGE(48 + rnd() % 4) + (rnd() % 64) : any_pa();
		a[6] = small(TAGCODEC_MAX_SIZE + 2);
		if (chance(50)) {
			/* A valid encoding, so that tagged donations go through. */
			uint8_t packed[TAGCODEC_PACKED_SIZE], enc[TAGCODEC_MAX_SIZE];

			memset(packed, (int)(rnd() & 0xff), sizeof(packed));
			a[5] = HOST_PAGE(48);
			a[6] = tagcodec_encode(packed, enc);
			memcpy(hyp_va(pa_init(a[5])), enc, a[6]);
		}
		break;
	case TV_HC_MEM_SHARE:
		a[1] = any_handle();
		a[2] = any_pa();
		a[3] = any_ipa();
		break;
	case TV_HC_MEM_UNSHARE:
	case TV_HC_MEM_AGE:
		a[1] = any_handle();
		a[2] = any_ipa();
		a[3] = small(70);
		break;
	case TV_HC_MEM_RECLAIM:
		a[1] = any_handle();
		a[2] = any_ipa();
		a[3] = chance(80) ? HOST_PAGE(48 + rnd() % 4) + (rnd() % 4000) : any_pa();
		a[4] = chance(80) ? PAGE_SIZE : edge_value();
		break;
	case TV_HC_MTE_COPY_TAGS:
		a[1] = any_handle();
		a[2] = any_ipa();
		a[3] = chance(80) ? (1 + rnd() % 20) * PAGE_SIZE : edge_value();
		a[4] = chance(80) ? HOST_PAGE(52) + (rnd() % 2000) : any_pa();
		a[5] = small(3);
		break;
	case TV_HC_VCPU_GET_STATE:
	case TV_HC_VCPU_SET_STATE:
	case TV_HC_VCPU_GET_VGIC:
	case TV_HC_VCPU_SET_VGIC:
		/* A host page of whatever the last GET left there, or random bytes. */
		a[1] = any_handle();
		a[2] = small(5);
		a[3] = chance(80) ? HOST_PAGE(53) + (chance(50) ? 0 : rnd() % PAGE_SIZE) : any_pa();
		if (chance(30)) {
			uint64_t *p = hyp_va(pa_init(HOST_PAGE(53)));

			p[rnd() % (PAGE_SIZE / 8)] = rnd();
		}
		break;
	case TV_HC_MEM_READ:
		a[1] = any_handle();
		a[2] = any_ipa();
		a[3] = chance(80) ? HOST_PAGE(49) : any_pa();
		a[4] = chance(80) ? HOST_PAGE(50) + rnd() % 64 : any_pa();
		a[5] = chance(80) ? TAGCODEC_MAX_SIZE : small(200);
		break;
	case TV_HC_VCPU_IRQ:
		a[1] = any_handle();
		a[2] = small(5);
		a[3] = chance(80) ? small(40) : chance(50) ? 27 : edge_value();
		a[4] = chance(90) ? rnd() & 0xf : edge_value();
		a[5] = chance(90) ? rnd() & 0xff : edge_value();
		break;
	case TV_HC_VM_DESTROY:
	case TV_HC_VCPU_CREATE:
		if (n == TV_HC_VM_DESTROY && chance(95)) {
			return; /* destroy less often than create, so that VMs fill up */
		}
		a[1] = any_handle();
		break;
	default:
		break;
	}
	ret = hc_raw(x0, a[1], a[2], a[3], a[4], a[5], a[6]);
	st.calls[n]++;
	st.ok[n] += ret >= 0;
	if (!hcall_outcome_allowed(n, ret, finalised, host.regs[1], host.regs[2], a[3])) {
		if (st.bad++ < 10) {
			fprintf(
			    stderr,
			    "  storm: call %u (x0 0x%llx, x1 0x%llx, x2 0x%llx) returned %lld\n", n,
			    (unsigned long long)x0, (unsigned long long)a[1],
			    (unsigned long long)a[2], (long long)ret);
		}
	}
	if (n == TV_HC_VM_CREATE && ret > 0 && st.nlive < MAX_HANDLES) {
		st.live[st.nlive++] = (uint64_t)ret;
	}
	if (n == TV_HC_VM_DESTROY && ret == 0) {
		for (unsigned i = 0; i < st.nlive; i++) {
			if (st.live[i] == a[1]) {
				st.live[i] = st.live[--st.nlive];
				if (st.nstale < MAX_HANDLES) {
					st.stale[st.nstale++] = a[1];
				}
				break;
			}
		}
	}
}

static void storm(bool mte, uint64_t seed, unsigned ncalls)
{
	unsigned bad_checks = 0;

	init(mte);
	memset(&st, 0, sizeof(st));
	rng = seed;
	fake_set_guest(storm_guest, NULL);
	for (unsigned i = 0; i < ncalls; i++) {
		/* A setup phase first, then finalising becomes possible. */
		storm_call(i > ncalls / 50);
		if (i % 1000 == 999) {
			unsigned v = check_invariants();

			EXPECT_EQ(v, 0);
			if (v && ++bad_checks > 2) {
				break;
			}
		}
	}
	EXPECT_EQ(check_invariants(), 0);
	EXPECT_EQ(st.bad, 0);
	/* The storm reached deep: VMs, donations and runs did succeed. */
	EXPECT_TRUE(hyp_state.finalised);
	EXPECT_NE(st.ok[TV_HC_VM_CREATE], 0);
	EXPECT_NE(st.ok[TV_HC_VM_DESTROY], 0);
	EXPECT_TRUE(st.ok[TV_HC_MEM_DONATE] > ncalls / 400);
	EXPECT_TRUE(st.ok[TV_HC_MEM_SHARE] > 10);
	EXPECT_TRUE(st.ok[TV_HC_MEM_UNSHARE] > 10);
	EXPECT_TRUE(st.ok[TV_HC_MEM_RECLAIM] > 10);
	EXPECT_TRUE(st.ok[TV_HC_VCPU_RUN] > ncalls / 200);
	EXPECT_TRUE(st.guest_traps > ncalls / 200);
	EXPECT_NE(st.ok[TV_HC_VCPU_GET_STATE], 0);
	EXPECT_NE(st.ok[TV_HC_MEM_READ], 0);
	EXPECT_NE(st.ok[TV_HC_VCPU_IRQ], 0);
	EXPECT_NE(st.ok[TV_HC_VCPU_GET_VGIC], 0);
	EXPECT_NE(st.ok[TV_HC_VCPU_SET_VGIC], 0);
	if (mte) {
		EXPECT_NE(st.ok[TV_HC_MTE_COPY_TAGS], 0);
	}
	/* Tearing everything down gives every page back to the host. */
	for (unsigned i = 0; i < TV_MAX_VMS; i++) {
		if (vms[i].in_use) {
			EXPECT_EQ(hc(TV_HC_VM_DESTROY, vm_handle(&vms[i]), 0, 0, 0, 0, 0), 0);
		}
	}
	for (uint64_t p = 0; p < NR_HOST_PAGES; p++) {
		EXPECT_EQ(page_state_of(HOST_PAGE(p), OWNER_HOST), PS_OWNED);
	}
	EXPECT_EQ(check_invariants(), 0);
}

TEST(hcall, storm_with_mte)
{
	storm(true, 0x5eed0001, 100000);
}

TEST(hcall, storm_without_mte)
{
	storm(false, 0x5eed0002, 30000);
}

TEST(hcall, log_writes_the_hosts_text_and_checks_its_buffer)
{
	char *text;

	init(false);
	text = (char *)hyp_va(pa_init(HOST_PAGE(3)));
	memcpy(text, "tagvisor-host: hello\n", 21);
	for (int phase = 0; phase < 2; phase++) {
		size_t before = strlen(fake_console());

		EXPECT_EQ(hc(TV_HC_LOG, HOST_PAGE(3), 21, 0, 0, 0, 0), 0);
		EXPECT_EQ(strcmp(fake_console() + before, "tagvisor-host: hello\n"), 0);
		/* Empty, too long, not host memory (the hypervisor's), wrapping. */
		EXPECT_EQ(hc(TV_HC_LOG, HOST_PAGE(3), 0, 0, 0, 0, 0), -TV_EINVAL);
		EXPECT_EQ(hc(TV_HC_LOG, HOST_PAGE(3), TV_LOG_MAX + 1, 0, 0, 0, 0), -TV_EINVAL);
		EXPECT_EQ(hc(TV_HC_LOG, FAKE_RAM_BASE, 16, 0, 0, 0, 0), -TV_EFAULT);
		EXPECT_EQ(hc(TV_HC_LOG, ~0ull - 4, 16, 0, 0, 0, 0), -TV_EFAULT);
		EXPECT_EQ(strlen(fake_console()), before + 21);
		EXPECT_EQ(HC0(TV_HC_FINALISE), phase ? -TV_EPERM : 0);
	}
}

TEST(hcall, iommu_info_reports_the_faults_the_iommu_saw)
{
	init(false);
	fake_iommu_faults = 0;
	EXPECT_EQ(HC0(TV_HC_IOMMU_INFO), 0);
	EXPECT_EQ(X(1), 0);
	EXPECT_EQ(X(2), 0);
	fake_iommu_faults = 3;
	EXPECT_EQ(HC0(TV_HC_IOMMU_INFO), 0);
	EXPECT_EQ(X(1), 3);
	EXPECT_EQ(X(2), 0x8);
	EXPECT_EQ(X(3), 0x40201000);
	EXPECT_EQ(X(4), TV_IOMMU_WRITE | 0x10);
	fake_iommu_faults = 0;
}
