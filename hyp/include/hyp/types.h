/* SPDX-License-Identifier: MIT */
/*
 * Address types. Physical addresses and guest IPAs are distinct struct types so
 * that passing one where the other is meant is a compile error, not a bug.
 */
#ifndef HYP_TYPES_H
#define HYP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define GRANULE_SIZE 16u                      /* bytes covered by one allocation tag */
#define TAGS_PER_PAGE (PAGE_SIZE / GRANULE_SIZE) /* 256 */

#define HYP_MAX_CPUS 8 /* CPUs of the machine the hypervisor can run on */

#define ALIGNED(x, a) (((x) & ((a)-1)) == 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

typedef struct {
	uint64_t pa;
} phys_addr_t;

typedef struct {
	uint64_t ipa;
} ipa_t;

static inline phys_addr_t pa_init(uint64_t v)
{
	return (phys_addr_t){ v };
}

static inline uint64_t pa_addr(phys_addr_t p)
{
	return p.pa;
}

static inline phys_addr_t pa_add(phys_addr_t p, uint64_t off)
{
	return (phys_addr_t){ p.pa + off };
}

static inline ipa_t ipa_init(uint64_t v)
{
	return (ipa_t){ v };
}

static inline uint64_t ipa_addr(ipa_t i)
{
	return i.ipa;
}

#endif
