/* SPDX-License-Identifier: MIT */
/*
 * What a vCPU's state may be (hyp/core/vcpu_state.c, vm.c, run.c): no AArch32 at any
 * level, from the host (SET_REG, SET_STATE) or from the guest itself (stopped when it
 * leaves the CPU), so that every state GET_STATE returns is one SET_STATE accepts; the
 * lazily switched state with it, restored as hardware would hold it.
 */
#include "test.h"

#include <abi/snapshot.h>
#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/mem_protect.h>
#include <hyp/trap.h>
#include <hyp/vm.h>

#include <string.h>

#define RAM	  (8ull << 20)
#define HYP	  (1ull << 20)
#define IPA0	  0x40000000ull
#define STATE_PA  (FAKE_RAM_BASE + HYP)
#define STATE2_PA (FAKE_RAM_BASE + HYP + 4 * PAGE_SIZE)

static int64_t handle;
static struct vcpu *vcpu;

/* A fresh VM with one vCPU. */
static void setup(uint32_t flags)
{
	struct fake_config cfg = { RAM, HYP, true };
	int err;

	fake_hyp_init(&cfg);
	handle = vm_create(flags, IPA0, 64 * PAGE_SIZE, 1);
	vcpu_create((uint64_t)handle, 0);
	vcpu = vcpu_from_handle((uint64_t)handle, 0, &err);
}

static struct tv_vcpu_state *state_at(uint64_t pa)
{
	return hyp_va(pa_init(pa));
}

TEST(vcpu_state, host_cannot_set_an_aarch32_spsr)
{
	setup(0);
	/* AArch32 User (0x10), and Thumb with any mode. */
	EXPECT_EQ(vcpu_set_reg((uint64_t)handle, 0, TV_REG_SPSR_EL1, 0x10), -TV_EINVAL);
	EXPECT_EQ(vcpu_set_reg((uint64_t)handle, 0, TV_REG_SPSR_EL1, 0x3f0), -TV_EINVAL);
	EXPECT_EQ(vcpu->ctxt.sys[CTX_SPSR_EL1], 0);
	/* AArch64 values are the guest's business, an EL2 mode too (an ERET makes it illegal). */
	EXPECT_EQ(vcpu_set_reg((uint64_t)handle, 0, TV_REG_SPSR_EL1, 0x3c5), 0);
	EXPECT_EQ(vcpu_set_reg((uint64_t)handle, 0, TV_REG_SPSR_EL1, 0x9), 0);
	EXPECT_EQ(vcpu->ctxt.sys[CTX_SPSR_EL1], 0x9);

	ASSERT_EQ(vcpu_get_state((uint64_t)handle, 0, STATE_PA), 0);
	state_at(STATE_PA)->spsr_el1 = 0x10;
	EXPECT_EQ(vcpu_set_state((uint64_t)handle, 0, STATE_PA), -TV_EINVAL);
	state_at(STATE_PA)->spsr_el1 = 0x5;
	state_at(STATE_PA)->pstate = 0x10;
	EXPECT_EQ(vcpu_set_state((uint64_t)handle, 0, STATE_PA), -TV_EINVAL);
	state_at(STATE_PA)->pstate = PSR_MODE_EL0T;
	EXPECT_EQ(vcpu_set_state((uint64_t)handle, 0, STATE_PA), 0);
	EXPECT_EQ(vcpu->ctxt.sys[CTX_SPSR_EL1], 0x5);
}

/* The guest of one run: puts itself in `pstate` with `spsr`, then traps (or not). */
struct aarch32_guest {
	uint64_t pstate, spsr;
	bool trap;
};

static bool aarch32_guest(struct vcpu *v, struct trap_info *t, void *arg)
{
	struct aarch32_guest *g = arg;

	if (!g->trap && v->ctxt.pstate == g->pstate) {
		return false; /* second entry: the IRQ exit */
	}
	v->ctxt.pstate = g->pstate;
	v->ctxt.sys[CTX_SPSR_EL1] = g->spsr;
	v->ctxt.pc = IPA0 + 0x102; /* a T32 instruction's address */
	/* A 16-bit T32 store to MMIO: the syndrome of a data abort with IL 0. */
	*t = (struct trap_info){ (uint64_t)EC_DABT_LOW << ESR_EC_SHIFT | ESR_DABT_ISV | 0x44,
				 0x09000000, 0x09000000 >> 8 };
	return g->trap;
}

/*
 * A guest that entered AArch32 (EL0 by an ERET of its own) is stopped when it leaves the
 * CPU, whether by a trap EL2 would otherwise emulate (and get wrong: a 16-bit T32
 * instruction is not 4 bytes) or by an interrupt; so is one with an AArch32 SPSR_EL1.
 */
TEST(vcpu_state, a_guest_in_aarch32_is_stopped)
{
	static const struct aarch32_guest cases[] = {
		{ 0x30, 0x3c5, true },		/* T32 EL0, trapping on MMIO */
		{ 0x10, 0x3c5, false },		/* A32 EL0, leaving on an interrupt */
		{ PSR_MODE_EL1H, 0x10, false }, /* an AArch32 SPSR_EL1, not yet used */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct aarch32_guest g = cases[i];
		struct tv_exit e;
		int before = unit_test_failed_checks;

		setup(0);
		fake_set_guest(aarch32_guest, &g);
		ASSERT_EQ(vcpu_run((uint64_t)handle, 0, 0, 0, &e), 0);
		EXPECT_EQ(e.reason, TV_EXIT_GUEST_ERROR);
		EXPECT_EQ(e.data[3], TV_ERROR_AARCH32);
		EXPECT_EQ(e.data[0], g.trap ? 0x91000044ull : 0); /* IL 0: a 16-bit instruction */
		EXPECT_EQ(vcpu->pending, PENDING_NONE); /* the MMIO access was not taken up */
		EXPECT_TRUE(vcpu->stopped);
		EXPECT_EQ(vcpu_run((uint64_t)handle, 0, 0, 0, &e), -TV_EPERM);
		/* What the host reads back it can write back. */
		ASSERT_EQ(vcpu_get_state((uint64_t)handle, 0, STATE_PA), 0);
		EXPECT_EQ(state_at(STATE_PA)->pstate, PSR_MODE_EL1H | PSR_DAIF);
		EXPECT_EQ(state_at(STATE_PA)->flags, TV_VCPU_STATE_OFF);
		EXPECT_EQ(vcpu_set_state((uint64_t)handle, 0, STATE_PA), 0);
		if (unit_test_failed_checks != before) {
			fprintf(stderr, "  (AArch32 case %u)\n", i);
		}
	}
	/* A protected VM's host does not learn the pc either. */
	{
		struct aarch32_guest g = cases[0];
		struct tv_exit e;

		setup(TV_VM_PROTECTED);
		fake_set_guest(aarch32_guest, &g);
		ASSERT_EQ(vcpu_run((uint64_t)handle, 0, 0, 0, &e), 0);
		EXPECT_EQ(e.data[3], TV_ERROR_AARCH32);
		EXPECT_EQ(e.data[1], 0);
	}
}

/* Every state the guest can leave behind, GET_STATE reports and SET_STATE takes back. */
TEST(vcpu_state, get_and_set_accept_the_same_states)
{
	static const uint64_t spsrs[] = { 0, 0x3c5, 0x9, 0xd, 0x3c4, 0xf0000000, 0x10, 0x1f, 0x30 };
	static const uint64_t pstates[] = { PSR_MODE_EL1H, PSR_MODE_EL0T | PSR_TCO, 0x10, 0x3d0 };

	for (unsigned i = 0; i < ARRAY_SIZE(spsrs); i++) {
		for (unsigned j = 0; j < ARRAY_SIZE(pstates); j++) {
			struct aarch32_guest g = { pstates[j], spsrs[i], false };
			struct tv_exit e;

			setup(0);
			fake_set_guest(aarch32_guest, &g);
			ASSERT_EQ(vcpu_run((uint64_t)handle, 0, 0, 0, &e), 0);
			ASSERT_EQ(vcpu_get_state((uint64_t)handle, 0, STATE_PA), 0);
			EXPECT_EQ(vcpu_set_state((uint64_t)handle, 0, STATE_PA), 0);
			ASSERT_EQ(vcpu_get_state((uint64_t)handle, 0, STATE2_PA), 0);
			state_at(STATE_PA)->cntvct = state_at(STATE2_PA)->cntvct;
			EXPECT_EQ(memcmp(state_at(STATE_PA), state_at(STATE2_PA),
					 sizeof(struct tv_vcpu_state)),
				  0);
		}
	}
}

/* The state switched lazily or emulated travels with the vCPU: DISR, the timer, debug, PMU. */
TEST(vcpu_state, pmu_debug_timer_disr_round_trip)
{
	static struct tv_vcpu_state saved;
	struct tv_vcpu_state *st;

	setup(0);
	st = state_at(STATE_PA);
	vcpu->disr_el1 = 0x80000011;
	vcpu->ptimer = (struct ptimer){ CNT_CTL_ENABLE, 0x1234 };
	vcpu->debug.bcr[5] = 0x1e3;
	vcpu->debug.bvr[5] = 0x40080000;
	vcpu->debug.wcr[3] = 0x1fe7;
	vcpu->debug.wvr[3] = 0x40090000;
	vcpu->debug.claim = 0x5a;
	vcpu->debug.oslk = 0;
	vcpu->pmu.regs.pmcr = PMCR_E | PMCR_LC;
	vcpu->pmu.regs.cnten = 1u << 2 | PMU_CYCLE_BIT;
	vcpu->pmu.regs.evtyper[2] = 0x11;
	vcpu->pmu.regs.evcntr[2] = 0xfffffff0;
	vcpu->pmu.regs.ccntr = 1ull << 40;
	ASSERT_EQ(vcpu_get_state((uint64_t)handle, 0, STATE_PA), 0);
	EXPECT_EQ(st->disr_el1, 0x80000011);
	EXPECT_EQ(st->ptimer.cval, 0x1234);
	EXPECT_EQ(st->debug.bcr[5], 0x1e3);
	EXPECT_EQ(st->debug.oslsr, 0);
	EXPECT_EQ(st->pmu.evcntr[2], 0xfffffff0);

	saved = *st; /* a fresh machine: another VM's vCPU gets it */
	setup(0);
	st = state_at(STATE_PA);
	*st = saved;
	ASSERT_EQ(vcpu_set_state((uint64_t)handle, 0, STATE_PA), 0);
	EXPECT_EQ(vcpu->disr_el1, 0x80000011);
	EXPECT_EQ(vcpu->ptimer.ctl, CNT_CTL_ENABLE);
	EXPECT_EQ(vcpu->debug.wvr[3], 0x40090000);
	EXPECT_EQ(vcpu->debug.claim, 0x5a);
	EXPECT_EQ(vcpu->debug.oslk, 0);
	EXPECT_EQ(vcpu->pmu.regs.ccntr, 1ull << 40);
	EXPECT_EQ(vcpu->pmu.regs.cnten, 1u << 2 | PMU_CYCLE_BIT);
	EXPECT_TRUE(vcpu->pmu.counting); /* counting: loaded at its next entry */
	ASSERT_EQ(vcpu_get_state((uint64_t)handle, 0, STATE2_PA), 0);
	state_at(STATE2_PA)->cntvct = st->cntvct;
	EXPECT_EQ(memcmp(st, state_at(STATE2_PA), sizeof(*st)), 0);
}

/*
 * A restored state holds what a guest could have in these registers on this CPU and no
 * more, as hardware would keep it: bits outside the architected fields, matching at EL2,
 * registers beyond the CPU's (6 breakpoints, 4 watchpoints, 6 counters), filters of
 * EL2 and EL3, PMCR's read-only and action bits.
 */
TEST(vcpu_state, restored_pmu_and_debug_values_masked_as_hardware_does)
{
	static struct tv_vcpu_state saved;
	struct tv_vcpu_state *st;

	setup(0);
	st = state_at(STATE_PA);
	ASSERT_EQ(vcpu_get_state((uint64_t)handle, 0, STATE_PA), 0);
	st->debug.bcr[0] = ~0ull;
	st->debug.bvr[0] = ~0ull;
	st->debug.wcr[0] = ~0ull;
	st->debug.bcr[6] = 0x1e3; /* the seventh breakpoint: the CPU has six */
	st->debug.wvr[4] = 0x1000;
	st->debug.claim = 0x1ff;
	st->debug.oslsr = ~0ull;
	st->pmu.pmcr = ~0ull;
	st->pmu.cntenset = ~0ull;
	st->pmu.intenset = ~0ull;
	st->pmu.ovsset = 1u << 7;
	st->pmu.selr = ~0ull;
	st->pmu.userenr = ~0ull;
	st->pmu.ccfiltr = ~0ull;
	st->pmu.evtyper[0] = ~0ull;
	st->pmu.evtyper[6] = 0x11;
	st->pmu.evcntr[30] = 5;
	st->ptimer.ctl = ~0ull;
	st->disr_el1 = ~0ull;
	ASSERT_EQ(vcpu_set_state((uint64_t)handle, 0, STATE_PA), 0);
	EXPECT_EQ(vcpu->debug.bcr[0], 0xffc1e7); /* no HMC (bit 13), nothing above BT */
	EXPECT_EQ(vcpu->debug.bvr[0], ~3ull);
	EXPECT_EQ(vcpu->debug.wcr[0], 0x1f1fdfff);
	EXPECT_EQ(vcpu->debug.bcr[6], 0);
	EXPECT_EQ(vcpu->debug.wvr[4], 0);
	EXPECT_EQ(vcpu->debug.claim, 0xff);
	EXPECT_EQ(vcpu->debug.oslk, 1);
	EXPECT_EQ(vcpu->pmu.regs.pmcr, PMCR_STATE);
	EXPECT_EQ(vcpu->pmu.regs.cnten, 0x3f | PMU_CYCLE_BIT);
	EXPECT_EQ(vcpu->pmu.regs.inten, 0x3f | PMU_CYCLE_BIT);
	EXPECT_EQ(vcpu->pmu.regs.ovs, 0);
	EXPECT_EQ(vcpu->pmu.regs.selr, 0x1f);
	EXPECT_EQ(vcpu->pmu.regs.userenr, 0xf);
	EXPECT_EQ(vcpu->pmu.regs.ccfiltr, 0xc0000000ull); /* P, U: no NSH (EL2), no M (EL3) */
	EXPECT_EQ(vcpu->pmu.regs.evtyper[0], 0xc000ffffull);
	EXPECT_EQ(vcpu->pmu.regs.evtyper[6], 0);
	EXPECT_EQ(vcpu->pmu.regs.evcntr[30], 0);
	EXPECT_EQ(vcpu->ptimer.ctl, CNT_CTL_ENABLE | CNT_CTL_IMASK);
	EXPECT_EQ(vcpu->disr_el1, 0x81ffffffull);
	/* Without a PMU, nothing of it. */
	saved = *st;
	setup(0);
	*state_at(STATE_PA) = saved;
	fake_pmu = false;
	ASSERT_EQ(vcpu_set_state((uint64_t)handle, 0, STATE_PA), 0);
	EXPECT_EQ(vcpu->pmu.regs.pmcr, 0);
	EXPECT_EQ(vcpu->pmu.regs.cnten, 0);
	EXPECT_FALSE(vcpu->pmu.counting);
}
