/* SPDX-License-Identifier: MIT */
/*
 * A service guest for host tests (embedded in the host image): it fills part of
 * its RAM with a pattern, tells the VMM where (VMM call READY), and when resumed
 * verifies every word, prints the result and powers off.
 */
#include "guest.h"

#include <abi/guest.h>

#define BASE (RAM_BASE + (4ul << 20))
#define BYTES (1ul << 20)

void guest_main(void)
{
	uint64_t *p = (uint64_t *)BASE, wrong = 0;

	for (uint64_t i = 0; i < BYTES / 8; i++) {
		p[i] = ~(uint64_t)&p[i] * 0x9e3779b97f4a7c15ull;
	}
	psci_call(TV_VMM_CALL_READY, BASE, BYTES, 0);
	for (uint64_t i = 0; i < BYTES / 8; i++) {
		wrong += p[i] != ~(uint64_t)&p[i] * 0x9e3779b97f4a7c15ull;
	}
	printf("service: %lu words verified, %lu wrong\n", BYTES / 8, wrong);
}
