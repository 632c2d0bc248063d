/* SPDX-License-Identifier: MIT */
/*
 * The VMM's main loop: create the guests the boot arguments name, load them, and
 * run their vCPUs, each host CPU its share (vCPU k of all the guests on CPU k mod
 * CPUs), round robin on a CPU that has several, each until it waits (WFI, PSCI
 * CPU_OFF), its time slice ends (the host's timer), or its guest ends. A CPU whose
 * vCPUs all wait sleeps in WFI until the hypervisor's doorbell (an interrupt for
 * one of them), a timer deadline or a kick from another CPU.
 * CPU 0 also reads the console's input and drives snapshots and migration.
 *   guest=ADDR:SIZE (repeatable, host/images.c)  mem=SIZE  mte=on|off  protected
 *   cpus=N (vCPUs per guest, 1..TV_MAX_VCPUS)
 */
#include <host/control.h>
#include <host/devices.h>
#include <host/smp.h>
#include <host/vmm.h>
#include <lib/string.h>

#define SLICE_TICKS 5000000 /* 5 ms at 1 GHz; with -icount shift=0, 5M instructions */
#define MIGRATION_SLICE_TICKS 1000000 /* shorter while pages are being sent */
#define MAX_SLOTS (VMM_MAX_GUESTS * TV_MAX_VCPUS)

static struct guest guests[VMM_MAX_GUESTS];

/* A vCPU on a host CPU's list. */
struct slot {
	struct guest *g;
	unsigned v;
};

static struct {
	struct guest *gs;
	unsigned n;
	struct slot slots[HOST_MAX_CPUS][MAX_SLOTS];
	unsigned nr_slots[HOST_MAX_CPUS];
} sched;

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

static bool is_done(const struct guest *g)
{
	return __atomic_load_n(&g->done, __ATOMIC_ACQUIRE);
}

/* Sends the host's "look again" SGI to every CPU of the mask but this one. */
static void kick_cpus(uint32_t mask)
{
	unsigned self = smp_this_cpu();

	for (unsigned c = 0; c < smp_nr_cpus(); c++) {
		if ((mask >> c & 1) && c != self) {
			irq_send_sgi(smp_cpu_mpidr(c), SGI_WORK);
		}
	}
}

void vmm_guest_ended(struct guest *g)
{
	kick_cpus(g->cpus);
}

void vmm_poke_control(void)
{
	kick_cpus(1u);
}

void vmm_pause(struct guest *g)
{
	uint32_t others = g->cpus & ~1u, n = 0;

	for (uint32_t m = others; m; m &= m - 1) {
		n++; /* (no __builtin_popcount: libgcc's uses SIMD, which the host does not) */
	}
	__atomic_store_n(&g->pause, 1, __ATOMIC_SEQ_CST);
	kick_cpus(others);
	while (__atomic_load_n(&g->parked, __ATOMIC_SEQ_CST) != n) {
		__asm__ volatile("wfe");
	}
}

void vmm_resume(struct guest *g)
{
	__atomic_store_n(&g->pause, 0, __ATOMIC_SEQ_CST);
	kick_cpus(g->cpus & ~1u);
}

/* A CPU other than 0 while CPU 0 has the guest paused: out of it, asleep. */
static void park(struct guest *g)
{
	__atomic_fetch_add(&g->parked, 1, __ATOMIC_SEQ_CST);
	__asm__ volatile("dsb ish; sev" ::: "memory");
	while (__atomic_load_n(&g->pause, __ATOMIC_SEQ_CST) && !is_done(g)) {
		__asm__ volatile("dsb sy; wfi" ::: "memory");
		irq_ack_all();
	}
	__atomic_fetch_sub(&g->parked, 1, __ATOMIC_SEQ_CST);
}

/* Arms this CPU's slice timer: the usual slice, cut short by a control deadline. */
static void arm_slice(unsigned cpu)
{
	uint64_t slice = control_busy() ? MIGRATION_SLICE_TICKS : SLICE_TICKS;
	uint64_t deadline = cpu == 0 ? control_deadline() : 0, now = read_cntpct();

	if (deadline) {
		slice = deadline > now ? MIN(slice, deadline - now) : 1;
	} else if (sched.nr_slots[cpu] == 1 && !(cpu == 0 && control_busy())) {
		slice_timer_stop(); /* one vCPU here and nothing to do: no need to interrupt it */
		return;
	}
	slice_timer_arm(slice);
}

/* Ends a guest by the VMM's decision (snapshot then stop, migrated away). */
static void end_guest(struct guest *g, int status, const char *why)
{
	host_log("guest %u %s", g->id, why);
	guest_end(g, status);
}

/* Moves typed bytes into the GIC guests' UARTs; true if any came. */
static bool poll_input(void)
{
	bool any = false;

	for (unsigned i = 0; i < sched.n; i++) {
		struct guest *g = &sched.gs[i];

		if (g->vgic.present && !is_done(g)) {
			spin_lock(&g->lock);
			any |= pl011_poll_input(g);
			spin_unlock(&g->lock);
		}
	}
	return any;
}

/* CPU 0's work between two runs: the console's input, snapshots and migration. */
static void cpu0_duties(void)
{
	struct guest *g = &sched.gs[0];

	poll_input();
	if (sched.n != 1 || is_done(g)) {
		return;
	}
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

/*
 * Nothing to run here: sleep until `until` (0: none), an interrupt other than the
 * slice timer (the doorbell, a kick), or 20 ms, whichever is first; CPU 0 also wakes
 * for typed input (polled every millisecond) and control deadlines.
 */
static void idle(unsigned cpu, uint64_t until)
{
	uint64_t freq = read_cntfrq(), now = read_cntpct(), limit = now + freq / 50;
	uint64_t deadline = cpu == 0 ? control_deadline() : 0;

	if (until && until < limit) {
		limit = until;
	}
	if (deadline && deadline < limit) {
		limit = deadline;
	}
	while (now < limit) {
		uint64_t step = limit - now;

		if (cpu == 0 && poll_input()) {
			return;
		}
		if (cpu == 0 && step > freq / 1000) {
			step = freq / 1000;
		}
		slice_timer_arm(step);
		__asm__ volatile("dsb sy; wfi" ::: "memory");
		if (irq_ack_all()) {
			return;
		}
		now = read_cntpct();
	}
}

/* One host CPU's run loop, until every guest it runs vCPUs of has ended. */
static void cpu_loop(unsigned cpu)
{
	const struct slot *slots = sched.slots[cpu];
	unsigned n = sched.nr_slots[cpu];
	bool woke = true;

	for (;;) {
		unsigned live = 0, ran = 0;
		uint64_t now = read_cntpct(), until = 0;

		if (cpu == 0) {
			cpu0_duties();
		}
		for (unsigned i = 0; i < n; i++) {
			struct guest *g = slots[i].g;
			struct vcpu_state *vc = &g->vcpu[slots[i].v];

			if (is_done(g)) {
				continue;
			}
			live++;
			if (cpu != 0 && __atomic_load_n(&g->pause, __ATOMIC_SEQ_CST)) {
				park(g);
				woke = true;
				continue;
			}
			if (vc->waiting && !woke && !(vc->wait_until && now >= vc->wait_until)) {
				if (vc->wait_until && (!until || vc->wait_until < until)) {
					until = vc->wait_until;
				}
				continue;
			}
			ran++;
			arm_slice(cpu);
			guest_run_vcpu(g, slots[i].v);
			if (cpu == 0) {
				cpu0_duties();
			}
			now = read_cntpct();
		}
		if (!live) {
			break;
		}
		/*
		 * Asleep, the CPU may have missed a doorbell rung here (EL2 rings none for the
		 * CPU that makes a vCPU pending): every waiting vCPU gets one more try.
		 */
		woke = ran == 0 || n > 1;
		if (!ran) {
			idle(cpu, until);
		}
	}
	slice_timer_stop();
}

static void secondary_loop(void *arg)
{
	cpu_loop((unsigned)(uintptr_t)arg);
}

int vmm_run(struct guest *gs, unsigned n)
{
	unsigned ncpu = smp_nr_cpus(), k = 0;
	int status = TV_STATUS_OK;

	irq_init();
	memset(&sched, 0, sizeof(sched));
	sched.gs = gs;
	sched.n = n;
	for (unsigned i = 0; i < n; i++) {
		gs[i].cpus = 0;
		for (unsigned v = 0; v < gs[i].nr_vcpus; v++, k++) {
			unsigned c = k % ncpu;

			sched.slots[c][sched.nr_slots[c]++] = (struct slot){ &gs[i], v };
			gs[i].vcpu[v].cpu = c;
			gs[i].cpus |= 1u << c;
		}
	}
	for (unsigned c = 1; c < ncpu; c++) {
		if (sched.nr_slots[c] && smp_run_on(c, secondary_loop, (void *)(uintptr_t)c)) {
			host_panic("CPU %u cannot run vCPUs", c);
		}
	}
	cpu_loop(0);
	for (unsigned c = 1; c < ncpu; c++) {
		smp_join(c);
	}
	for (unsigned i = 0; i < n; i++) {
		status = worse(status, gs[i].status);
	}
	return status;
}

/* The n-th value of a repeated boot argument. */
static const char *nth_guest(unsigned n)
{
	return bootarg_nth("guest", n);
}

/* kernel=PATH: a Linux guest, with the GIC, the timer and a device tree. */
static int run_linux(uint32_t flags, unsigned nr_vcpus)
{
	struct guest *g = &guests[0];
	uint64_t mem = bootarg_u64("mem", 256ull << 20);
	int status;

	host_finalise();
	g->id = 0;
	g->trace_mmio = bootarg("trace-mmio") != NULL;
	pl011_init(&g->uart, false);
	if (guest_create(g, flags | TV_VM_GIC, mem, nr_vcpus)) {
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
	uint64_t nr_vcpus = bootarg_u64("cpus", 1);
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
	if (!nr_vcpus || nr_vcpus > TV_MAX_VCPUS) {
		host_log("bad arguments: cpus=%lu (1 to %u)", nr_vcpus, TV_MAX_VCPUS);
		return TV_STATUS_USAGE;
	}
	if (bootarg("kernel")) {
		return run_linux(flags, (unsigned)nr_vcpus);
	}
	if (nr_vcpus > 1) {
		flags |= TV_VM_GIC; /* interrupts between vCPUs need the GIC */
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
		if (guest_create(g, flags, mem, (unsigned)nr_vcpus)) {
			return TV_STATUS_HYP_ERROR;
		}
		if (flags & TV_VM_GIC) {
			vgic_init(g);
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
		if (nr_vcpus > 1) {
			host_log("guest %u: %lu vCPUs", i, nr_vcpus);
		}
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
