/* SPDX-License-Identifier: MIT */
/*
 * The fake architecture: the core built natively for unit tests. Physical memory
 * is a host buffer, tags live in a separate store with one tag per 16-byte
 * granule, page tables hold the real descriptor bits, and "running" a vCPU plays
 * a scripted sequence of traps through the real exit handling.
 */
#ifndef ARCH_FAKE_H
#define ARCH_FAKE_H

#include <hyp/trap.h>
#include <hyp/types.h>

#define FAKE_RAM_BASE 0x40000000ull

struct fake_config {
	uint64_t ram_size;  /* bytes of fake RAM */
	uint64_t hyp_size;  /* bytes of it reserved for the hypervisor (pools, metadata) */
	bool mte;           /* tag storage present */
};

/* Builds a fresh hypervisor over fresh fake RAM (the previous one is freed). */
void fake_hyp_init(const struct fake_config *cfg);

/* The tag of the granule at pa, and setting it directly (as a guest would). */
uint8_t fake_tag_get(uint64_t pa);
void fake_tag_set(uint64_t pa, uint8_t tag);

/* The physical counter arch_counter() returns. */
extern uint64_t fake_counter;

/*
 * The PMU: whether the fake CPU has one, and its registers as the hardware holds them
 * for the vCPU arch_pmu_take() gave it to (reset by fake_hyp_init).
 */
#include <hyp/pmu.h>
extern bool fake_pmu;
extern struct pmu_state fake_pmu_hw;
void fake_pmu_reset(void);

/* The debug registers as the hardware holds them (for the vCPU given them, if any). */
#include <hyp/debug.h>
extern struct debug_state fake_debug_hw;
void fake_debug_reset(void);

/* Calls of arch_ptimer_changed() since init (EL2's timer re-armed for the guest's). */
extern unsigned fake_ptimer_changes;

/* Counts of TLB invalidations since init, per kind. */
extern unsigned fake_tlbi_ipa, fake_tlbi_vmid;

/* ID register values returned by arch_read_id_reg (zero unless set). */
void fake_set_id_reg(uint32_t enc, uint64_t val);
extern bool fake_idst;

/*
 * The guest "program": called on each entry, it may change the context and
 * returns the trap to deliver, or false to deliver an IRQ exit.
 */
typedef bool (*fake_guest_fn)(struct vcpu *vcpu, struct trap_info *trap, void *arg);
void fake_set_guest(fake_guest_fn fn, void *arg);

/* DMA faults arch_iommu_faults() reports (its last fault is a fixed one). */
extern uint64_t fake_iommu_faults;

/*
 * The data cache: what EL2 wrote to a page (its data, its tags) stays dirty until
 * arch_page_clean_poc() cleans it. fake_cache_dirty() gives the dirty parts of a page.
 */
#define FAKE_CACHE_DATA 1u
#define FAKE_CACHE_TAGS 2u
void fake_cache_reset(uint64_t ram_size);
void fake_cache_write(uint64_t pa, unsigned what);
unsigned fake_cache_dirty(uint64_t pa);

/* Console output of the hypervisor since init (for checking log messages). */
const char *fake_console(void);

#endif
