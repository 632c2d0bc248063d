/* SPDX-License-Identifier: MIT */
/*
 * The virtual GIC's core (hyp/core/vgic.c): the VMM's line updates, how lines become
 * list registers before each entry (presented, retracted, kept), the timers' levels,
 * EOI maintenance, and the host's access to a vCPU's vGIC state.
 */
#include "test.h"

#include <abi/snapshot.h>
#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/hyp.h>
#include <hyp/timer.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

#include <string.h>

#define RAM	     (8ull << 20)
#define HYP	     (1ull << 20)
#define IPA0	     0x40000000ull
#define HOST_PAGE(i) (FAKE_RAM_BASE + HYP + (uint64_t)(i)*PAGE_SIZE)
#define NR_LRS	     4
#define UART_SPI     33

static int64_t handle;
static struct vcpu *vcpu;

static void setup_n(uint32_t flags, unsigned nvcpus)
{
	struct fake_config cfg = { RAM, HYP, false };
	int err;

	fake_hyp_init(&cfg);
	vgic_nr_lrs = NR_LRS;
	handle = vm_create(flags, IPA0, 64 * PAGE_SIZE, nvcpus);
	for (unsigned i = 0; i < nvcpus; i++) {
		vcpu_create((uint64_t)handle, 0);
	}
	vcpu = vcpu_from_handle((uint64_t)handle, 0, &err);
}

static void setup(uint32_t flags)
{
	setup_n(flags, 1);
}

static int64_t irq(unsigned intid, unsigned flags)
{
	return vcpu_irq((uint64_t)handle, 0, intid, flags, 0xa0);
}

/* The list register presenting `intid`, or -1. */
static int lr_for(unsigned intid)
{
	for (unsigned i = 0; i < NR_LRS; i++) {
		if ((vcpu->vgic.lr[i] & LR_STATE_MASK) && (vcpu->vgic.lr[i] & LR_VINTID_MASK) == intid) {
			return (int)i;
		}
	}
	return -1;
}

/* The guest acknowledges what list register `i` presents: pending becomes active. */
static void guest_acks(int i)
{
	vcpu->vgic.lr[i] = (vcpu->vgic.lr[i] & ~LR_STATE_MASK) | LR_ACTIVE;
}

TEST(vgic, line_updates_validated)
{
	setup(TV_VM_GIC);
	EXPECT_EQ(irq(16, TV_IRQ_ENABLED), 0);
	EXPECT_EQ(irq(1019, TV_IRQ_ENABLED), 0);
	EXPECT_EQ(irq(15, TV_IRQ_ENABLED), 0);		       /* an SGI's enable */
	EXPECT_EQ(irq(15, TV_IRQ_LEVEL), -TV_EINVAL);	       /* SGIs have no level */
	EXPECT_EQ(irq(1020, TV_IRQ_ENABLED), -TV_EINVAL);
	EXPECT_EQ(irq(UART_SPI, 1u << 3), -TV_EINVAL);
	EXPECT_EQ(vcpu_irq((uint64_t)handle, 0, UART_SPI, 0, 0x100), -TV_EINVAL);
	EXPECT_EQ(vcpu_irq((uint64_t)handle, 1, UART_SPI, 0, 0), -TV_ENOENT);
	EXPECT_EQ(vcpu_irq(0xdead, 0, UART_SPI, 0, 0), -TV_EINVAL);
	setup(0);
	EXPECT_EQ(irq(UART_SPI, TV_IRQ_ENABLED), -TV_EINVAL); /* no interrupt controller */
}

TEST(vgic, line_table_is_bounded)
{
	setup(TV_VM_GIC);
	for (unsigned i = 0; i < TV_MAX_IRQ_LINES; i++) {
		EXPECT_EQ(irq(32 + i, 0), 0);
	}
	EXPECT_EQ(irq(32 + TV_MAX_IRQ_LINES, 0), -TV_ENOMEM);
	EXPECT_EQ(irq(32, TV_IRQ_ENABLED), 0); /* an existing line can still change */
}

TEST(vgic, level_line_presented_and_retracted_when_it_falls)
{
	setup(TV_VM_GIC);
	irq(UART_SPI, TV_IRQ_ENABLED | TV_IRQ_LEVEL);
	vgic_flush(vcpu);
	ASSERT_NE(lr_for(UART_SPI), -1);
	EXPECT_EQ(vcpu->vgic.lr[lr_for(UART_SPI)] & LR_STATE_MASK, LR_PENDING);
	EXPECT_EQ((vcpu->vgic.lr[lr_for(UART_SPI)] >> LR_PRIO_SHIFT) & 0xff, 0xa0);
	vgic_flush(vcpu); /* already there: not presented twice */
	EXPECT_EQ(vcpu->vgic.lr[0] != 0, 1);
	EXPECT_EQ(vcpu->vgic.lr[1], 0);
	irq(UART_SPI, TV_IRQ_ENABLED); /* the line fell before the guest took it */
	vgic_flush(vcpu);
	EXPECT_EQ(lr_for(UART_SPI), -1);
}

TEST(vgic, taken_interrupt_not_retracted)
{
	setup(TV_VM_GIC);
	irq(UART_SPI, TV_IRQ_ENABLED | TV_IRQ_LEVEL);
	vgic_flush(vcpu);
	guest_acks(lr_for(UART_SPI));
	irq(UART_SPI, TV_IRQ_ENABLED);
	vgic_flush(vcpu);
	ASSERT_NE(lr_for(UART_SPI), -1); /* active: the guest's EOI ends it */
	EXPECT_EQ(vcpu->vgic.lr[lr_for(UART_SPI)] & LR_STATE_MASK, LR_ACTIVE);
}

TEST(vgic, disabled_line_waits_and_edge_stays_pending)
{
	setup(TV_VM_GIC);
	irq(UART_SPI, TV_IRQ_EDGE);
	irq(UART_SPI, 0); /* later updates do not lose the edge */
	vgic_flush(vcpu);
	EXPECT_EQ(lr_for(UART_SPI), -1);
	irq(UART_SPI, TV_IRQ_ENABLED);
	vgic_flush(vcpu);
	ASSERT_NE(lr_for(UART_SPI), -1);
	guest_acks(lr_for(UART_SPI));
	vcpu->vgic.lr[lr_for(UART_SPI)] = 0; /* and EOIs it */
	vgic_flush(vcpu);
	EXPECT_EQ(lr_for(UART_SPI), -1); /* one edge, one interrupt */
}

TEST(vgic, waits_for_a_free_list_register)
{
	setup(TV_VM_GIC);
	for (unsigned i = 0; i <= NR_LRS; i++) {
		irq(40 + i, TV_IRQ_ENABLED | TV_IRQ_LEVEL);
	}
	vgic_flush(vcpu);
	EXPECT_EQ(lr_for(40 + NR_LRS), -1);
	vcpu->vgic.lr[0] = 0; /* the guest handled one: its device lowers the line */
	irq(40, TV_IRQ_ENABLED);
	vgic_flush(vcpu);
	EXPECT_EQ(lr_for(40 + NR_LRS), 0);
	EXPECT_EQ(lr_for(40), -1);
}

/* The virtual timer fires at counter 1000 (the VM's counter starts at 0). */
static void vtimer_at(uint64_t ctl, uint64_t cval)
{
	vcpu->ctxt.sys[CTX_CNTV_CTL_EL0] = ctl;
	vcpu->ctxt.sys[CTX_CNTV_CVAL_EL0] = cval;
}

/*
 * The timer's interrupt is pending exactly while its level is high, as on hardware: the
 * rule that replaced masking the timer (CNTV_CTL.IMASK) at EL2 when it fired. EL2 keeps
 * a list register presenting it only while the guest's timer asserts it.
 */
TEST(vgic, timer_interrupt_follows_the_timer_level)
{
	setup(TV_VM_GIC);
	irq(TV_IRQ_VTIMER, TV_IRQ_ENABLED);
	fake_counter = 500;
	vtimer_at(CNT_CTL_ENABLE, 1000);
	vgic_flush(vcpu);
	EXPECT_EQ(lr_for(TV_IRQ_VTIMER), -1); /* not yet */
	fake_counter = 1000;
	vgic_flush(vcpu);
	ASSERT_NE(lr_for(TV_IRQ_VTIMER), -1);
	EXPECT_EQ(vcpu->vgic.lr[lr_for(TV_IRQ_VTIMER)] & (LR_STATE_MASK | LR_EOI | LR_HW),
		  LR_PENDING | LR_EOI);
	/* The guest masks it before taking it: no longer pending. */
	vtimer_at(CNT_CTL_ENABLE | CNT_CTL_IMASK, 1000);
	vgic_flush(vcpu);
	EXPECT_EQ(lr_for(TV_IRQ_VTIMER), -1);
	/* Taken, and still asserted while handled: active and pending. */
	vtimer_at(CNT_CTL_ENABLE, 1000);
	vgic_flush(vcpu);
	guest_acks(lr_for(TV_IRQ_VTIMER));
	vgic_flush(vcpu);
	EXPECT_EQ(vcpu->vgic.lr[lr_for(TV_IRQ_VTIMER)] & LR_STATE_MASK, LR_ACTIVE | LR_PENDING);
	/* The handler programs the next event: active only, its EOI ends it. */
	vtimer_at(CNT_CTL_ENABLE, 5000);
	vgic_flush(vcpu);
	EXPECT_EQ(vcpu->vgic.lr[lr_for(TV_IRQ_VTIMER)] & LR_STATE_MASK, LR_ACTIVE);
	fake_counter = 0;
}

/* Disabled at the distributor, an asserted timer is pending there but not presented. */
TEST(vgic, disabled_timer_is_pending_not_presented)
{
	uint64_t pending = 0, active = 0;

	setup(TV_VM_GIC);
	irq(TV_IRQ_VTIMER, 0);
	vtimer_at(CNT_CTL_ENABLE, 0);
	vgic_flush(vcpu);
	EXPECT_EQ(lr_for(TV_IRQ_VTIMER), -1);
	ASSERT_EQ(vcpu_irq_state((uint64_t)handle, 0, &pending, &active), 0);
	EXPECT_EQ(pending, 1ull << TV_IRQ_VTIMER);
	EXPECT_EQ(active, 0);
	irq(TV_IRQ_VTIMER, TV_IRQ_ENABLED);
	vgic_flush(vcpu);
	EXPECT_NE(lr_for(TV_IRQ_VTIMER), -1);
	/* Masked, it is neither (IMASK masks the signal the GIC sees). */
	vtimer_at(CNT_CTL_ENABLE | CNT_CTL_IMASK, 0);
	vcpu->vgic.lr[lr_for(TV_IRQ_VTIMER)] = 0;
	ASSERT_EQ(vcpu_irq_state((uint64_t)handle, 0, &pending, &active), 0);
	EXPECT_EQ(pending, 0);
	/* Not for a VM without a GIC. */
	setup(0);
	EXPECT_EQ(vcpu_irq_state((uint64_t)handle, 0, &pending, &active), -TV_EINVAL);
}

/*
 * The guest's EOI of a timer interrupt gives EL2 a maintenance interrupt: the list
 * register is freed and, if the level is still high, the interrupt is presented again.
 */
TEST(vgic, eoi_maintenance_looks_at_the_level_again)
{
	uint64_t pending = 0, active = 0;
	int lr;

	setup(TV_VM_GIC);
	irq(TV_IRQ_VTIMER, TV_IRQ_ENABLED);
	irq(UART_SPI, TV_IRQ_ENABLED | TV_IRQ_LEVEL);
	vtimer_at(CNT_CTL_ENABLE, 0);
	vgic_flush(vcpu);
	lr = lr_for(TV_IRQ_VTIMER);
	ASSERT_NE(lr, -1);
	guest_acks(lr);
	ASSERT_EQ(vcpu_irq_state((uint64_t)handle, 0, &pending, &active), 0);
	EXPECT_EQ(active, 1ull << TV_IRQ_VTIMER);
	vcpu->vgic.lr[lr] &= ~LR_STATE_MASK; /* the guest's EOI: invalid, EOI bit kept */
	EXPECT_EQ(vgic_eoi_maintenance(vcpu), 1u << TV_IRQ_VTIMER);
	EXPECT_EQ(vcpu->vgic.lr[lr], 0);
	EXPECT_EQ(vgic_eoi_maintenance(vcpu), 0);
	vgic_flush(vcpu);
	EXPECT_EQ(vcpu->vgic.lr[lr_for(TV_IRQ_VTIMER)] & LR_STATE_MASK, LR_PENDING);
	/* A VMM line asks for no maintenance: its EOI is the guest's business. */
	EXPECT_EQ(vcpu->vgic.lr[lr_for(UART_SPI)] & LR_EOI, 0);
}

static struct tv_vgic_state *host_state(void)
{
	return hyp_va(pa_init(HOST_PAGE(0)));
}

TEST(vgic, state_round_trip)
{
	struct tv_vgic_state saved;

	setup(TV_VM_GIC);
	irq(UART_SPI, TV_IRQ_ENABLED | TV_IRQ_LEVEL);
	irq(TV_IRQ_VTIMER, TV_IRQ_ENABLED | TV_IRQ_EDGE);
	vgic_flush(vcpu);
	vcpu->vgic.vmcr = 0xf04c000a;
	vcpu->vgic.ap1r = 1;
	ASSERT_EQ(vcpu_get_vgic((uint64_t)handle, 0, HOST_PAGE(0)), 0);
	saved = *host_state();
	EXPECT_EQ(saved.nr_lrs, NR_LRS);
	EXPECT_EQ(saved.vmcr, 0xf04c000a);
	EXPECT_EQ(saved.ap1r, 1);
	EXPECT_EQ(saved.lines[0].intid, UART_SPI);

	setup(TV_VM_GIC);
	*host_state() = saved;
	ASSERT_EQ(vcpu_set_vgic((uint64_t)handle, 0, HOST_PAGE(0)), 0);
	EXPECT_EQ(vcpu->vgic.vmcr, 0xf04c000a);
	EXPECT_NE(lr_for(UART_SPI), -1);
	EXPECT_NE(lr_for(TV_IRQ_VTIMER), -1);
	EXPECT_TRUE(vgic_line_enabled(vcpu, TV_IRQ_VTIMER));
}

/* Sets a state that is the good one but for `mutate`, and expects it refused whole. */
static void expect_set_refused(void (*mutate)(struct tv_vgic_state *))
{
	struct tv_vgic_state s;

	setup(TV_VM_GIC);
	memset(&s, 0, sizeof(s));
	s.nr_lrs = NR_LRS;
	s.vmcr = 0x1234;
	mutate(&s);
	*host_state() = s;
	EXPECT_EQ(vcpu_set_vgic((uint64_t)handle, 0, HOST_PAGE(0)), -TV_EINVAL);
	EXPECT_EQ(vcpu->vgic.vmcr, 0); /* nothing taken from a refused state */
}

static void lr_linked(struct tv_vgic_state *s)
{
	s->lr[0] = 40 | LR_PENDING | LR_HW | (40ull << LR_PINTID_SHIFT);
}

static void lr_pintid(struct tv_vgic_state *s)
{
	s->lr[0] = 40 | LR_PENDING | (27ull << LR_PINTID_SHIFT);
}

static void lr_special_intid(struct tv_vgic_state *s)
{
	s->lr[1] = 1023 | LR_PENDING;
}

static void lr_beyond_machine(struct tv_vgic_state *s)
{
	s->lr[NR_LRS] = 40 | LR_PENDING;
}

static void too_many_lrs(struct tv_vgic_state *s)
{
	s->nr_lrs = VGIC_MAX_LRS + 1;
}

static void line_sgi(struct tv_vgic_state *s)
{
	s->lines[3].intid = 5;
}

static void line_flags(struct tv_vgic_state *s)
{
	s->lines[0] = (struct tv_vgic_line){ UART_SPI, 0x80, 0 };
}

TEST(vgic, set_state_refuses_bad_input)
{
	expect_set_refused(lr_linked);
	expect_set_refused(lr_pintid);
	expect_set_refused(lr_special_intid);
	expect_set_refused(lr_beyond_machine);
	expect_set_refused(too_many_lrs);
	expect_set_refused(line_sgi);
	expect_set_refused(line_flags);
}

TEST(vgic, state_access_checks)
{
	setup(0);
	EXPECT_EQ(vcpu_get_vgic((uint64_t)handle, 0, HOST_PAGE(0)), -TV_EINVAL);
	setup(TV_VM_GIC);
	EXPECT_EQ(vcpu_get_vgic((uint64_t)handle, 0, FAKE_RAM_BASE), -TV_EFAULT); /* EL2's */
	EXPECT_EQ(vcpu_get_vgic((uint64_t)handle, 0, HOST_PAGE(0) - 16), -TV_EFAULT); /* straddles */
	EXPECT_EQ(vcpu_get_vgic((uint64_t)handle, 0, ~0ull - 8), -TV_EFAULT);
	EXPECT_EQ(vcpu_get_vgic((uint64_t)handle, 3, HOST_PAGE(0)), -TV_ENOENT);
	EXPECT_EQ(vcpu_set_vgic(0xdead, 0, HOST_PAGE(0)), -TV_EINVAL);
}

/* ---- SGIs: the VMM reports their enables, the guest raises them at EL2 ---- */

#define SGI1R  SYS_ENC(3, 0, 12, 11, 5)
#define ASGI1R SYS_ENC(3, 0, 12, 11, 6)
#define SGI0R  SYS_ENC(3, 0, 12, 11, 7)

/* The guest's "msr <reg>, x3" with x3 = val, as EL2 gets it trapped; returns whether handled. */
static bool guest_msr(uint32_t enc, uint64_t val, bool read)
{
	uint64_t esr = (uint64_t)EC_SYS64 << ESR_EC_SHIFT | ESR_IL | enc | 3u << 5 |
		       (read ? ESR_SYS_READ : 0);

	vcpu->ctxt.regs[3] = val;
	return vgic_emulate_sgi(vcpu, esr);
}

static uint64_t sgi_to(unsigned intid, unsigned targets)
{
	return (uint64_t)intid << 24 | targets;
}

TEST(vgic, sgi_to_itself)
{
	setup(TV_VM_GIC);
	ASSERT_EQ(irq(5, TV_IRQ_ENABLED), 0);
	vcpu->ctxt.pc = 0x1000;
	EXPECT_TRUE(guest_msr(SGI1R, sgi_to(5, 1), false));
	EXPECT_EQ(vcpu->ctxt.pc, 0x1004);
	ASSERT_NE(lr_for(5), -1); /* presented at once: the vCPU is the one running */
	EXPECT_EQ(vcpu->vgic.lr[lr_for(5)] & LR_STATE_MASK, LR_PENDING);
	EXPECT_EQ((vcpu->vgic.lr[lr_for(5)] >> LR_PRIO_SHIFT) & 0xff, 0xa0);
	EXPECT_EQ(vcpu->vgic.sgi_pending, 0);
	/* Again while the guest handles the first: pending and active, one list register. */
	guest_acks(lr_for(5));
	EXPECT_TRUE(guest_msr(ASGI1R, sgi_to(5, 1), false));
	EXPECT_EQ(vcpu->vgic.lr[lr_for(5)] & LR_STATE_MASK, LR_PENDING | LR_ACTIVE);
}

TEST(vgic, sgi_disabled_waits_for_its_enable)
{
	setup(TV_VM_GIC);
	EXPECT_TRUE(guest_msr(SGI1R, sgi_to(2, 1), false));
	EXPECT_EQ(lr_for(2), -1);
	EXPECT_EQ(vcpu->vgic.sgi_pending, 1u << 2);
	irq(2, TV_IRQ_ENABLED);
	vgic_flush(vcpu);
	EXPECT_NE(lr_for(2), -1);
	/* The VMM's own pending bit (GICR_ISPENDR0) arrives as an edge. */
	irq(7, TV_IRQ_ENABLED | TV_IRQ_EDGE);
	vgic_flush(vcpu);
	EXPECT_NE(lr_for(7), -1);
}

TEST(vgic, sgi_targets)
{
	setup_n(TV_VM_GIC, 3);
	for (unsigned i = 0; i < 3; i++) {
		vcpu_irq((uint64_t)handle, i, 1, TV_IRQ_ENABLED, 0x80);
	}
	struct vcpu *v1 = vcpu + 1, *v2 = vcpu + 2;

	/* Target list: vCPUs 1 and 2 (affinity 0.0.0.i), not the sender. */
	EXPECT_TRUE(guest_msr(SGI1R, sgi_to(1, 6), false));
	EXPECT_EQ(vcpu->vgic.sgi_pending, 0);
	EXPECT_EQ(v1->vgic.sgi_pending, 2);
	EXPECT_EQ(v2->vgic.sgi_pending, 2);
	EXPECT_EQ(lr_for(1), -1);
	v1->vgic.sgi_pending = v2->vgic.sgi_pending = 0;
	/* IRM: everyone but the sender. */
	EXPECT_TRUE(guest_msr(SGI1R, sgi_to(1, 1) | 1ull << 40, false));
	EXPECT_EQ(lr_for(1), -1);
	EXPECT_EQ(v1->vgic.sgi_pending, 2);
	EXPECT_EQ(v2->vgic.sgi_pending, 2);
	v1->vgic.sgi_pending = v2->vgic.sgi_pending = 0;
	/* Affinities no vCPU has (Aff1, RS), a target beyond the vCPUs: nobody. */
	EXPECT_TRUE(guest_msr(SGI1R, sgi_to(1, 1) | 1ull << 16, false));
	EXPECT_TRUE(guest_msr(SGI1R, sgi_to(1, 1) | 1ull << 44, false));
	EXPECT_TRUE(guest_msr(SGI1R, sgi_to(1, 1) | 1ull << 32, false));
	EXPECT_TRUE(guest_msr(SGI1R, sgi_to(1, 1) | 1ull << 48, false));
	EXPECT_TRUE(guest_msr(SGI1R, sgi_to(1, 8), false));
	EXPECT_EQ(vcpu->vgic.sgi_pending | v1->vgic.sgi_pending | v2->vgic.sgi_pending, 0);
	EXPECT_EQ(lr_for(1), -1);
}

TEST(vgic, sgi_registers_not_for_reading_or_group_0)
{
	setup(TV_VM_GIC);
	irq(3, TV_IRQ_ENABLED);
	vcpu->ctxt.pc = 0x2000;
	EXPECT_FALSE(guest_msr(SGI1R, sgi_to(3, 1), true)); /* a read: UNDEF, by the caller */
	EXPECT_FALSE(guest_msr(SYS_ENC(3, 0, 12, 11, 4), sgi_to(3, 1), false)); /* not an SGI register */
	EXPECT_EQ(vcpu->ctxt.pc, 0x2000);
	EXPECT_TRUE(guest_msr(SGI0R, sgi_to(3, 1), false)); /* Group 0: goes nowhere */
	EXPECT_EQ(vcpu->ctxt.pc, 0x2004);
	EXPECT_EQ(lr_for(3), -1);
	EXPECT_EQ(vcpu->vgic.sgi_pending, 0);
}

TEST(vgic, sgi_state_in_the_vgic_state)
{
	struct tv_vgic_state saved;

	setup(TV_VM_GIC);
	irq(4, TV_IRQ_ENABLED);
	vcpu_irq((uint64_t)handle, 0, 6, 0, 0x90);
	guest_msr(SGI1R, sgi_to(6, 1), false); /* disabled: stays pending */
	ASSERT_EQ(vcpu_get_vgic((uint64_t)handle, 0, HOST_PAGE(0)), 0);
	saved = *host_state();
	EXPECT_EQ(saved.sgi_enabled, 1u << 4);
	EXPECT_EQ(saved.sgi_pending, 1u << 6);
	EXPECT_EQ(saved.sgi_prio[6], 0x90);
	setup(TV_VM_GIC);
	*host_state() = saved;
	ASSERT_EQ(vcpu_set_vgic((uint64_t)handle, 0, HOST_PAGE(0)), 0);
	irq(6, TV_IRQ_ENABLED);
	vgic_flush(vcpu);
	ASSERT_NE(lr_for(6), -1);
	EXPECT_EQ((vcpu->vgic.lr[lr_for(6)] >> LR_PRIO_SHIFT) & 0xff, 0xa0); /* the last update's */
}
