/* SPDX-License-Identifier: MIT */
/*
 * The guest's PL011 (data, flags, control and ID registers). Bytes the guest
 * writes go out unchanged; with several guests on one console, whole lines.
 */
#include <host/devices.h>
#include <host/vmm.h>

#define DR 0x000
#define FR 0x018
#define IBRD 0x024
#define FBRD 0x028
#define LCR_H 0x02c
#define CR 0x030
#define IFLS 0x034
#define IMSC 0x038
#define RIS 0x03c
#define MIS 0x040
#define ICR 0x044
#define PERIPH_ID0 0xfe0

#define FR_RXFE (1u << 4)
#define FR_TXFE (1u << 7)

/* PL011 r1p5 peripheral and PrimeCell IDs, at 0xfe0..0xffc. */
static const uint8_t ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static void default_sink(struct guest *g, char c)
{
	struct pl011 *u = &g->uart;

	if (!u->line_buffered) {
		uart_putc(c);
		return;
	}
	u->line[u->line_len++] = c;
	if (c == '\n' || u->line_len == sizeof(u->line)) {
		pl011_flush(g);
	}
}

void pl011_init(struct pl011 *u, bool line_buffered)
{
	*u = (struct pl011){ .cr = 0x300, .lcr_h = 0, .ifls = 0x12, .sink = default_sink,
			     .line_buffered = line_buffered };
}

void pl011_flush(struct guest *g)
{
	struct pl011 *u = &g->uart;

	for (unsigned i = 0; i < u->line_len; i++) {
		uart_putc(u->line[i]);
	}
	u->line_len = 0;
}

int pl011_access(struct guest *g, uint64_t off, unsigned size, bool write, uint64_t *data)
{
	struct pl011 *u = &g->uart;
	uint32_t *reg = NULL;

	if (size > 4 || (off & 3)) {
		return -1;
	}
	switch (off) {
	case DR:
		if (write) {
			u->sink(g, (char)*data);
		} else {
			*data = 0;
		}
		return 0;
	case FR:
		if (!write) {
			*data = FR_TXFE | FR_RXFE;
		}
		return 0;
	case RIS:
	case MIS:
		if (!write) {
			*data = 0;
		}
		return 0;
	case ICR:
		return 0;
	case IBRD:
		reg = &u->ibrd;
		break;
	case FBRD:
		reg = &u->fbrd;
		break;
	case LCR_H:
		reg = &u->lcr_h;
		break;
	case CR:
		reg = &u->cr;
		break;
	case IFLS:
		reg = &u->ifls;
		break;
	case IMSC:
		reg = &u->imsc;
		break;
	default:
		if (off >= PERIPH_ID0 && !write) {
			*data = ids[(off - PERIPH_ID0) / 4];
			return 0;
		}
		return write ? 0 : (*data = 0, 0); /* reserved: RAZ/WI, as the device does */
	}
	if (write) {
		*reg = (uint32_t)*data;
	} else {
		*data = *reg;
	}
	return 0;
}
