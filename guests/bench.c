/* SPDX-License-Identifier: MIT */
/*
 * Round-trip costs measured from inside a guest with the virtual counter. Run it
 * with -icount shift=0 (tagvisor run --icount): one nanosecond of guest time is
 * then one instruction executed by the whole machine, EL2 and the host included.
 * Each figure is the mean over ITERS round trips minus the cost of the empty loop.
 */
#include "guest.h"

#define ITERS 2000
#define UART_ICR (UART_BASE + 0x044) /* a PL011 register whose writes change nothing here */

static uint64_t ticks_to_ns(uint64_t ticks)
{
	return ticks * 1000000000ull / read_sysreg(cntfrq_el0);
}

static uint64_t loop_cost(void)
{
	uint64_t t0 = counter();

	for (unsigned i = 0; i < ITERS; i++) {
		__asm__ volatile("" ::: "memory");
	}
	return counter() - t0;
}

static uint64_t hvc_cost(void)
{
	uint64_t t0 = counter();

	for (unsigned i = 0; i < ITERS; i++) {
		psci_call(0x84000000, 0, 0, 0); /* PSCI_VERSION: answered at EL2 */
	}
	return counter() - t0;
}

/*
 * An SMCCC call no one implements (owner 11 is reserved): EL2 answers NOT_SUPPORTED.
 * Returns 0 if any answer was something else, so that a wrong path cannot look fast.
 */
static uint64_t smccc_unknown_cost(void)
{
	uint64_t t0 = counter(), bad = 0;

	for (unsigned i = 0; i < ITERS; i++) {
		bad |= psci_call(0x4b000000, 0, 0, 0) + 1;
	}
	return bad ? 0 : counter() - t0;
}

static uint64_t mmio_cost(void)
{
	uint64_t t0 = counter();

	for (unsigned i = 0; i < ITERS; i++) {
		*(volatile uint32_t *)UART_ICR = 0; /* an MMIO exit to the host VMM and back */
	}
	return counter() - t0;
}

void guest_main(void)
{
	uint64_t base, hvc, mmio, smccc;

	loop_cost(); /* warm up: populate the pages the loops touch */
	hvc_cost();
	mmio_cost();
	smccc_unknown_cost();
	base = loop_cost();
	hvc = hvc_cost();
	mmio = mmio_cost();
	smccc = smccc_unknown_cost();
	printf("bench: counter %lu Hz\n", read_sysreg(cntfrq_el0));
	printf("bench: hvc_round_trip %lu\n", ticks_to_ns(hvc - base) / ITERS);
	printf("bench: mmio_round_trip %lu\n", ticks_to_ns(mmio - base) / ITERS);
	if (smccc) {
		printf("bench: smccc_unknown_round_trip %lu\n", ticks_to_ns(smccc - base) / ITERS);
	} else {
		printf("bench: an unknown SMCCC call did not get NOT_SUPPORTED\n");
	}
}
