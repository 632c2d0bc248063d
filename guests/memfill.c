/* SPDX-License-Identifier: MIT */
/*
 * Fills its RAM above 8 MiB, however much it has (the end is found by probing
 * for the abort past it), like a system that has used its memory: data in every
 * page, and allocator-like tags (objects of 16 B..4 KiB, each with its own tag)
 * in one page of four, the others untagged. Then it keeps rewriting a little of
 * it while it waits to be saved or migrated, and finally checks it all.
 * For the snapshot and migration benchmarks.
 */
#include "guest.h"
#include "mmu.h"

#define START (RAM_BASE + (8ul << 20))
#define END (RAM_BASE + MMU_RAM_SIZE)
#define ROUNDS 40

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 27);
}

static void stgp(uint64_t p, uint64_t a, uint64_t b)
{
	__asm__ volatile(".arch armv8.5-a+memtag\nstgp %1, %2, [%0]" : : "r"(p), "r"(a), "r"(b)
			 : "memory");
}

/* The tag of granule g: objects of 1..256 granules in heap pages, 0 elsewhere. */
static unsigned tag_of_granule(uint64_t g)
{
	uint64_t page = g / 256, obj;

	if (page % 4) {
		return 0;
	}
	obj = g >> (mix(page) % 9); /* object size 2^0..2^8 granules within the page */
	return (unsigned)(mix(obj) & 0xf);
}

static uint64_t fill_page(uint64_t page_addr, uint64_t gen)
{
	uint64_t sum = 0;

	for (uint64_t a = page_addr; a < page_addr + 4096; a += 16) {
		uint64_t g = (a - START) / 16, v = mix(g ^ gen);

		stgp(tagged(a, tag_of_granule(g)), v, ~v);
		sum += v;
	}
	return sum;
}

void guest_main(void)
{
	uint64_t end = START, sum = 0, wrong = 0;
	struct trap_record r;

	mmu_enable();
	mte_set_ata(true, false);
	while (end < END && !probe_write64(end, 0, &r)) {
		end += 4096;
	}
	for (uint64_t p = START; p < end; p += 4096) {
		sum += fill_page(p, 0);
	}
	printf("memfill: %lu KiB filled, checksum %lx\n", (end - START) >> 10, sum);
	/* A working set that keeps changing: a few pages rewritten, round after round. */
	for (unsigned round = 1; round <= ROUNDS; round++) {
		for (uint64_t k = 0; k < 16; k++) {
			uint64_t p = START + ((mix(round * 16 + k) % ((end - START) >> 12)) << 12);

			fill_page(p, 0);
		}
		for (volatile unsigned spin = 0; spin < 200000; spin++) {
		}
	}
	for (uint64_t a = START; a < end; a += 16) {
		uint64_t g = (a - START) / 16, v = mix(g);
		volatile uint64_t *q = (volatile uint64_t *)tagged(a, tag_of_granule(g));

		wrong += (q[0] != v) + (q[1] != ~v);
	}
	printf("memfill: %lu wrong words\n", wrong);
}
