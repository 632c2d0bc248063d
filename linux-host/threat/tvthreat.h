/* SPDX-License-Identifier: GPL-2.0 */
/* The parts of tvthreat.ko (main.c says what it is and how it is used). */
#ifndef TVTHREAT_H
#define TVTHREAT_H

#include <linux/mm_types.h>
#include <linux/types.h>
#include <abi/hvc.h>

#define TAGGED(p, t) (((u64)(p) & ~(0xfull << 56)) | ((u64)(t) << 56))
#define GRANULE 16
#define TAG_BLOCK 256 /* LDGM/STGM cover GMID_EL1.BS = 6: 256 bytes */
#define EC(esr) ((esr) >> 26)
#define IS_SEA(esr) (EC(esr) == 0x25 && ((esr) & 0x3f) == 0x10)

/* main.c: the module's parameters, its verdicts, hypercalls. */
extern int pid;
extern unsigned long uaddr, bytes;
extern bool host_mte;
void check(bool ok, const char *fmt, ...) __printf(2, 3);
/* A hypercall; x1..x3 of the result in out[] (may be NULL). */
long hvc(u32 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6, u64 *out);

/* trap.c: surviving the exceptions we provoke, and EL1's tag controls. */
struct trap_state {
	bool armed, hit;
	u64 esr, far;
};
extern struct trap_state trap;
int trap_init(void);
void trap_exit(void);

/*
 * One instruction with x0 (in and out) and x1, its exceptions caught. Interrupts are
 * off: nothing else runs while the trap is armed, or while EL1 state is ours.
 */
#define TRY(insn, x0, x1)                                                                    \
	({                                                                                   \
		register u64 r0_ asm("x0") = (x0);                                           \
		register u64 r1_ asm("x1") = (x1);                                           \
		trap = (typeof(trap)){ .armed = true };                                      \
		asm volatile(".arch armv8.5-a+memtag\n" insn : "+r"(r0_) : "r"(r1_) : "memory"); \
		WRITE_ONCE(trap.armed, false);                                               \
		(x0) = r0_;                                                                  \
		trap.hit;                                                                    \
	})

struct el1_state {
	u64 mair, sctlr, tcr;
	unsigned long flags;
};
/* Everything EL1 controls for tags on (interrupts off until el1_tags_off). */
void el1_tags_on(struct el1_state *s);
void el1_tags_off(struct el1_state *s);

/* guest.c: the VMM's pages (a reference each; put_pages drops them). */
struct page **vmm_pages(unsigned long *n);
void put_pages(struct page **pages, unsigned long n);

/* The tests. */
void test_own(void);
void test_tags(void);
void test_malicious(u64 hyp_base);

#endif
