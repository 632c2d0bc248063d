/* SPDX-License-Identifier: MIT */
/*
 * VMs and vCPUs (hyp/core/vm.c) on the fake arch: handles and their generations,
 * argument validation of VM and vCPU creation against docs/ABI.md, the register
 * interface and its PSTATE rules, sealing of protected VMs, and teardown giving
 * every page back.
 */
#include "test.h"

#include <abi/snapshot.h>
#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/mem_protect.h>
#include <hyp/trap.h>
#include <hyp/vm.h>

#include <string.h>

#define RAM	     (8ull << 20)
#define HYP	     (1ull << 20)
#define IPA0	     0x40000000ull
#define HOST_PAGE(i) (FAKE_RAM_BASE + HYP + (uint64_t)(i)*PAGE_SIZE)
#define IPA_TOP	     (1ull << TV_IPA_BITS)

static void init(bool mte)
{
	struct fake_config cfg = { RAM, HYP, mte };

	fake_hyp_init(&cfg);
}

static struct vm *vm_of(int64_t handle)
{
	int err = 0;

	return vm_from_handle((uint64_t)handle, &err);
}

static unsigned vms_in_use(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < TV_MAX_VMS; i++) {
		n += vms[i].in_use;
	}
	return n;
}

TEST(vm, handle_encoding)
{
	int64_t a, b;
	int err = 0;

	init(false);
	a = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	b = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	/* Generation 1 in bits 31:4, the slot in bits 3:0. */
	EXPECT_EQ(a, 1 << 4 | 0);
	EXPECT_EQ(b, 1 << 4 | 1);
	EXPECT_TRUE(vm_from_handle((uint64_t)a, &err) == &vms[0]);
	EXPECT_TRUE(vm_from_handle((uint64_t)b, &err) == &vms[1]);
	EXPECT_EQ(err, 0);
	EXPECT_EQ(vm_handle(&vms[1]), (uint64_t)b);
	EXPECT_EQ(vms[1].owner_id, OWNER_VM_FIRST + 1);
	EXPECT_EQ(vms[1].vmid, 2);
	EXPECT_EQ(vms[1].s2.vmid, 2);
}

TEST(vm, malformed_handles)
{
	int64_t h;
	int err;
	static const uint64_t bad[] = { 1ull << 32, 1ull << 63, ~0ull, 0x18, 0x1f, 0x1008 };

	init(false);
	h = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	ASSERT_TRUE(h > 0);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		err = 0;
		EXPECT_TRUE(vm_from_handle(bad[i], &err) == NULL);
		EXPECT_EQ(err, -TV_EINVAL);
	}
	/* A live handle with bits above 31 set is malformed, not a match. */
	err = 0;
	EXPECT_TRUE(vm_from_handle((uint64_t)h | 1ull << 32, &err) == NULL);
	EXPECT_EQ(err, -TV_EINVAL);
	EXPECT_EQ(vm_destroy((uint64_t)h | 1ull << 40), -TV_EINVAL);
	EXPECT_EQ(vcpu_create((uint64_t)h + 8, 0), -TV_EINVAL);
	EXPECT_TRUE(vm_of(h) != NULL);
}

TEST(vm, stale_handles)
{
	int64_t h, h2;
	int err;

	init(false);
	h = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	ASSERT_TRUE(h > 0);
	/* A slot never used, handle 0, and the right slot with the wrong generation. */
	err = 0;
	EXPECT_TRUE(vm_from_handle(1 << 4 | 5, &err) == NULL);
	EXPECT_EQ(err, -TV_ESTALE);
	err = 0;
	EXPECT_TRUE(vm_from_handle(0, &err) == NULL);
	EXPECT_EQ(err, -TV_ESTALE);
	err = 0;
	EXPECT_TRUE(vm_from_handle((uint64_t)h + 16, &err) == NULL);
	EXPECT_EQ(err, -TV_ESTALE);

	EXPECT_EQ(vm_destroy((uint64_t)h), 0);
	EXPECT_EQ(vm_destroy((uint64_t)h), -TV_ESTALE);
	EXPECT_EQ(vcpu_create((uint64_t)h, 0), -TV_ESTALE);
	/* The slot's next VM has a new handle; the old one stays stale. */
	h2 = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	EXPECT_EQ(h2 & 0xf, h & 0xf);
	EXPECT_NE(h2, h);
	err = 0;
	EXPECT_TRUE(vm_from_handle((uint64_t)h, &err) == NULL);
	EXPECT_EQ(err, -TV_ESTALE);
	EXPECT_TRUE(vm_of(h2) == &vms[0]);
}

/*
 * Handles never repeat: a slot's generations only go up, and after the last one the slot
 * is retired instead of wrapping back to a generation an old handle carries.
 */
TEST(vm, last_generation_retires_the_slot)
{
	int64_t h, h2, seen[TV_MAX_VMS];
	int err;

	init(false);
	vms[2].gen = VM_GEN_LAST;
	vms[0].slot = vms[1].slot = VM_LIVE;
	h = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	vms[0].slot = vms[1].slot = VM_FREE;
	ASSERT_EQ(h, 0xfffffff2ll);
	EXPECT_TRUE(vm_of(h) == &vms[2]);
	EXPECT_EQ(vm_destroy((uint64_t)h), 0);
	EXPECT_TRUE(vms[2].retired);
	EXPECT_EQ(vms[2].gen, VM_GEN_LAST);
	/* The retired slot is skipped: the next VMs take the others, with new handles. */
	vms[0].slot = vms[1].slot = VM_LIVE;
	h2 = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	vms[0].slot = vms[1].slot = VM_FREE;
	EXPECT_EQ(h2, 0x13);
	err = 0;
	EXPECT_TRUE(vm_from_handle((uint64_t)h, &err) == NULL);
	EXPECT_EQ(err, -TV_ESTALE);
	/* What a wrap would have reused: generation 1 of slot 2 names nothing. */
	err = 0;
	EXPECT_TRUE(vm_from_handle(0x12, &err) == NULL);
	EXPECT_EQ(err, -TV_ESTALE);
	EXPECT_EQ(vm_destroy((uint64_t)h2), 0);
	/* With every other slot busy, there is no room rather than a reused handle. */
	for (unsigned i = 0; i < TV_MAX_VMS - 1; i++) {
		seen[i] = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
		EXPECT_TRUE(seen[i] > 0);
		EXPECT_NE(seen[i] & 0xf, 2);
	}
	EXPECT_EQ(vm_create(0, IPA0, 16 * PAGE_SIZE, 1), -TV_ENOMEM);
}

TEST(vm, create_argument_validation)
{
	struct {
		uint64_t flags, ipa, size, vcpus;
	} bad[] = {
		{ 8, IPA0, PAGE_SIZE, 1 },		      /* unknown flag */
		{ 1ull << 32, IPA0, PAGE_SIZE, 1 },	      /* unknown flag, high */
		{ ~0ull, IPA0, PAGE_SIZE, 1 },		      /* every flag */
		{ 0, IPA0 + 0x800, PAGE_SIZE, 1 },	      /* base not page aligned */
		{ 0, IPA0, PAGE_SIZE + 1, 1 },		      /* size not page aligned */
		{ 0, IPA0, 0, 1 },			      /* empty */
		{ 0, IPA_TOP, PAGE_SIZE, 1 },		      /* starts beyond 39 bits */
		{ 0, IPA_TOP - PAGE_SIZE, 2 * PAGE_SIZE, 1 }, /* ends beyond 39 bits */
		{ 0, ~0ull & PAGE_MASK, 2 * PAGE_SIZE, 1 },   /* wraps around */
		{ 0, PAGE_SIZE, ~0ull & PAGE_MASK, 1 },	      /* wraps around */
		{ 0, IPA0, PAGE_SIZE, 0 },		      /* no vCPU */
		{ 0, IPA0, PAGE_SIZE, TV_MAX_VCPUS + 1 },     /* too many vCPUs */
		{ 0, IPA0, PAGE_SIZE, 1ull << 32 | 1 },	      /* too many, truncating to 1 */
		{ TV_VM_MTE, IPA0, 0, 1 },		      /* bad even with a good flag */
	};
	size_t free_before;

	init(true);
	free_before = s2_pool.free_pages;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(vm_create(bad[i].flags, bad[i].ipa, bad[i].size, bad[i].vcpus),
			  -TV_EINVAL);
	}
	/* Nothing was taken by the failures. */
	EXPECT_EQ(vms_in_use(), 0);
	EXPECT_EQ(s2_pool.free_pages, free_before);
	/* The edges that are fine: RAM right up to the top, at 0, every vCPU count. */
	EXPECT_TRUE(vm_create(0, IPA_TOP - PAGE_SIZE, PAGE_SIZE, 1) > 0);
	EXPECT_TRUE(vm_create(TV_VM_FLAGS_ALL, 0, IPA_TOP, TV_MAX_VCPUS) > 0);
	EXPECT_EQ(vms[1].flags, TV_VM_FLAGS_ALL);
	EXPECT_EQ(vms[1].ram_size, IPA_TOP);
	EXPECT_EQ(vms[1].max_vcpus, TV_MAX_VCPUS);
	EXPECT_EQ(check_invariants(), 0);
}

TEST(vm, create_mte_without_hardware_is_enodev)
{
	init(false);
	EXPECT_EQ(vm_create(TV_VM_MTE, IPA0, PAGE_SIZE, 1), -TV_ENODEV);
	EXPECT_EQ(vm_create(TV_VM_MTE | TV_VM_PROTECTED, IPA0, PAGE_SIZE, 1), -TV_ENODEV);
	EXPECT_EQ(vms_in_use(), 0);
	EXPECT_TRUE(vm_create(TV_VM_PROTECTED, IPA0, PAGE_SIZE, 1) > 0);
}

TEST(vm, create_out_of_slots_and_pool)
{
	int64_t h[TV_MAX_VMS];
	void *taken[1024];
	unsigned ntaken = 0;
	void *p;

	init(false);
	for (unsigned i = 0; i < TV_MAX_VMS; i++) {
		h[i] = vm_create(0, IPA0, PAGE_SIZE, 1);
		ASSERT_TRUE(h[i] > 0);
	}
	EXPECT_EQ(vm_create(0, IPA0, PAGE_SIZE, 1), -TV_ENOMEM);
	EXPECT_EQ(vm_destroy((uint64_t)h[3]), 0);
	h[3] = vm_create(0, IPA0, PAGE_SIZE, 1);
	EXPECT_EQ(h[3] & 0xf, 3); /* the free slot is reused */
	EXPECT_EQ(vm_destroy((uint64_t)h[3]), 0);

	/* A free slot but no page for the stage-2 root: -TV_ENOMEM, and no slot taken. */
	while ((p = pool_alloc(&s2_pool)) != NULL) {
		ASSERT_TRUE(ntaken < ARRAY_SIZE(taken));
		taken[ntaken++] = p;
	}
	EXPECT_EQ(vm_create(0, IPA0, PAGE_SIZE, 1), -TV_ENOMEM);
	EXPECT_FALSE(vms[3].in_use);
	while (ntaken) {
		pool_free(&s2_pool, taken[--ntaken]);
	}
	EXPECT_TRUE(vm_create(0, IPA0, PAGE_SIZE, 1) > 0);
	EXPECT_EQ(check_invariants(), 0);
}

TEST(vm, vcpu_create_limits_and_initial_state)
{
	for (uint64_t max = 1; max <= TV_MAX_VCPUS; max++) {
		int64_t h;
		struct vm *vm;

		init(false);
		h = vm_create(0, IPA0 + 0x200000, 16 * PAGE_SIZE, max);
		ASSERT_TRUE(h > 0);
		vm = vm_of(h);
		for (uint64_t i = 0; i < max; i++) {
			EXPECT_EQ(vcpu_create((uint64_t)h, 0), i);
		}
		EXPECT_EQ(vcpu_create((uint64_t)h, 0), -TV_EEXIST);
		EXPECT_EQ(vm->nr_vcpus, max);
		for (uint64_t i = 0; i < max; i++) {
			struct vcpu *v = &vm->vcpus[i];

			EXPECT_TRUE(v->vm == vm);
			EXPECT_EQ(v->idx, i);
			/* At the RAM base, EL1h with DAIF masked, MMU off (SCTLR_EL1.M clear). */
			EXPECT_EQ(v->ctxt.pc, IPA0 + 0x200000);
			EXPECT_EQ(v->ctxt.pstate, PSR_MODE_EL1H | PSR_DAIF);
			EXPECT_EQ(v->ctxt.sys[CTX_SCTLR_EL1] & 1, 0);
			EXPECT_NE(v->ctxt.sys[CTX_SCTLR_EL1], 0);
			EXPECT_EQ(v->pending, PENDING_NONE);
			EXPECT_FALSE(v->off);
		}
	}
}

TEST(vm, virtual_counter_starts_at_zero_with_the_vm)
{
	struct tv_vcpu_state *st;
	int64_t h;

	init(false);
	st = hyp_va(pa_init(HOST_PAGE(0)));
	fake_counter = 123456789;
	h = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	ASSERT_TRUE(h > 0);
	ASSERT_EQ(vcpu_create((uint64_t)h, 0), 0);
	fake_counter += 1000;
	ASSERT_EQ(vcpu_get_state((uint64_t)h, 0, HOST_PAGE(0)), 0);
	EXPECT_EQ(st->cntvct, 1000); /* as on a machine powered on 1000 ticks ago */
	fake_counter = 0;
}

TEST(vm, vcpu_lookup)
{
	int64_t h;
	int err;

	init(false);
	h = vm_create(0, IPA0, 16 * PAGE_SIZE, 3);
	ASSERT_TRUE(h > 0);
	err = 0;
	EXPECT_TRUE(vcpu_from_handle((uint64_t)h, 0, &err) == NULL); /* none created yet */
	EXPECT_EQ(err, -TV_ENOENT);
	ASSERT_EQ(vcpu_create((uint64_t)h, 0), 0);
	EXPECT_TRUE(vcpu_from_handle((uint64_t)h, 0, &err) == &vms[0].vcpus[0]);
	static const uint64_t bad_idx[] = { 1, 2, 3, 4, 1ull << 32, ~0ull };
	for (unsigned i = 0; i < ARRAY_SIZE(bad_idx); i++) {
		err = 0;
		EXPECT_TRUE(vcpu_from_handle((uint64_t)h, bad_idx[i], &err) == NULL);
		EXPECT_EQ(err, -TV_ENOENT);
	}
	err = 0;
	EXPECT_TRUE(vcpu_from_handle(1ull << 33, 0, &err) == NULL);
	EXPECT_EQ(err, -TV_EINVAL);
}

/* Where register ID `reg` lives in a context. */
static uint64_t *reg_in_ctxt(struct cpu_context *c, uint64_t reg)
{
	switch (reg) {
	case TV_REG_SP:
		return &c->sys[CTX_SP_EL1];
	case TV_REG_PC:
		return &c->pc;
	case TV_REG_PSTATE:
		return &c->pstate;
	case TV_REG_SP_EL0:
		return &c->sys[CTX_SP_EL0];
	case TV_REG_ELR_EL1:
		return &c->sys[CTX_ELR_EL1];
	case TV_REG_SPSR_EL1:
		return &c->sys[CTX_SPSR_EL1];
	case TV_REG_ESR_EL1:
		return &c->sys[CTX_ESR_EL1];
	case TV_REG_FAR_EL1:
		return &c->sys[CTX_FAR_EL1];
	case TV_REG_VBAR_EL1:
		return &c->sys[CTX_VBAR_EL1];
	default:
		return &c->regs[reg];
	}
}

TEST(vm, every_register_id_round_trips_to_its_slot)
{
	int64_t h;
	struct cpu_context *c;

	init(false);
	h = vm_create(0, IPA0, 16 * PAGE_SIZE, 2);
	ASSERT_TRUE(h > 0);
	ASSERT_EQ(vcpu_create((uint64_t)h, 0), 0);
	ASSERT_EQ(vcpu_create((uint64_t)h, 0), 1);
	c = &vms[0].vcpus[1].ctxt;
	for (uint64_t reg = 0; reg < TV_REG_NR_CORE; reg++) {
		uint64_t val = reg == TV_REG_PSTATE ? PSR_MODE_EL0T | PSR_F
						    : 0x1234567800000000ull | reg << 8 | reg;
		uint64_t got = 0;
		struct cpu_context before = *c;

		EXPECT_EQ(vcpu_set_reg((uint64_t)h, 1, reg, val), 0);
		EXPECT_EQ(*reg_in_ctxt(c, reg), val);
		/* Nothing else in the context moved. */
		*reg_in_ctxt(&before, reg) = val;
		EXPECT_EQ(memcmp(&before, c, sizeof(before)), 0);
		EXPECT_EQ(vcpu_get_reg((uint64_t)h, 1, reg, &got), 0);
		EXPECT_EQ(got, val);
	}
	/* vCPU 0 was not touched. */
	EXPECT_EQ(vms[0].vcpus[0].ctxt.regs[5], 0);
	EXPECT_EQ(vms[0].vcpus[0].ctxt.pc, IPA0);
}

TEST(vm, unknown_register_ids)
{
	static const uint64_t bad[] = { TV_REG_NR_CORE, 41, 63, 64, 255, 1000, 1ull << 32, ~0ull };
	int64_t h;
	struct cpu_context before;

	init(false);
	h = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	ASSERT_EQ(vcpu_create((uint64_t)h, 0), 0);
	before = vms[0].vcpus[0].ctxt;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t got = 0xdead;

		EXPECT_EQ(vcpu_get_reg((uint64_t)h, 0, bad[i], &got), -TV_EINVAL);
		EXPECT_EQ(got, 0xdead);
		EXPECT_EQ(vcpu_set_reg((uint64_t)h, 0, bad[i], 0x77), -TV_EINVAL);
	}
	EXPECT_EQ(memcmp(&before, &vms[0].vcpus[0].ctxt, sizeof(before)), 0);
	/* Handle and index errors come through. */
	EXPECT_EQ(vcpu_set_reg((uint64_t)h, 1, 0, 0), -TV_ENOENT);
	EXPECT_EQ(vcpu_set_reg((uint64_t)h + 16, 0, 0, 0), -TV_ESTALE);
	EXPECT_EQ(vcpu_set_reg((uint64_t)h | 1ull << 32, 0, 0, 0), -TV_EINVAL);
}

TEST(vm, pstate_validation)
{
	/* NZCV, TCO, DIT, UAO, PAN, SS, IL, ALLINT, SSBS, BTYPE and DAIF (the mode aside). */
	const uint64_t settable = TV_PSTATE_ALLOWED & ~PSR_MODE_MASK;
	int64_t h;
	uint64_t *pstate;

	init(true);
	h = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	ASSERT_EQ(vcpu_create((uint64_t)h, 0), 0);
	pstate = &vms[0].vcpus[0].ctxt.pstate;
	/* The three AArch64 EL0/EL1 modes, with every bit a host may set. */
	static const uint64_t good_modes[] = { PSR_MODE_EL0T, PSR_MODE_EL1T, PSR_MODE_EL1H };
	for (unsigned i = 0; i < ARRAY_SIZE(good_modes); i++) {
		EXPECT_EQ(vcpu_set_reg((uint64_t)h, 0, TV_REG_PSTATE, good_modes[i] | settable), 0);
		EXPECT_EQ(*pstate, good_modes[i] | settable);
		EXPECT_EQ(vcpu_set_reg((uint64_t)h, 0, TV_REG_PSTATE, good_modes[i]), 0);
	}
	/* Every other mode: reserved encodings, EL2t/EL2h, EL3, and AArch32 (bit 4). */
	for (uint64_t mode = 0; mode < 32; mode++) {
		if (mode == PSR_MODE_EL0T || mode == PSR_MODE_EL1T || mode == PSR_MODE_EL1H) {
			continue;
		}
		EXPECT_EQ(vcpu_set_reg((uint64_t)h, 0, TV_REG_PSTATE, mode | PSR_DAIF), -TV_EINVAL);
		EXPECT_EQ(*pstate, PSR_MODE_EL1H);
	}
	/* Every other bit. */
	for (unsigned bit = 4; bit < 64; bit++) {
		uint64_t b = 1ull << bit;

		if (b & settable) {
			continue;
		}
		EXPECT_EQ(vcpu_set_reg((uint64_t)h, 0, TV_REG_PSTATE, PSR_MODE_EL1H | b),
			  -TV_EINVAL);
		EXPECT_EQ(*pstate, PSR_MODE_EL1H);
	}
}

TEST(vm, protected_vm_sealed_once_started)
{
	int64_t p, n;
	uint64_t val = 0;
	struct tv_exit exit;

	init(false);
	p = vm_create(TV_VM_PROTECTED, IPA0, 16 * PAGE_SIZE, 3);
	n = vm_create(0, IPA0, 16 * PAGE_SIZE, 3);
	ASSERT_EQ(vcpu_create((uint64_t)p, 0), 0);
	ASSERT_EQ(vcpu_create((uint64_t)n, 0), 0);
	/* Before it runs, the host sets a protected VM up like any other. */
	EXPECT_EQ(vcpu_set_reg((uint64_t)p, 0, 3, 33), 0);
	EXPECT_EQ(vcpu_get_reg((uint64_t)p, 0, 3, &val), 0);
	EXPECT_EQ(val, 33);

	vm_of(p)->started = true;
	vm_of(n)->started = true;
	val = 0;
	EXPECT_EQ(vcpu_get_reg((uint64_t)p, 0, 3, &val), -TV_EPERM);
	EXPECT_EQ(val, 0);
	EXPECT_EQ(vcpu_set_reg((uint64_t)p, 0, 3, 44), -TV_EPERM);
	EXPECT_EQ(vcpu_set_reg((uint64_t)p, 0, TV_REG_PC, 0), -TV_EPERM);
	EXPECT_EQ(vms[0].vcpus[0].ctxt.regs[3], 33);
	EXPECT_EQ(vcpu_create((uint64_t)p, 0), -TV_EPERM);
	EXPECT_EQ(vm_of(p)->nr_vcpus, 1);
	/* A VM that is not protected stays open. */
	EXPECT_EQ(vcpu_set_reg((uint64_t)n, 0, 3, 44), 0);
	EXPECT_EQ(vcpu_get_reg((uint64_t)n, 0, 3, &val), 0);
	EXPECT_EQ(val, 44);
	EXPECT_EQ(vcpu_create((uint64_t)n, 0), 1);

	/* Running is what starts it: a fresh protected VM sealed by a real VCPU_RUN. */
	p = vm_create(TV_VM_PROTECTED, IPA0, 16 * PAGE_SIZE, 2);
	ASSERT_EQ(vcpu_create((uint64_t)p, 0), 0);
	fake_set_guest(NULL, NULL); /* the run ends at once with an IRQ exit */
	EXPECT_EQ(vcpu_run((uint64_t)p, 0, 0, 0, &exit), 0);
	EXPECT_EQ(exit.reason, TV_EXIT_IRQ);
	EXPECT_EQ(vcpu_get_reg((uint64_t)p, 0, 0, &val), -TV_EPERM);
	EXPECT_EQ(vcpu_create((uint64_t)p, 0), -TV_EPERM);
	/* A failed run does not start it. */
	p = vm_create(TV_VM_PROTECTED, IPA0, 16 * PAGE_SIZE, 2);
	ASSERT_EQ(vcpu_create((uint64_t)p, 0), 0);
	EXPECT_EQ(vcpu_run((uint64_t)p, 0, TV_RUN_HVC_RET, 0, &exit), -TV_EINVAL);
	EXPECT_EQ(vcpu_run((uint64_t)p, 1, 0, 0, &exit), -TV_ENOENT);
	EXPECT_EQ(vcpu_get_reg((uint64_t)p, 0, 0, &val), 0);
}

TEST(vm, destroy_returns_every_page)
{
	int64_t h;
	struct vm *vm;
	size_t pool_before;
	unsigned tlbi_before;
	uint64_t *donated, *lent, *shared;

	init(true);
	donated = hyp_va(pa_init(HOST_PAGE(0)));
	lent = hyp_va(pa_init(HOST_PAGE(1)));
	shared = hyp_va(pa_init(HOST_PAGE(2)));
	pool_before = s2_pool.free_pages;
	h = vm_create(TV_VM_MTE, IPA0, 1ull << 30, 1);
	ASSERT_TRUE(h > 0);
	vm = vm_of(h);
	/* Pages far apart in the IPA space, so that several tables get built. */
	ASSERT_EQ(host_donate_guest(vm, HOST_PAGE(0), IPA0, 0, 0, 0), 0);
	ASSERT_EQ(host_donate_guest(vm, HOST_PAGE(1), IPA0 + (300ull << 20), 0, 0, 0), 0);
	ASSERT_EQ(guest_share_host(vm, IPA0 + (300ull << 20)), 0);
	ASSERT_EQ(host_share_guest(vm, HOST_PAGE(2), IPA0 + (700ull << 20)), 0);
	for (unsigned i = 3; i < 10; i++) {
		ASSERT_EQ(host_donate_guest(vm, HOST_PAGE(i), IPA0 + i * (1ull << 21), 0, 0, 0), 0);
	}
	EXPECT_LT(s2_pool.free_pages, pool_before - 3);
	donated[0] = lent[0] = shared[0] = 0x600d;
	fake_tag_set(HOST_PAGE(0) + 32, 9);
	fake_tag_set(HOST_PAGE(1) + 32, 9);
	fake_tag_set(HOST_PAGE(2) + 32, 9);
	tlbi_before = fake_tlbi_vmid;

	EXPECT_EQ(vm_destroy((uint64_t)h), 0);
	EXPECT_EQ(s2_pool.free_pages, pool_before);
	EXPECT_FALSE(vms[0].in_use);
	EXPECT_EQ(fake_tlbi_vmid, tlbi_before + 1);
	for (unsigned i = 0; i < 10; i++) {
		EXPECT_EQ(page_state_of(HOST_PAGE(i), OWNER_HOST), PS_OWNED);
		EXPECT_NE(pgt_lookup(&host_s2, HOST_PAGE(i), NULL), 0);
	}
	/* Pages the VM owned are scrubbed, data and tags; the host's shared page is its own. */
	EXPECT_EQ(donated[0], 0);
	EXPECT_EQ(lent[0], 0);
	EXPECT_EQ(fake_tag_get(HOST_PAGE(0) + 32), 0);
	EXPECT_EQ(fake_tag_get(HOST_PAGE(1) + 32), 0);
	EXPECT_EQ(shared[0], 0x600d);
	EXPECT_EQ(fake_tag_get(HOST_PAGE(2) + 32), 9);
	EXPECT_EQ(check_invariants(), 0);
	/* And the pages can go to the next VM. */
	h = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	EXPECT_EQ(host_donate_guest(vm_of(h), HOST_PAGE(1), IPA0, 0, 0, 0), 0);
	EXPECT_EQ(check_invariants(), 0);
}

TEST(vm, create_destroy_cycles_leak_nothing)
{
	size_t pool_before;

	init(false);
	pool_before = s2_pool.free_pages;
	for (unsigned round = 0; round < 300; round++) {
		int64_t h = vm_create(round & 2 ? TV_VM_PROTECTED : 0, IPA0, 64 * PAGE_SIZE, 1);

		ASSERT_TRUE(h > 0);
		ASSERT_EQ(host_donate_guest(vm_of(h), HOST_PAGE(round % 50),
					    IPA0 + (round % 64) * PAGE_SIZE, round & 1, 0, 0),
			  0);
		ASSERT_EQ(vm_destroy((uint64_t)h), 0);
	}
	EXPECT_EQ(s2_pool.free_pages, pool_before);
	EXPECT_EQ(vms[0].gen, 301);
	EXPECT_EQ(check_invariants(), 0);
}
