/* SPDX-License-Identifier: MIT */
/*
 * A small GICv3 driver for guests of QEMU's virt machine (distributor at 0x08000000, the
 * redistributor of CPU 0 at 0x080a0000): enough to enable private interrupts, take them
 * and read their pending and active state, as a test needs.
 */
#ifndef GUEST_GIC_H
#define GUEST_GIC_H

#include <stdbool.h>
#include <stdint.h>

/* Enables the distributor (ARE, group 1), wakes the redistributor, unmasks the CPU interface. */
void gic_init(void);
void gic_enable_ppi(unsigned intid, bool on);
/* The redistributor's pending and active bits for a private interrupt. */
bool gic_ppi_pending(unsigned intid);
bool gic_ppi_active(unsigned intid);
/* Acknowledges the highest-priority pending interrupt: its INTID (1023 if none). */
unsigned gic_ack(void);
void gic_eoi(unsigned intid);

/* Called, with IRQs masked, for each IRQ taken at EL1 (NULL: IRQs are unexpected). */
extern void (*guest_irq_handler)(void);

#endif
