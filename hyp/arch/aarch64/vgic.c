/* SPDX-License-Identifier: MIT */
/*
 * The GICv3 virtual CPU interface at EL2: list registers switched with the vCPU,
 * and the virtual timer's physical interrupt (PPI 27) taken at EL2 and turned into
 * the guest's virtual one without the host.
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
#define ICH_VTR_PREBITS(v) ((((v) >> 26) & 7) + 1)
#define ICC_IAR1_EL1 s3_0_c12_c12_0
#define ICC_EOIR1_EL1 s3_0_c12_c12_1
#define ICC_HPPIR1_EL1 s3_0_c12_c12_2
#define ICC_CTLR_EL1 s3_0_c12_c12_4
#define ICC_DIR_EL1 s3_0_c12_c11_1
#define ICC_CTLR_EOIMODE (1ull << 1)
#define ICH_HCR_EN 1ull
#define CNTV_CTL_IMASK 2ull

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

/* Active-priority registers of each group: one per 32 preemption levels. */
static unsigned nr_aprs;

/* Writes 0 to the active-priority registers beyond the first of each group. */
static void clear_upper_aprs(void)
{
	if (nr_aprs > 1) {
		write_sysreg(s3_4_c12_c8_1, 0);
		write_sysreg(s3_4_c12_c9_1, 0);
	}
	if (nr_aprs > 2) {
		write_sysreg(s3_4_c12_c8_2, 0);
		write_sysreg(s3_4_c12_c9_2, 0);
		write_sysreg(s3_4_c12_c8_3, 0);
		write_sysreg(s3_4_c12_c9_3, 0);
	}
}

/*
 * The virtual CPU interface as no guest left it: no configuration (ICH_VMCR_EL2: priority
 * mask, binary points, group enables, EOI mode), no active priorities, no list registers.
 * Every guest runs with HCR_EL2.IMO, so its ICC_* accesses reach this interface whether
 * or not it has a GIC: it is reset whenever a GIC VM leaves the CPU, and a VM without a
 * GIC can only change ICH_VMCR_EL2 (vgic_scrub_vmcr).
 */
static void reset_interface(void)
{
	write_sysreg(ICH_VMCR_EL2, 0);
	write_sysreg(ICH_AP0R0_EL2, 0);
	write_sysreg(ICH_AP1R0_EL2, 0);
	clear_upper_aprs();
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		lr_access(i, true, 0);
	}
	write_sysreg(ICH_HCR_EL2, 0);
}

void vgic_arch_init(void)
{
	uint64_t vtr = read_sysreg(ICH_VTR_EL2);

	vgic_nr_lrs = (unsigned)(vtr & 0x1f) + 1;
	if (vgic_nr_lrs > VGIC_MAX_LRS) {
		vgic_nr_lrs = VGIC_MAX_LRS;
	}
	nr_aprs = ICH_VTR_PREBITS(vtr) <= 5 ? 1 : 1u << (ICH_VTR_PREBITS(vtr) - 5);
	reset_interface();
}

/*
 * A VM without a GIC runs with the interface disabled (ICH_HCR_EL2.En 0): no interrupt
 * reaches it, so no priority becomes active; only its writes to ICV_PMR, ICV_BPR*,
 * ICV_IGRPEN* and ICV_CTLR change ICH_VMCR_EL2, which is cleared after it.
 */
void vgic_scrub_vmcr(void)
{
	if (read_sysreg(ICH_VMCR_EL2)) {
		write_sysreg(ICH_VMCR_EL2, 0);
	}
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

void arch_vgic_refresh(struct vcpu *vcpu)
{
	struct vgic_cpu *v = &vcpu->vgic;

	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		v->lr[i] = lr_access(i, false, 0);
	}
	vgic_flush(vcpu);
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		lr_access(i, true, v->lr[i]);
	}
}

void vgic_save(struct vcpu *vcpu)
{
	struct vgic_cpu *v = &vcpu->vgic;

	v->vmcr = read_sysreg(ICH_VMCR_EL2);
	v->ap0r = read_sysreg(ICH_AP0R0_EL2);
	v->ap1r = read_sysreg(ICH_AP1R0_EL2);
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		v->lr[i] = lr_access(i, false, 0);
	}
	reset_interface();
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
 * it here and hand it to the guest. The timer is masked (CNTV_CTL.IMASK), as a guest's
 * own handler does before it programs the next event, which unmasks it (Linux's
 * arch_timer does both): its line falls, and the physical interrupt is done with.
 * Returns true if the guest can go on.
 */
bool vgic_take_vtimer(struct vcpu *vcpu)
{
	uint64_t ctlr;

	if ((read_sysreg(ICC_HPPIR1_EL1) & 0xffffff) != TV_IRQ_VTIMER) {
		return false;
	}
	if ((read_sysreg(ICC_IAR1_EL1) & 0xffffff) != TV_IRQ_VTIMER) {
		return false; /* raced with another interrupt: let the host see it */
	}
	write_sysreg(cntv_ctl_el0, read_sysreg(cntv_ctl_el0) | CNTV_CTL_IMASK);
	isb();
	/* Priority drop and deactivation in one, whatever the host's EOImode. */
	ctlr = read_sysreg(ICC_CTLR_EL1);
	write_sysreg(ICC_CTLR_EL1, ctlr & ~ICC_CTLR_EOIMODE);
	isb();
	write_sysreg(ICC_EOIR1_EL1, TV_IRQ_VTIMER);
	write_sysreg(ICC_CTLR_EL1, ctlr);
	isb();
	if (!(vcpu->vm->flags & TV_VM_GIC)) {
		return true; /* a guest with no interrupt controller: masked, and that is all */
	}
	if (!vgic_timer_enabled(vcpu)) {
		/* Disabled at the redistributor: it stays pending until the guest enables it. */
		vgic_timer_pend(vcpu);
		return true;
	}
	int slot = -1;

	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		uint64_t lr = lr_access(i, false, 0);

		if ((lr & LR_STATE_MASK) && (lr & LR_VINTID_MASK) == TV_IRQ_VTIMER) {
			/* Taken already and in its handler: make it pending once more. */
			lr_access(i, true, lr | LR_PENDING);
			return true;
		}
		if (!(lr & LR_STATE_MASK) && slot < 0) {
			slot = (int)i;
		}
	}
	if (slot >= 0) {
		lr_access((unsigned)slot, true, vgic_timer_lr(vcpu));
	} else {
		vgic_timer_pend(vcpu); /* every list register busy: presented at a later entry */
	}
	return true;
}
