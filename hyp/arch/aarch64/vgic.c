/* SPDX-License-Identifier: MIT */
/*
 * The GICv3 virtual CPU interface at EL2: list registers switched with the vCPU,
 * and the virtual timer's physical interrupt (PPI 27) taken at EL2 and linked to
 * the guest's virtual one, so that the guest's EOI deactivates it.
 */
#include <arch/sysreg.h>
#include <hyp/arch.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

#define ICH_HCR_EL2 s3_4_c12_c11_0
#define ICH_VTR_EL2 s3_4_c12_c11_1
#define ICH_VMCR_EL2 s3_4_c12_c11_7
#define ICH_AP0R0_EL2 s3_4_c12_c8_0
#define ICH_AP1R0_EL2 s3_4_c12_c9_0
#define ICC_IAR1_EL1 s3_0_c12_c12_0
#define ICC_EOIR1_EL1 s3_0_c12_c12_1
#define ICC_HPPIR1_EL1 s3_0_c12_c12_2
#define ICC_CTLR_EL1 s3_0_c12_c12_4
#define ICC_DIR_EL1 s3_0_c12_c11_1
#define ICC_CTLR_EOIMODE (1ull << 1)
#define ICH_HCR_EN 1ull

/* Whether the physical PPI 27 is active and ours (taken at EL2, not yet deactivated). */
static bool vtimer_held;

#define LR_CASE(n, op, v)                                             \
	case n:                                                       \
		if (op) {                                             \
			write_sysreg(s3_4_c12_c12_##n, v);            \
		} else {                                              \
			v = read_sysreg(s3_4_c12_c12_##n);            \
		}                                                     \
		break;
#define LR_CASE_HI(n, m, op, v)                                       \
	case n:                                                       \
		if (op) {                                             \
			write_sysreg(s3_4_c12_c13_##m, v);            \
		} else {                                              \
			v = read_sysreg(s3_4_c12_c13_##m);            \
		}                                                     \
		break;

static uint64_t lr_access(unsigned n, bool write, uint64_t v)
{
	switch (n) {
		LR_CASE(0, write, v)
		LR_CASE(1, write, v)
		LR_CASE(2, write, v)
		LR_CASE(3, write, v)
		LR_CASE(4, write, v)
		LR_CASE(5, write, v)
		LR_CASE(6, write, v)
		LR_CASE(7, write, v)
		LR_CASE_HI(8, 0, write, v)
		LR_CASE_HI(9, 1, write, v)
		LR_CASE_HI(10, 2, write, v)
		LR_CASE_HI(11, 3, write, v)
		LR_CASE_HI(12, 4, write, v)
		LR_CASE_HI(13, 5, write, v)
		LR_CASE_HI(14, 6, write, v)
		LR_CASE_HI(15, 7, write, v)
	default:
		break;
	}
	return v;
}

void vgic_arch_init(void)
{
	vgic_nr_lrs = (unsigned)(read_sysreg(ICH_VTR_EL2) & 0x1f) + 1;
	if (vgic_nr_lrs > VGIC_MAX_LRS) {
		vgic_nr_lrs = VGIC_MAX_LRS;
	}
	write_sysreg(ICH_HCR_EL2, 0);
}

void vgic_load(struct vcpu *vcpu)
{
	struct vgic_cpu *v = &vcpu->vgic;

	vgic_flush(vcpu);
	write_sysreg(ICH_VMCR_EL2, v->vmcr);
	write_sysreg(ICH_AP0R0_EL2, v->ap0r);
	write_sysreg(ICH_AP1R0_EL2, v->ap1r);
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		lr_access(i, true, v->lr[i]);
	}
	write_sysreg(ICH_HCR_EL2, ICH_HCR_EN);
}

/* Lets PPI 27 go: other contexts' timers must be able to fire. */
static void release_vtimer(void)
{
	write_sysreg(ICC_DIR_EL1, TV_IRQ_VTIMER);
	vtimer_held = false;
}

void vgic_release_if_held(void)
{
	if (vtimer_held) {
		release_vtimer();
	}
}

void vgic_save(struct vcpu *vcpu)
{
	struct vgic_cpu *v = &vcpu->vgic;

	v->vmcr = read_sysreg(ICH_VMCR_EL2);
	v->ap0r = read_sysreg(ICH_AP0R0_EL2);
	v->ap1r = read_sysreg(ICH_AP1R0_EL2);
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		uint64_t lr = lr_access(i, false, 0);

		/* A linked timer interrupt becomes a plain virtual one: the physical goes. */
		if ((lr & LR_HW) && (lr & LR_STATE_MASK)) {
			lr &= ~(LR_HW | (0x1fffull << LR_PINTID_SHIFT));
			vtimer_held = true;
		}
		v->lr[i] = lr;
		lr_access(i, true, 0);
	}
	write_sysreg(ICH_HCR_EL2, 0);
	if (vtimer_held) {
		release_vtimer();
	}
}

bool arch_vgic_pending(void)
{
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		if (lr_access(i, false, 0) & LR_PENDING) {
			return true;
		}
	}
	return false;
}

/*
 * A physical interrupt ended the guest's slice: if it is the virtual timer's, take
 * it here and hand it to the guest. Returns true if the guest can go on.
 */
bool vgic_take_vtimer(struct vcpu *vcpu)
{
	uint64_t ctlr;
	int slot = -1;

	if ((read_sysreg(ICC_HPPIR1_EL1) & 0xffffff) != TV_IRQ_VTIMER) {
		return false;
	}
	if ((read_sysreg(ICC_IAR1_EL1) & 0xffffff) != TV_IRQ_VTIMER) {
		return false; /* raced with another interrupt: let the host see it */
	}
	/* Drop the priority only: the interrupt stays active until the guest's EOI. */
	ctlr = read_sysreg(ICC_CTLR_EL1);
	write_sysreg(ICC_CTLR_EL1, ctlr | ICC_CTLR_EOIMODE);
	isb();
	write_sysreg(ICC_EOIR1_EL1, TV_IRQ_VTIMER);
	write_sysreg(ICC_CTLR_EL1, ctlr);
	isb();
	vtimer_held = true;
	if (!(vcpu->vm->flags & TV_VM_GIC) || !vgic_timer_enabled(vcpu)) {
		return true; /* not wanted now: held until the guest leaves the CPU */
	}
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		uint64_t lr = lr_access(i, false, 0);

		if ((lr & LR_STATE_MASK) && (lr & LR_VINTID_MASK) == TV_IRQ_VTIMER) {
			return true; /* already presented: the guest will get to it */
		}
		if (!(lr & LR_STATE_MASK) && slot < 0) {
			slot = (int)i;
		}
	}
	if (slot >= 0) {
		lr_access((unsigned)slot, true, vgic_timer_lr(vcpu));
		vtimer_held = false; /* the guest's EOI deactivates it now */
	}
	return true;
}
