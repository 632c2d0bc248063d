/* SPDX-License-Identifier: MIT */
/*
 * Self-hosted debug at EL2 (hyp/include/hyp/debug.h says what a guest gets): the
 * breakpoint, watchpoint and claim-tag registers and the OS lock saved and loaded
 * between the host and the vCPU that owns them, and MDCR_EL2's debug traps.
 */
#include <arch/lazy.h>
#include <arch/platform.h>
#include <arch/sysreg.h>
#include <hyp/debug.h>
#include <hyp/vm.h>

#define ID_BRPS(dfr0) ((((dfr0) >> 12) & 0xf) + 1)
#define ID_WRPS(dfr0) ((((dfr0) >> 20) & 0xf) + 1)

static unsigned nr_brps, nr_wrps;
/* Each CPU's host state while a vCPU's is loaded there (cpu->debug_owner). */
static struct debug_state host_state[PLATFORM_MAX_CPUS];

/* The n-th breakpoint or watchpoint register: op2 4..7 = BVR, BCR, WVR, WCR. */
#define DBG_ONE(reg, write, v)                                                                     \
	do {                                                                                       \
		if (write) {                                                                       \
			write_sysreg(reg, v);                                                      \
		} else {                                                                           \
			v = read_sysreg(reg);                                                      \
		}                                                                                  \
	} while (0)
#define DBG_CASE(n)                                                                                \
	case n:                                                                                    \
		if (op2 == 4) {                                                                    \
			DBG_ONE(dbgbvr##n##_el1, write, v);                                        \
		} else if (op2 == 5) {                                                             \
			DBG_ONE(dbgbcr##n##_el1, write, v);                                        \
		} else if (op2 == 6) {                                                             \
			DBG_ONE(dbgwvr##n##_el1, write, v);                                        \
		} else {                                                                           \
			DBG_ONE(dbgwcr##n##_el1, write, v);                                        \
		}                                                                                  \
		break;

static uint64_t bp_access(unsigned n, unsigned op2, bool write, uint64_t v)
{
	switch (n) {
		DBG_CASE(0)
		DBG_CASE(1)
		DBG_CASE(2)
		DBG_CASE(3)
		DBG_CASE(4)
		DBG_CASE(5)
		DBG_CASE(6)
		DBG_CASE(7)
		DBG_CASE(8)
		DBG_CASE(9)
		DBG_CASE(10)
		DBG_CASE(11)
		DBG_CASE(12)
		DBG_CASE(13)
		DBG_CASE(14)
		DBG_CASE(15)
	default:
		break;
	}
	return v;
}

void debug_arch_init(struct hyp_cpu *cpu)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1);
	bool fgt = ((read_sysreg(id_aa64mmfr0_el1) >> 56) & 0xf) != 0;
	bool trf = ((dfr0 >> 40) & 0xf) != 0;

	nr_brps = (unsigned)ID_BRPS(dfr0);
	nr_wrps = (unsigned)ID_WRPS(dfr0);
	/*
	 * The OS lock and MDRAR always trap, the DCC too where FEAT_FGT gives TDCC, and the
	 * trace filter TRFCR_EL1 (FEAT_TRF: hidden from guests, not switched) where it exists.
	 */
	cpu->guest_mdcr |= MDCR_TDOSA | MDCR_TDRA | (fgt ? MDCR_TDCC : 0) | (trf ? MDCR_TTRF : 0);
}

static void hw_save(struct debug_state *s)
{
	for (unsigned i = 0; i < nr_brps && i < DEBUG_MAX_BPS; i++) {
		s->bvr[i] = bp_access(i, 4, false, 0);
		s->bcr[i] = bp_access(i, 5, false, 0);
	}
	for (unsigned i = 0; i < nr_wrps && i < DEBUG_MAX_BPS; i++) {
		s->wvr[i] = bp_access(i, 6, false, 0);
		s->wcr[i] = bp_access(i, 7, false, 0);
	}
	s->claim = read_sysreg(dbgclaimclr_el1) & 0xff;
	s->oslk = (read_sysreg(oslsr_el1) & OSLSR_OSLK) != 0;
}

static void hw_load(const struct debug_state *s)
{
	for (unsigned i = 0; i < nr_brps && i < DEBUG_MAX_BPS; i++) {
		bp_access(i, 5, true, s->bcr[i]);
		bp_access(i, 4, true, s->bvr[i]);
	}
	for (unsigned i = 0; i < nr_wrps && i < DEBUG_MAX_BPS; i++) {
		bp_access(i, 7, true, s->wcr[i]);
		bp_access(i, 6, true, s->wvr[i]);
	}
	write_sysreg(dbgclaimclr_el1, 0xff);
	write_sysreg(dbgclaimset_el1, s->claim);
	write_sysreg(oslar_el1, s->oslk);
	isb();
}

unsigned arch_debug_brps(void)
{
	return nr_brps;
}

unsigned arch_debug_wrps(void)
{
	return nr_wrps;
}

bool arch_debug_loaded(const struct vcpu *vcpu)
{
	return this_cpu()->debug_owner == vcpu;
}

void arch_debug_set_oslk(bool locked)
{
	write_sysreg(oslar_el1, locked);
	isb();
}

void debug_take(struct hyp_cpu *cpu, struct vcpu *vcpu)
{
	hw_save(&host_state[cpu->idx]);
	hw_load(&vcpu->debug);
	cpu->debug_owner = vcpu;
}

void arch_debug_take(struct vcpu *vcpu)
{
	debug_take(this_cpu(), vcpu);
	write_sysreg(mdcr_el2, read_sysreg(mdcr_el2) & ~MDCR_TDA);
	isb();
}

void debug_give_back(struct hyp_cpu *cpu)
{
	hw_save(&cpu->debug_owner->debug);
	hw_load(&host_state[cpu->idx]);
	cpu->debug_owner = NULL;
}
