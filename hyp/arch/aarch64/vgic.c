/* SPDX-License-Identifier: MIT */
/*
 * The GICv3 virtual CPU interface at EL2: list registers switched with the vCPU, and
 * the physical interrupts EL2 takes for the running guest (its virtual timer's PPI 27,
 * its PMU's PPI 23, EL2's timer standing for its physical timer, EOI maintenance)
 * without the host.
 */
#include <arch/lazy.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <arch/sysreg.h>
#include <hyp/arch.h>
#include <hyp/pmu.h>
#include <hyp/timer.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

#define ICH_HCR_EL2 s3_4_c12_c11_0
#define ICH_VTR_EL2 s3_4_c12_c11_1
#define ICH_AP0R0_EL2 s3_4_c12_c8_0
#define ICH_AP1R0_EL2 s3_4_c12_c9_0
#define ICH_VTR_PREBITS(v) ((((v) >> 26) & 7) + 1)
#define ICC_IAR1_EL1 s3_0_c12_c12_0
#define ICC_EOIR1_EL1 s3_0_c12_c12_1
#define ICC_HPPIR1_EL1 s3_0_c12_c12_2
#define ICC_CTLR_EL1 s3_0_c12_c12_4
#define ICC_DIR_EL1 s3_0_c12_c11_1
#define ICC_SGI1R_EL1 s3_0_c12_c11_5
#define ICC_CTLR_EOIMODE (1ull << 1)
#define ICH_HCR_EN 1ull

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
 * GIC can only change ICH_VMCR_EL2 (the world switch clears it, vgic_scrub_vmcr).
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
}

/* Every CPU's interface starts as no guest left it. */
void vgic_cpu_init(void)
{
	reset_interface();
}

/*
 * A VM without a GIC runs with the interface disabled (ICH_HCR_EL2.En 0): no interrupt
 * reaches it, so no priority becomes active; only its writes to ICV_PMR, ICV_BPR*,
 * ICV_IGRPEN* and ICV_CTLR change ICH_VMCR_EL2, which is cleared after it.
 */
void vgic_scrub_vmcr(void)
{
	write_sysreg(ICH_VMCR_EL2, 0);
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

/* ---- the physical interrupts EL2 takes for a running guest ---- */

#define PPI_PMU 23
#define PPI_MAINTENANCE 25
#define PPI_HYP_TIMER 26 /* CNTHP: armed for the guest's emulated physical timer */

/*
 * EOIR and DIR under the EOI mode an operation needs, whatever the host's own: with
 * EOImode 1 EOIR only drops the running priority (the interrupt stays active until DIR).
 */
static void phys_write_eoi(uint64_t intid, bool split, bool dir)
{
	uint64_t ctlr = read_sysreg(ICC_CTLR_EL1);

	write_sysreg(ICC_CTLR_EL1, split ? ctlr | ICC_CTLR_EOIMODE : ctlr & ~ICC_CTLR_EOIMODE);
	isb();
	if (dir) {
		write_sysreg(ICC_DIR_EL1, intid);
	} else {
		write_sysreg(ICC_EOIR1_EL1, intid);
	}
	write_sysreg(ICC_CTLR_EL1, ctlr);
	isb();
}

/* Priority drop and deactivation in one. */
static void phys_eoi(uint64_t intid)
{
	phys_write_eoi(intid, false, false);
}

/*
 * A level-sensitive source EL2 cannot silence (the guest's virtual timer, its PMU: their
 * registers are the guest's) is acknowledged and left active, so that it does not fire
 * again at once; it is deactivated when the guest has dealt with its virtual interrupt
 * (EOI maintenance) or when the guest leaves the CPU, and fires again then if still high.
 */
static void phys_hold_active(uint64_t intid)
{
	phys_write_eoi(intid, true, false);
	this_cpu()->ppis_left_active |= 1u << intid;
}

static void phys_release(struct hyp_cpu *cpu, uint32_t ppis)
{
	ppis &= cpu->ppis_left_active;
	for (unsigned intid = 16; intid < 32; intid++) {
		if (ppis & (1u << intid)) {
			phys_write_eoi(intid, true, true);
		}
	}
	cpu->ppis_left_active &= ~ppis;
}

void vgic_release_held_ppis(struct hyp_cpu *cpu)
{
	phys_release(cpu, cpu->ppis_left_active);
}

/* The guest deactivated an interrupt EL2 asked to hear about: look at its level again. */
static void maintenance(struct vcpu *vcpu)
{
	struct vgic_cpu *v = &vcpu->vgic;

	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		v->lr[i] = lr_access(i, false, 0);
	}
	phys_release(this_cpu(), vgic_eoi_maintenance(vcpu));
	vgic_flush(vcpu);
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		lr_access(i, true, v->lr[i]);
	}
}

/* CNTHP stands for the guest's emulated EL1 physical timer while the guest runs. */
void arch_ptimer_changed(struct vcpu *vcpu)
{
	struct hyp_cpu *cpu = this_cpu();
	uint64_t at = (vcpu->vm->flags & TV_VM_GIC) ? ptimer_deadline(vcpu) : 0;

	if (at) {
		write_sysreg(cnthp_cval_el2, at);
		write_sysreg(cnthp_ctl_el2, CNT_CTL_ENABLE);
		cpu->hyp_timer_armed = true;
	} else if (cpu->hyp_timer_armed) {
		write_sysreg(cnthp_ctl_el2, 0);
		cpu->hyp_timer_armed = false;
	}
	isb();
}

void vgic_stop_hyp_timer(struct hyp_cpu *cpu)
{
	write_sysreg(cnthp_ctl_el2, 0);
	isb();
	cpu->hyp_timer_armed = false;
}

/*
 * The doorbell (TV_DOORBELL_SGI) of the CPU where the vCPU runs, or where its host waits
 * for it. If it is not in the guest there, the host is to run it: the CPU's EL2 then
 * gives whatever vCPU it is running back to the host (host_doorbell).
 */
void arch_vcpu_kick(struct vcpu *vcpu)
{
	unsigned cpu = __atomic_load_n(&vcpu->cpu, __ATOMIC_RELAXED);
	uint64_t mpidr;

	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* what was made pending, before in_guest */
	if (cpu == this_cpu()->idx || cpu >= platform.nr_cpus) {
		return; /* its host runs here: it sees the news when this vCPU leaves */
	}
	if (!__atomic_load_n(&vcpu->in_guest, __ATOMIC_RELAXED)) {
		__atomic_store_n(&hyp_cpus[cpu].host_doorbell, true, __ATOMIC_RELAXED);
	}
	mpidr = platform.cpu_mpidr[cpu];
	dsb(ish);
	write_sysreg(ICC_SGI1R_EL1, (mpidr >> 8 & 0xff) << 16 | (mpidr >> 16 & 0xff) << 32 |
					    (mpidr >> 32 & 0xff) << 48 |
					    (uint64_t)TV_DOORBELL_SGI << 24 | 1ull << (mpidr & 0xf));
	isb();
}

/*
 * A physical interrupt ended the guest's slice: if it is one EL2 takes for the guest
 * (its virtual timer, EL2's timer standing for its physical one, an EOI maintenance),
 * deal with it here. Returns true if the guest can go on, false if it is the host's.
 */
static bool el2_takes(struct vcpu *vcpu, uint64_t intid)
{
	/* A PMU overflow is the guest's while it has the PMU. */
	return intid == TV_IRQ_VTIMER || intid == PPI_HYP_TIMER || intid == PPI_MAINTENANCE ||
	       intid == TV_DOORBELL_SGI || (intid == PPI_PMU && arch_pmu_loaded(vcpu));
}

bool vgic_take_irq(struct vcpu *vcpu)
{
	uint64_t intid = read_sysreg(ICC_HPPIR1_EL1) & 0xffffff;
	bool gic = vcpu->vm->flags & TV_VM_GIC;

	if (!el2_takes(vcpu, intid)) {
		return false; /* the host's: it acknowledges it itself */
	}
	intid = read_sysreg(ICC_IAR1_EL1) & 0xffffff;
	if (intid >= 1020) {
		return true; /* gone meanwhile: nothing to do */
	}
	if (!el2_takes(vcpu, intid)) {
		/*
		 * Another, the host's, came first between the two reads and is acknowledged
		 * now: end it here (an active one would keep the host's equal-priority ones,
		 * its doorbell and timer among them, from ever waking it again) and give the
		 * CPU to the host, which looks at everything after an exit. A level source
		 * is still pending then.
		 */
		phys_eoi(intid);
		return false;
	}
	switch (intid) {
	case TV_DOORBELL_SGI:
		phys_eoi(intid);
		if (__atomic_exchange_n(&this_cpu()->host_doorbell, false, __ATOMIC_ACQUIRE)) {
			return false; /* for a vCPU the host is to run here: to the host */
		}
		break; /* news for this vCPU: into its list registers below */
	case TV_IRQ_VTIMER:
	case PPI_PMU:
		phys_hold_active(intid);
		break;
	case PPI_HYP_TIMER:
		vgic_stop_hyp_timer(this_cpu()); /* the line falls: EL2 keeps the level now */
		phys_eoi(intid);
		break;
	default:
		if (gic) {
			maintenance(vcpu);
		}
		phys_eoi(intid);
		return true;
	}
	if (gic) {
		arch_vgic_refresh(vcpu);
	}
	return true;
}
