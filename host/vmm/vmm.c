/* SPDX-License-Identifier: MIT */
/*
 * The VMM's main loop: create the guests the boot arguments name, load them,
 * and run their vCPUs round robin, each until it waits (WFI), its time slice
 * ends (the host's timer), or its guest ends.
 *   guest=ADDR:SIZE (repeatable, host/images.c)  mem=SIZE  mte=on|off  protected
 */
#include <host/control.h>
#include <host/devices.h>
#include <host/vmm.h>
#include <lib/string.h>

#define SLICE_TICKS 5000000 /* 5 ms at 1 GHz; with -icount shift=0, 5M instructions */
#define MIGRATION_SLICE_TICKS 1000000 /* shorter while pages are being sent */

static struct guest guests[VMM_MAX_GUESTS];

/* Combined status of several guests: the most severe. */
static int worse(int a, int b)
{
	static const int rank[] = {
		[TV_STATUS_OK] = 0,	     [TV_STATUS_RESET] = 1,	  [TV_STATUS_TEST_FAILED] = 2,
		[TV_STATUS_GUEST_CRASH] = 3, [TV_STATUS_TIMEOUT] = 4,	  [TV_STATUS_USAGE] = 5,
		[TV_STATUS_BAD_INPUT] = 6,   [TV_STATUS_HYP_ERROR] = 7,	  [TV_STATUS_QEMU] = 8,
	};

	if ((unsigned)a >= ARRAY_SIZE(rank) || (unsigned)b >= ARRAY_SIZE(rank)) {
		return TV_STATUS_HYP_ERROR;
	}
	return rank[a] >= rank[b] ? a : b;
}

/* Arms the slice timer: the usual slice, cut short by a control deadline. */
static void arm_slice(unsigned n)
{
	uint64_t slice = control_busy() ? MIGRATION_SLICE_TICKS : SLICE_TICKS;
	uint64_t deadline = control_deadline(), now = read_cntpct();

	if (deadline) {
		slice = deadline > now ? MIN(slice, deadline - now) : 1;
	} else if (n == 1 && !control_busy()) {
		slice_timer_stop(); /* one guest and nothing to do: no need to interrupt it */
		return;
	}
	slice_timer_arm(slice);
}

/* Ends a guest by the VMM's decision (snapshot then stop, migrated away). */
static void end_guest(struct guest *g, int status, const char *why)
{
	pl011_flush(g);
	host_log("guest %u %s", g->id, why);
	g->done = true;
	g->status = status;
}

int vmm_run(struct guest *gs, unsigned n)
{
	unsigned running = n;
	int status = TV_STATUS_OK;

	irq_init();
	while (running) {
		for (unsigned i = 0; i < n; i++) {
			struct guest *g = &gs[i];

			for (unsigned v = 0; v < g->nr_vcpus && !g->done; v++) {
				if (g->vcpu[v].off) {
					continue;
				}
				arm_slice(n);
				if (g->vgic.present) {
					pl011_poll_input(g);
				}
				guest_run_vcpu(g, v);
				if (n == 1 && !g->done) {
					switch (control_poll(g)) {
					case CONTROL_STOPPED:
						end_guest(g, TV_STATUS_OK, "stopped after its snapshot");
						break;
					case CONTROL_MIGRATED:
						end_guest(g, TV_STATUS_OK, "migrated to the destination");
						break;
					case CONTROL_ERROR:
						end_guest(g, TV_STATUS_HYP_ERROR, "failed");
						break;
					case CONTROL_RUN:
						break;
					}
				}
				if (g->done) {
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

/* kernel=PATH: a Linux guest, with the GIC, the timer and a device tree. */
static int run_linux(uint32_t flags)
{
	struct guest *g = &guests[0];
	uint64_t mem = bootarg_u64("mem", 256ull << 20);
	int status;

	host_finalise();
	g->id = 0;
	g->trace_mmio = bootarg("trace-mmio") != NULL;
	pl011_init(&g->uart, false);
	if (guest_create(g, flags | TV_VM_GIC, mem, 1)) {
		return TV_STATUS_HYP_ERROR;
	}
	vgic_init(g);
	g->pci.present = true;
	if (linux_load(g, bootarg("kernel"), bootarg("initrd"), bootarg("cmdline"))) {
		return TV_STATUS_BAD_INPUT;
	}
	control_init(g);
	status = vmm_run(guests, 1);
	host_log("guest 0 ended: status %d, exits: %lu MMIO, %lu memory, %lu WFI, %lu IRQ",
		 g->status, g->nr_exits[TV_EXIT_MMIO], g->nr_exits[TV_EXIT_MEM_FAULT],
		 g->nr_exits[TV_EXIT_WFI], g->nr_exits[TV_EXIT_IRQ]);
	guest_destroy(g);
	return status;
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
	if (bootarg("restore") || bootarg("incoming")) {
		host_finalise();
		guests[0].id = 0;
		pl011_init(&guests[0].uart, false);
		if (control_restore(&guests[0])) {
			return TV_STATUS_BAD_INPUT; /* the stream was refused, and why was said */
		}
		control_init(&guests[0]);
		status = vmm_run(guests, 1);
		guest_destroy(&guests[0]);
		return status;
	}
	if (bootarg("kernel")) {
		return run_linux(flags);
	}
	if (!n) {
		host_log("no guest given: nothing to run");
		return TV_STATUS_USAGE;
	}
	if (n > VMM_MAX_GUESTS || !mem || mem % PAGE_SIZE) {
		host_log("bad arguments: %u guests (at most %u), mem=0x%lx", n, VMM_MAX_GUESTS, mem);
		return TV_STATUS_USAGE;
	}
	host_finalise();
	for (unsigned i = 0; i < n; i++) {
		struct guest *g = &guests[i];
		uint64_t size;
		uint8_t *image = host_image(nth_guest(i), &size);

		g->id = i;
		pl011_init(&g->uart, n > 1);
		if (!image) {
			return TV_STATUS_USAGE;
		}
		if (guest_create(g, flags, mem, 1)) {
			return TV_STATUS_HYP_ERROR;
		}
		if (resident && swap_enable(g, resident)) {
			return TV_STATUS_USAGE;
		}
		if (guest_load_elf(g, image, size)) {
			return TV_STATUS_BAD_INPUT;
		}
		free_pages(image, (size + PAGE_SIZE - 1) / PAGE_SIZE);
		host_log("guest %u: %lu KiB image, %lu MiB%s%s", i, size >> 10, mem >> 20,
			 (flags & TV_VM_MTE) ? ", MTE" : "", (flags & TV_VM_PROTECTED) ? ", protected" : "");
	}
	if (n == 1) {
		control_init(&guests[0]);
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
