/* SPDX-License-Identifier: MIT */
/*
 * Side doors of a protected VM (part of the malicious-host suite, with
 * test_malicious_host.c): state of the CPU that one VM could leave for the next VM or
 * for the host to read, or that the host could leave for a VM. Each test runs a victim
 * and then looks from the other side.
 */
#include <abi/guest.h>
#include <abi/snapshot.h>
#include <host/test.h>
#include <host/vmm.h>
#include <lib/string.h>

/* A guest from an embedded image, run until its next READY call (its x1, x2 kept). */
struct probe {
	struct guest g;
	uint64_t x1, x2;
	bool ready;
};

static struct probe *probes[VMM_MAX_GUESTS];

static bool on_ready(struct guest *g, unsigned v, const uint64_t args[5], uint64_t *ret)
{
	(void)v;
	struct probe *p = probes[g->id];

	if (args[0] != TV_VMM_CALL_READY) {
		return false;
	}
	p->ready = true;
	p->x1 = args[1];
	p->x2 = args[2];
	*ret = 0;
	return true;
}

static int probe_start(struct probe *p, unsigned id, uint32_t flags, const uint8_t *elf,
		       const uint8_t *elf_end, uint64_t x0)
{
	memset(p, 0, sizeof(*p));
	probes[id] = p;
	p->g.id = id;
	p->g.vmm_call = on_ready;
	pl011_init(&p->g.uart, false);
	host_finalise();
	if (guest_create(&p->g, flags, 4ull << 20, 1) ||
	    guest_load_elf(&p->g, elf, (uint64_t)(elf_end - elf)) ||
	    tv_hvc(TV_HC_VCPU_SET_REG, (uint64_t)p->g.handle, 0, TV_REG_X0, x0, 0, 0, NULL)) {
		return -1;
	}
	return 0;
}

/* Runs the guest until it reports (READY) or ends; returns whether it reported. */
static bool probe_run(struct probe *p)
{
	p->ready = false;
	while (!p->ready && !p->g.done) {
		guest_run_vcpu(&p->g, 0);
	}
	return p->ready;
}

/*
 * The virtual CPU interface is switched or reset for every guest (issue: a non-GIC spy
 * VM read a protected GIC victim's "PMR 0xa8 IGRPEN1 1"; IMO is set for every guest, so
 * its ICC_* accesses reach ICH_VMCR_EL2 and the APRs, whatever VM used them last).
 */
HOST_TEST(vgic_state_does_not_reach_the_next_vm)
{
	static struct probe victim, spy;

	HT_EXPECT_EQ(probe_start(&victim, 0, TV_VM_PROTECTED | TV_VM_GIC, side_doors_elf,
				 side_doors_elf_end, 1),
		     0);
	HT_EXPECT_TRUE(probe_run(&victim));
	HT_EXPECT_EQ(victim.x1, 0xa8); /* the victim's interface is set up */
	HT_EXPECT_EQ(victim.x2 & 0xff, 1);
	HT_EXPECT_EQ((victim.x2 >> 8) & 0xff, 3);

	HT_EXPECT_EQ(probe_start(&spy, 1, 0, side_doors_elf, side_doors_elf_end, 0), 0);
	HT_EXPECT_TRUE(probe_run(&spy));
	host_log("spy found PMR 0x%lx IGRPEN1 %lu BPR1 %lu CTLR 0x%lx", spy.x1, spy.x2 & 0xff,
		 (spy.x2 >> 8) & 0xff, spy.x2 >> 16);
	HT_EXPECT_EQ(spy.x1, 0);
	HT_EXPECT_EQ(spy.x2 & 0xff, 0);
	HT_EXPECT_EQ((spy.x2 >> 16) & 2, 0); /* EOImode */
	/* A GIC VM after it sees a fresh interface too, and the victim still has its own. */
	guest_destroy(&spy.g);
	HT_EXPECT_EQ(probe_start(&spy, 1, TV_VM_GIC, side_doors_elf, side_doors_elf_end, 0), 0);
	HT_EXPECT_TRUE(probe_run(&spy));
	HT_EXPECT_EQ(spy.x1, 0);
	HT_EXPECT_EQ(spy.x2 & 0xff, 0);
	HT_EXPECT_TRUE(probe_run(&victim));
	HT_EXPECT_EQ(victim.x1, 0xa8);
	HT_EXPECT_EQ((victim.x2 >> 16) & 2, 2);
	guest_destroy(&spy.g);
	guest_destroy(&victim.g);
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
}

#define PMCR_E	     1ul
#define INST_RETIRED 0x08
#define CPU_CYCLES   0x11
#define BUSY_LOOPS   10000000ul /* guests/side_doors.c */

static uint64_t read_counter0(void)
{
	uint64_t v;

	__asm__ volatile("msr pmselr_el0, xzr\nisb\nmrs %0, pmxevcntr_el0" : "=r"(v));
	return v;
}

static uint64_t read_cycles(void)
{
	uint64_t v;

	__asm__ volatile("isb\nmrs %0, pmccntr_el0" : "=r"(v));
	return v;
}

/*
 * The host's PMU does not count a guest (issue: a host counter set to INST_RETIRED at
 * EL0 and EL1 read +2002 for 1,000 iterations of a protected guest's loop): while a guest
 * runs the host's counters are stopped, and saved while the guest has the PMU. Needs
 * --icount (QEMU has INST_RETIRED only then); a busy guest runs 10 M iterations.
 */
HOST_TEST(host_pmu_does_not_count_guests)
{
	static struct probe busy, owner;
	uint64_t ceid, insns, cycles;

	__asm__ volatile("mrs %0, pmceid0_el0" : "=r"(ceid));
	if (!(ceid & (1u << INST_RETIRED))) {
		host_log("no INST_RETIRED event (run with --icount): nothing to measure");
		HT_EXPECT_TRUE(false);
		return;
	}
	/* Counter 0 counts instructions at EL1 and EL0 (not EL2); the cycle counter too. */
	__asm__ volatile("msr pmselr_el0, xzr\nisb\nmsr pmxevtyper_el0, %0\n"
			 "msr pmccfiltr_el0, xzr\nmsr pmcntenset_el0, %1\n"
			 "mrs x9, pmcr_el0\norr x9, x9, #1\nmsr pmcr_el0, x9\nisb"
			 :
			 : "r"((uint64_t)INST_RETIRED), "r"(1ul | 1ul << 31)
			 : "x9");
	for (int protect = 1; protect >= 0; protect--) {
		HT_EXPECT_EQ(probe_start(&busy, 0, protect ? TV_VM_PROTECTED : 0, side_doors_elf,
					 side_doors_elf_end, 4),
			     0);
		HT_EXPECT_TRUE(probe_run(&busy)); /* at the start of its loop */
		insns = read_counter0();
		cycles = read_cycles();
		HT_EXPECT_TRUE(probe_run(&busy)); /* after 10 M iterations */
		insns = read_counter0() - insns;
		cycles = read_cycles() - cycles;
		host_log("%s guest: host counted %lu instructions and %lu cycles across its loop",
			 protect ? "protected" : "normal", insns, cycles);
		HT_EXPECT_EQ(busy.x1, BUSY_LOOPS);
		/* The host's own work between the two reads: a run call, a few thousand. */
		HT_EXPECT_CMP(insns, <, 100000);
		HT_EXPECT_CMP(cycles, <, 100000);
		guest_destroy(&busy.g);
	}
	/* A guest that owns the PMU: the host's counts continue where they were, unchanged. */
	HT_EXPECT_EQ(probe_start(&owner, 1, 0, side_doors_elf, side_doors_elf_end, 2), 0);
	insns = read_counter0();
	HT_EXPECT_TRUE(probe_run(&owner));
	HT_EXPECT_EQ(owner.x1 >> 12, 0x1234 >> 12); /* its own counter, counting its cycles */
	HT_EXPECT_EQ(owner.x2 & PMCR_E, PMCR_E);
	HT_EXPECT_CMP(read_counter0() - insns, <, 100000);
	HT_EXPECT_CMP(read_counter0(), >, insns); /* the host's counter runs */
	guest_destroy(&owner.g);
}

/* A VM never finds another's PMU state: counters, types, enables are its own (zero). */
HOST_TEST(pmu_state_does_not_reach_the_next_vm)
{
	static struct probe victim, spy;

	HT_EXPECT_EQ(
	    probe_start(&victim, 0, TV_VM_PROTECTED, side_doors_elf, side_doors_elf_end, 2), 0);
	HT_EXPECT_TRUE(probe_run(&victim));
	HT_EXPECT_CMP(victim.x1, >=, 0x1234);
	HT_EXPECT_EQ(victim.x2 & PMCR_E, PMCR_E);
	HT_EXPECT_EQ(probe_start(&spy, 1, 0, side_doors_elf, side_doors_elf_end, 3), 0);
	HT_EXPECT_TRUE(probe_run(&spy));
	host_log("spy found PMEVTYPER0 0x%lx PMCNTENSET 0x%lx PMEVCNTR0 0x%lx PMCR.E %lu",
		 spy.x1 & 0xffffffff, spy.x1 >> 32, spy.x2 & ~(1ul << 63), spy.x2 >> 63);
	HT_EXPECT_EQ(spy.x1, 0);
	HT_EXPECT_EQ(spy.x2, 0);
	/* The victim's counter went on counting its own cycles only. */
	HT_EXPECT_TRUE(probe_run(&victim));
	HT_EXPECT_CMP(victim.x1, >=, 0x1234);
	guest_destroy(&spy.g);
	guest_destroy(&victim.g);
}

#define MDSCR_KDE	 (1ul << 13)
#define MDSCR_MDE	 (1ul << 15)
#define DBGBCR_E_EL1_ALL 0x1e3ul /* E, PMC EL1, BAS all: an address match at EL1 */

/*
 * The host's debug state never reaches a guest (issue: breakpoints and watchpoints were
 * not switched, so a host that set the guest's MDSCR_EL1.MDE/KDE, as it may before a
 * protected VM first runs, could raise debug exceptions inside it). The host arms its
 * breakpoint 0 at a function of the guest, which then calls it with debug enabled.
 */
HOST_TEST(host_breakpoints_do_not_reach_a_guest)
{
	static struct probe spy;
	static struct tv_vcpu_state st;
	uint64_t h, bcr;

	HT_EXPECT_EQ(probe_start(&spy, 0, TV_VM_PROTECTED, side_doors_elf, side_doors_elf_end, 5),
		     0);
	h = (uint64_t)spy.g.handle;
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_GET_STATE, h, 0, (uint64_t)&st, 0, 0, 0, NULL), 0);
	st.mdscr_el1 = MDSCR_KDE | MDSCR_MDE;
	HT_EXPECT_EQ(tv_hvc(TV_HC_VCPU_SET_STATE, h, 0, (uint64_t)&st, 0, 0, 0, NULL), 0);
	HT_EXPECT_TRUE(probe_run(&spy));
	HT_EXPECT_EQ(spy.x2 & (MDSCR_KDE | MDSCR_MDE), MDSCR_KDE | MDSCR_MDE);
	/* The host's own breakpoint on the guest's function, its OS lock open. */
	__asm__ volatile("msr oslar_el1, xzr\n"
			 "msr dbgbvr0_el1, %1\n"
			 "msr dbgbcr0_el1, %2\n"
			 "isb\n"
			 "mrs %0, dbgbcr0_el1"
			 : "=r"(bcr)
			 : "r"(spy.x1), "r"(DBGBCR_E_EL1_ALL));
	HT_EXPECT_EQ(bcr, DBGBCR_E_EL1_ALL);
	HT_EXPECT_TRUE(probe_run(&spy));
	host_log("guest: %s at its function, DBGBCR0_EL1 0x%lx",
		 spy.x1 ? "a debug exception" : "no debug exception", spy.x2);
	HT_EXPECT_EQ(spy.x1, 0);
	HT_EXPECT_EQ(spy.x2, 0);
	/* The host's breakpoint is back in place for the host. */
	__asm__ volatile("mrs %0, dbgbcr0_el1" : "=r"(bcr));
	HT_EXPECT_EQ(bcr, DBGBCR_E_EL1_ALL);
	__asm__ volatile("msr dbgbcr0_el1, xzr\nisb");
	guest_destroy(&spy.g);
}

/*
 * A guest's DISR_EL1 is its own (with HCR_EL2.AMO every guest's DISR_EL1 is VDISR_EL2,
 * which was not switched): a deferred SError record written by one VM is not what the
 * next reads, and the first keeps its own.
 */
HOST_TEST(disr_does_not_reach_the_next_vm)
{
	static struct probe victim, spy;

	HT_EXPECT_EQ(
	    probe_start(&victim, 0, TV_VM_PROTECTED, side_doors_elf, side_doors_elf_end, 6), 0);
	HT_EXPECT_TRUE(probe_run(&victim));
	HT_EXPECT_EQ(victim.x1, 0x80000011);
	HT_EXPECT_EQ(probe_start(&spy, 1, 0, side_doors_elf, side_doors_elf_end, 7), 0);
	HT_EXPECT_TRUE(probe_run(&spy));
	host_log("spy found DISR_EL1 0x%lx", spy.x1);
	HT_EXPECT_EQ(spy.x1, 0);
	HT_EXPECT_TRUE(probe_run(&victim));
	HT_EXPECT_EQ(victim.x1, 0x80000011);
	guest_destroy(&spy.g);
	guest_destroy(&victim.g);
}
