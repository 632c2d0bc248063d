/* SPDX-License-Identifier: MIT */
/*
 * The virtual GICv3 CPU interface of a vCPU. The VMM emulates the distributor and
 * redistributor (MMIO) and tells EL2 each interrupt line's state; EL2 owns the list
 * registers: asserted, enabled lines are presented to the guest there. The levels of
 * the timers' interrupts EL2 knows itself (timer.h), so their ticks are delivered
 * without leaving EL2; as on hardware, such an interrupt is pending while its level is
 * high, also while active, and a list register presenting it asks for an EOI
 * maintenance interrupt, after which EL2 looks at the level again.
 */
#ifndef HYP_VGIC_H
#define HYP_VGIC_H

#include <abi/hvc.h>
#include <hyp/lock.h>
#include <stdbool.h>
#include <stdint.h>

#define VGIC_MAX_LRS 16

/* List register fields (ICH_LR<n>_EL2). */
#define LR_VINTID_MASK 0xffffffffull
#define LR_PINTID_SHIFT 32
#define LR_PRIO_SHIFT 48
#define LR_EOI (1ull << 41) /* HW 0: a maintenance interrupt when the guest deactivates it */
#define LR_GROUP1 (1ull << 60)
#define LR_HW (1ull << 61)
#define LR_STATE_SHIFT 62
#define LR_STATE_MASK (3ull << 62)
#define LR_PENDING (1ull << 62)
#define LR_ACTIVE (2ull << 62)

struct irq_line {
	uint16_t intid; /* 0: free slot */
	uint8_t flags;  /* TV_IRQ_* */
	uint8_t prio;
};

struct vgic_cpu {
	/*
	 * Guards lines[] and the SGI state, which other CPUs change (TV_HC_VCPU_IRQ from the
	 * host, SGIs from other vCPUs) while the vCPU runs; the list registers, vmcr and the
	 * active priorities are its own CPU's alone.
	 */
	struct hyp_lock lock;
	uint64_t lr[VGIC_MAX_LRS];
	uint64_t vmcr;
	uint64_t ap0r;
	uint64_t ap1r;
	struct irq_line lines[TV_MAX_IRQ_LINES];
	/* SGIs 0..15, edge-triggered by nature: enabled and pending bits, priorities. */
	uint16_t sgi_enabled, sgi_pending;
	uint8_t sgi_prio[16];
};

struct vcpu;

/**
 * TV_HC_VCPU_IRQ: records the VMM's view of an interrupt line, or of an SGI (INTID
 * 0..15: enable, priority, and TV_IRQ_EDGE to make it pending). Errors: -TV_EINVAL
 * (INTID above 1019, unknown flags, TV_IRQ_LEVEL for an SGI, a VM without
 * TV_VM_GIC), -TV_ENOMEM (more than TV_MAX_IRQ_LINES lines), handle and vCPU errors.
 */
int64_t vcpu_irq(uint64_t handle, uint64_t idx, uint64_t intid, uint64_t flags, uint64_t prio);

/**
 * Reads or writes a vCPU's vGIC state (struct tv_vgic_state) from or to a host
 * buffer. Errors: handle and vCPU errors; -TV_EINVAL a VM without TV_VM_GIC, or (set)
 * a list register linked to a physical interrupt, an INTID out of range, a live
 * list register this machine does not have, unknown line flags; -TV_EPERM a
 * protected VM that has run; -TV_EFAULT a buffer that is not host memory.
 */
int64_t vcpu_get_vgic(uint64_t handle, uint64_t idx, uint64_t buf);
int64_t vcpu_set_vgic(uint64_t handle, uint64_t idx, uint64_t buf);

/* Brings the list registers in vcpu->vgic.lr up to date with the lines (before entry). */
void vgic_flush(struct vcpu *vcpu);

/*
 * A trapped write of the running guest to an SGI generation register (ICC_SGI1R_EL1,
 * ICC_ASGI1R_EL1, ICC_SGI0R_EL1): makes the SGI pending on the vCPUs it targets.
 * Returns false if esr is not such a write (the caller handles it as any register).
 */
bool vgic_emulate_sgi(struct vcpu *vcpu, uint64_t esr);

/* Whether EL2 knows the level of interrupt intid itself (the timers'). */
bool vgic_el2_level_line(unsigned intid);

/*
 * EOI maintenance: frees the list registers of EL2's level lines that the guest has
 * deactivated (vcpu->vgic.lr), so that the next vgic_flush() presents them again if
 * their level is still high. Returns a bit per INTID (0..31) freed.
 */
uint32_t vgic_eoi_maintenance(struct vcpu *vcpu);

/* Whether interrupt intid is enabled at the guest's distributor (per the VMM). */
bool vgic_line_enabled(const struct vcpu *vcpu, unsigned intid);

/**
 * TV_HC_VCPU_IRQ_STATE: the pending and active state of INTIDs 0..31 (a bit each) as the
 * guest's redistributor shows them: list registers, SGIs, the VMM's lines and EL2's
 * levels. Errors: handle and vCPU errors; -TV_EINVAL a VM without TV_VM_GIC.
 */
int64_t vcpu_irq_state(uint64_t handle, uint64_t idx, uint64_t *pending, uint64_t *active);

/* Whether some list register holds an interrupt pending for the guest. */
bool vgic_pending(const struct vcpu *vcpu);

/* Whether an enabled SGI waits for a list register (sent by another vCPU, say). */
bool vgic_sgi_waiting(struct vcpu *vcpu);

/* Number of list registers (from ICH_VTR_EL2), set by the arch at boot. */
extern unsigned vgic_nr_lrs;

#endif
