/* SPDX-License-Identifier: MIT */
/*
 * A guest's generic timers (hyp/core/timer.c): the emulated EL1 physical timer and
 * counter as the architecture defines them, levels and deadlines, and the vGIC told
 * when the physical timer's level changes.
 */
#include "test.h"

#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/timer.h>
#include <hyp/trap.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

#include <string.h>

#define RAM  (8ull << 20)
#define HYP  (1ull << 20)
#define IPA0 0x40000000ull

#define CNTP_TVAL SYS_ENC(3, 3, 14, 2, 0)
#define CNTP_CTL  SYS_ENC(3, 3, 14, 2, 1)
#define CNTP_CVAL SYS_ENC(3, 3, 14, 2, 2)
#define CNTPCT	  SYS_ENC(3, 3, 14, 0, 1)
#define CNTPCTSS  SYS_ENC(3, 3, 14, 0, 5)

static int64_t handle;
static struct vcpu *vcpu;

/* The VM is created at physical counter 10000: its counter is 0 then. */
static void setup(uint32_t flags)
{
	struct fake_config cfg = { RAM, HYP, false };
	int err;

	fake_hyp_init(&cfg);
	vgic_nr_lrs = 4;
	fake_counter = 10000;
	handle = vm_create(flags, IPA0, 64 * PAGE_SIZE, 1);
	vcpu_create((uint64_t)handle, 0);
	vcpu = vcpu_from_handle((uint64_t)handle, 0, &err);
	vcpu->ctxt.pc = IPA0;
}

/* One trapped MSR (read = false) or MRS of `enc` with Rt = 3; returns x3 after it. */
static uint64_t access(uint32_t enc, bool read, uint64_t val)
{
	uint64_t esr = (uint64_t)EC_SYS64 << ESR_EC_SHIFT | ESR_IL | enc | 3u << 5 | read;
	struct trap_info t = { esr, 0, 0 };
	struct tv_exit e;
	uint64_t pc = vcpu->ctxt.pc;

	vcpu->ctxt.regs[3] = val;
	EXPECT_TRUE(handle_guest_trap(vcpu, &t, &e));
	EXPECT_EQ(vcpu->ctxt.pc, pc + 4);
	return vcpu->ctxt.regs[3];
}

TEST(timer, physical_counter_is_the_vms_counter)
{
	setup(0);
	fake_counter = 10000 + 1234;
	EXPECT_EQ(access(CNTPCT, true, 0), 1234);
	EXPECT_EQ(access(CNTPCTSS, true, 0), 1234);
	/* A write to the counter is an UNDEF, as on hardware. */
	vcpu->ctxt.sys[CTX_VBAR_EL1] = 0x40010000;
	{
		uint64_t esr = (uint64_t)EC_SYS64 << ESR_EC_SHIFT | ESR_IL | CNTPCT | 3u << 5;
		struct trap_info t = { esr, 0, 0 };
		struct tv_exit e;

		EXPECT_TRUE(handle_guest_trap(vcpu, &t, &e));
		EXPECT_EQ(vcpu->ctxt.pc, 0x40010200);
	}
	fake_counter = 0;
}

TEST(timer, physical_timer_registers_as_the_architecture_says)
{
	setup(0);
	/* CTL keeps ENABLE and IMASK; ISTATUS is the condition, 0 while disabled. */
	EXPECT_EQ(access(CNTP_CTL, true, 0), 0);
	access(CNTP_CVAL, false, 500);
	EXPECT_EQ(access(CNTP_CVAL, true, 0), 500);
	access(CNTP_CTL, false, ~0ull);
	EXPECT_EQ(access(CNTP_CTL, true, 0), CNT_CTL_ENABLE | CNT_CTL_IMASK);
	fake_counter = 10000 + 500;
	EXPECT_EQ(access(CNTP_CTL, true, 0), CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS);
	access(CNTP_CTL, false, 0);
	EXPECT_EQ(access(CNTP_CTL, true, 0), 0);
	/* TVAL: CVAL minus the counter, signed 32 bits; bits 63:32 read 0. */
	EXPECT_EQ(access(CNTP_TVAL, true, 0), 0);
	fake_counter = 10000 + 600;
	EXPECT_EQ(access(CNTP_TVAL, true, 0), 0xffffff9cull); /* -100 */
	access(CNTP_TVAL, false, 0xffffffff00000064ull);      /* +100: bits 63:32 ignored */
	EXPECT_EQ(access(CNTP_CVAL, true, 0), 700);
	access(CNTP_TVAL, false, 0x80000000ull); /* the most negative */
	EXPECT_EQ(access(CNTP_CVAL, true, 0), 600 - 0x80000000ull);
	fake_counter = 0;
}

TEST(timer, levels_and_deadlines)
{
	setup(0);
	EXPECT_FALSE(timer_level(CNT_CTL_ENABLE, 100, 99));
	EXPECT_TRUE(timer_level(CNT_CTL_ENABLE, 100, 100));
	EXPECT_FALSE(timer_level(CNT_CTL_ENABLE | CNT_CTL_IMASK, 100, 200));
	EXPECT_FALSE(timer_level(0, 100, 200));
	/* Deadlines are physical counter values: the VM's counter plus its offset. */
	vcpu->ptimer = (struct ptimer){ CNT_CTL_ENABLE, 300 };
	EXPECT_EQ(ptimer_deadline(vcpu), 10300);
	vcpu->ctxt.sys[CTX_CNTV_CTL_EL0] = CNT_CTL_ENABLE;
	vcpu->ctxt.sys[CTX_CNTV_CVAL_EL0] = 200;
	EXPECT_EQ(vtimer_deadline(vcpu), 10200);
	fake_counter = 10250; /* the virtual timer has fired: nothing to wait for */
	EXPECT_EQ(vtimer_deadline(vcpu), 0);
	EXPECT_TRUE(vtimer_level(vcpu));
	vcpu->ptimer.ctl |= CNT_CTL_IMASK;
	EXPECT_EQ(ptimer_deadline(vcpu), 0);
	fake_counter = 0;
}

/* The guest's writes that change the level reach the vGIC at once; EL2's timer is re-armed. */
TEST(timer, physical_timer_interrupt_follows_its_level)
{
	int err;
	struct vgic_cpu *v;

	setup(TV_VM_GIC);
	vcpu_irq((uint64_t)handle, 0, TV_IRQ_PTIMER, TV_IRQ_ENABLED, 0x80);
	v = &vcpu_from_handle((uint64_t)handle, 0, &err)->vgic;
	access(CNTP_CVAL, false, 100);
	EXPECT_EQ(fake_ptimer_changes, 1);
	access(CNTP_CTL, false, CNT_CTL_ENABLE);
	EXPECT_EQ(v->lr[0], 0); /* counter 0: not yet */
	fake_counter = 10000 + 100;
	access(CNTP_CTL, false, CNT_CTL_ENABLE); /* the same value, the level is high now */
	EXPECT_EQ(v->lr[0] & (LR_VINTID_MASK | LR_STATE_MASK | LR_EOI),
		  TV_IRQ_PTIMER | LR_PENDING | LR_EOI);
	access(CNTP_TVAL, false, 1000); /* the next event: the level falls */
	EXPECT_EQ(v->lr[0], 0);
	EXPECT_EQ(fake_ptimer_changes, 4);
	EXPECT_FALSE(ptimer_level(vcpu));
	fake_counter = 0;
}
