/* SPDX-License-Identifier: MIT */
/*
 * Self-hosted debug as a guest of QEMU's virt machine has it: the OS lock set at reset
 * and opened by OSLAR, hardware breakpoints, watchpoints (store and load) and single
 * step, each exception taken at EL1 with the syndrome, ELR and FAR hardware gives; a
 * step over an instruction EL2 emulates (an ID register read) ends right after it. The
 * output is the same under tagvisor and on bare QEMU.
 */
#include "guest.h"

#define MDSCR_SS	  (1u << 0)
#define MDSCR_KDE	  (1u << 13)
#define MDSCR_MDE	  (1u << 15)
#define SPSR_D		  (1u << 9)
#define SPSR_SS		  (1u << 21)
#define EC_BREAKPOINT	  0x31
#define EC_STEP		  0x33
#define EC_WATCHPOINT	  0x35
#define BCR_EL1_EXEC	  0x1e3u /* E, PMC EL1 (0b01), BAS 0b1111 */
#define WCR_EL1_LEN8(lsc) (1u | 1u << 1 | 0xffu << 5 | (lsc) << 3) /* E, PAC EL1, BAS */

static volatile unsigned hits;
static volatile uint64_t hit_esr, hit_elr, hit_far, steps[2];
static volatile uint64_t watched;

static bool on_debug(struct frame *f, uint64_t esr)
{
	unsigned ec = (unsigned)(esr >> 26);

	if (ec != EC_BREAKPOINT && ec != EC_STEP && ec != EC_WATCHPOINT) {
		return false;
	}
	hit_esr = esr;
	hit_elr = f->elr;
	hit_far = read_sysreg(far_el1);
	/* A step: the first one goes on stepping (active-not-pending after the return). */
	if (ec == EC_STEP && hits < 2) {
		steps[hits] = f->elr;
	}
	if (ec == EC_STEP && hits++ == 0) {
		f->spsr |= SPSR_SS;
		return true;
	}
	hits += ec != EC_STEP;
	/* Return with debug exceptions masked (PSTATE.D) and no step pending, as KVM's test does.
	 */
	f->spsr = (f->spsr | SPSR_D) & ~(uint64_t)SPSR_SS;
	return true;
}

static void __attribute__((noinline)) breakpointed(void)
{
	__asm__ volatile("nop");
}

static void report(const char *what)
{
	printf("%s: %u exception(s)", what, hits);
	if (hits) {
		printf(", EC 0x%lx ISS 0x%lx", hit_esr >> 26, hit_esr & 0x1ffffff);
	}
	printf("\n");
	hits = 0;
}

static void debug_on(void)
{
	write_sysreg(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
	isb();
	__asm__ volatile("msr daifclr, #8");
	isb();
}

static void debug_off(void)
{
	__asm__ volatile("msr daifset, #8");
	write_sysreg(mdscr_el1, 0);
	write_sysreg(dbgbcr0_el1, 0);
	write_sysreg(dbgwcr0_el1, 0);
	isb();
}

extern const char step_from[], step_to[], step_trap_from[], step_trap_to[];

void guest_main(void)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1), v;

	printf("DebugVer 0x%lx, %lu breakpoints, %lu watchpoints\n", dfr0 & 0xf,
	       ((dfr0 >> 12) & 0xf) + 1, ((dfr0 >> 20) & 0xf) + 1);
	guest_sync_handler = on_debug;
	printf("OSLSR_EL1 at reset: 0x%lx\n", read_sysreg(oslsr_el1));

	/* With the OS lock set, an armed breakpoint does nothing. */
	write_sysreg(dbgbvr0_el1, (uint64_t)breakpointed);
	write_sysreg(dbgbcr0_el1, BCR_EL1_EXEC);
	debug_on();
	breakpointed();
	debug_off();
	report("breakpoint, OS lock set");

	write_sysreg(oslar_el1, 0);
	isb();
	printf("OSLSR_EL1 unlocked: 0x%lx\n", read_sysreg(oslsr_el1));
	write_sysreg(dbgbvr0_el1, (uint64_t)breakpointed);
	write_sysreg(dbgbcr0_el1, BCR_EL1_EXEC);
	printf("DBGBCR0_EL1 reads back 0x%lx\n", read_sysreg(dbgbcr0_el1));
	debug_on();
	breakpointed();
	debug_off();
	report("breakpoint");
	printf("  at the function: %s\n", hit_elr == (uint64_t)breakpointed ? "yes" : "no");

	/* Watchpoints: a store, then a load, of the watched doubleword. */
	for (unsigned lsc = 2; lsc >= 1; lsc--) {
		write_sysreg(dbgwvr0_el1, (uint64_t)&watched);
		write_sysreg(dbgwcr0_el1, WCR_EL1_LEN8(lsc));
		debug_on();
		if (lsc == 2) {
			watched = 42;
		} else {
			v = watched;
			(void)v;
		}
		debug_off();
		report(lsc == 2 ? "watchpoint on a store" : "watchpoint on a load");
		printf("  FAR the watched address: %s\n",
		       hit_far == (uint64_t)&watched ? "yes" : "no");
	}

	/*
	 * Single step: pending at once when debug is unmasked (no ERET set PSTATE.SS), then,
	 * stepping on, one instruction at a time: a plain one, and one EL2 emulates under
	 * tagvisor (it must leave PSTATE.SS clear, or the step would end an instruction late).
	 */
	write_sysreg(mdscr_el1, MDSCR_KDE | MDSCR_SS);
	isb();
	__asm__ volatile("msr daifclr, #8\n"
			 "step_from: mov x0, x0\n"
			 "step_to: msr daifset, #8\n"
			 :
			 :
			 : "x0", "memory");
	write_sysreg(mdscr_el1, 0);
	report("single step");
	printf("  first at the next instruction: %s, then after it: %s\n",
	       steps[0] == (uint64_t)step_from ? "yes" : "no",
	       steps[1] == (uint64_t)step_to ? "yes" : "no");
	write_sysreg(mdscr_el1, MDSCR_KDE | MDSCR_SS);
	isb();
	__asm__ volatile("msr daifclr, #8\n"
			 "step_trap_from: mrs x0, id_aa64pfr0_el1\n"
			 "step_trap_to: msr daifset, #8\n"
			 :
			 :
			 : "x0", "memory");
	write_sysreg(mdscr_el1, 0);
	report("single step over an ID register read");
	printf("  first at it: %s, then right after it: %s\n",
	       steps[0] == (uint64_t)step_trap_from ? "yes" : "no",
	       steps[1] == (uint64_t)step_trap_to ? "yes" : "no");
	printf("MDSCR_EL1 reads back 0x%lx\n", read_sysreg(mdscr_el1));
	printf("debug: done\n");
}
