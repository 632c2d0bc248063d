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
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)

/* Interrupt bits (RIS, MIS, IMSC, ICR). */
#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6) /* receive timeout: the FIFO holds bytes */

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
	/* The transmit FIFO is always empty here: its interrupt is always raised. */
	*u = (struct pl011){ .cr = 0x300, .lcr_h = 0, .ifls = 0x12, .ris = INT_TX,
			     .sink = default_sink, .line_buffered = line_buffered };
}

/* The interrupt line follows the masked status. */
static void update_line(struct guest *g)
{
	vgic_set_uart_line(g, (g->uart.ris & g->uart.imsc) != 0);
}

bool pl011_poll_input(struct guest *g)
{
	struct pl011 *u = &g->uart;
	bool any = false;
	int c;

	while (u->rx_len < PL011_RX_FIFO && (c = uart_getc()) >= 0) {
		u->rx[(u->rx_head + u->rx_len++) % PL011_RX_FIFO] = (uint8_t)c;
		u->ris |= INT_RX | INT_RT;
		any = true;
	}
	update_line(g);
	return any;
}

void pl011_flush(struct guest *g)
{
	struct pl011 *u = &g->uart;

	uart_write(u->line, u->line_len);
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
			u->ris |= INT_TX;
		} else if (u->rx_len) {
			*data = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % PL011_RX_FIFO;
			if (--u->rx_len == 0) {
				u->ris &= ~(INT_RX | INT_RT);
			}
		} else {
			*data = 0;
		}
		update_line(g);
		return 0;
	case FR:
		if (!write) {
			*data = FR_TXFE | (u->rx_len ? 0 : FR_RXFE) |
				(u->rx_len == PL011_RX_FIFO ? FR_RXFF : 0);
		}
		return 0;
	case RIS:
		if (!write) {
			*data = u->ris;
		}
		return 0;
	case MIS:
		if (!write) {
			*data = u->ris & u->imsc;
		}
		return 0;
	case ICR:
		if (write) {
			u->ris &= ~(uint32_t)*data;
			update_line(g);
		}
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
		update_line(g);
	} else {
		*data = *reg;
	}
	return 0;
}
