/* SPDX-License-Identifier: MIT */
/*
 * An isolation check, built twice with different IDs (isolation_a, isolation_b)
 * to run side by side: each fills its RAM with a pattern of its own, lets time
 * pass (the other guest runs), then verifies every word is its own and that no
 * word of the other's pattern ever appears; then it probes addresses outside its
 * RAM, including the physical addresses of the hypervisor and the host, and
 * expects each access to abort or to land in its own memory.
 */
#include "guest.h"

#define FILL_BYTES (8ul << 20)
#define FILL_BASE (RAM_BASE + (4ul << 20))

static uint64_t pattern(uint64_t id, uint64_t addr)
{
	return (id << 56) ^ (addr * 0x9e3779b97f4a7c15ull >> 8);
}

static void isolation_main(uint64_t id, uint64_t other)
{
	uint64_t *p = (uint64_t *)FILL_BASE, words = FILL_BYTES / 8, bad = 0, foreign = 0;
	static const uint64_t outside[] = { 0x0, 0x08000000, 0x3ff00000, RAM_BASE + (64ul << 20),
					    0x80000000, 0x7fffffff000 };
	unsigned aborted = 0;

	for (uint64_t i = 0; i < words; i++) {
		p[i] = pattern(id, (uint64_t)&p[i]);
	}
	for (unsigned round = 0; round < 4; round++) {
		/* Burn time so that the other guest runs in between. */
		for (volatile uint64_t spin = 0; spin < 2000000; spin++) {
		}
		for (uint64_t i = 0; i < words; i++) {
			uint64_t v = p[i], addr = (uint64_t)&p[i];

			bad += v != pattern(id, addr);
			foreign += v == pattern(other, addr);
		}
	}
	for (unsigned i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		struct trap_record r;
		uint64_t v;

		aborted += probe_read64(outside[i], &v, &r) && (r.esr >> 26) == 0x25;
	}
	printf("isolation %c: %lu words verified 4 times, %lu wrong, %lu foreign; "
	       "%u of %u accesses outside RAM aborted\n",
	       (char)('A' + id - 1), words, bad, foreign, aborted,
	       (unsigned)(sizeof(outside) / sizeof(outside[0])));
}
