/* SPDX-License-Identifier: MIT */
#include <host/devices.h>

#define UART_BASE 0x09000000ul
#define UART_DR 0x000
#define UART_FR 0x018
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)

static inline volatile uint32_t *reg(unsigned off)
{
	return (volatile uint32_t *)(UART_BASE + off);
}

void uart_putc(char c)
{
	while (*reg(UART_FR) & FR_TXFF) {
	}
	*reg(UART_DR) = (uint8_t)c;
}

int uart_getc(void)
{
	if (*reg(UART_FR) & FR_RXFE) {
		return -1;
	}
	return (int)(*reg(UART_DR) & 0xff);
}
