/* SPDX-License-Identifier: MIT */
/*
 * Side doors of a protected VM (part of the malicious-host suite, with
 * test_malicious_host.c): state of the CPU that one VM could leave for the next VM or
 * for the host to read, or that the host could leave for a VM. Each test runs a victim
 * and then looks from the other side.
 */
#include <abi/guest.h>
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

static bool on_ready(struct guest *g, const uint64_t args[5], uint64_t *ret)
{
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

	HT_EXPECT_EQ(probe_start(&victim, 0, TV_VM_PROTECTED | TV_VM_GIC, gic_spy_elf,
				 gic_spy_elf_end, 1),
		     0);
	HT_EXPECT_TRUE(probe_run(&victim));
	HT_EXPECT_EQ(victim.x1, 0xa8); /* the victim's interface is set up */
	HT_EXPECT_EQ(victim.x2 & 0xff, 1);
	HT_EXPECT_EQ((victim.x2 >> 8) & 0xff, 3);

	HT_EXPECT_EQ(probe_start(&spy, 1, 0, gic_spy_elf, gic_spy_elf_end, 0), 0);
	HT_EXPECT_TRUE(probe_run(&spy));
	host_log("spy found PMR 0x%lx IGRPEN1 %lu BPR1 %lu CTLR 0x%lx", spy.x1, spy.x2 & 0xff,
		 (spy.x2 >> 8) & 0xff, spy.x2 >> 16);
	HT_EXPECT_EQ(spy.x1, 0);
	HT_EXPECT_EQ(spy.x2 & 0xff, 0);
	HT_EXPECT_EQ((spy.x2 >> 16) & 2, 0); /* EOImode */
	/* A GIC VM after it sees a fresh interface too, and the victim still has its own. */
	guest_destroy(&spy.g);
	HT_EXPECT_EQ(probe_start(&spy, 1, TV_VM_GIC, gic_spy_elf, gic_spy_elf_end, 0), 0);
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
