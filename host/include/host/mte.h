/* SPDX-License-Identifier: MIT */
/* MTE instructions and registers as the host uses them (its tests, mostly). */
#ifndef HOST_MTE_H
#define HOST_MTE_H

#include <stdint.h>

/* The allocation tag of the granule at addr (LDG), 0..15. */
static inline unsigned mte_ldg(uint64_t addr)
{
	uint64_t p = addr;

	__asm__ volatile(".arch armv8.5-a+memtag\nldg %0, [%0]" : "+r"(p) : : "memory");
	return (unsigned)(p >> 56) & 0xf;
}

/* Sets the tag of the granule at addr (STG). */
static inline void mte_stg(uint64_t addr, unsigned tag)
{
	uint64_t p = (addr & ~(0xfull << 56)) | (uint64_t)(tag & 0xf) << 56;

	__asm__ volatile(".arch armv8.5-a+memtag\nstg %0, [%0]" : : "r"(p) : "memory");
}

/* IRG with no exclusions: a random tag for addr. */
static inline unsigned mte_irg(uint64_t addr)
{
	uint64_t p = addr;

	__asm__ volatile(".arch armv8.5-a+memtag\nirg %0, %0" : "+r"(p));
	return (unsigned)(p >> 56) & 0xf;
}

/* Zeroes data and tags of the 64-byte block at addr (DC GZVA). */
static inline void mte_dc_gzva(uint64_t addr)
{
	__asm__ volatile(".arch armv8.5-a+memtag\ndc gzva, %0" : : "r"(addr) : "memory");
}

#endif
