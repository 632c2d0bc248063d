/* SPDX-License-Identifier: MIT */
#include <abi/hvc.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

unsigned vgic_nr_lrs;

static struct irq_line *find_line(struct vgic_cpu *v, unsigned intid, bool create)
{
	struct irq_line *free = NULL;

	for (unsigned i = 0; i < TV_MAX_IRQ_LINES; i++) {
		if (v->lines[i].intid == intid) {
			return &v->lines[i];
		}
		if (!v->lines[i].intid && !free) {
			free = &v->lines[i];
		}
	}
	if (create && free) {
		free->intid = (uint16_t)intid;
		return free;
	}
	return NULL;
}

int64_t vcpu_irq(uint64_t handle, uint64_t idx, uint64_t intid, uint64_t flags, uint64_t prio)
{
	int err;
	struct vcpu *vcpu = vcpu_from_handle(handle, idx, &err);
	struct irq_line *l;

	if (!vcpu) {
		return err;
	}
	if (!(vcpu->vm->flags & TV_VM_GIC) || intid < 16 || intid > 1019 ||
	    (flags & ~(uint64_t)TV_IRQ_FLAGS_ALL) || prio > 0xff) {
		return -TV_EINVAL;
	}
	l = find_line(&vcpu->vgic, (unsigned)intid, true);
	if (!l) {
		return -TV_ENOMEM;
	}
	/* An edge stays pending until presented, whatever comes after it. */
	l->flags = (uint8_t)(flags | (l->flags & TV_IRQ_EDGE));
	l->prio = (uint8_t)prio;
	return 0;
}

static int lr_of(const struct vgic_cpu *v, unsigned intid)
{
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		if ((v->lr[i] & LR_STATE_MASK) && (v->lr[i] & LR_VINTID_MASK) == intid) {
			return (int)i;
		}
	}
	return -1;
}

static int free_lr(const struct vgic_cpu *v)
{
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		if (!(v->lr[i] & LR_STATE_MASK)) {
			return (int)i;
		}
	}
	return -1;
}

static uint64_t sw_lr(unsigned intid, unsigned prio)
{
	return intid | (uint64_t)prio << LR_PRIO_SHIFT | LR_GROUP1 | LR_PENDING;
}

void vgic_flush(struct vcpu *vcpu)
{
	struct vgic_cpu *v = &vcpu->vgic;

	for (unsigned i = 0; i < TV_MAX_IRQ_LINES; i++) {
		struct irq_line *l = &v->lines[i];
		bool want = (l->flags & TV_IRQ_ENABLED) && (l->flags & (TV_IRQ_LEVEL | TV_IRQ_EDGE));
		int lr;

		if (!l->intid || l->intid == TV_IRQ_VTIMER) {
			continue;
		}
		lr = lr_of(v, l->intid);
		if (want && lr < 0) {
			lr = free_lr(v);
			if (lr < 0) {
				continue; /* all list registers busy: presented at a later entry */
			}
			v->lr[lr] = sw_lr(l->intid, l->prio);
			l->flags &= (uint8_t)~TV_IRQ_EDGE;
		} else if (!want && lr >= 0 && (v->lr[lr] & LR_STATE_MASK) == LR_PENDING &&
			   !(v->lr[lr] & LR_HW)) {
			v->lr[lr] = 0; /* the line fell before the guest took it */
		}
	}
}

bool vgic_timer_enabled(const struct vcpu *vcpu)
{
	const struct irq_line *l = find_line((struct vgic_cpu *)&vcpu->vgic, TV_IRQ_VTIMER, false);

	return l && (l->flags & TV_IRQ_ENABLED);
}

uint64_t vgic_timer_lr(const struct vcpu *vcpu)
{
	const struct irq_line *l = find_line((struct vgic_cpu *)&vcpu->vgic, TV_IRQ_VTIMER, false);

	return TV_IRQ_VTIMER | (uint64_t)TV_IRQ_VTIMER << LR_PINTID_SHIFT |
	       (uint64_t)(l ? l->prio : 0xa0) << LR_PRIO_SHIFT | LR_GROUP1 | LR_HW | LR_PENDING;
}

bool vgic_pending(const struct vcpu *vcpu)
{
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		if (vcpu->vgic.lr[i] & LR_PENDING) {
			return true;
		}
	}
	return false;
}
