/* SPDX-License-Identifier: MIT */
/*
 * The guest's GICv3 distributor and redistributors, emulated from MMIO exits at
 * QEMU virt's addresses. They hold what the guest configured (enables, priorities,
 * groups, trigger modes, routing); the CPU interface is the hardware's virtual one,
 * and EL2 presents interrupts in its list registers. After every change the VMM
 * tells EL2 the state of each interrupt that matters (TV_HC_VCPU_IRQ).
 * A redistributor per vCPU (its SGIs and PPIs), 64 SPIs each routed to one vCPU by
 * GICD_IROUTER; no LPIs, no ITS. The guest's lock (struct guest) is held throughout.
 */
#include <host/vgic.h>
#include <host/vmm.h>
#include <lib/string.h>

#define GICD_BASE 0x08000000ul
#define GICD_SIZE 0x10000ul
#define GICR_BASE 0x080a0000ul
#define GICR_STRIDE 0x20000ul
#define SGI_OFFSET 0x10000ul

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICD_ISACTIVER 0x0300
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0c00
#define GICD_IGRPMODR 0x0d00
#define GICD_IROUTER 0x6000
#define GICD_PIDR2 0xffe8

#define GICR_CTLR 0x0000
#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_PIDR2 0xffe8
#define GICR_WAKER_SLEEP (1u << 1)
#define GICR_WAKER_ASLEEP (1u << 2)

#define CTLR_ARE_NS (1u << 4)
#define CTLR_DS (1u << 6)
#define CTLR_WRITABLE 0x3u /* EnableGrp0, EnableGrp1 */

static uint32_t bit(unsigned intid)
{
	return 1u << (intid % 32);
}

#define IROUTER_IRM (1ull << 31)
#define IROUTER_AFF 0xff00ffffffull /* Aff3, Aff2, Aff1, Aff0 */

/* Where interrupt intid's state lives: vCPU cpu's redistributor for SGIs and PPIs. */
static struct vgic_irq_bank *bank(struct vgic *v, unsigned cpu, unsigned intid)
{
	return intid < 32 ? &v->cpu[cpu].bank : &v->spis[(intid - 32) / 32];
}

static uint8_t *prio(struct vgic *v, unsigned cpu, unsigned intid)
{
	return intid < 32 ? &v->cpu[cpu].prio[intid] : &v->spi_prio[intid - 32];
}

/*
 * The vCPU an SPI goes to: the one GICD_IROUTER names (vCPU i has affinity 0.0.0.i), or
 * vCPU 0 for "any" (IRM); none (-1) for an affinity no vCPU has, as on a GIC.
 */
static int spi_target(const struct guest *g, unsigned intid)
{
	uint64_t r = g->vgic.irouter[intid - 32];

	if (r & IROUTER_IRM) {
		return 0;
	}
	r &= IROUTER_AFF;
	return r < g->nr_vcpus ? (int)r : -1;
}

/*
 * Tells EL2 how interrupt intid of vCPU cpu stands now, if it is one that can become
 * pending: an SGI (the guest's own, generated at EL2; a pending bit set here is handed
 * over), the timers (their levels are EL2's: only enable and priority matter) or the
 * UART (its SPI, given to the vCPU it is routed to; cpu is ignored).
 */
static void sync_irq(struct guest *g, unsigned cpu, unsigned intid)
{
	struct vgic *v = &g->vgic;
	struct vgic_irq_bank *b;
	uint64_t flags = 0;

	if (intid >= 16 && intid != VGIC_VTIMER && intid != VGIC_PTIMER && intid != VGIC_PMU &&
	    intid != VGIC_UART) {
		return;
	}
	if (intid == VGIC_UART) {
		int target = spi_target(g, intid);

		if (target != v->uart_vcpu) {
			/* Rerouted: its old vCPU drops the line. */
			tv_hvc(TV_HC_VCPU_IRQ, (uint64_t)g->handle, v->uart_vcpu, intid, 0,
			       v->spi_prio[intid - 32], 0, NULL);
			if (target < 0) {
				return;
			}
			v->uart_vcpu = (uint8_t)target;
		}
		cpu = v->uart_vcpu;
	}
	b = bank(v, cpu, intid);
	if ((b->enabled & bit(intid)) && (v->ctlr & CTLR_WRITABLE)) {
		flags |= TV_IRQ_ENABLED;
	}
	if (intid == VGIC_UART && (v->uart_level || (b->pending & bit(intid)))) {
		flags |= TV_IRQ_LEVEL;
	}
	if (intid < 16 && (b->pending & bit(intid))) {
		flags |= TV_IRQ_EDGE;
		b->pending &= ~bit(intid);
	}
	tv_hvc(TV_HC_VCPU_IRQ, (uint64_t)g->handle, cpu, intid, flags, *prio(v, cpu, intid), 0,
	       NULL);
}

/* Every interrupt EL2 is told of, on every vCPU: after GICD_CTLR or a restore. */
static void sync_all(struct guest *g)
{
	static const uint8_t ppis[] = { VGIC_VTIMER, VGIC_PTIMER, VGIC_PMU };

	for (unsigned cpu = 0; cpu < g->nr_vcpus; cpu++) {
		for (unsigned intid = 0; intid < 16; intid++) {
			sync_irq(g, cpu, intid);
		}
		for (unsigned i = 0; i < ARRAY_SIZE(ppis); i++) {
			sync_irq(g, cpu, ppis[i]);
		}
	}
	sync_irq(g, 0, VGIC_UART);
}

void vgic_init(struct guest *g)
{
	struct vgic *v = &g->vgic;

	memset(v, 0, sizeof(*v));
	v->ctlr = CTLR_ARE_NS | CTLR_DS;
	for (unsigned i = 0; i < TV_MAX_VCPUS; i++) {
		v->cpu[i].waker = GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP;
	}
	v->present = true;
}

void vgic_set_uart_line(struct guest *g, bool level)
{
	if (g->vgic.present && g->vgic.uart_level != level) {
		g->vgic.uart_level = level;
		sync_irq(g, 0, VGIC_UART);
	}
}

/* The pending (or active) state of a vCPU's SGIs and PPIs, as EL2 and this VMM hold it. */
static uint32_t private_state(struct guest *g, unsigned cpu, bool pending)
{
	struct hvc_res r;

	if (tv_hvc(TV_HC_VCPU_IRQ_STATE, (uint64_t)g->handle, cpu, 0, 0, 0, 0, &r)) {
		/* It runs on another CPU now (-TV_EBUSY): what this VMM knows. */
		return pending ? g->vgic.cpu[cpu].bank.pending : 0;
	}
	return (uint32_t)(pending ? r.x[1] | g->vgic.cpu[cpu].bank.pending : r.x[2]);
}

/* Registers with one bit per interrupt: enable, pending, active, group. */
static bool bitmap_access(struct guest *g, unsigned cpu, struct vgic_irq_bank *b, unsigned reg,
			  unsigned first, bool write, uint64_t *data)
{
	uint32_t *field = NULL, v = (uint32_t)*data;
	bool set = false, clear = false;

	switch (reg) {
	case GICD_IGROUPR:
		field = &b->group;
		break;
	case GICD_ISENABLER:
		field = &b->enabled;
		set = true;
		break;
	case GICD_ICENABLER:
		field = &b->enabled;
		clear = true;
		break;
	case GICD_ISPENDR:
		field = &b->pending;
		set = true;
		break;
	case GICD_ICPENDR:
		field = &b->pending;
		clear = true;
		break;
	case GICD_ISACTIVER:
	case GICD_ICACTIVER:
		/*
		 * Active state lives in the list registers: EL2 says which of the vCPU's own
		 * interrupts are active; writes are ignored.
		 */
		if (!write) {
			*data = first == 0 ? private_state(g, cpu, false) : 0;
		}
		return true;
	case GICD_IGRPMODR:
		if (!write) {
			*data = 0;
		}
		return true;
	default:
		return false;
	}
	if (!write) {
		/* SGIs and PPIs become pending at EL2 (the guest's SGIs, the timers' levels). */
		*data = first == 0 && field == &b->pending ? private_state(g, cpu, true) : *field;
		return true;
	}
	if (set) {
		*field |= v;
	} else if (clear) {
		*field &= ~v;
	} else {
		*field = v;
	}
	for (unsigned i = 0; i < 32; i++) {
		if (v & (1u << i)) {
			sync_irq(g, cpu, first + i);
		}
	}
	return true;
}

/* Priority bytes and 2-bit trigger configurations (base: the frame's first INTID). */
static bool config_access(struct guest *g, unsigned cpu, unsigned base, unsigned off, unsigned size,
			  bool write, uint64_t *data)
{
	struct vgic *v = &g->vgic;

	if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + VGIC_NR_IRQS) {
		unsigned intid = base + off - GICD_IPRIORITYR;

		for (unsigned i = 0; i < size && intid + i < VGIC_NR_IRQS; i++) {
			uint8_t *p = prio(v, cpu, intid + i);

			if (write) {
				*p = (uint8_t)(*data >> (8 * i));
				sync_irq(g, cpu, intid + i);
			} else {
				*data = i ? *data | (uint64_t)*p << (8 * i) : *p;
			}
		}
		return true;
	}
	if (off >= GICD_ICFGR && off < GICD_ICFGR + VGIC_NR_IRQS / 4 && size == 4) {
		unsigned reg = (base + (off - GICD_ICFGR) * 4) / 16;

		if (write) {
			/* SGIs are always edge; PPIs here are level. */
			if (reg >= 2) {
				v->cfg[reg - 2] = (uint32_t)*data;
			}
		} else {
			*data = reg == 0 ? 0xaaaaaaaau : reg == 1 ? 0 : v->cfg[reg - 2];
		}
		return true;
	}
	return false;
}

/* GICD_IROUTER<n>, 64-bit or either half: which vCPU SPI n goes to. */
static void irouter_access(struct guest *g, uint64_t off, unsigned size, bool write,
			   uint64_t *data)
{
	unsigned n = (unsigned)((off - GICD_IROUTER) / 8), shift = (off & 4) ? 32 : 0;
	uint64_t *r, mask;

	if (n < 32 || n >= VGIC_NR_IRQS || size < 4) {
		if (!write) {
			*data = 0; /* SGIs and PPIs have none: RAZ/WI */
		}
		return;
	}
	r = &g->vgic.irouter[n - 32];
	mask = (size == 8 ? ~0ull : 0xffffffffull) << shift;
	if (!write) {
		*data = (*r & mask) >> shift;
		return;
	}
	*r = ((*r & ~mask) | ((*data << shift) & mask)) & (IROUTER_AFF | IROUTER_IRM);
	sync_irq(g, 0, n);
}

static int distributor_access(struct guest *g, uint64_t off, unsigned size, bool write,
			      uint64_t *data)
{
	struct vgic *v = &g->vgic;

	if (off >= GICD_IROUTER && off < GICD_IROUTER + 8 * VGIC_NR_IRQS) {
		irouter_access(g, off, size, write, data);
		return 0;
	}
	switch (off) {
	case GICD_CTLR:
		if (write) {
			v->ctlr = (v->ctlr & ~CTLR_WRITABLE) | ((uint32_t)*data & CTLR_WRITABLE);
			sync_all(g);
		} else {
			*data = v->ctlr;
		}
		return 0;
	case GICD_TYPER:
		if (!write) {
			/* SPIs up to INTID 95; 10 INTID bits; no LPIs; security disabled. */
			*data = (VGIC_NR_IRQS / 32 - 1) | 9u << 19 | 1u << 10;
		}
		return 0;
	case GICD_IIDR:
		if (!write) {
			*data = 0x0300043b; /* Arm, GICv3 */
		}
		return 0;
	case GICD_PIDR2:
		if (!write) {
			*data = 0x3b; /* ArchRev 3 */
		}
		return 0;
	default:
		break;
	}
	if (off >= GICD_IGRPMODR && off < GICD_IGRPMODR + VGIC_NR_IRQS / 8) {
		if (!write) {
			*data = 0;
		}
		return 0;
	}
	if (off >= GICD_IGROUPR && off < GICD_IPRIORITYR && size == 4) {
		unsigned reg = (unsigned)(off & ~0x7full), idx = (unsigned)(off & 0x7f) / 4;

		if (idx == 0) {
			/* SGIs and PPIs are the redistributor's: RAZ/WI here (ARE). */
			if (!write) {
				*data = 0;
			}
			return 0;
		}
		if (idx - 1 < VGIC_NR_SPI_BANKS &&
		    bitmap_access(g, 0, &v->spis[idx - 1], reg, idx * 32, write, data)) {
			return 0;
		}
		if (!write) {
			*data = 0;
		}
		return 0;
	}
	if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 32) {
		if (!write) {
			*data = 0; /* SGIs' and PPIs' are the redistributors' (ARE) */
		}
		return 0;
	}
	if (config_access(g, 0, 0, (unsigned)off, size, write, data)) {
		return 0;
	}
	if (!write) {
		*data = 0; /* unimplemented: RAZ/WI */
	}
	return 0;
}

/* vCPU cpu's redistributor: its RD_base frame, then its SGI_base frame. */
static int redistributor_access(struct guest *g, unsigned cpu, uint64_t off, unsigned size,
				bool write, uint64_t *data)
{
	struct vgic_redist *rd = &g->vgic.cpu[cpu];

	if (off >= SGI_OFFSET) {
		uint64_t s = off - SGI_OFFSET;

		if (s >= 0x80 && s < 0x400 && (s & 0x7f) == 0 && size == 4 &&
		    bitmap_access(g, cpu, &rd->bank, (unsigned)s, 0, write, data)) {
			return 0;
		}
		if (s < GICD_IPRIORITYR + 32 && config_access(g, cpu, 0, (unsigned)s, size, write, data)) {
			return 0;
		}
		if (s >= GICD_ICFGR && s < GICD_ICFGR + 8 && config_access(g, cpu, 0, (unsigned)s, size,
									 write, data)) {
			return 0;
		}
		if (!write) {
			*data = 0;
		}
		return 0;
	}
	switch (off) {
	case GICR_TYPER:
		if (!write) {
			/* Processor_Number cpu; Last on the final frame. */
			*data = (uint64_t)cpu << 8 | (cpu + 1 == g->nr_vcpus ? 1u << 4 : 0);
			if (size == 8) {
				*data |= (uint64_t)cpu << 32; /* affinity 0.0.0.cpu */
			}
		}
		return 0;
	case GICR_TYPER + 4:
		if (!write) {
			*data = cpu;
		}
		return 0;
	case GICR_WAKER:
		if (write) {
			rd->waker = (uint32_t)*data & GICR_WAKER_SLEEP;
			rd->waker |= rd->waker ? GICR_WAKER_ASLEEP : 0;
		} else {
			*data = rd->waker;
		}
		return 0;
	case GICR_IIDR:
		if (!write) {
			*data = 0x0300043b;
		}
		return 0;
	case GICR_PIDR2:
		if (!write) {
			*data = 0x3b;
		}
		return 0;
	default:
		if (!write) {
			*data = 0;
		}
		return 0;
	}
}

int vgic_mmio(struct guest *g, uint64_t ipa, unsigned size, bool write, uint64_t *data)
{
	if (!g->vgic.present) {
		return -1;
	}
	if (ipa >= GICD_BASE && ipa < GICD_BASE + GICD_SIZE) {
		return distributor_access(g, ipa - GICD_BASE, size, write, data);
	}
	if (ipa >= GICR_BASE && ipa < GICR_BASE + GICR_STRIDE * g->nr_vcpus) {
		return redistributor_access(g, (unsigned)((ipa - GICR_BASE) / GICR_STRIDE),
					    (ipa - GICR_BASE) % GICR_STRIDE, size, write, data);
	}
	return -1;
}

void vgic_resync(struct guest *g)
{
	if (g->vgic.present) {
		sync_all(g);
	}
}
