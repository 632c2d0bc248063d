/* SPDX-License-Identifier: MIT */
/*
 * Time slices: the host arms its EL1 physical timer (PPI 30) and routes it
 * through the GICv3. While a guest runs, HCR_EL2.IMO sends the interrupt to EL2,
 * which ends the guest's slice with TV_EXIT_IRQ; the host then acknowledges it
 * here, with its own interrupts masked throughout.
 */
#include <host/devices.h>
#include <host/host.h>
#include <host/smp.h>

#define GICD_BASE 0x08000000ul
#define GICR_BASE 0x080a0000ul
#define GICR_SGI_BASE (GICR_BASE + 0x10000)
#define GICD_CTLR 0x0000
#define GICD_CTLR_ARE_NS (1u << 4)
#define GICD_CTLR_ENABLE_G1NS (1u << 1)
#define GICR_WAKER 0x0014
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_IPRIORITYR 0x0400
#define TIMER_PPI 30
/*
 * Interrupts EL2 takes while a guest runs (HCR_EL2.IMO), which the host only enables:
 * the guests' virtual timer and PMU, EL2's own timer (standing for a guest's physical
 * timer), the GIC's EOI maintenance interrupt.
 */
#define VTIMER_PPI 27
#define HYP_TIMER_PPI 26
#define MAINTENANCE_PPI 25
#define PMU_PPI 23
#define EL2_PPIS \
	(1u << VTIMER_PPI | 1u << HYP_TIMER_PPI | 1u << MAINTENANCE_PPI | 1u << PMU_PPI)
#define INTID_SPURIOUS 1023
/* The SGIs: CPU 0's "work for you" (host/smp.c) and the hypervisor's doorbell. */
#define HOST_SGIS (1u << SGI_WORK | 1u << TV_DOORBELL_SGI)
#define HOST_INTIDS (HOST_SGIS | 1u << TIMER_PPI | EL2_PPIS)

static inline volatile uint32_t *mmio32(uint64_t addr)
{
	return (volatile uint32_t *)addr;
}

#define GICR_FRAME 0x20000ul

static bool gic_ready;

/*
 * This CPU's redistributor (they follow the CPUs' order on virt) and CPU interface: awake,
 * the slice timer and EL2's PPIs in Group 1 and enabled, all priorities let through.
 */
void irq_cpu_init(void)
{
	uint64_t rd = GICR_BASE + smp_this_cpu() * GICR_FRAME, sgi = rd + 0x10000;

	*mmio32(rd + GICR_WAKER) &= ~(1u << 1); /* ProcessorSleep */
	while (*mmio32(rd + GICR_WAKER) & (1u << 2)) {
	}
	*mmio32(sgi + GICR_IGROUPR0) |= HOST_INTIDS;
	for (unsigned intid = 0; intid < 32; intid++) {
		if (HOST_INTIDS & (1u << intid)) {
			*(volatile uint8_t *)(sgi + GICR_IPRIORITYR + intid) = 0x80;
		}
	}
	*mmio32(sgi + GICR_ISENABLER0) = HOST_INTIDS;
	__asm__ volatile("msr s3_0_c12_c12_5, %0\n" /* ICC_SRE_EL1 = SRE */
			 "isb\n"
			 "msr s3_0_c4_c6_0, %1\n" /* ICC_PMR_EL1 */
			 "msr s3_0_c12_c12_7, %2\n" /* ICC_IGRPEN1_EL1 */
			 "isb"
			 :
			 : "r"(1ul), "r"(0xfful), "r"(1ul));
}

void irq_init(void)
{
	if (gic_ready) {
		return;
	}
	gic_ready = true;
	*mmio32(GICD_BASE + GICD_CTLR) |= GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_G1NS;
	irq_cpu_init();
}

#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0c00
#define GICD_IROUTER 0x6000

void irq_line_enable(unsigned intid, bool on)
{
	uint32_t bit = 1u << (intid % 32);

	if (intid < 32 || intid >= 1020) {
		return; /* SPIs only */
	}
	irq_init();
	if (!on) {
		*mmio32(GICD_BASE + GICD_ICENABLER + 4 * (intid / 32)) = bit;
		return;
	}
	/* Group 1, level-sensitive, middle priority, to CPU 0 (affinity 0.0.0.0). */
	*mmio32(GICD_BASE + GICD_IGROUPR + 4 * (intid / 32)) |= bit;
	*mmio32(GICD_BASE + GICD_ICFGR + 4 * (intid / 16)) &= ~(2u << (2 * (intid % 16)));
	*(volatile uint8_t *)(GICD_BASE + GICD_IPRIORITYR + intid) = 0x80;
	*(volatile uint64_t *)(GICD_BASE + GICD_IROUTER + 8 * intid) = 0;
	*mmio32(GICD_BASE + GICD_ISENABLER + 4 * (intid / 32)) = bit;
}

void irq_send_sgi(uint64_t mpidr, unsigned intid)
{
	uint64_t v = (mpidr >> 8 & 0xff) << 16 | (mpidr >> 16 & 0xff) << 32 |
		     (mpidr >> 32 & 0xff) << 48 | (uint64_t)intid << 24 | 1ull << (mpidr & 0xf);

	__asm__ volatile("msr s3_0_c12_c11_5, %0\nisb" : : "r"(v)); /* ICC_SGI1R_EL1 */
}

void slice_timer_arm(uint64_t ticks)
{
	__asm__ volatile("msr cntp_tval_el0, %0\n"
			 "msr cntp_ctl_el0, %1\n"
			 "isb"
			 :
			 : "r"(ticks), "r"(1ul));
}

void slice_timer_stop(void)
{
	__asm__ volatile("msr cntp_ctl_el0, xzr\nisb");
}

unsigned irq_ack_all(void)
{
	unsigned n = 0;

	for (;;) {
		uint64_t intid;

		__asm__ volatile("mrs %0, s3_0_c12_c12_0" : "=r"(intid)); /* ICC_IAR1_EL1 */
		intid &= 0xffffff;
		if (intid >= INTID_SPURIOUS) {
			return n;
		}
		if (intid == TIMER_PPI) {
			slice_timer_stop();
		} else {
			n++;
		}
		__asm__ volatile("msr s3_0_c12_c12_1, %0\nisb" : : "r"(intid)); /* ICC_EOIR1_EL1 */
	}
}
