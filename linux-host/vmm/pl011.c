/* SPDX-License-Identifier: MIT */
#include "pl011.h"

#include <string.h>

#define DR	0x00
#define FR	0x18
#define FR_RXFE (1u << 4)
#define FR_TXFE (1u << 7)
#define CR	0x30
#define IDS	0xfe0

/* PL011 r1p5: peripheral ID 0x00141011, PrimeCell ID 0xb105f00d, a byte per word. */
static const uint8_t ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

void pl011_init(struct pl011 *u, void (*out)(const char *p, size_t n))
{
	memset(u, 0, sizeof(*u));
	u->out = out;
	u->regs[CR / 4] = 0x300; /* TXE, RXE: the reset value */
}

void pl011_flush(struct pl011 *u)
{
	if (u->len) {
		u->out(u->line, u->len);
		u->len = 0;
	}
}

int pl011_access(struct pl011 *u, uint64_t off, uint32_t len, bool write, uint8_t data[8])
{
	uint32_t v;

	if (len > 4 || (off & 3)) {
		return -1; /* the device takes aligned accesses of 32 bits or less */
	}
	memcpy(&v, data, 4);
	if (off == DR && write) {
		u->line[u->len++] = (char)v;
		if (v == '\n' || u->len == sizeof(u->line)) {
			pl011_flush(u);
		}
		return 0;
	}
	if (write) {
		if (off < sizeof(u->regs) && off != FR) {
			u->regs[off / 4] = v;
		}
		return 0;
	}
	v = off == FR		       ? FR_TXFE | FR_RXFE /* sent at once; nothing to read */
	    : off == DR		       ? 0
	    : off < sizeof(u->regs)    ? u->regs[off / 4]
	    : off >= IDS && off < 4096 ? ids[(off - IDS) / 4]
				       : 0;
	memset(data, 0, 8);
	memcpy(data, &v, 4);
	return 0;
}
