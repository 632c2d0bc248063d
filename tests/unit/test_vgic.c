/* SPDX-License-Identifier: MIT */
/*
 * The virtual GIC's core (hyp/core/vgic.c): the VMM's line updates, how lines become
 * list registers before each entry (presented, retracted, kept), the virtual
 * timer's own rules, and the host's access to a vCPU's vGIC state.
 */
#include "test.h"

#include <abi/snapshot.h>
#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/hyp.h>
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

static void setup(uint32_t flags)
{
	struct fake_config cfg = { RAM, HYP, false };
	int err;

	fake_hyp_init(&cfg);
	vgic_nr_lrs = NR_LRS;
	handle = vm_create(flags, IPA0, 64 * PAGE_SIZE, 1);
	vcpu_create((uint64_t)handle);
	vcpu = vcpu_from_handle((uint64_t)handle, 0, &err);
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
	EXPECT_EQ(irq(15, TV_IRQ_ENABLED), -TV_EINVAL); /* SGIs are not the VMM's */
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

TEST(vgic, timer_firing_kept_while_enabled)
{
	setup(TV_VM_GIC);
	irq(TV_IRQ_VTIMER, TV_IRQ_ENABLED);
	EXPECT_TRUE(vgic_timer_enabled(vcpu));
	/* EL2 put the firing in a list register: no VMM level backs it, yet it stays. */
	vcpu->vgic.lr[2] = vgic_timer_lr(vcpu);
	EXPECT_EQ(vcpu->vgic.lr[2] & (LR_HW | LR_VINTID_MASK), TV_IRQ_VTIMER);
	vgic_flush(vcpu);
	EXPECT_EQ(lr_for(TV_IRQ_VTIMER), 2);
	EXPECT_EQ(vcpu->vgic.lr[2] & LR_STATE_MASK, LR_PENDING);
}

TEST(vgic, timer_firing_while_disabled_pends_until_enabled)
{
	setup(TV_VM_GIC);
	irq(TV_IRQ_VTIMER, TV_IRQ_ENABLED);
	vcpu->vgic.lr[0] = vgic_timer_lr(vcpu);
	irq(TV_IRQ_VTIMER, 0); /* the guest disables it before taking it */
	EXPECT_FALSE(vgic_timer_enabled(vcpu));
	vgic_flush(vcpu);
	EXPECT_EQ(lr_for(TV_IRQ_VTIMER), -1);
	irq(TV_IRQ_VTIMER, TV_IRQ_ENABLED);
	vgic_flush(vcpu);
	EXPECT_NE(lr_for(TV_IRQ_VTIMER), -1); /* still pending: presented now */

	setup(TV_VM_GIC);
	irq(TV_IRQ_VTIMER, 0);
	vgic_timer_pend(vcpu); /* fired while disabled */
	vgic_flush(vcpu);
	EXPECT_EQ(lr_for(TV_IRQ_VTIMER), -1);
	irq(TV_IRQ_VTIMER, TV_IRQ_ENABLED);
	vgic_flush(vcpu);
	EXPECT_NE(lr_for(TV_IRQ_VTIMER), -1);
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
	EXPECT_TRUE(vgic_timer_enabled(vcpu));
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
