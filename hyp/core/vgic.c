/* SPDX-License-Identifier: MIT */
#include <abi/hvc.h>
#include <abi/snapshot.h>
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/mem_protect.h>
#include <hyp/timer.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>
#include <lib/string.h>

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

/* Records the line's new state; returns whether the guest may see anything new. */
static int64_t set_line(struct vcpu *vcpu, uint64_t intid, uint64_t flags, uint64_t prio,
			bool *changed)
{
	struct vgic_cpu *v = &vcpu->vgic;
	struct irq_line *l;

	if (intid < 16) {
		uint16_t bit = (uint16_t)(1u << intid);
		uint16_t was = v->sgi_enabled & v->sgi_pending;

		if (flags & TV_IRQ_LEVEL) {
			return -TV_EINVAL; /* SGIs have no level */
		}
		v->sgi_enabled = (flags & TV_IRQ_ENABLED) ? v->sgi_enabled | bit
							  : v->sgi_enabled & (uint16_t)~bit;
		if (flags & TV_IRQ_EDGE) {
			v->sgi_pending |= bit;
		}
		v->sgi_prio[intid] = (uint8_t)prio;
		*changed = (v->sgi_enabled & v->sgi_pending) != was;
		return 0;
	}
	l = find_line(v, (unsigned)intid, true);
	if (!l) {
		return -TV_ENOMEM;
	}
	/* An edge stays pending until presented, whatever comes after it. */
	flags |= l->flags & TV_IRQ_EDGE;
	*changed = l->flags != flags || l->prio != prio;
	l->flags = (uint8_t)flags;
	l->prio = (uint8_t)prio;
	return 0;
}

int64_t vcpu_irq(uint64_t handle, uint64_t idx, uint64_t intid, uint64_t flags, uint64_t prio)
{
	int err;
	struct vcpu *vcpu = vcpu_get(handle, idx, &err);
	bool changed = false;
	int64_t ret;

	if (!vcpu) {
		return err;
	}
	if (!(vcpu->vm->flags & TV_VM_GIC) || intid > 1019 ||
	    (flags & ~(uint64_t)TV_IRQ_FLAGS_ALL) || prio > 0xff) {
		vcpu_put(vcpu);
		return -TV_EINVAL;
	}
	hyp_lock(&vcpu->vgic.lock);
	ret = set_line(vcpu, intid, flags, prio, &changed);
	hyp_unlock(&vcpu->vgic.lock);
	/* Running elsewhere: it takes the news into its list registers at once. */
	if (changed) {
		arch_vcpu_kick(vcpu);
	}
	vcpu_put(vcpu);
	return ret;
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

/* Pending, enabled SGIs into list registers: a new one, or pending again beside an active one. */
static void flush_sgis(struct vgic_cpu *v)
{
	for (unsigned intid = 0; intid < 16; intid++) {
		uint16_t bit = (uint16_t)(1u << intid);
		int lr;

		if (!(v->sgi_pending & v->sgi_enabled & bit)) {
			continue;
		}
		lr = lr_of(v, intid);
		if (lr >= 0) {
			v->lr[lr] |= LR_PENDING;
		} else if ((lr = free_lr(v)) >= 0) {
			v->lr[lr] = sw_lr(intid, v->sgi_prio[intid]);
		} else {
			continue; /* all list registers busy: presented at a later entry */
		}
		v->sgi_pending &= (uint16_t)~bit;
	}
}

bool vgic_el2_level_line(unsigned intid)
{
	return intid == TV_IRQ_VTIMER || intid == TV_IRQ_PTIMER || intid == TV_IRQ_PMU;
}

/* The level of one of EL2's lines now. */
static bool el2_level(struct vcpu *vcpu, unsigned intid)
{
	switch (intid) {
	case TV_IRQ_VTIMER:
		return vtimer_level(vcpu);
	case TV_IRQ_PTIMER:
		return ptimer_level(vcpu);
	default:
		return vpmu_level(vcpu);
	}
}

/*
 * Brings one line's list register in line with its level, as a level-sensitive interrupt
 * behaves on hardware: pending while asserted and enabled (also while active), not
 * pending once it falls; an edge is pending once, until presented.
 */
static void flush_line(struct vcpu *vcpu, struct irq_line *l)
{
	struct vgic_cpu *v = &vcpu->vgic;
	bool el2 = vgic_el2_level_line(l->intid);
	bool level = el2 ? el2_level(vcpu, l->intid) : (l->flags & TV_IRQ_LEVEL);
	bool enabled = l->flags & TV_IRQ_ENABLED;
	bool want = enabled && (level || (l->flags & TV_IRQ_EDGE));
	int lr = lr_of(v, l->intid);
	uint64_t state;

	if (want && lr < 0) {
		lr = free_lr(v);
		if (lr < 0) {
			return; /* all list registers busy: presented at a later entry */
		}
		/* EL2's levels ask to hear of the guest's EOI, to look at the level again. */
		v->lr[lr] = sw_lr(l->intid, l->prio) | (el2 ? LR_EOI : 0);
		l->flags &= (uint8_t)~TV_IRQ_EDGE;
		return;
	}
	if (lr < 0) {
		return;
	}
	state = v->lr[lr] & LR_STATE_MASK;
	if (want && level && state == LR_ACTIVE) {
		v->lr[lr] |= LR_PENDING; /* asserted again while the guest handles it */
	} else if (!want && state == LR_PENDING) {
		v->lr[lr] = 0; /* the line fell, or was disabled, before the guest took it */
	} else if (!want && state == (LR_ACTIVE | LR_PENDING)) {
		v->lr[lr] &= ~LR_PENDING;
	}
}

void vgic_flush(struct vcpu *vcpu)
{
	struct vgic_cpu *v = &vcpu->vgic;

	hyp_lock(&v->lock);
	flush_sgis(v);
	for (unsigned i = 0; i < TV_MAX_IRQ_LINES; i++) {
		if (v->lines[i].intid) {
			flush_line(vcpu, &v->lines[i]);
		}
	}
	hyp_unlock(&v->lock);
}

bool vgic_sgi_waiting(struct vcpu *vcpu)
{
	return __atomic_load_n(&vcpu->vgic.sgi_pending, __ATOMIC_ACQUIRE) & vcpu->vgic.sgi_enabled;
}

uint32_t vgic_eoi_maintenance(struct vcpu *vcpu)
{
	struct vgic_cpu *v = &vcpu->vgic;
	uint32_t freed = 0;

	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		uint64_t intid = v->lr[i] & LR_VINTID_MASK;

		if (!(v->lr[i] & LR_STATE_MASK) && (v->lr[i] & LR_EOI)) {
			if (intid < 32) {
				freed |= 1u << intid;
			}
			v->lr[i] = 0;
		}
	}
	return freed;
}

bool vgic_line_enabled(const struct vcpu *vcpu, unsigned intid)
{
	const struct irq_line *l = find_line((struct vgic_cpu *)&vcpu->vgic, intid, false);

	return l && (l->flags & TV_IRQ_ENABLED);
}

static void irq_state_of(struct vcpu *vcpu, uint64_t *pending, uint64_t *active);

int64_t vcpu_irq_state(uint64_t handle, uint64_t idx, uint64_t *pending, uint64_t *active)
{
	int err;
	struct vcpu *vcpu = vcpu_get(handle, idx, &err);
	int64_t ret = 0;

	if (!vcpu) {
		return err;
	}
	if (!(vcpu->vm->flags & TV_VM_GIC)) {
		ret = -TV_EINVAL;
	} else if (!vcpu_claim(vcpu)) {
		ret = -TV_EBUSY; /* its list registers are on the CPU it runs on */
	} else {
		hyp_lock(&vcpu->vgic.lock);
		irq_state_of(vcpu, pending, active);
		hyp_unlock(&vcpu->vgic.lock);
		vcpu_release(vcpu);
	}
	vcpu_put(vcpu);
	return ret;
}

static void irq_state_of(struct vcpu *vcpu, uint64_t *pending, uint64_t *active)
{
	struct vgic_cpu *v = &vcpu->vgic;

	*pending = v->sgi_pending;
	*active = 0;
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		uint64_t intid = v->lr[i] & LR_VINTID_MASK;

		if (intid < 32 && (v->lr[i] & LR_PENDING)) {
			*pending |= 1ull << intid;
		}
		if (intid < 32 && (v->lr[i] & LR_ACTIVE)) {
			*active |= 1ull << intid;
		}
	}
	for (unsigned i = 0; i < TV_MAX_IRQ_LINES; i++) {
		const struct irq_line *l = &v->lines[i];
		bool level;

		if (!l->intid || l->intid >= 32) {
			continue;
		}
		level = vgic_el2_level_line(l->intid) ? el2_level(vcpu, l->intid)
						      : (l->flags & TV_IRQ_LEVEL);
		if (level || (l->flags & TV_IRQ_EDGE)) {
			*pending |= 1ull << l->intid;
		}
	}
	/* EL2's levels count even if the VMM never declared their lines. */
	*pending |= (uint64_t)vtimer_level(vcpu) << TV_IRQ_VTIMER;
	*pending |= (uint64_t)ptimer_level(vcpu) << TV_IRQ_PTIMER;
	*pending |= (uint64_t)vpmu_level(vcpu) << TV_IRQ_PMU;
}

#define ENC_ICC_SGI1R_EL1 SYS_ENC(3, 0, 12, 11, 5)
#define ENC_ICC_ASGI1R_EL1 SYS_ENC(3, 0, 12, 11, 6)
#define ENC_ICC_SGI0R_EL1 SYS_ENC(3, 0, 12, 11, 7)
#define SGIR_TARGETS(v) ((v)&0xffffu)
#define SGIR_INTID(v) (((v) >> 24) & 0xfu)
#define SGIR_IRM (1ull << 40)
#define SGIR_AFF_RS_MASK 0x00fff0ff00ff0000ull /* Aff3 55:48, RS 47:44, Aff2 39:32, Aff1 23:16 */

bool vgic_emulate_sgi(struct vcpu *vcpu, uint64_t esr)
{
	uint32_t enc = (uint32_t)(esr & ESR_SYS_ENC_MASK);
	unsigned rt = (unsigned)ESR_SYS_RT(esr);
	struct vm *vm = vcpu->vm;
	uint64_t val;

	if ((enc != ENC_ICC_SGI1R_EL1 && enc != ENC_ICC_ASGI1R_EL1 && enc != ENC_ICC_SGI0R_EL1) ||
	    (esr & ESR_SYS_READ)) {
		return false; /* reads of these write-only registers UNDEF, as elsewhere */
	}
	val = rt == 31 ? 0 : vcpu->ctxt.regs[rt];
	skip_instr(&vcpu->ctxt);
	/* Group 0 is not given to guests: its SGIs go nowhere, as with Group 0 disabled. */
	if (enc == ENC_ICC_SGI0R_EL1) {
		return true;
	}
	/* vCPU i has affinity 0.0.0.i (VMPIDR_EL2): only Aff0 = i, RS 0 can name it. */
	for (unsigned i = 0; i < __atomic_load_n(&vm->nr_vcpus, __ATOMIC_ACQUIRE); i++) {
		struct vcpu *target = &vm->vcpus[i];
		bool hit = (val & SGIR_IRM) ? target != vcpu
					    : !(val & SGIR_AFF_RS_MASK) && (SGIR_TARGETS(val) >> i & 1);

		if (!hit) {
			continue;
		}
		hyp_lock(&target->vgic.lock);
		target->vgic.sgi_pending |= (uint16_t)(1u << SGIR_INTID(val));
		hyp_unlock(&target->vgic.lock);
		if (target == vcpu) {
			arch_vgic_refresh(vcpu); /* to itself: into its list registers now */
		} else {
			arch_vcpu_kick(target); /* where it runs, or where its host waits for it */
		}
	}
	return true;
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

/* The vCPU of a GIC VM whose vGIC state the host may access, or NULL with *err. */
static struct vcpu *vgic_state_vcpu(uint64_t handle, uint64_t idx, uint64_t buf, int64_t *err)
{
	struct vcpu *vcpu =
	    vcpu_for_state_access(handle, idx, buf, sizeof(struct tv_vgic_state), err);

	if (vcpu && !(vcpu->vm->flags & TV_VM_GIC)) {
		vcpu_state_access_done(vcpu);
		*err = -TV_EINVAL;
		return NULL;
	}
	return vcpu;
}

int64_t vcpu_get_vgic(uint64_t handle, uint64_t idx, uint64_t buf)
{
	int64_t err = 0;
	struct vcpu *vcpu = vgic_state_vcpu(handle, idx, buf, &err);
	struct tv_vgic_state s;

	if (!vcpu) {
		return err;
	}
	hyp_lock(&vcpu->vgic.lock);
	memset(&s, 0, sizeof(s));
	s.vmcr = vcpu->vgic.vmcr;
	s.ap0r = vcpu->vgic.ap0r;
	s.ap1r = vcpu->vgic.ap1r;
	s.nr_lrs = vgic_nr_lrs;
	s.sgi_enabled = vcpu->vgic.sgi_enabled;
	s.sgi_pending = vcpu->vgic.sgi_pending;
	memcpy(s.sgi_prio, vcpu->vgic.sgi_prio, sizeof(s.sgi_prio));
	for (unsigned i = 0; i < vgic_nr_lrs; i++) {
		s.lr[i] = vcpu->vgic.lr[i]; /* saved unlinked: see vgic_save() */
	}
	for (unsigned i = 0; i < TV_MAX_IRQ_LINES; i++) {
		s.lines[i] = (struct tv_vgic_line){ vcpu->vgic.lines[i].intid,
						    vcpu->vgic.lines[i].flags,
						    vcpu->vgic.lines[i].prio };
	}
	hyp_unlock(&vcpu->vgic.lock);
	memcpy(hyp_va(pa_init(buf)), &s, sizeof(s));
	vcpu_state_access_done(vcpu);
	return 0;
}

/*
 * Whether a list register value may come from the host: no physical link (HW clear, and
 * of the pINTID field only the EOI-maintenance bit), a real INTID.
 */
static bool lr_ok(uint64_t lr)
{
	return !(lr & LR_HW) && !(lr & (0x1fffull << LR_PINTID_SHIFT) & ~LR_EOI) &&
	       (!(lr & LR_STATE_MASK) || (lr & LR_VINTID_MASK) < 1020);
}

/* Whether a vGIC state from the host is one EL2 can load. */
static bool vgic_state_valid(const struct tv_vgic_state *s)
{
	if (s->nr_lrs > VGIC_MAX_LRS) {
		return false;
	}
	for (unsigned i = 0; i < VGIC_MAX_LRS; i++) {
		/* List registers this machine lacks must be empty. */
		if (!lr_ok(s->lr[i]) || (i >= vgic_nr_lrs && (s->lr[i] & LR_STATE_MASK))) {
			return false;
		}
	}
	for (unsigned i = 0; i < TV_MAX_IRQ_LINES; i++) {
		const struct tv_vgic_line *l = &s->lines[i];

		if ((l->intid && (l->intid < 16 || l->intid > 1019)) ||
		    (l->flags & ~TV_IRQ_FLAGS_ALL)) {
			return false;
		}
	}
	return true;
}

int64_t vcpu_set_vgic(uint64_t handle, uint64_t idx, uint64_t buf)
{
	int64_t err = 0;
	struct vcpu *vcpu = vgic_state_vcpu(handle, idx, buf, &err);
	struct tv_vgic_state s;

	if (!vcpu) {
		return err;
	}
	memcpy(&s, hyp_va(pa_init(buf)), sizeof(s)); /* checked and used from our copy */
	if (!vgic_state_valid(&s)) {
		vcpu_state_access_done(vcpu);
		return -TV_EINVAL;
	}
	hyp_lock(&vcpu->vgic.lock);
	vcpu->vgic.vmcr = s.vmcr;
	vcpu->vgic.sgi_enabled = s.sgi_enabled;
	vcpu->vgic.sgi_pending = s.sgi_pending;
	memcpy(vcpu->vgic.sgi_prio, s.sgi_prio, sizeof(s.sgi_prio));
	vcpu->vgic.ap0r = s.ap0r;
	vcpu->vgic.ap1r = s.ap1r;
	for (unsigned i = 0; i < VGIC_MAX_LRS; i++) {
		vcpu->vgic.lr[i] = i < vgic_nr_lrs ? s.lr[i] : 0;
	}
	for (unsigned i = 0; i < TV_MAX_IRQ_LINES; i++) {
		vcpu->vgic.lines[i] = (struct irq_line){ s.lines[i].intid, s.lines[i].flags,
							 s.lines[i].prio };
	}
	hyp_unlock(&vcpu->vgic.lock);
	vcpu_state_access_done(vcpu);
	return 0;
}
