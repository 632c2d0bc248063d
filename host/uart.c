/* SPDX-License-Identifier: MIT */
/* The machine's PL011, shared by every CPU: one lock keeps each write whole. */
#include <host/devices.h>
#include <lib/spinlock.h>

#define UART_BASE 0x09000000ul
#define UART_DR 0x000
#define UART_FR 0x018
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)

static inline volatile uint32_t *reg(unsigned off)
{
	return (volatile uint32_t *)(UART_BASE + off);
}

static struct spinlock lock;

static void put_locked(char c)
{
	while (*reg(UART_FR) & FR_TXFF) {
	}
	*reg(UART_DR) = (uint8_t)c;
}

void uart_putc(char c)
{
	spin_lock(&lock);
	put_locked(c);
	spin_unlock(&lock);
}

void uart_write(const char *s, unsigned n)
{
	spin_lock(&lock);
	for (unsigned i = 0; i < n; i++) {
		put_locked(s[i]);
	}
	spin_unlock(&lock);
}

int uart_getc(void)
{
	if (*reg(UART_FR) & FR_RXFE) {
		return -1;
	}
	return (int)(*reg(UART_DR) & 0xff);
}
