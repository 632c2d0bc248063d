/* SPDX-License-Identifier: MIT */
/* The host's CPUs (host/smp.h): bring-up through PSCI, and work handed to each. */
#include <host/devices.h>
#include <host/host.h>
#include <host/smp.h>
#include <lib/fdt.h>

#define STACK_SIZE 65536

enum cpu_state { CPU_OFF, CPU_IDLE, CPU_BUSY };

static struct host_cpu {
	uint64_t mpidr;
	uint32_t state; /* enum cpu_state, atomic */
	void (*fn)(void *);
	void *arg;
} cpus[HOST_MAX_CPUS];

static unsigned nr_cpus = 1;
static uint8_t stacks[HOST_MAX_CPUS][STACK_SIZE] __attribute__((aligned(16)));
/* Read by a starting CPU with its MMU (so its caches) off: cleaned to memory first. */
uint64_t host_stack_tops[HOST_MAX_CPUS] __attribute__((aligned(64)));

void mmu_enable_this_cpu(void);

int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (int64_t)x0;
}

unsigned smp_nr_cpus(void)
{
	return nr_cpus;
}

unsigned smp_this_cpu(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, tpidr_el1" : "=r"(v));
	return (unsigned)v;
}

uint64_t smp_cpu_mpidr(unsigned cpu)
{
	return cpus[cpu].mpidr;
}

static uint32_t state_of(unsigned cpu)
{
	return __atomic_load_n(&cpus[cpu].state, __ATOMIC_ACQUIRE);
}

/* A secondary CPU's life once it runs C with its MMU on: work, then wait for more. */
_Noreturn void host_secondary_main(unsigned cpu)
{
	struct host_cpu *c = &cpus[cpu];

	mmu_enable_this_cpu();
	irq_cpu_init();
	__atomic_store_n(&c->state, CPU_IDLE, __ATOMIC_RELEASE);
	__asm__ volatile("dsb ish; sev" ::: "memory");
	for (;;) {
		/*
		 * Idle in WFI, not WFE: QEMU halts a CPU in WFI until an interrupt (CPU 0's SGI),
		 * where WFE would spin and, under -icount, count as instructions run.
		 */
		while (state_of(cpu) != CPU_BUSY) {
			__asm__ volatile("dsb sy; wfi" ::: "memory");
			irq_ack_all();
		}
		c->fn(c->arg);
		__atomic_store_n(&c->state, CPU_IDLE, __ATOMIC_RELEASE);
		__asm__ volatile("dsb ish; sev" ::: "memory");
	}
}

/* Turns CPU cpu on, into _secondary_start, and waits until it is idle. */
static int start_cpu(unsigned cpu)
{
	int64_t ret;

	host_stack_tops[cpu] = (uint64_t)(stacks[cpu] + STACK_SIZE);
	__asm__ volatile("dc civac, %0\n dsb sy" : : "r"(&host_stack_tops[cpu]) : "memory");
	ret = psci_call(PSCI_FN_CPU_ON, cpus[cpu].mpidr, (uint64_t)_secondary_start, cpu);
	if (ret) {
		host_log("CPU %u (MPIDR 0x%lx) did not start: PSCI %ld", cpu, cpus[cpu].mpidr, ret);
		return -1;
	}
	for (uint64_t start = read_cntpct(); state_of(cpu) != CPU_IDLE;) {
		if (read_cntpct() - start > 10 * read_cntfrq()) {
			host_log("CPU %u started but never reached the host", cpu);
			return -1;
		}
		__asm__ volatile("wfe");
	}
	return 0;
}

int smp_restart(unsigned cpu)
{
	if (cpu == 0 || cpu >= nr_cpus || state_of(cpu) != CPU_OFF) {
		return -1;
	}
	return start_cpu(cpu);
}

/* The CPUs of the device tree: /cpus/cpu@N in order, MPIDR affinity in "reg". */
static unsigned find_cpus(uint64_t dtb)
{
	struct fdt fdt;
	char path[32] = "/cpus/cpu@0";
	unsigned n = 0;
	int node;

	if (fdt_init(&fdt, (const void *)dtb, 0x200000)) {
		return 1;
	}
	while (n < HOST_MAX_CPUS && (node = fdt_find_node(&fdt, path)) >= 0) {
		uint32_t len;
		const uint8_t *reg = fdt_get_prop(&fdt, node, "reg", &len);

		cpus[n].mpidr = reg && len >= 8 ? fdt_read_cells(reg, 2) : reg && len >= 4
			? fdt_read_cells(reg, 1) : 0;
		n++;
		path[10] = (char)('0' + n);
	}
	return n ? n : 1;
}

unsigned smp_init(uint64_t dtb)
{
	unsigned found = find_cpus(dtb);

	__asm__ volatile("msr tpidr_el1, xzr");
	cpus[0].state = CPU_BUSY; /* CPU 0 runs main */
	nr_cpus = found;
	for (unsigned i = 1; i < found; i++) {
		if (start_cpu(i)) {
			break;
		}
	}
	return nr_cpus;
}

int smp_run_on(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct host_cpu *c = &cpus[cpu];

	if (cpu == 0 || cpu >= nr_cpus || state_of(cpu) != CPU_IDLE) {
		return -1;
	}
	c->fn = fn;
	c->arg = arg;
	__atomic_store_n(&c->state, CPU_BUSY, __ATOMIC_RELEASE);
	__asm__ volatile("dsb ish" ::: "memory");
	irq_send_sgi(cpus[cpu].mpidr, SGI_WORK);
	return 0;
}

void smp_join(unsigned cpu)
{
	while (cpu < nr_cpus && state_of(cpu) == CPU_BUSY) {
		__asm__ volatile("wfe");
	}
}

struct run_all {
	void (*fn)(unsigned, void *);
	void *arg;
};

static void run_all_one(void *p)
{
	const struct run_all *r = p;

	r->fn(smp_this_cpu(), r->arg);
}

void smp_run_all(void (*fn)(unsigned cpu, void *), void *arg)
{
	struct run_all r = { fn, arg };

	for (unsigned i = 1; i < nr_cpus; i++) {
		smp_run_on(i, run_all_one, &r);
	}
	fn(0, arg);
	for (unsigned i = 1; i < nr_cpus; i++) {
		smp_join(i);
	}
}

/* A CPU about to turn itself off for the host (CPU_OFF from a test). */
void smp_mark_off(unsigned cpu)
{
	__atomic_store_n(&cpus[cpu].state, CPU_OFF, __ATOMIC_RELEASE);
}
