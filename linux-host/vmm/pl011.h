/* SPDX-License-Identifier: MIT */
/*
 * The guest's PL011 as tvrun models it: output only (a guest without a GIC gets no
 * interrupts), registers that read back, the PrimeCell IDs. What the guest writes to
 * the data register goes out unchanged, a line at a time.
 */
#ifndef TVRUN_PL011_H
#define TVRUN_PL011_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pl011 {
	void (*out)(const char *p, size_t n);
	char line[4096];
	size_t len;
	uint32_t regs[0x48 / 4]; /* DR .. ICR as plain registers */
};

void pl011_init(struct pl011 *u, void (*out)(const char *p, size_t n));
/* An access at offset off of len bytes; data little-endian. 0, or -1: an abort. */
int pl011_access(struct pl011 *u, uint64_t off, uint32_t len, bool write, uint8_t data[8]);
void pl011_flush(struct pl011 *u);

#endif
