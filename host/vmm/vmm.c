/* SPDX-License-Identifier: MIT */
/*
 * The VMM's main loop: create the guests the boot arguments name, load them,
 * and run their vCPUs round robin, each until it waits (WFI), its time slice
 * ends (the host's timer), or its guest ends.
 *   guest=PATH (repeatable)  mem=SIZE  mte=on|off  protected
 */
#include <host/devices.h>
#include <host/vmm.h>
#include <lib/string.h>

#define SLICE_TICKS 5000000 /* 5 ms at 1 GHz; with -icount shift=0, 5M instructions */

static struct guest guests[VMM_MAX_GUESTS];

/* Combined status of several guests: the most severe. */
static int worse(int a, int b)
{
	static const int rank[] = {
		[TV_STATUS_OK] = 0,	     [TV_STATUS_RESET] = 1,	  [TV_STATUS_TEST_FAILED] = 2,
		[TV_STATUS_GUEST_CRASH] = 3, [TV_STATUS_TIMEOUT] = 4,	  [TV_STATUS_USAGE] = 5,
		[TV_STATUS_HYP_ERROR] = 6,
	};

	return rank[a] >= rank[b] ? a : b;
}

int vmm_run(struct guest *gs, unsigned n)
{
	unsigned running = n;
	int status = TV_STATUS_OK;

	if (n > 1) {
		irq_init();
	}
	while (running) {
		for (unsigned i = 0; i < n; i++) {
			struct guest *g = &gs[i];

			for (unsigned v = 0; v < g->nr_vcpus && !g->done; v++) {
				if (g->vcpu[v].off) {
					continue;
				}
				if (n > 1) {
					slice_timer_arm(SLICE_TICKS);
				}
				if (guest_run_vcpu(g, v) == RUN_DONE) {
					running--;
					status = worse(status, g->status);
				}
			}
		}
	}
	slice_timer_stop();
	return status;
}

/* The n-th value of a repeated boot argument. */
static const char *nth_guest(unsigned n)
{
	return bootarg_nth("guest", n);
}

int vmm_main(void)
{
	uint64_t mem = bootarg_u64("mem", 64ull << 20), resident = bootarg_u64("resident", 0);
	const char *mte = bootarg("mte");
	uint32_t flags = (mte && !strcmp(mte, "on") ? TV_VM_MTE : 0) |
			 (bootarg("protected") ? TV_VM_PROTECTED : 0);
	unsigned n = 0;
	int status;

	while (nth_guest(n)) {
		n++;
	}
	if (!n) {
		host_log("no guest given: nothing to run");
		return TV_STATUS_OK;
	}
	if (n > VMM_MAX_GUESTS || !mem || mem % PAGE_SIZE) {
		host_log("bad arguments: %u guests (at most %u), mem=0x%lx", n, VMM_MAX_GUESTS, mem);
		return TV_STATUS_USAGE;
	}
	host_finalise();
	for (unsigned i = 0; i < n; i++) {
		struct guest *g = &guests[i];
		uint64_t size;
		uint8_t *image = read_host_file(nth_guest(i), &size);

		g->id = i;
		pl011_init(&g->uart, n > 1);
		if (!image) {
			return TV_STATUS_USAGE;
		}
		if (guest_create(g, flags, mem, 1) || (resident && swap_enable(g, resident)) ||
		    guest_load_elf(g, image, size)) {
			return TV_STATUS_USAGE;
		}
		free_pages(image, (size + PAGE_SIZE - 1) / PAGE_SIZE);
		host_log("guest %u: %s, %lu MiB%s%s", i, nth_guest(i), mem >> 20,
			 (flags & TV_VM_MTE) ? ", MTE" : "", (flags & TV_VM_PROTECTED) ? ", protected" : "");
	}
	status = vmm_run(guests, n);
	for (unsigned i = 0; i < n; i++) {
		host_log("guest %u ended: status %d, exits: %lu MMIO, %lu memory, %lu WFI, %lu IRQ", i,
			 guests[i].status, guests[i].nr_exits[TV_EXIT_MMIO],
			 guests[i].nr_exits[TV_EXIT_MEM_FAULT], guests[i].nr_exits[TV_EXIT_WFI],
			 guests[i].nr_exits[TV_EXIT_IRQ]);
		if (guests[i].swap) {
			struct swap *s = guests[i].swap;

			host_log("guest %u reclaim: %lu evictions, %lu restores, %lu resident pages at most; "
				 "%lu evicted pages had tags, %lu tag bytes stored (%lu.%02lu per page)",
				 i, s->evictions, s->restores, s->limit, s->tagged_evictions,
				 s->stored_tag_bytes,
				 s->evictions ? s->stored_tag_bytes / s->evictions : 0,
				 s->evictions ? s->stored_tag_bytes * 100 / s->evictions % 100 : 0);
		}
		guest_destroy(&guests[i]);
	}
	return status;
}
