/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's console: the machine's second PL011 (alias serial1), which the
 * CLI shows on its stderr. The hypervisor owns it; the host's log lines reach it
 * through TV_HC_LOG, so lines of the two never interleave mid-line. No guest and
 * no host ever maps it.
 */
#include <arch/platform.h>
#include <abi/status.h>
#include <lib/spinlock.h>
#include <hyp/arch.h>
#include <hyp/psci.h>

#define UART_DR 0x000
#define UART_FR 0x018
#define UART_CR 0x030
#define FR_TXFF (1u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)

static volatile uint32_t *uart;
static struct spinlock console_lock;

void console_init(void)
{
	if (platform.log_uart) {
		uart = (volatile uint32_t *)platform.log_uart;
		uart[UART_CR / 4] = CR_UARTEN | CR_TXE;
	}
}

void arch_console_write(const char *s, size_t n)
{
	if (!uart) {
		return;
	}
	spin_lock(&console_lock);
	for (size_t i = 0; i < n; i++) {
		while (uart[UART_FR / 4] & FR_TXFF) {
		}
		uart[UART_DR / 4] = (uint8_t)s[i];
	}
	spin_unlock(&console_lock);
}

/* PSCI of the machine (QEMU's, through SMC at EL2): off, or reset (-no-reboot: off too). */
void arch_halt(int code)
{
	register uint64_t x0 __asm__("x0") = code == TV_STATUS_RESET ? PSCI_SYSTEM_RESET : PSCI_SYSTEM_OFF;

	for (;;) {
		__asm__ volatile("smc #0" : "+r"(x0) : : "memory");
	}
}
