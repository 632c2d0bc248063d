/* SPDX-License-Identifier: MIT */
#include "gic.h"

#include "guest.h"

#define GICD_BASE	0x08000000ul
#define GICR_SGI_BASE	(0x080a0000ul + 0x10000ul)
#define GICD_CTLR	0x0000
#define GICR_WAKER	0x0014
#define GICR_IGROUPR0	0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_ICENABLER0 0x0180
#define GICR_ISPENDR0	0x0200
#define GICR_ISACTIVER0 0x0300
#define GICR_IPRIORITYR 0x0400

#define ICC_PMR_EL1	s3_0_c4_c6_0
#define ICC_IAR1_EL1	s3_0_c12_c12_0
#define ICC_EOIR1_EL1	s3_0_c12_c12_1
#define ICC_SRE_EL1	s3_0_c12_c12_5
#define ICC_IGRPEN1_EL1 s3_0_c12_c12_7

static volatile uint32_t *reg(uint64_t addr)
{
	return (volatile uint32_t *)addr;
}

void gic_init(void)
{
	*reg(GICD_BASE + GICD_CTLR) = 1u << 4 | 1u << 1; /* ARE_NS, EnableGrp1NS */
	*reg(0x080a0000ul + GICR_WAKER) &= ~(1u << 1);
	while (*reg(0x080a0000ul + GICR_WAKER) & (1u << 2)) {
	}
	*reg(GICR_SGI_BASE + GICR_IGROUPR0) = ~0u;
	write_sysreg(ICC_SRE_EL1, 1);
	isb();
	write_sysreg(ICC_PMR_EL1, 0xff);
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
}

void gic_enable_ppi(unsigned intid, bool on)
{
	*(volatile uint8_t *)(GICR_SGI_BASE + GICR_IPRIORITYR + intid) = 0xa0;
	*reg(GICR_SGI_BASE + (on ? GICR_ISENABLER0 : GICR_ICENABLER0)) = 1u << intid;
}

bool gic_ppi_pending(unsigned intid)
{
	return *reg(GICR_SGI_BASE + GICR_ISPENDR0) & (1u << intid);
}

bool gic_ppi_active(unsigned intid)
{
	return *reg(GICR_SGI_BASE + GICR_ISACTIVER0) & (1u << intid);
}

unsigned gic_ack(void)
{
	return (unsigned)(read_sysreg(ICC_IAR1_EL1) & 0xffffff);
}

void gic_eoi(unsigned intid)
{
	write_sysreg(ICC_EOIR1_EL1, intid);
	isb();
}
