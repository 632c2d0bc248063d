/* SPDX-License-Identifier: MIT */
/* The guest's emulated GICv3 distributor and redistributors (host/vmm/vgic.c). */
#ifndef HOST_VGIC_H
#define HOST_VGIC_H

#include <abi/hvc.h>
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

/* A vCPU's redistributor: its SGIs and PPIs. */
struct vgic_redist {
	struct vgic_irq_bank bank;
	uint8_t prio[32];
	uint32_t waker;
};

struct vgic {
	bool present;
	bool uart_level;
	uint8_t uart_vcpu; /* the vCPU that EL2 was last told the UART's line for */
	uint32_t ctlr;
	struct vgic_redist cpu[TV_MAX_VCPUS];
	struct vgic_irq_bank spis[VGIC_NR_SPI_BANKS];
	uint8_t spi_prio[VGIC_NR_IRQS - 32];
	uint32_t cfg[VGIC_NR_IRQS / 16 - 2]; /* SPI trigger modes */
	uint64_t irouter[VGIC_NR_IRQS - 32]; /* SPI routing: Aff0 names a vCPU; IRM bit 31 */
};

struct guest;

void vgic_init(struct guest *g);
/* Returns 0 if ipa is the distributor's or a redistributor's, else -1. */
int vgic_mmio(struct guest *g, uint64_t ipa, unsigned size, bool write, uint64_t *data);
/* The PL011's interrupt line. */
void vgic_set_uart_line(struct guest *g, bool level);
/* Tells EL2 again how every interrupt stands (after a restore). */
void vgic_resync(struct guest *g);

#endif
