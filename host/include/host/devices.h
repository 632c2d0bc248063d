/* SPDX-License-Identifier: MIT */
/* The host's own devices: the real PL011 (the guest console's way out), GICv3 and timer. */
#ifndef HOST_DEVICES_H
#define HOST_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

/* The machine's PL011: QEMU's serial port, i.e. the CLI's stdout/stdin. */
void uart_putc(char c);
/* Writes n bytes with no other CPU's output in between. */
void uart_write(const char *s, unsigned n);
/* Returns the next input byte, or -1 if none is waiting. */
int uart_getc(void);

/* GICv3 and the EL1 physical timer, used to preempt guests for time slices. */
void irq_init(void);
/* Fires the timer interrupt after `ticks` counter ticks. */
void slice_timer_arm(uint64_t ticks);
void slice_timer_stop(void);
/* Enables or disables a shared peripheral interrupt (a device's line) at the distributor. */
void irq_line_enable(unsigned intid, bool on);
/* Acknowledges pending interrupts (after a TV_EXIT_IRQ). Returns how many were not the slice timer. */
unsigned irq_ack_all(void);
/* Sets this CPU's redistributor and CPU interface up (every CPU, irq_init on CPU 0). */
void irq_cpu_init(void);
/* Sends SGI intid to the CPU with this MPIDR. */
void irq_send_sgi(uint64_t mpidr, unsigned intid);
#define SGI_WORK 0 /* host/smp.c: work was handed to the CPU */

#endif
