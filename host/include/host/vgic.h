/* SPDX-License-Identifier: MIT */
/* The guest's emulated GICv3 distributor and redistributor (host/vmm/vgic.c). */
#ifndef HOST_VGIC_H
#define HOST_VGIC_H

#include <stdbool.h>
#include <stdint.h>

#define VGIC_NR_IRQS 96 /* SGIs, PPIs and 64 SPIs */
#define VGIC_NR_SPI_BANKS ((VGIC_NR_IRQS - 32) / 32)
#define VGIC_VTIMER 27  /* the virtual timer's PPI */
#define VGIC_PTIMER 30  /* the EL1 physical timer's PPI */
#define VGIC_PMU 23     /* the PMU's overflow interrupt */
#define VGIC_UART 33    /* SPI 1: the PL011 */

struct vgic_irq_bank {
	uint32_t group, enabled, pending;
};

struct vgic {
	bool present;
	bool uart_level;
	uint32_t ctlr;
	uint32_t waker;
	struct vgic_irq_bank private; /* SGIs and PPIs of vCPU 0 */
	struct vgic_irq_bank spis[VGIC_NR_SPI_BANKS];
	uint8_t prio[VGIC_NR_IRQS];
	uint32_t cfg[VGIC_NR_IRQS / 16 - 2]; /* SPI trigger modes */
};

struct guest;

void vgic_init(struct guest *g);
/* Returns 0 if ipa is the distributor's or a redistributor's, else -1. */
int vgic_mmio(struct guest *g, uint64_t ipa, unsigned size, bool write, uint64_t *data);
/* The PL011's interrupt line. */
void vgic_set_uart_line(struct guest *g, bool level);

#endif
