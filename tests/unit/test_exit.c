/* SPDX-License-Identifier: MIT */
/*
 * Guest exits (hyp/core/exit.c, run.c, inject.c, sysreg.c) through the fake arch's
 * scripted guest: each entry into the guest plays the next trap of a script and
 * records the vCPU's context as the guest would find it, so that what the
 * hypervisor did on the way (a completed MMIO read, an injected exception, an
 * emulated register) is checked from the guest's side.
 */
#include "test.h"

#include <abi/guest.h>

#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/debug.h>
#include <hyp/dirty.h>
#include <hyp/esr.h>
#include <hyp/hyp.h>
#include <hyp/mem_protect.h>
#include <hyp/psci.h>
#include <hyp/trap.h>
#include <hyp/vm.h>

#include <string.h>

#define RAM	     (8ull << 20)
#define HYP	     (1ull << 20)
#define IPA0	     0x40000000ull
#define VM_RAM	     (64 * PAGE_SIZE)
#define HOST_PAGE(i) (FAKE_RAM_BASE + HYP + (uint64_t)(i)*PAGE_SIZE)
#define MMIO_IPA     0x09000000ull
#define VBAR	     0x40010000ull

#define ESR(ec, iss) ((uint64_t)(ec) << ESR_EC_SHIFT | ESR_IL | (iss))
#define FSC_TRANS_L3 (FSC_TRANS_L0 + 3)
#define ESR_DABT_EL1 0x96000010ull /* EC 0x25, IL, synchronous external abort */
#define ESR_DABT_EL0 0x92000010ull /* EC 0x24 */

/* ---- the scripted guest ---- */

#define MAX_STEPS 16

struct step {
	struct trap_info trap;
	unsigned nset;
	uint8_t reg[4];
	uint64_t val[4];
};

struct script {
	unsigned n, pos, entries;
	struct step step[MAX_STEPS];
	struct cpu_context seen[MAX_STEPS + 1]; /* the context at each entry */
};

static struct script S;
static int64_t handle;
static struct vcpu *vcpu;

static bool script_guest(struct vcpu *v, struct trap_info *t, void *arg)
{
	struct script *s = arg;
	struct step *st;

	if (s->entries < ARRAY_SIZE(s->seen)) {
		s->seen[s->entries] = v->ctxt;
	}
	s->entries++;
	if (s->pos >= s->n) {
		return false;
	}
	st = &s->step[s->pos++];
	/* The guest sets up registers, then executes the trapping instruction. */
	for (unsigned i = 0; i < st->nset; i++) {
		v->ctxt.regs[st->reg[i]] = st->val[i];
	}
	*t = st->trap;
	return true;
}

/* Appends a trap to the script. */
static void trap(uint64_t esr, uint64_t far, uint64_t ipa)
{
	struct step *st = &S.step[S.n++];

	*st = (struct step){ { esr, far, (ipa >> PAGE_SHIFT) << 4 }, 0, { 0 }, { 0 } };
}

/* Has the last trap's instruction find `val` in register `reg`. */
static void with_reg(unsigned reg, uint64_t val)
{
	struct step *st = &S.step[S.n - 1];

	st->reg[st->nset] = (uint8_t)reg;
	st->val[st->nset++] = val;
}

/* A fresh machine, a VM with flags and one vCPU (or `nvcpus`), and an empty script. */
static void setup_n(bool mte_hw, uint32_t flags, unsigned nvcpus)
{
	struct fake_config cfg = { RAM, HYP, mte_hw };
	int err;

	fake_hyp_init(&cfg);
	memset(&S, 0, sizeof(S));
	fake_set_guest(script_guest, &S);
	handle = vm_create(flags, IPA0, VM_RAM, nvcpus);
	for (unsigned i = 0; i < nvcpus; i++) {
		vcpu_create((uint64_t)handle, 0);
	}
	vcpu = vcpu_from_handle((uint64_t)handle, 0, &err);
	vcpu->ctxt.sys[CTX_VBAR_EL1] = VBAR;
}

static void setup(bool mte_hw, uint32_t flags)
{
	setup_n(mte_hw, flags, 1);
}

static int64_t run(uint64_t flags, uint64_t value, struct tv_exit *e)
{
	memset(e, 0xee, sizeof(*e));
	return vcpu_run((uint64_t)handle, 0, flags, value, e);
}

static uint64_t dabt(unsigned sas, bool sse, unsigned srt, bool sf, bool wnr)
{
	return ESR(EC_DABT_LOW, ESR_DABT_ISV | (uint64_t)sas << 22 | (sse ? ESR_DABT_SSE : 0) |
				    (uint64_t)srt << 16 | (sf ? ESR_DABT_SF : 0) |
				    (wnr ? ESR_DABT_WNR : 0) | FSC_TRANS_L3);
}

static uint64_t sys_esr(uint32_t enc, unsigned rt, bool read)
{
	return ESR(EC_SYS64, enc | rt << 5 | (read ? ESR_SYS_READ : 0));
}

static uint64_t hvc_esr(void)
{
	return ESR(EC_HVC64, 0);
}

TEST(exit, esr_encodings_match_the_brief)
{
	/* Hardware syndromes of MRS x2, GCR_EL1 and MRS x2, GMID_EL1 trapped to EL2. */
	EXPECT_EQ(sys_esr(ENC_GCR_EL1, 2, true), 0x623c0441);
	EXPECT_EQ(sys_esr(ENC_GMID_EL1, 2, true), 0x62384041);
	EXPECT_EQ(ESR_UNDEF, 0x02000000);
}

/* ---- MMIO ---- */

TEST(exit, mmio_writes_masked_to_size)
{
	static const uint64_t want[] = { 0x88, 0x7788, 0x55667788, 0x1122334455667788 };
	struct tv_exit e;

	setup(false, 0);
	for (unsigned sas = 0; sas < 4; sas++) {
		trap(dabt(sas, false, 5, true, true), 0xffff000000000abcull + sas,
		     MMIO_IPA + sas * 8);
		with_reg(5, 0x1122334455667788ull);
	}
	for (unsigned sas = 0; sas < 4; sas++) {
		ASSERT_EQ(run(0, 0, &e), 0);
		EXPECT_EQ(e.reason, TV_EXIT_MMIO);
		/* The IPA is the page from HPFAR and the offset from FAR. */
		EXPECT_EQ(e.data[0], MMIO_IPA + 0xabc + sas);
		EXPECT_EQ(e.data[1], want[sas]);
		EXPECT_EQ(e.data[2], sas | TV_MMIO_WRITE | 5u << TV_MMIO_REG_SHIFT);
		/* The access is not complete until the host says so: pc stays. */
		EXPECT_EQ(vcpu->ctxt.pc, IPA0 + 4 * sas);
		EXPECT_EQ(vcpu->pending, PENDING_MMIO_WRITE);
	}
	EXPECT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
	EXPECT_EQ(S.seen[4].pc, IPA0 + 16);
	EXPECT_EQ(S.seen[4].regs[5], 0x1122334455667788ull); /* a write leaves its source alone */
}

TEST(exit, mmio_write_from_xzr)
{
	struct tv_exit e;

	setup(false, 0);
	trap(dabt(3, false, 31, true, true), 0x10, MMIO_IPA);
	for (unsigned r = 0; r < 31; r++) {
		vcpu->ctxt.regs[r] = ~0ull; /* registers full of ones: none is the source */
	}
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_MMIO);
	EXPECT_EQ(e.data[1], 0);
	EXPECT_EQ(e.data[2], 3 | TV_MMIO_WRITE | 31u << TV_MMIO_REG_SHIFT);
}

struct load_case {
	unsigned sas;
	bool sse, sf;
	uint64_t value, want;
};

static void check_load(const struct load_case *c)
{
	struct tv_exit e;

	setup(false, 0);
	trap(dabt(c->sas, c->sse, 7, c->sf, false), 0x1008, MMIO_IPA);
	with_reg(7, 0x5555555555555555ull);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_MMIO);
	EXPECT_EQ(e.data[0], MMIO_IPA + 8);
	EXPECT_EQ(e.data[1], 0);
	EXPECT_EQ(e.data[2], c->sas | 7u << TV_MMIO_REG_SHIFT);
	ASSERT_EQ(run(TV_RUN_MMIO_READ, c->value, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
	EXPECT_EQ(S.seen[1].regs[7], c->want);
	EXPECT_EQ(S.seen[1].pc, IPA0 + 4);
	EXPECT_EQ(S.seen[1].regs[6], 0);
	EXPECT_EQ(S.seen[1].regs[8], 0);
}

TEST(exit, mmio_read_sign_and_zero_extension)
{
	static const struct load_case cases[] = {
		{ 0, false, false, 0xabcdef80, 0x80 },			/* LDRB */
		{ 0, true, false, 0x80, 0xffffff80 },			/* LDRSB Wt */
		{ 0, true, true, 0x80, 0xffffffffffffff80ull },		/* LDRSB Xt */
		{ 0, true, true, 0x17f, 0x7f },				/* positive */
		{ 1, false, false, 0x12348001, 0x8001 },		/* LDRH */
		{ 1, true, false, 0x8001, 0xffff8001 },			/* LDRSH Wt */
		{ 1, true, true, 0x12348001, 0xffffffffffff8001ull },	/* LDRSH Xt */
		{ 2, false, false, 0xffffffff80000000ull, 0x80000000 }, /* LDR Wt */
		{ 2, true, true, 0x80000000, 0xffffffff80000000ull },	/* LDRSW */
		{ 2, true, true, 0x7fffffff, 0x7fffffff },		/* LDRSW positive */
		{ 3, false, true, 0x8877665544332211ull, 0x8877665544332211ull },
		{ 3, true, true, 0x8877665544332211ull, 0x8877665544332211ull },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		int before = unit_test_failed_checks;

		check_load(&cases[i]);
		if (unit_test_failed_checks != before) {
			fprintf(stderr, "  (load case %u)\n", i);
		}
	}
}

TEST(exit, mmio_read_into_xzr_changes_no_register)
{
	struct tv_exit e;
	struct cpu_context before;

	setup(false, 0);
	trap(dabt(3, false, 31, true, false), 0, MMIO_IPA);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.data[2], 3 | 31u << TV_MMIO_REG_SHIFT);
	before = vcpu->ctxt;
	ASSERT_EQ(run(TV_RUN_MMIO_READ, 0x1234, &e), 0);
	before.pc += 4;
	EXPECT_EQ(memcmp(&S.seen[1], &before, sizeof(before)), 0);
}

/*
 * MMIO without a valid syndrome cannot be emulated: as KVM_EXIT_ARM_NISV, the VMM is told
 * (IPA and syndrome) and can only answer with an abort, which the guest takes.
 */
TEST(exit, mmio_without_valid_syndrome_goes_to_the_vmm)
{
	struct tv_exit e;
	uint64_t no_isv = dabt(2, false, 3, false, true) & ~ESR_DABT_ISV;

	setup(false, 0);
	trap(no_isv, 0xfff0, MMIO_IPA + 0xff0);
	vcpu->ctxt.pc = IPA0 + 0x80;
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_MMIO_NISV);
	EXPECT_EQ(e.data[0], MMIO_IPA + 0xff0);
	EXPECT_EQ(e.data[1], no_isv);
	EXPECT_EQ(vcpu->pending, PENDING_MMIO_NISV);
	/* Nothing but an abort completes it. */
	EXPECT_EQ(run(0, 0, &e), -TV_EINVAL);
	EXPECT_EQ(run(TV_RUN_MMIO_READ, 0, &e), -TV_EINVAL);
	EXPECT_EQ(run(TV_RUN_HVC_RET, 0, &e), -TV_EINVAL);
	ASSERT_EQ(run(TV_RUN_INJECT_DABT, 0, &e), 0);
	EXPECT_EQ(S.seen[1].pc, VBAR + 0x200);
	EXPECT_EQ(S.seen[1].sys[CTX_ESR_EL1], ESR_DABT_EL1 | ESR_DABT_WNR); /* it was a store */
	EXPECT_EQ(S.seen[1].sys[CTX_FAR_EL1], 0xfff0);
	EXPECT_EQ(S.seen[1].sys[CTX_ELR_EL1], IPA0 + 0x80);

	/* A protected VM's VMM learns the page only. */
	setup(false, TV_VM_PROTECTED);
	trap(no_isv, 0xfff0, MMIO_IPA + 0xff0);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_MMIO_NISV);
	EXPECT_EQ(e.data[0], MMIO_IPA);
}

/* A guest error of a protected VM: the syndrome and the page, nothing within it. */
TEST(exit, protected_fault_reports_carry_the_page_only)
{
	uint64_t perm = ESR(EC_DABT_LOW, (FSC_PERM_L0 + 3) | ESR_DABT_WNR);
	struct tv_exit e;

	setup(false, 0);
	vcpu->ctxt.pc = IPA0 + 0x80;
	trap(perm, 0xffff000012345678ull, IPA0);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_GUEST_ERROR);
	EXPECT_EQ(e.data[1], IPA0 + 0x80);
	EXPECT_EQ(e.data[2], 0xffff000012345678ull);
	EXPECT_EQ(e.data[3], TV_ERROR_FAULT);

	setup(false, TV_VM_PROTECTED);
	vcpu->ctxt.pc = IPA0 + 0x80;
	trap(perm, 0xffff000012345678ull, IPA0);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_GUEST_ERROR);
	EXPECT_EQ(e.data[0], perm);
	EXPECT_EQ(e.data[1], 0);
	EXPECT_EQ(e.data[2], 0xffff000012345000ull);
}

/* Outside RAM, a fetch or a table walk is an external abort the guest takes, as under KVM. */
TEST(exit, fetches_and_walks_outside_ram_abort_in_the_guest)
{
	uint64_t iabt = ESR(EC_IABT_LOW, FSC_TRANS_L0 + 2);
	uint64_t walk = dabt(2, false, 1, false, false) | ESR_ABT_S1PTW;
	struct tv_exit e;

	setup(false, 0);
	vcpu->ctxt.pc = 0xfffff000;
	trap(iabt, 0xfffff000, 0xfffff000);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ); /* handled at EL2: the script went on */
	EXPECT_EQ(S.seen[1].pc, VBAR + 0x200);
	EXPECT_EQ(S.seen[1].sys[CTX_ESR_EL1], 0x86000010ull); /* EC 0x21, IL, FSC SEA */
	EXPECT_EQ(S.seen[1].sys[CTX_ELR_EL1], 0xfffff000);
	EXPECT_EQ(S.seen[1].sys[CTX_FAR_EL1], 0xfffff000);
	/* From EL0: the lower-EL class 0x20. */
	setup(false, 0);
	vcpu->ctxt.pstate = PSR_MODE_EL0T;
	trap(iabt, 0x1000, MMIO_IPA);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(S.seen[1].pc, VBAR + 0x400);
	EXPECT_EQ(S.seen[1].sys[CTX_ESR_EL1], 0x82000010ull);
	/* A stage-1 walk into no RAM: a data abort, as KVM injects it. */
	setup(false, 0);
	vcpu->ctxt.pc = IPA0 + 0x20;
	trap(walk, 0x7000, MMIO_IPA);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
	EXPECT_EQ(S.seen[1].sys[CTX_ESR_EL1], ESR_DABT_EL1);
	EXPECT_EQ(S.seen[1].sys[CTX_FAR_EL1], 0x7000);
	EXPECT_EQ(S.seen[1].sys[CTX_ELR_EL1], IPA0 + 0x20);
}

/* ---- memory faults ---- */

struct fault_case {
	uint64_t esr, ipa;
	uint64_t reason, data0, data1;
};

TEST(exit, memory_faults_inside_ram_mmio_outside)
{
	uint64_t dread = dabt(2, false, 1, false, false), dwrite = dabt(2, false, 1, false, true);
	uint64_t iabt = ESR(EC_IABT_LOW, FSC_TRANS_L0 + 2);
	const struct fault_case cases[] = {
		{ dread, IPA0 + 0x3008, TV_EXIT_MEM_FAULT, IPA0 + 0x3000, 0 },
		{ dwrite, IPA0 + 0x3008, TV_EXIT_MEM_FAULT, IPA0 + 0x3000, 1 },
		/* A write reported by a stage-1 walk is the walk's read. */
		{ dwrite | ESR_ABT_S1PTW, IPA0, TV_EXIT_MEM_FAULT, IPA0, 0 },
		/* Without ISV, a fault in RAM still just needs the page. */
		{ dwrite & ~ESR_DABT_ISV, IPA0 + VM_RAM - 8, TV_EXIT_MEM_FAULT,
		  IPA0 + VM_RAM - PAGE_SIZE, 1 },
		{ iabt, IPA0 + 0x5000, TV_EXIT_MEM_FAULT, IPA0 + 0x5000, 0 },
		/* Just outside RAM on either side: MMIO. */
		{ dread, IPA0 + VM_RAM, TV_EXIT_MMIO, IPA0 + VM_RAM, 0 },
		{ dread, IPA0 - 4, TV_EXIT_MMIO, IPA0 - 4, 0 },
		/* A fault other than translation: errors. */
		{ ESR(EC_DABT_LOW, (FSC_PERM_L0 + 3) | ESR_DABT_WNR), IPA0, TV_EXIT_GUEST_ERROR,
		  ESR(EC_DABT_LOW, (FSC_PERM_L0 + 3) | ESR_DABT_WNR), 0 },
		{ ESR(EC_DABT_LOW, FSC_ACCESS_L0 + 3), IPA0, TV_EXIT_GUEST_ERROR,
		  ESR(EC_DABT_LOW, FSC_ACCESS_L0 + 3), 0 },
		{ ESR(EC_DABT_LOW, ESR_DABT_ISV | FSC_TAG_CHECK), MMIO_IPA, TV_EXIT_GUEST_ERROR,
		  ESR(EC_DABT_LOW, ESR_DABT_ISV | FSC_TAG_CHECK), 0 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct fault_case *c = &cases[i];
		struct tv_exit e;
		int before = unit_test_failed_checks;

		setup(false, 0);
		trap(c->esr, 0xffff800000000000ull | (c->ipa & (PAGE_SIZE - 1)), c->ipa);
		ASSERT_EQ(run(0, 0, &e), 0);
		EXPECT_EQ(e.reason, c->reason);
		EXPECT_EQ(e.data[0], c->data0);
		if (c->reason == TV_EXIT_MEM_FAULT) {
			EXPECT_EQ(e.data[1], c->data1);
			EXPECT_EQ(vcpu->pending, PENDING_NONE);
		}
		EXPECT_EQ(vcpu->ctxt.pc, IPA0); /* the access is retried once fixed */
		if (unit_test_failed_checks != before) {
			fprintf(stderr, "  (fault case %u)\n", i);
		}
	}
}

TEST(exit, access_flag_fault_on_a_mapped_page_is_handled_at_el2)
{
	struct tv_exit e;
	uint64_t young = 0, mapped = 0;
	uint64_t af = ESR(EC_DABT_LOW, FSC_ACCESS_L0 + 3);

	setup(false, 0);
	ASSERT_EQ(host_donate_guest(vcpu->vm, HOST_PAGE(0), IPA0 + PAGE_SIZE, 0, 0, 0), 0);
	/* Aging clears the access flag; the guest's next access faults and sets it again. */
	ASSERT_EQ(host_age_guest(vcpu->vm, IPA0, 2, &young, &mapped), 0);
	EXPECT_EQ(mapped, 2);
	EXPECT_EQ(young, 2);
	EXPECT_EQ(pgt_lookup(&vcpu->vm->s2, IPA0 + PAGE_SIZE, NULL) & PTE_AF, 0);
	trap(af, 0x123, IPA0 + PAGE_SIZE + 0x123);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ); /* resumed without an exit */
	EXPECT_EQ(S.entries, 2);
	EXPECT_EQ(S.seen[1].pc, IPA0); /* the access is retried */
	EXPECT_NE(pgt_lookup(&vcpu->vm->s2, IPA0 + PAGE_SIZE, NULL) & PTE_AF, 0);
	ASSERT_EQ(host_age_guest(vcpu->vm, IPA0, 2, &young, &mapped), 0);
	EXPECT_EQ(young, 2);
	ASSERT_EQ(host_age_guest(vcpu->vm, IPA0, 2, &young, &mapped), 0);
	EXPECT_EQ(young, 0);
	EXPECT_EQ(check_invariants(), 0);
}

/*
 * guest_share_host() and guest_unshare_host() once rewrote all the software bits
 * (PTE_SW_MASK), clearing S2_SW_DIRTY_WP of a page write-protected for dirty logging
 * but leaving it read-only: the guest's next write to it was a permission fault
 * dirty_fault() did not recognise (TV_EXIT_GUEST_ERROR), and TV_DIRTY_GET, which
 * re-protects only writable pages, never made it writable again.
 */
TEST(exit, guest_share_of_a_page_protected_for_dirty_logging)
{
	struct tv_exit e;
	uint64_t wperm =
	    ESR(EC_DABT_LOW, ESR_DABT_ISV | 2ull << 22 | ESR_DABT_WNR | (FSC_PERM_L0 + 3));

	setup(false, 0);
	ASSERT_EQ(host_donate_guest(vcpu->vm, HOST_PAGE(0), IPA0, 0, 0, 0), 0);
	ASSERT_EQ(dirty_log(vcpu->vm, TV_DIRTY_START, 0, 0, 0), 0);
	trap(hvc_esr(), 0, 0);
	with_reg(0, TV_GUEST_HC_SHARE);
	with_reg(1, IPA0);
	trap(wperm, 0x10, IPA0 + 0x10); /* the guest writes its page */
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(S.seen[1].regs[0], 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ); /* the write went through */
	EXPECT_NE(pgt_lookup(&vcpu->vm->s2, IPA0, NULL) & S2_AP_W, 0);
	EXPECT_EQ(check_invariants(), 0);
}

/* The same for guest_unshare_host(), from the state the share above leaves. */
TEST(exit, guest_unshare_of_a_page_protected_for_dirty_logging)
{
	struct tv_exit e;
	uint64_t wperm =
	    ESR(EC_DABT_LOW, ESR_DABT_ISV | 2ull << 22 | ESR_DABT_WNR | (FSC_PERM_L0 + 3));
	uint64_t pte;

	setup(false, 0);
	ASSERT_EQ(host_donate_guest(vcpu->vm, HOST_PAGE(0), IPA0, 0, 0, 0), 0);
	ASSERT_EQ(guest_share_host(vcpu->vm, IPA0), 0);
	ASSERT_EQ(dirty_log(vcpu->vm, TV_DIRTY_START, 0, 0, 0), 0);
	/* Shared, and write-protected for logging as when it was shared while protected. */
	ASSERT_EQ(pgt_update_page(&vcpu->vm->s2, IPA0, S2_AP_W, S2_SW_DIRTY_WP), 0);
	trap(hvc_esr(), 0, 0);
	with_reg(0, TV_GUEST_HC_UNSHARE);
	with_reg(1, IPA0);
	trap(wperm, 0x10, IPA0 + 0x10);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(S.seen[1].regs[0], 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
	pte = pgt_lookup(&vcpu->vm->s2, IPA0, NULL);
	EXPECT_NE(pte & S2_AP_W, 0);
	EXPECT_EQ(pte & S2_SW_DIRTY_WP, 0);
	EXPECT_EQ(S2_SW_STATE_OF(pte), PS_OWNED);
	EXPECT_EQ(check_invariants(), 0);
}

/* ---- guest calls ---- */

TEST(exit, psci_version_and_features_handled_without_exit)
{
	static const struct {
		uint64_t fn, want;
	} features[] = {
		{ PSCI_VERSION, 0 },
		{ PSCI_FEATURES, 0 },
		{ PSCI_CPU_OFF, 0 },
		{ PSCI_SYSTEM_OFF, 0 },
		{ PSCI_SYSTEM_RESET, 0 },
		{ PSCI_CPU_ON_64, 0 },
		{ PSCI_CPU_ON_32, 0 },
		{ PSCI_AFFINITY_INFO_64, 0 },
		{ PSCI_MIGRATE_INFO_TYPE, 0 },
		{ PSCI_CPU_SUSPEND_64, 0 }, /* the original power_state format */
		{ 0x84000005u, SMCCC_RET_NOT_SUPPORTED }, /* MIGRATE: no Trusted OS to move */
		{ 0xc4000012u, SMCCC_RET_NOT_SUPPORTED }, /* SYSTEM_RESET2 */
		{ SMCCC_VERSION, SMCCC_RET_NOT_SUPPORTED },
		{ TV_GUEST_HC_SHARE, SMCCC_RET_NOT_SUPPORTED },
	};
	struct tv_exit e;

	setup(false, 0);
	trap(hvc_esr(), 0, 0);
	with_reg(0, PSCI_VERSION);
	for (unsigned i = 0; i < ARRAY_SIZE(features); i++) {
		trap(hvc_esr(), 0, 0);
		with_reg(0, PSCI_FEATURES);
		with_reg(1, features[i].fn);
	}
	/* One run: all of it is answered at EL2, and the run ends with the script. */
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
	ASSERT_EQ(S.entries, ARRAY_SIZE(features) + 2);
	EXPECT_EQ(S.seen[1].regs[0], PSCI_VERSION_1_1);
	for (unsigned i = 0; i < ARRAY_SIZE(features); i++) {
		EXPECT_EQ(S.seen[i + 2].regs[0], features[i].want);
		EXPECT_EQ(S.seen[i + 2].regs[1], features[i].fn);
		/* ELR_EL2 of an HVC already points past it. */
		EXPECT_EQ(S.seen[i + 2].pc, IPA0);
	}

	/* A trapped SMC returns to itself: the hypervisor steps over it. */
	setup(false, 0);
	trap(ESR(EC_SMC64, 0), 0, 0);
	with_reg(0, PSCI_VERSION);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(S.seen[1].regs[0], PSCI_VERSION_1_1);
	EXPECT_EQ(S.seen[1].pc, IPA0 + 4);

	/* SMCCC: the function ID is W0; the upper half of X0 is not looked at. */
	setup(false, 0);
	trap(hvc_esr(), 0, 0);
	with_reg(0, 0xffffffff00000000ull | PSCI_VERSION);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(S.seen[1].regs[0], PSCI_VERSION_1_1);
}

/* SYSTEM_OFF and SYSTEM_RESET end the whole VM: no vCPU of it runs again. */
static void check_system_event(uint32_t fn, uint64_t data0)
{
	struct tv_exit e;

	setup_n(false, 0, 2);
	trap(hvc_esr(), 0, 0);
	with_reg(0, fn);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_SYSTEM_EVENT);
	EXPECT_EQ(e.data[0], data0);
	EXPECT_EQ(vcpu->vm->system_event, data0);
	/* Every further run reports the event without entering the guest, on every vCPU. */
	e.reason = TV_EXIT_NONE;
	EXPECT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_SYSTEM_EVENT);
	EXPECT_EQ(e.data[0], data0);
	EXPECT_EQ(run(TV_RUN_HVC_RET, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_SYSTEM_EVENT);
	e.reason = TV_EXIT_NONE;
	EXPECT_EQ(vcpu_run((uint64_t)handle, 1, 0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_SYSTEM_EVENT);
	EXPECT_EQ(e.data[0], data0);
	EXPECT_EQ(S.entries, 1);
	/* The other vCPU was told (its doorbell rang), wherever it was. */
	EXPECT_EQ(fake_kicks, 1);
	EXPECT_TRUE(fake_last_kicked == &vcpu->vm->vcpus[1]);
}

TEST(exit, psci_system_off_and_reset_end_every_vcpu)
{
	check_system_event(PSCI_SYSTEM_OFF, TV_SYSTEM_OFF);
	check_system_event(PSCI_SYSTEM_RESET, TV_SYSTEM_RESET);
}

/* CPU_OFF: this vCPU waits for CPU_ON, the others go on. */
TEST(exit, psci_cpu_off_stops_this_vcpu_only)
{
	struct tv_exit e;

	setup_n(false, 0, 2);
	trap(hvc_esr(), 0, 0);
	with_reg(0, PSCI_CPU_OFF);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_CPU_OFF);
	EXPECT_EQ(e.data[0], 0); /* vCPU 1 is still on */
	EXPECT_TRUE(vcpu->off);
	/* A run of it returns at once until another vCPU turns it on; flags are refused. */
	EXPECT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_CPU_OFF);
	EXPECT_EQ(run(TV_RUN_HVC_RET, 0, &e), -TV_EINVAL);
	EXPECT_EQ(S.entries, 1);
	EXPECT_EQ(vcpu_run((uint64_t)handle, 1, 0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
	/* The last one off says so (x2 = 1): no vCPU is left to turn another on. */
	trap(hvc_esr(), 0, 0);
	with_reg(0, PSCI_CPU_OFF);
	ASSERT_EQ(vcpu_run((uint64_t)handle, 1, 0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_CPU_OFF);
	EXPECT_EQ(e.data[0], 1);
	e.data[0] = 0;
	ASSERT_EQ(vcpu_run((uint64_t)handle, 0, 0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_CPU_OFF);
	EXPECT_EQ(e.data[0], 1);
}

TEST(exit, guest_hvc_goes_to_the_host)
{
	struct tv_exit e;

	setup(false, 0);
	trap(hvc_esr(), 0, 0);
	with_reg(0, TV_VMM_CALL_FIRST + 0x123);
	with_reg(1, 11);
	with_reg(2, 22);
	with_reg(3, 33);
	trap(hvc_esr(), 0, 0);
	with_reg(0, PSCI_FN_LAST | SMCCC_CONV_64); /* PSCI, but not one the hypervisor answers */
	with_reg(4, 44);
	trap(ESR(EC_SMC64, 0), 0, 0);
	with_reg(0, TV_VMM_CALL_LAST);

	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_HVC);
	EXPECT_EQ(e.data[0], TV_VMM_CALL_FIRST + 0x123);
	EXPECT_EQ(e.data[1], 11);
	EXPECT_EQ(e.data[2], 22);
	EXPECT_EQ(e.data[3], 33);
	EXPECT_EQ(e.data[4], 0);
	EXPECT_EQ(vcpu->pending, PENDING_HVC);
	/* The host's answer lands in x0, and only there. */
	ASSERT_EQ(run(TV_RUN_HVC_RET, 0x5a5a, &e), 0);
	EXPECT_EQ(S.seen[1].regs[0], 0x5a5a);
	EXPECT_EQ(S.seen[1].regs[1], 11);
	EXPECT_EQ(S.seen[1].pc, IPA0);
	EXPECT_EQ(e.reason, TV_EXIT_HVC);
	EXPECT_EQ(e.data[0], PSCI_FN_LAST | SMCCC_CONV_64);
	EXPECT_EQ(e.data[4], 44);
	/* Without an answer the guest gets NOT_SUPPORTED. */
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(S.seen[2].regs[0], SMCCC_RET_NOT_SUPPORTED);
	EXPECT_EQ(e.reason, TV_EXIT_HVC);
	EXPECT_EQ(e.data[0], TV_VMM_CALL_LAST);
	EXPECT_EQ(vcpu->ctxt.pc, IPA0 + 4); /* the SMC was stepped over */
	ASSERT_EQ(run(TV_RUN_HVC_RET, 7, &e), 0);
	EXPECT_EQ(S.seen[3].regs[0], 7);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
}

/* Only PSCI and the VMM's range reach the host: see call_for_host(). */
TEST(exit, calls_no_one_implements_answered_at_el2)
{
	static const uint64_t to_host[] = {
		PSCI_FN_FIRST + 5, /* MIGRATE: PSCI, but no Trusted OS here to answer it */
		PSCI_FN_LAST,
		PSCI_FN_LAST | SMCCC_CONV_64,
		TV_VMM_CALL_FIRST,
		TV_VMM_CALL_LAST,
		0xffffffff00000000ull | TV_VMM_CALL_FIRST, /* W0 is the ID */
	};
	static const uint64_t answered[] = {
		0x4b000000,    /* reserved owner, SMC64 */
		0x82000000,    /* SiP */
		0xc2000123,    /* SiP, SMC64 */
		SMCCC_VERSION, /* Arm architecture calls: not offered */
		SMCCC_ARCH_FEATURES,
		0x86001000, /* the VMM's range, but SMC32 */
		TV_HC_BASE, /* the host's hypercalls are not the guest's */
		TV_VMM_CALL_FIRST - 1,
		TV_VMM_CALL_LAST + 1,
		PSCI_FN_FIRST - 1,
		PSCI_FN_LAST + 1,
		(PSCI_FN_LAST + 1) | SMCCC_CONV_64,
		0x00000000,
		0xffffffff,
	};
	struct tv_exit e;

	for (unsigned i = 0; i < ARRAY_SIZE(to_host); i++) {
		setup(false, 0);
		trap(hvc_esr(), 0, 0);
		with_reg(0, to_host[i]);
		ASSERT_EQ(run(0, 0, &e), 0);
		EXPECT_EQ(e.reason, TV_EXIT_HVC);
		EXPECT_EQ(e.data[0], to_host[i]);
	}
	/* One run, HVCs and SMCs alternating: no exit until the script ends. */
	setup(true, TV_VM_MTE);
	for (unsigned i = 0; i < ARRAY_SIZE(answered); i++) {
		trap(i & 1 ? ESR(EC_SMC64, 0) : hvc_esr(), 0, 0);
		with_reg(0, answered[i]);
		with_reg(1, 0x1111);
	}
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
	ASSERT_EQ(S.entries, ARRAY_SIZE(answered) + 1);
	for (unsigned i = 0; i < ARRAY_SIZE(answered); i++) {
		EXPECT_EQ(S.seen[i + 1].regs[0], SMCCC_RET_NOT_SUPPORTED);
		EXPECT_EQ(S.seen[i + 1].regs[1], 0x1111);	       /* nothing else changes */
		EXPECT_EQ(S.seen[i + 1].pc, IPA0 + 4 * ((i + 1) / 2)); /* each SMC stepped over */
	}
	EXPECT_EQ(vcpu->pending, PENDING_NONE);
}

TEST(exit, guest_share_calls)
{
	struct tv_exit e;
	struct vm *vm;

	setup(false, 0);
	vm = vcpu->vm;
	ASSERT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0 + PAGE_SIZE, 0, 0, 0), 0);
	trap(hvc_esr(), 0, 0);
	with_reg(0, TV_GUEST_HC_SHARE);
	with_reg(1, IPA0 + PAGE_SIZE);
	trap(hvc_esr(), 0, 0);
	with_reg(0, TV_GUEST_HC_SHARE);
	with_reg(1, IPA0 + 2 * PAGE_SIZE); /* nothing there */
	trap(hvc_esr(), 0, 0);
	with_reg(0, TV_GUEST_HC_SHARE);
	with_reg(1, IPA0 + PAGE_SIZE + 8);
	trap(hvc_esr(), 0, 0);
	with_reg(0, TV_GUEST_HC_UNSHARE);
	with_reg(1, IPA0 + PAGE_SIZE);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
	EXPECT_EQ(S.seen[1].regs[0], 0);
	EXPECT_EQ(S.seen[2].regs[0], (uint64_t)-TV_ENOENT);
	EXPECT_EQ(S.seen[3].regs[0], (uint64_t)-TV_EINVAL);
	EXPECT_EQ(S.seen[4].regs[0], 0);
	EXPECT_EQ(page_state_of(HOST_PAGE(0), OWNER_HOST), PS_NOPAGE);
	EXPECT_EQ(check_invariants(), 0);
}

/* ---- completing exits ---- */

/* Runs with flags that must be refused, and checks that nothing happened. */
static void expect_refused(uint64_t flags)
{
	struct tv_exit e;
	struct cpu_context before = vcpu->ctxt;
	uint8_t pending = vcpu->pending;
	unsigned entries = S.entries;

	EXPECT_EQ(run(flags, 0x99, &e), -TV_EINVAL);
	EXPECT_EQ(vcpu->pending, pending);
	EXPECT_EQ(memcmp(&before, &vcpu->ctxt, sizeof(before)), 0);
	EXPECT_EQ(S.entries, entries);
}

TEST(exit, run_completion_flags_validated)
{
	struct tv_exit e;
	const uint64_t R = TV_RUN_MMIO_READ, H = TV_RUN_HVC_RET, D = TV_RUN_INJECT_DABT;
	/* The lowest flag bit the ABI does not define. */
	const uint64_t U = ~(uint64_t)TV_RUN_FLAGS_ALL & ((uint64_t)TV_RUN_FLAGS_ALL + 1);

	setup(false, 0);
	trap(hvc_esr(), 0, 0);
	with_reg(0, TV_VMM_CALL_FIRST);
	trap(dabt(2, false, 3, false, false), 0, MMIO_IPA);
	trap(dabt(2, false, 3, false, true), 0, MMIO_IPA);

	/* Unknown flags, whatever is pending; and no exit pending yet. */
	expect_refused(U);
	expect_refused(1ull << 63);
	expect_refused(R | H | D | U);
	expect_refused(H);
	expect_refused(R);
	expect_refused(D);
	expect_refused(R | D);
	ASSERT_EQ(run(0, 0, &e), 0);
	ASSERT_EQ(e.reason, TV_EXIT_HVC);

	/* A pending HVC: only nothing or HVC_RET. */
	expect_refused(R);
	expect_refused(D);
	expect_refused(H | R);
	expect_refused(H | D);
	expect_refused(H | U);
	ASSERT_EQ(run(H, 1, &e), 0);
	ASSERT_EQ(e.reason, TV_EXIT_MMIO);

	/* A pending MMIO read: it must get its data, or an abort. */
	expect_refused(0);
	expect_refused(H);
	expect_refused(R | D);
	expect_refused(R | H);
	expect_refused(D | H);
	ASSERT_EQ(run(R, 5, &e), 0);
	ASSERT_EQ(e.reason, TV_EXIT_MMIO);
	EXPECT_EQ(S.seen[2].regs[3], 5);

	/* A pending MMIO write: nothing, or an abort. */
	expect_refused(R);
	expect_refused(H);
	expect_refused(R | D);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
	EXPECT_EQ(S.seen[3].pc, IPA0 + 8);
}

/* ---- injected data aborts ---- */

struct dabt_case {
	uint64_t pstate;
	uint64_t sctlr_set, sctlr_clear;
	bool mte_hw, write;
	uint64_t want_pc, want_esr, want_pstate;
};

static void check_inject_dabt(const struct dabt_case *c)
{
	struct tv_exit e;
	const uint64_t far = 0xffff000012345678ull;

	setup(c->mte_hw, 0);
	vcpu->ctxt.pstate = c->pstate;
	vcpu->ctxt.pc = IPA0 + 0x100;
	vcpu->ctxt.sys[CTX_SCTLR_EL1] =
	    (vcpu->ctxt.sys[CTX_SCTLR_EL1] | c->sctlr_set) & ~c->sctlr_clear;
	trap(dabt(2, false, 4, false, c->write), far, MMIO_IPA);
	with_reg(4, 0x4444);
	ASSERT_EQ(run(0, 0, &e), 0);
	ASSERT_EQ(e.reason, TV_EXIT_MMIO);
	ASSERT_EQ(run(TV_RUN_INJECT_DABT, 0x77, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
	EXPECT_EQ(S.seen[1].sys[CTX_ELR_EL1], IPA0 + 0x100); /* the access itself */
	EXPECT_EQ(S.seen[1].sys[CTX_SPSR_EL1], c->pstate);
	/* A store's abort says so (WnR), as hardware's does. */
	EXPECT_EQ(S.seen[1].sys[CTX_ESR_EL1], c->want_esr | (c->write ? ESR_DABT_WNR : 0));
	EXPECT_EQ(S.seen[1].sys[CTX_FAR_EL1], far);
	EXPECT_EQ(S.seen[1].pc, c->want_pc);
	EXPECT_EQ(S.seen[1].pstate, c->want_pstate);
	EXPECT_EQ(S.seen[1].regs[4], 0x4444); /* the load's destination is untouched */
	EXPECT_EQ(vcpu->pending, PENDING_NONE);
}

TEST(exit, inject_dabt_for_every_origin)
{
	const uint64_t span = 1ull << 23, dssbs = 1ull << 44;
	const uint64_t el1 = PSR_MODE_EL1H | PSR_DAIF;
	const struct dabt_case cases[] = {
		/* From EL1h: current EL with SP_ELx. The reset SCTLR_EL1 has SPAN set: PAN kept. */
		{ PSR_MODE_EL1H, 0, 0, false, false, VBAR + 0x200, ESR_DABT_EL1, el1 },
		{ PSR_MODE_EL1H | PSR_PAN | 0xf0000000ull, 0, 0, false, true, VBAR + 0x200,
		  ESR_DABT_EL1, el1 | PSR_PAN },
		/* From EL1t: current EL with SP_EL0. */
		{ PSR_MODE_EL1T | PSR_I, 0, 0, false, false, VBAR, ESR_DABT_EL1, el1 },
		/* From EL0: a lower EL, so the "lower" class EC 0x24. */
		{ PSR_MODE_EL0T, 0, 0, false, false, VBAR + 0x400, ESR_DABT_EL0, el1 },
		{ PSR_MODE_EL0T, 0, 0, false, true, VBAR + 0x400, ESR_DABT_EL0, el1 },
		/* SPAN clear sets PAN; DSSBS sets SSBS; MTE hardware sets TCO. */
		{ PSR_MODE_EL1H, dssbs, span, false, false, VBAR + 0x200, ESR_DABT_EL1,
		  el1 | PSR_PAN | PSR_SSBS },
		{ PSR_MODE_EL0T | PSR_SSBS, 0, 0, true, false, VBAR + 0x400, ESR_DABT_EL0,
		  el1 | PSR_TCO },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		int before = unit_test_failed_checks;

		check_inject_dabt(&cases[i]);
		if (unit_test_failed_checks != before) {
			fprintf(stderr, "  (dabt case %u)\n", i);
		}
	}
}

/* ---- system registers ---- */

#define F(shift, v) ((uint64_t)(v) << (shift))

/* Runs one trapped MRS/MSR of `enc` with Rt = 2 and returns the context after it. */
static struct cpu_context sysreg_access(bool mte_hw, uint32_t flags, uint32_t enc, bool read,
					unsigned rt)
{
	struct tv_exit e;

	setup(mte_hw, flags);
	vcpu->ctxt.pc = IPA0 + 0x40;
	trap(sys_esr(enc, rt, read), 0, 0);
	with_reg(2, 0x2222);
	vcpu->ctxt.sys[CTX_FAR_EL1] = 0xfa;
	vcpu_run((uint64_t)handle, 0, 0, 0, &e);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ); /* handled at EL2, never an exit */
	return S.seen[1];
}

static uint64_t read_id(bool mte_vm, uint32_t enc, uint64_t hw)
{
	struct tv_exit e;

	setup(true, mte_vm ? TV_VM_MTE : 0);
	fake_set_id_reg(enc, hw);
	trap(sys_esr(enc, 9, true), 0, 0);
	vcpu_run((uint64_t)handle, 0, 0, 0, &e);
	EXPECT_EQ(S.seen[1].pc, IPA0 + 4);
	return S.seen[1].regs[9];
}

TEST(exit, id_registers_as_guests_see_them)
{
	/* PFR0: EL0, EL1 (AArch64) and FP shown; EL2, EL3, SVE, MPAM, AMU, RME hidden. */
	uint64_t pfr0 = F(0, 1) | F(4, 1) | F(8, 1) | F(12, 1) | F(16, 1) | F(32, 1) | F(40, 1) |
			F(44, 1) | F(52, 1) | F(56, 1);
	uint64_t pfr0_guest = F(0, 1) | F(4, 1) | F(16, 1) | F(56, 1);
	/* PFR1: BT and SSBS shown; MTE and MTE_frac only with MTE; SME never. */
	uint64_t pfr1 = F(0, 1) | F(4, 2) | F(8, 2) | F(24, 1) | F(40, 0xf);
	/* ISAR1: DPB shown, APA/API/GPA/GPI hidden. */
	uint64_t isar1 = F(0, 1) | F(4, 1) | F(8, 1) | F(24, 1) | F(28, 1) | F(12, 1);

	EXPECT_EQ(read_id(false, ENC_ID_AA64PFR0_EL1, pfr0), pfr0_guest);
	EXPECT_EQ(read_id(true, ENC_ID_AA64PFR0_EL1, pfr0), pfr0_guest);
	EXPECT_EQ(read_id(true, ENC_ID_AA64PFR1_EL1, pfr1),
		  F(0, 1) | F(4, 2) | F(8, 2) | F(40, 0xf));
	EXPECT_EQ(read_id(false, ENC_ID_AA64PFR1_EL1, pfr1), F(0, 1) | F(4, 2));
	EXPECT_EQ(read_id(true, ENC_ID_AA64PFR2_EL1, ~0ull), 0xfff);
	EXPECT_EQ(read_id(false, ENC_ID_AA64PFR2_EL1, ~0ull), 0);
	EXPECT_EQ(read_id(true, ENC_ID_AA64ISAR1_EL1, isar1), F(0, 1) | F(12, 1));
	EXPECT_EQ(read_id(true, ENC_ID_AA64ZFR0_EL1, ~0ull), 0);
	EXPECT_EQ(read_id(true, ENC_ID_AA64SMFR0_EL1, ~0ull), 0);
	EXPECT_EQ(read_id(true, ENC_ID_AA64DFR1_EL1, ~0ull), 0);
	/* ISAR2: pointer authentication (GPA3, APA3) hidden too. */
	EXPECT_EQ(read_id(true, ENC_ID_AA64ISAR2_EL1, F(0, 2) | F(8, 1) | F(12, 1)), F(0, 2));
	/* MMFR1: TWED, a trap control of EL2, hidden; VMIDBits shown. */
	EXPECT_EQ(read_id(true, ENC_ID_AA64MMFR1_EL1, F(32, 1) | F(4, 2)), F(4, 2));
	/* A register with nothing to hide passes through. */
	EXPECT_EQ(read_id(false, SYS_ENC(3, 0, 0, 7, 0), 0x1122334455667788ull),
		  0x1122334455667788ull);
}

/* AArch32 at EL0/EL1 and FEAT_CSV2_2 are never a guest's: those fields are capped, not cleared. */
TEST(exit, id_fields_capped_for_guests)
{
	uint64_t pfr0 = F(0, 2) | F(4, 2) | F(16, 1) | F(56, 3) | F(60, 1);
	struct cpu_view host = { true, false }, guest = { true, true };

	EXPECT_EQ(id_reg_view(ENC_ID_AA64PFR0_EL1, pfr0, &guest),
		  F(0, 1) | F(4, 1) | F(16, 1) | F(56, 1) | F(60, 1));
	EXPECT_EQ(id_reg_view(ENC_ID_AA64PFR0_EL1, pfr0, &host), pfr0);
	/* A CPU below the cap keeps its value. */
	EXPECT_EQ(id_reg_view(ENC_ID_AA64PFR0_EL1, F(0, 1) | F(4, 1), &guest), F(0, 1) | F(4, 1));
}

TEST(exit, id_register_views_of_the_host)
{
	struct cpu_view host_mte = { true, false }, host_nomte = { false, false };
	struct cpu_view guest_mte = { true, true };
	uint64_t pfr1 = F(8, 2) | F(24, 1) | F(40, 1);

	/*
	 * The host sees EL2 and the PMU as they are, MTE only if it may use tags, and never
	 * what EL2 traps for it (SVE, SME, pointer authentication): a Linux host would UNDEF
	 * on first use of a feature its ID registers promised.
	 */
	EXPECT_EQ(id_reg_view(ENC_ID_AA64PFR0_EL1, F(8, 1) | F(32, 1), &host_mte), F(8, 1));
	EXPECT_EQ(id_reg_view(ENC_ID_AA64PFR1_EL1, pfr1, &host_mte), F(8, 2) | F(40, 1));
	EXPECT_EQ(id_reg_view(ENC_ID_AA64PFR1_EL1, pfr1, &host_nomte), 0);
	EXPECT_EQ(id_reg_view(ENC_ID_AA64PFR1_EL1, pfr1, &guest_mte), F(8, 2) | F(40, 1));
	EXPECT_EQ(id_reg_view(ENC_ID_AA64ZFR0_EL1, 0x11, &host_mte), 0);
	EXPECT_EQ(id_reg_view(ENC_ID_AA64ISAR1_EL1, F(4, 1) | F(8, 1) | F(0, 2), &host_mte), F(0, 2));
	EXPECT_EQ(id_reg_view(ENC_ID_AA64DFR0_EL1, F(8, 6) | F(4, 1), &host_mte), F(8, 6));
}

TEST(exit, id_register_reads_to_xzr_and_writes)
{
	struct cpu_context c;

	/* MRS xzr: nothing written, still emulated. */
	c = sysreg_access(true, 0, ENC_ID_AA64PFR0_EL1, true, 31);
	EXPECT_EQ(c.pc, IPA0 + 0x44);
	EXPECT_EQ(c.regs[2], 0x2222);
	/* MSR to a read-only ID register: UNDEF, as on hardware. */
	c = sysreg_access(true, 0, ENC_ID_AA64PFR0_EL1, false, 2);
	EXPECT_EQ(c.pc, VBAR + 0x200);
	EXPECT_EQ(c.sys[CTX_ESR_EL1], ESR_UNDEF);
	EXPECT_EQ(c.sys[CTX_ELR_EL1], IPA0 + 0x40);
}

TEST(exit, gmid_of_a_non_mte_vm)
{
	struct cpu_context c;
	struct tv_exit e;

	/* With FEAT_IDST the guest gets the trapped MRS syndrome itself. */
	c = sysreg_access(true, 0, ENC_GMID_EL1, true, 2);
	EXPECT_EQ(c.sys[CTX_ESR_EL1], 0x62384041);
	EXPECT_EQ(c.sys[CTX_ELR_EL1], IPA0 + 0x40);
	EXPECT_EQ(c.sys[CTX_FAR_EL1], 0xfa); /* FAR is not the hypervisor's to change */
	EXPECT_EQ(c.pc, VBAR + 0x200);
	EXPECT_EQ(c.regs[2], 0x2222);

	/* Without it, an UNDEF. */
	setup(true, 0);
	fake_idst = false;
	vcpu->ctxt.pc = IPA0 + 0x40;
	trap(sys_esr(ENC_GMID_EL1, 2, true), 0, 0);
	vcpu_run((uint64_t)handle, 0, 0, 0, &e);
	EXPECT_EQ(S.seen[1].sys[CTX_ESR_EL1], 0x02000000);
	EXPECT_EQ(S.seen[1].sys[CTX_ELR_EL1], IPA0 + 0x40);
	EXPECT_EQ(S.seen[1].pc, VBAR + 0x200);

	/* From EL0 the vector is the lower-EL one. */
	setup(true, 0);
	vcpu->ctxt.pstate = PSR_MODE_EL0T;
	trap(sys_esr(ENC_GMID_EL1, 2, true), 0, 0);
	vcpu_run((uint64_t)handle, 0, 0, 0, &e);
	EXPECT_EQ(S.seen[1].pc, VBAR + 0x400);
	EXPECT_EQ(S.seen[1].sys[CTX_SPSR_EL1], PSR_MODE_EL0T);
}

TEST(exit, mte_registers_undef_without_mte)
{
	static const uint32_t regs[] = { ENC_GCR_EL1, ENC_RGSR_EL1, ENC_TFSR_EL1, ENC_TFSRE0_EL1 };

	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
		for (int read = 0; read < 2; read++) {
			struct cpu_context c = sysreg_access(true, 0, regs[i], read, 2);

			EXPECT_EQ(c.sys[CTX_ESR_EL1], ESR_UNDEF);
			EXPECT_EQ(c.sys[CTX_ELR_EL1], IPA0 + 0x40);
			EXPECT_EQ(c.pc, VBAR + 0x200);
			EXPECT_EQ(c.regs[2], 0x2222);
			EXPECT_EQ(c.sys[CTX_GCR_EL1], 0);
		}
	}
	/* The brief's syndrome for MRS x2, GCR_EL1 decodes to the same. */
	{
		struct tv_exit e;

		setup(false, 0);
		trap(0x623c0441, 0, 0);
		vcpu_run((uint64_t)handle, 0, 0, 0, &e);
		EXPECT_EQ(S.seen[1].sys[CTX_ESR_EL1], 0x02000000);
		EXPECT_EQ(S.seen[1].pc, VBAR + 0x200);
	}
}

/* The guest's breakpoints and the like: its first access loads its state and runs again. */
TEST(exit, debug_registers_are_the_guests_on_first_use)
{
	static const uint32_t regs[] = {
		SYS_ENC(2, 0, 0, 2, 2),	 /* MDSCR_EL1 */
		SYS_ENC(2, 0, 0, 0, 4),	 /* DBGBVR0_EL1 */
		SYS_ENC(2, 0, 0, 5, 7),	 /* DBGWCR5_EL1 */
		SYS_ENC(2, 0, 7, 8, 6),	 /* DBGCLAIMSET_EL1 */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
		struct cpu_context r = sysreg_access(false, 0, regs[i], true, 2);

		EXPECT_EQ(r.pc, IPA0 + 0x40); /* executed again, on the guest's registers */
		EXPECT_EQ(r.regs[2], 0x2222);
		EXPECT_TRUE(arch_debug_loaded(vcpu));
	}
	/* The host gets no such thing: UNDEF. */
	{
		struct cpu_context host = { 0 };
		struct cpu_view view = { true, false };

		host.pc = 0x1000;
		host.pstate = PSR_MODE_EL1H;
		host.sys[CTX_VBAR_EL1] = 0x8000;
		emulate_sysreg(&host, sys_esr(SYS_ENC(2, 0, 0, 2, 2), 2, true), &view);
		EXPECT_EQ(host.pc, 0x8200);
		EXPECT_EQ(host.sys[CTX_ESR_EL1], ESR_UNDEF);
	}
}

/* The OS lock, emulated: set at reset, OSLAR sets it, OSLSR shows it; no other direction. */
TEST(exit, os_lock_emulated)
{
	const uint32_t oslar = SYS_ENC(2, 0, 1, 0, 4), oslsr = SYS_ENC(2, 0, 1, 1, 4);
	struct cpu_context c;

	c = sysreg_access(false, 0, oslsr, true, 2);
	EXPECT_EQ(c.regs[2], OSLSR_OSLM_IMPLEMENTED | OSLSR_OSLK);
	EXPECT_EQ(c.pc, IPA0 + 0x44);
	EXPECT_FALSE(arch_debug_loaded(vcpu)); /* the lock alone does not load anything */
	c = sysreg_access(false, 0, oslar, false, 31); /* MSR OSLAR_EL1, xzr: unlock */
	EXPECT_EQ(vcpu->debug.oslk, 0);
	EXPECT_EQ(c.pc, IPA0 + 0x44);
	/* Once loaded, the hardware's lock follows the guest's. */
	arch_debug_take(vcpu);
	fake_debug_hw.oslk = 0;
	{
		struct tv_exit e;

		vcpu->ctxt.pc = IPA0 + 0x40;
		trap(sys_esr(oslar, 2, false), 0, 0);
		with_reg(2, 1);
		S.pos = S.n - 1;
		vcpu_run((uint64_t)handle, 0, 0, 0, &e);
	}
	EXPECT_EQ(vcpu->debug.oslk, 1);
	EXPECT_EQ(fake_debug_hw.oslk, 1);
	/* Reading OSLAR or writing OSLSR: UNDEF, as on hardware. */
	c = sysreg_access(false, 0, oslar, true, 2);
	EXPECT_EQ(c.pc, VBAR + 0x200);
	c = sysreg_access(false, 0, oslsr, false, 2);
	EXPECT_EQ(c.pc, VBAR + 0x200);
}

/*
 * An instruction EL2 emulates while the guest single-steps it: the step exception comes
 * right after it, as on hardware after the instruction (ISV set), if debug exceptions
 * are enabled for the guest; else the step state is just cleared.
 */
TEST(exit, step_exception_after_an_emulated_instruction)
{
	const uint64_t ss = 1u << 21, mdscr_ss = 1, kde = 1u << 13;
	struct tv_exit e;

	setup(false, 0);
	vcpu->debug.oslk = 0;
	vcpu->ctxt.sys[CTX_MDSCR_EL1] = mdscr_ss | kde;
	vcpu->ctxt.pc = IPA0 + 0x40;
	vcpu->ctxt.pstate = PSR_MODE_EL1H | ss; /* active-not-pending, debug unmasked */
	trap(sys_esr(ENC_ID_AA64PFR0_EL1, 2, true), 0, 0);
	vcpu_run((uint64_t)handle, 0, 0, 0, &e);
	EXPECT_EQ(S.seen[1].pc, VBAR + 0x200);
	EXPECT_EQ(S.seen[1].sys[CTX_ESR_EL1], 0xcf000022ull); /* EC 0x33, IL, ISV, IFSC 0x22 */
	EXPECT_EQ(S.seen[1].sys[CTX_ELR_EL1], IPA0 + 0x44);
	EXPECT_EQ(S.seen[1].sys[CTX_SPSR_EL1], PSR_MODE_EL1H); /* SS clear: the step is done */
	/* From EL0: the lower-EL class 0x32. */
	setup(false, 0);
	vcpu->debug.oslk = 0;
	vcpu->ctxt.sys[CTX_MDSCR_EL1] = mdscr_ss;
	vcpu->ctxt.pstate = PSR_MODE_EL0T | ss | PSR_D;
	trap(sys_esr(ENC_ID_AA64PFR0_EL1, 2, true), 0, 0);
	vcpu_run((uint64_t)handle, 0, 0, 0, &e);
	EXPECT_EQ(S.seen[1].sys[CTX_ESR_EL1], 0xcb000022ull);
	/* Masked (PSTATE.D at EL1) or OS-locked: no exception, the step state cleared. */
	for (int c = 0; c < 2; c++) {
		setup(false, 0);
		vcpu->debug.oslk = c;
		vcpu->ctxt.sys[CTX_MDSCR_EL1] = mdscr_ss | kde;
		vcpu->ctxt.pc = IPA0 + 0x40;
		vcpu->ctxt.pstate = PSR_MODE_EL1H | ss | (c ? 0 : PSR_D);
		trap(sys_esr(ENC_ID_AA64PFR0_EL1, 2, true), 0, 0);
		vcpu_run((uint64_t)handle, 0, 0, 0, &e);
		EXPECT_EQ(S.seen[1].pc, IPA0 + 0x44);
		EXPECT_EQ(S.seen[1].pstate & ss, 0);
	}
}

/* No external debugger: MDRAR, the double lock, power control, the DCC read zero. */
TEST(exit, debug_registers_without_a_debugger)
{
	static const uint32_t raz_wi[] = {
		SYS_ENC(2, 0, 1, 3, 4), /* OSDLR_EL1 */
		SYS_ENC(2, 0, 1, 4, 4), /* DBGPRCR_EL1 */
		SYS_ENC(2, 3, 0, 4, 0), /* DBGDTR_EL0 */
		SYS_ENC(2, 0, 0, 2, 0), /* MDCCINT_EL1 */
	};
	struct cpu_context c;

	for (unsigned i = 0; i < ARRAY_SIZE(raz_wi); i++) {
		c = sysreg_access(false, 0, raz_wi[i], true, 2);
		EXPECT_EQ(c.regs[2], 0);
		EXPECT_EQ(c.pc, IPA0 + 0x44);
		c = sysreg_access(false, 0, raz_wi[i], false, 2);
		EXPECT_EQ(c.pc, IPA0 + 0x44);
		EXPECT_EQ(c.regs[2], 0x2222);
	}
	c = sysreg_access(false, 0, SYS_ENC(2, 0, 1, 0, 0), true, 2); /* MDRAR_EL1 */
	EXPECT_EQ(c.regs[2], 0);
	EXPECT_EQ(c.pc, IPA0 + 0x44);
}

TEST(exit, unknown_sysregs_undef)
{
	/* An IMPLEMENTATION DEFINED register, ID space CRm 0 (MIDR_EL1), PMSCR_EL1 (SPE). */
	static const uint32_t regs[] = { SYS_ENC(3, 0, 15, 2, 0), SYS_ENC(3, 0, 0, 0, 0),
					 SYS_ENC(3, 0, 9, 9, 0) };

	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
		struct cpu_context c = sysreg_access(true, TV_VM_MTE, regs[i], true, 2);

		EXPECT_EQ(c.pc, VBAR + 0x200);
		EXPECT_EQ(c.sys[CTX_ESR_EL1], ESR_UNDEF);
		EXPECT_EQ(c.regs[2], 0x2222);
	}
}

/* ---- the PMU ---- */

/* Which encodings are the PMU's: what MDCR_EL2.TPM traps, and nothing else. */
TEST(exit, pmu_registers)
{
	static const uint32_t pmu[] = {
		SYS_ENC(3, 3, 9, 12, 0),  SYS_ENC(3, 3, 9, 12, 4), /* PMCR, PMSWINC */
		SYS_ENC(3, 3, 9, 12, 7),  SYS_ENC(3, 3, 9, 13, 0), /* PMCEID1, PMCCNTR */
		SYS_ENC(3, 3, 9, 13, 2),  SYS_ENC(3, 3, 9, 14, 0), /* PMXEVCNTR, PMUSERENR */
		SYS_ENC(3, 3, 9, 14, 3),  SYS_ENC(3, 0, 9, 14, 1), /* PMOVSSET, PMINTENSET */
		SYS_ENC(3, 0, 9, 14, 2),  SYS_ENC(3, 0, 9, 14, 6), /* PMINTENCLR, PMMIR */
		SYS_ENC(3, 3, 14, 8, 0),  SYS_ENC(3, 3, 14, 11, 6), /* PMEVCNTR0, PMEVCNTR30 */
		SYS_ENC(3, 3, 14, 12, 0), SYS_ENC(3, 3, 14, 15, 7), /* PMEVTYPER0, PMCCFILTR */
	};
	/* Unallocated (two), PMSCR_EL1 (SPE), CNTP_CTL_EL0, the PMCR encoding in op0 2, op1 1. */
	static const uint32_t other[] = {
		SYS_ENC(3, 3, 9, 14, 1), SYS_ENC(3, 0, 9, 9, 0),  SYS_ENC(3, 0, 9, 14, 0),
		SYS_ENC(3, 3, 14, 2, 1), SYS_ENC(2, 3, 9, 12, 0), SYS_ENC(3, 1, 9, 12, 0),
	};

	for (unsigned i = 0; i < ARRAY_SIZE(pmu); i++) {
		EXPECT_TRUE(pmu_is_reg(pmu[i]));
	}
	for (unsigned i = 0; i < ARRAY_SIZE(other); i++) {
		EXPECT_FALSE(pmu_is_reg(other[i]));
	}
}

/* The first PMU access loads the guest's PMU and is executed again; none without a PMU. */
TEST(exit, pmu_is_the_guests_on_first_use)
{
	struct cpu_context c;

	c = sysreg_access(true, 0, SYS_ENC(3, 3, 9, 12, 0), true, 2);
	EXPECT_EQ(c.pc, IPA0 + 0x40); /* not stepped over: it runs on the guest's PMU now */
	EXPECT_EQ(c.regs[2], 0x2222);
	EXPECT_EQ(c.sys[CTX_ESR_EL1], 0);
	EXPECT_TRUE(arch_pmu_loaded(vcpu));

	setup(true, 0);
	fake_pmu = false;
	vcpu->ctxt.pc = IPA0 + 0x40;
	trap(sys_esr(SYS_ENC(3, 3, 9, 12, 0), 2, true), 0, 0);
	{
		struct tv_exit e;

		vcpu_run((uint64_t)handle, 0, 0, 0, &e);
	}
	EXPECT_EQ(S.seen[1].pc, VBAR + 0x200);
	EXPECT_EQ(S.seen[1].sys[CTX_ESR_EL1], ESR_UNDEF);
}

/* The overflow interrupt's level: PMCR.E, and an overflowed counter with its interrupt on. */
TEST(exit, pmu_overflow_level)
{
	struct pmu_state s = { 0 };

	s.pmcr = PMCR_E;
	s.ovs = 1u << 3 | PMU_CYCLE_BIT;
	EXPECT_FALSE(pmu_state_level(&s));
	s.inten = 1u << 2;
	EXPECT_FALSE(pmu_state_level(&s));
	s.inten |= PMU_CYCLE_BIT;
	EXPECT_TRUE(pmu_state_level(&s));
	s.pmcr = 0;
	EXPECT_FALSE(pmu_state_level(&s));
	/* Counting: enabled, with a counter on. */
	EXPECT_FALSE(pmu_state_counting(&s));
	s.pmcr = PMCR_E;
	EXPECT_FALSE(pmu_state_counting(&s));
	s.cnten = PMU_CYCLE_BIT;
	EXPECT_TRUE(pmu_state_counting(&s));

	/* The vGIC presents it while the level is high, from the PMU wherever it is. */
	setup(false, TV_VM_GIC);
	vgic_nr_lrs = 4;
	vcpu_irq((uint64_t)handle, 0, TV_IRQ_PMU, TV_IRQ_ENABLED, 0x80);
	vcpu->pmu.regs = s;
	vcpu->pmu.regs.inten = vcpu->pmu.regs.ovs = 1;
	vgic_flush(vcpu);
	EXPECT_EQ(vcpu->vgic.lr[0] & (LR_VINTID_MASK | LR_STATE_MASK), TV_IRQ_PMU | LR_PENDING);
	arch_pmu_take(vcpu);
	fake_pmu_hw.ovs = 0; /* the guest's handler cleared it, on the CPU */
	vgic_flush(vcpu);
	EXPECT_EQ(vcpu->vgic.lr[0], 0);
}

/* ---- other traps ---- */

TEST(exit, wfi_exits_past_the_instruction)
{
	struct tv_exit e;

	setup(false, 0);
	trap(ESR(EC_WFX, 0), 0, 0);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_WFI);
	EXPECT_EQ(vcpu->ctxt.pc, IPA0 + 4);
	EXPECT_EQ(vcpu->pending, PENDING_NONE);
}

TEST(exit, missing_features_undef_others_are_errors)
{
	static const unsigned undef_ecs[] = { EC_UNKNOWN, EC_PAC, EC_SVE, EC_SME };
	static const unsigned error_ecs[] = { EC_SERROR, EC_BRK64,    EC_ILLEGAL,  EC_PC_ALIGN,
					      EC_SVC64,	 EC_IABT_CUR, EC_DABT_CUR, 0x3f };
	struct tv_exit e;

	for (unsigned i = 0; i < ARRAY_SIZE(undef_ecs); i++) {
		setup(false, 0);
		vcpu->ctxt.pc = IPA0 + 0x10;
		trap(ESR(undef_ecs[i], 0), 0, 0);
		ASSERT_EQ(run(0, 0, &e), 0);
		EXPECT_EQ(e.reason, TV_EXIT_IRQ);
		EXPECT_EQ(S.seen[1].pc, VBAR + 0x200);
		EXPECT_EQ(S.seen[1].sys[CTX_ESR_EL1], ESR_UNDEF);
		EXPECT_EQ(S.seen[1].sys[CTX_ELR_EL1], IPA0 + 0x10);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(error_ecs); i++) {
		setup(false, 0);
		vcpu->ctxt.pc = IPA0 + 0x10;
		trap(ESR(error_ecs[i], 0x1234), 0x5678, 0);
		ASSERT_EQ(run(0, 0, &e), 0);
		EXPECT_EQ(e.reason, TV_EXIT_GUEST_ERROR);
		EXPECT_EQ(e.data[0], ESR(error_ecs[i], 0x1234));
		EXPECT_EQ(e.data[1], IPA0 + 0x10);
		EXPECT_EQ(e.data[2], 0x5678);
		EXPECT_EQ(vcpu->ctxt.pc, IPA0 + 0x10);
	}
}

/* A VM of three vCPUs, 1 and 2 off (TV_VCPU_CREATE_OFF), and vCPU 0's script. */
static void setup_smp(void)
{
	struct fake_config cfg = { RAM, HYP, false };
	int err;

	fake_hyp_init(&cfg);
	memset(&S, 0, sizeof(S));
	fake_set_guest(script_guest, &S);
	handle = vm_create(TV_VM_GIC, IPA0, VM_RAM, 3);
	vcpu_create((uint64_t)handle, 0);
	vcpu_create((uint64_t)handle, TV_VCPU_CREATE_OFF);
	vcpu_create((uint64_t)handle, TV_VCPU_CREATE_OFF);
	vcpu = vcpu_from_handle((uint64_t)handle, 0, &err);
}

static void psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	trap(hvc_esr(), 0, 0);
	with_reg(0, fn);
	with_reg(1, a1);
	with_reg(2, a2);
	with_reg(3, a3);
}

/* CPU_ON, AFFINITY_INFO and their errors, as DEN0022 gives them. */
TEST(exit, psci_cpu_on_and_affinity_info)
{
	struct vcpu *v1, *v2;
	struct tv_exit e;
	int err;

	setup_smp();
	v1 = vcpu_from_handle((uint64_t)handle, 1, &err);
	v2 = vcpu_from_handle((uint64_t)handle, 2, &err);
	EXPECT_TRUE(v1->off);
	/* An off vCPU does not run: its host hears so at once. */
	ASSERT_EQ(vcpu_run((uint64_t)handle, 1, 0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_CPU_OFF);

	psci_call(PSCI_AFFINITY_INFO_64, 1, 0, 0);			  /* 1: OFF */
	psci_call(PSCI_CPU_ON_64, 1, IPA0 + 0x800, 0x1234567890ull);	  /* 2: SUCCESS */
	psci_call(PSCI_CPU_ON_64, 1, IPA0, 0);				  /* 3: ALREADY_ON */
	psci_call(PSCI_CPU_ON_64, 0, IPA0, 0);				  /* 4: itself: ON */
	psci_call(PSCI_CPU_ON_64, 3, IPA0, 0);				  /* 5: no such vCPU */
	psci_call(PSCI_CPU_ON_64, 0x100, IPA0, 0);			  /* 6: Aff1 1 */
	psci_call(PSCI_AFFINITY_INFO_64, 1, 0, 0);			  /* 7: ON */
	psci_call(PSCI_AFFINITY_INFO_64, 7, 0, 0);			  /* 8: none */
	psci_call(PSCI_AFFINITY_INFO_64, 2, 1, 0);			  /* 9: level 1: ON */
	psci_call(PSCI_AFFINITY_INFO_64, 2, 4, 0);			  /* 10: level 4 */
	psci_call(PSCI_CPU_ON_32, 0xffffffff00000002ull, IPA0 + 8, 7); /* 11: 32-bit args */
	psci_call(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0);			  /* 12 */
	psci_call(PSCI_CPU_ON_64, 1, IPA0 - 0x1000, 0);		  /* 13: entry not RAM */
	psci_call(PSCI_CPU_ON_64, 1, IPA0 + 2, 0);			  /* 14: misaligned */
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ);
	EXPECT_EQ(S.seen[1].regs[0], PSCI_AFF_OFF);
	EXPECT_EQ(S.seen[2].regs[0], PSCI_RET_SUCCESS);
	EXPECT_EQ(S.seen[3].regs[0], PSCI_RET_ALREADY_ON);
	EXPECT_EQ(S.seen[4].regs[0], PSCI_RET_ALREADY_ON);
	EXPECT_EQ(S.seen[5].regs[0], PSCI_RET_INVALID_PARAMETERS);
	EXPECT_EQ(S.seen[6].regs[0], PSCI_RET_INVALID_PARAMETERS);
	EXPECT_EQ(S.seen[7].regs[0], PSCI_AFF_ON);
	EXPECT_EQ(S.seen[8].regs[0], PSCI_RET_INVALID_PARAMETERS);
	EXPECT_EQ(S.seen[9].regs[0], PSCI_AFF_ON);
	EXPECT_EQ(S.seen[10].regs[0], PSCI_RET_INVALID_PARAMETERS);
	EXPECT_EQ(S.seen[11].regs[0], PSCI_RET_SUCCESS);
	EXPECT_EQ(S.seen[12].regs[0], PSCI_TOS_NOT_PRESENT_MP);
	EXPECT_EQ(S.seen[13].regs[0], PSCI_RET_INVALID_ADDRESS);
	EXPECT_EQ(S.seen[14].regs[0], PSCI_RET_INVALID_ADDRESS);

	/* The target starts as out of reset, where it was told, with the context in x0. */
	EXPECT_FALSE(v1->off);
	EXPECT_EQ(v1->ctxt.pc, IPA0 + 0x800);
	EXPECT_EQ(v1->ctxt.regs[0], 0x1234567890ull);
	EXPECT_EQ(v1->ctxt.pstate, PSR_MODE_EL1H | PSR_DAIF);
	EXPECT_EQ(v1->ctxt.sys[CTX_SCTLR_EL1], 0x30d00800ull);
	EXPECT_FALSE(v2->off);
	EXPECT_EQ(v2->ctxt.pc, IPA0 + 8);
	EXPECT_EQ(v2->ctxt.regs[0], 7);
	/* Each one turned on had its doorbell rung, and nobody else's. */
	EXPECT_EQ(fake_kicks, 2);
	EXPECT_TRUE(fake_last_kicked == v2);
	EXPECT_EQ(v1->claimed, 0);
	EXPECT_EQ(vcpu_run((uint64_t)handle, 1, 0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_IRQ); /* it ran */
}

/* CPU_SUSPEND waits as WFI does: at once if an interrupt is there, else in the host. */
TEST(exit, psci_cpu_suspend_is_a_wait)
{
	struct tv_exit e;

	setup_smp();
	psci_call(PSCI_CPU_SUSPEND_64, 0x10000, IPA0, 0);
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(e.reason, TV_EXIT_WFI);
	EXPECT_EQ(vcpu->ctxt.regs[0], PSCI_RET_SUCCESS);
	EXPECT_EQ(vcpu->ctxt.pc, IPA0); /* past the HVC: it returns when woken */
}

/* An SGI to another vCPU is pending there and rings its doorbell; to itself, it does not. */
TEST(exit, sgi_to_another_vcpu_rings_its_doorbell)
{
	struct vcpu *v1;
	struct tv_exit e;
	int err;

	setup_smp();
	v1 = vcpu_from_handle((uint64_t)handle, 1, &err);
	EXPECT_EQ(vcpu_irq((uint64_t)handle, 1, 3, TV_IRQ_ENABLED, 0x80), 0);
	fake_kicks = 0;
	trap(sys_esr(SYS_ENC(3, 0, 12, 11, 5), 2, false), 0, 0);
	with_reg(2, 3ull << 24 | 1u << 1); /* SGI 3 to Aff0 1 */
	trap(sys_esr(SYS_ENC(3, 0, 12, 11, 5), 2, false), 0, 0);
	with_reg(2, 5ull << 24 | 1u << 0); /* SGI 5 to itself */
	ASSERT_EQ(run(0, 0, &e), 0);
	EXPECT_EQ(v1->vgic.sgi_pending, 1u << 3);
	EXPECT_EQ(vcpu->vgic.sgi_pending & (1u << 5), 1u << 5);
	EXPECT_EQ(fake_kicks, 1);
	EXPECT_TRUE(fake_last_kicked == v1);
	/* Making a line pending from the host rings too; a repeat that changes nothing does not. */
	fake_kicks = 0;
	EXPECT_EQ(vcpu_irq((uint64_t)handle, 1, 33, TV_IRQ_ENABLED | TV_IRQ_LEVEL, 0x80), 0);
	EXPECT_EQ(vcpu_irq((uint64_t)handle, 1, 33, TV_IRQ_ENABLED | TV_IRQ_LEVEL, 0x80), 0);
	EXPECT_EQ(fake_kicks, 1);
}
