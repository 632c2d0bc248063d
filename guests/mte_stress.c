/* SPDX-License-Identifier: MIT */
/*
 * Data and tags under pressure: fills 8 MiB with a deterministic pattern of data
 * and random-looking tags, then verifies all of it several times (rewriting a part
 * with new data and tags before each round), counts the tag-check faults of
 * deliberately wrong pointers, and leaves an asynchronous fault pending across
 * all that work. Every number it prints depends only on the
 * data and tags it reads back, so its output is the same with and without the
 * host reclaiming its pages (tagvisor run --resident-pages), and after a snapshot
 * or a migration.
 */
#include "guest.h"
#include "mmu.h"

#define BASE (RAM_BASE + (8ul << 20))
#define BYTES (8ul << 20)
#define GRANULES (BYTES / 16)
#define ROUNDS 4
#define PROBE_EVERY 97 /* granules read with a wrong tag */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * Round r (1..ROUNDS-1) rewrites region r - 1 (an eighth of the granules) with new
 * data and tags before verifying: a snapshot or a migration meets writes of both.
 * version() says which round last wrote a granule, as of round `round`.
 */
#define REGION (GRANULES / 8)

static uint64_t version(uint64_t g, unsigned round)
{
	uint64_t r = g / REGION + 1;

	return r <= round ? r : 0;
}

static unsigned tag_for_version(uint64_t g, uint64_t v)
{
	return (unsigned)(mix(g ^ 0x7a6 ^ (v << 32)) & 0xf);
}

static unsigned tag_for(uint64_t g)
{
	return tag_for_version(g, 0);
}

static void stgp(uint64_t p, uint64_t a, uint64_t b)
{
	__asm__ volatile(".arch armv8.5-a+memtag\nstgp %1, %2, [%0]" : : "r"(p), "r"(a), "r"(b)
			 : "memory");
}

static unsigned ldg(uint64_t p)
{
	__asm__ volatile(".arch armv8.5-a+memtag\nldg %0, [%0]" : "+r"(p) : : "memory");
	return tag_of(p);
}

static uint64_t tfsr(void)
{
	return read_sysreg(s3_0_c5_c6_0);
}

static void write_granules(uint64_t from, uint64_t to, uint64_t v)
{
	for (uint64_t g = from; g < to; g++) {
		uint64_t p = tagged(BASE + g * 16, tag_for_version(g, v));

		stgp(p, mix(g ^ (v << 40)), mix(~g ^ (v << 40)));
	}
}

/* Reads everything back with the right tags; returns a checksum of data and tags. */
static uint64_t verify(unsigned round, uint64_t *wrong)
{
	uint64_t sum = 0;

	for (uint64_t g = 0; g < GRANULES; g++) {
		uint64_t v = version(g, round);
		uint64_t p = tagged(BASE + g * 16, tag_for_version(g, v));
		uint64_t a = ((volatile uint64_t *)p)[0], b = ((volatile uint64_t *)p)[1];
		unsigned t = ldg(BASE + g * 16);

		*wrong += (a != mix(g ^ (v << 40))) + (b != mix(~g ^ (v << 40))) +
			  (t != tag_for_version(g, v));
		sum = mix(sum ^ a ^ (b << 1) ^ t);
	}
	return sum;
}

/* Loads through wrong tags: each must take a synchronous tag-check fault. */
static unsigned probe_faults(unsigned round, uint64_t *fault_sum)
{
	unsigned faults = 0;

	for (uint64_t g = 0; g < GRANULES; g += PROBE_EVERY) {
		uint64_t p = tagged(BASE + g * 16, tag_for_version(g, version(g, round)) + 1), v;
		struct trap_record r;

		if (probe_read64(p, &v, &r) && r.esr == 0x96000011) {
			faults++;
			*fault_sum = mix(*fault_sum ^ r.far); /* FAR keeps the pointer's tag */
		}
	}
	return faults;
}

void guest_main(void)
{
	uint64_t wrong = 0, fault_sum = 0, pending;

	mmu_enable();
	mte_set_ata(true, false);
	mte_set_tcf(TCF_SYNC, TCF_NONE);
	write_granules(0, GRANULES, 0);
	printf("mte_stress: %lu KiB, %lu granules with tags\n", BYTES >> 10, GRANULES);

	/* An asynchronous fault left pending: TFSR_EL1 must hold it through everything below. */
	mte_set_tcf(TCF_ASYNC, TCF_NONE);
	*(volatile uint64_t *)tagged(BASE + BYTES - 16, tag_for(GRANULES - 1) ^ 8) =
		mix(GRANULES - 1); /* the value it holds: data intact */
	mte_set_tcf(TCF_SYNC, TCF_NONE);
	pending = tfsr();

	for (unsigned round = 0; round < ROUNDS; round++) {
		if (round) {
			write_granules((round - 1) * REGION, round * REGION, round);
		}
		uint64_t sum = verify(round, &wrong);
		unsigned faults = probe_faults(round, &fault_sum);

		printf("round %u: checksum %016lx, %lu wrong, %u tag-check faults (%016lx), "
		       "TFSR_EL1 %lx\n",
		       round, sum, wrong, faults, fault_sum, tfsr());
	}
	printf("pending async fault: TFSR_EL1 was %lx, is %lx\n", pending, tfsr());
	puts(wrong ? "mte_stress: FAILED\n" : "mte_stress: all data and tags intact\n");
}
