/* SPDX-License-Identifier: MIT */
/*
 * smp_mte: MTE on every CPU of a Linux guest, run by the test initramfs's /init when the
 * kernel command line has `smp_mte`. What it is for: a hypervisor that moves vCPUs between
 * physical CPUs must carry each one's MTE state (SCTLR_EL1.TCF0, GCR_EL1, RGSR_EL1,
 * TFSRE0_EL1) with it, and tags written on one CPU must be the ones every CPU checks
 * against. Linux moves threads between its CPUs the same way, so a thread that tags
 * memory on one CPU and checks it on another tests both.
 *
 * A thread per online CPU, pinned to it, in several rounds: sync tag checks, async,
 * asymmetric (sync loads, async stores; where the CPU has FEAT_MTE3) and "per CPU", where
 * each CPU prefers a different mode (/sys/devices/system/cpu/cpuN/mte_tcf_preferred) and
 * the thread, asking for sync or async, gets the mode of whichever CPU it runs on. In
 * each round every thread:
 *   - tags a private PROT_MTE region with random tags (IRG, with its own excluded tag, so
 *     GCR_EL1 must follow it) and data, moves to the next CPU (and checks sched_getcpu),
 *     and checks every granule's tag (LDG) and data there;
 *   - provokes tag-check faults there: a sync one must be SIGSEGV SEGV_MTESERR with the
 *     tagged address in si_addr, an async one SEGV_MTEAERR (si_addr 0), both taken by
 *     this thread on this CPU; an async fault raised just before it moves back must still
 *     reach it, on the CPU it then runs on;
 *   - in a shared mapping, checks the tags and data another thread wrote on another CPU,
 *     that a wrong tag faults against them, retags them, and checks its own slot holds
 *     what the next thread wrote.
 * An async fault that reaches a thread that did not cause it is counted and fails the
 * round.
 *
 * Prints one PASS/FAIL line per check and "smp_mte: N CPUs, M checks passed, F failed";
 * exits 0 if nothing failed, 1 if a check failed, 2 on a SIGSEGV no check expected, 3 on
 * the timeout (-t SECONDS, default 60), so a hang ends as a failure. Without MTE
 * (no HWCAP2_MTE) it says so, checks that the kernel gives no tagged memory (mprotect to
 * PROT_MTE fails with EINVAL; mmap, which ignores protection bits it does not know, maps
 * untagged memory) and that a thread still runs on each CPU and its data moves with it,
 * and exits 0 if that all held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Linux UAPI values, for headers older than the kernel. */
#ifndef HWCAP2_MTE
#define HWCAP2_MTE (1UL << 18)
#endif
#ifndef HWCAP2_MTE3
#define HWCAP2_MTE3 (1UL << 22)
#endif
#ifndef PROT_MTE
#define PROT_MTE 0x20
#endif
#ifndef PR_SET_TAGGED_ADDR_CTRL
#define PR_SET_TAGGED_ADDR_CTRL 55
#define PR_GET_TAGGED_ADDR_CTRL 56
#endif
#ifndef PR_TAGGED_ADDR_ENABLE
#define PR_TAGGED_ADDR_ENABLE (1UL << 0)
#endif
#ifndef PR_MTE_TCF_SYNC
#define PR_MTE_TCF_SYNC	 (1UL << 1)
#define PR_MTE_TCF_ASYNC (1UL << 2)
#endif
#ifndef PR_MTE_TAG_SHIFT
#define PR_MTE_TAG_SHIFT 3
#endif
#ifndef SEGV_MTEAERR
#define SEGV_MTEAERR 8
#endif
#ifndef SEGV_MTESERR
#define SEGV_MTESERR 9
#endif
#ifndef SA_UNSUPPORTED
#define SA_UNSUPPORTED 0x00000400
#endif
#ifndef SA_EXPOSE_TAGBITS
#define SA_EXPOSE_TAGBITS 0x00000800
#endif

#define GRANULE	     16
#define TAG_SHIFT    56
#define MAX_CPUS     64
#define PRIV_PAGES   4
#define SLOT_BYTES   4096 /* of each thread's page in the shared mapping */
/* System calls made after an access: an async fault is reported on a kernel entry. */
#define POLLS	     100
#define MIN_DISTINCT 8

static long page_size;
static int ncpus;
static int cpus[MAX_CPUS]; /* the CPU numbers threads are pinned to, in order */
static bool expose_tagbits;

/* ---- reporting: checks from every thread, one whole line each ---- */

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int passed, failed;

static void __attribute__((format(printf, 2, 3))) check(bool ok, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	fputs(ok ? "PASS " : "FAIL ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok) {
		passed++;
	} else {
		failed++;
	}
	pthread_mutex_unlock(&out_lock);
}

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/*
 * ---- MTE instructions. Each asm names the architecture it needs, as in mte_user.c, so
 * the program is built without -march and runs (and says "no MTE") on any arm64 CPU. ----
 */

/* p with a random tag IRG picks among those GCR_EL1 (the thread's mask) does not exclude. */
static void *irg(void *p)
{
	void *r;

	__asm__ volatile(".arch armv8.5-a+memtag\n\tirg %0, %1" : "=r"(r) : "r"(p));
	return r;
}

static void stg(void *p)
{
	__asm__ volatile(".arch armv8.5-a+memtag\n\tstg %0, [%0]" : : "r"(p) : "memory");
}

/* The granule's tag in memory, as a tag number. */
static unsigned ldg_tag(const void *p)
{
	uintptr_t r = (uintptr_t)p;

	__asm__ volatile(".arch armv8.5-a+memtag\n\tldg %0, [%1]" : "+r"(r) : "r"(p) : "memory");
	return (unsigned)(r >> TAG_SHIFT) & 0xf;
}

static unsigned tag_of(const void *p)
{
	return (unsigned)((uintptr_t)p >> TAG_SHIFT) & 0xf;
}

static void *with_tag(const void *p, unsigned tag)
{
	uintptr_t a = (uintptr_t)p & ~(0xffUL << TAG_SHIFT);

	return (void *)(a | (uintptr_t)(tag & 0xf) << TAG_SHIFT);
}

/* ---- CPUs ---- */

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set); /* 0: the calling thread */
}

/* The CPU this thread runs on, straight from the kernel (usable in a signal handler). */
static int this_cpu(void)
{
	unsigned cpu = ~0u;

	if (syscall(SYS_getcpu, &cpu, NULL, NULL)) {
		return -1;
	}
	return (int)cpu;
}

/* Pins the thread to cpu; true if that worked and the thread now runs there. */
static bool move_to(int cpu)
{
	return pin(cpu) == 0 && this_cpu() == cpu && sched_getcpu() == cpu;
}

/* ---- faults: each thread's SIGSEGV jumps back to its own armed check ---- */

struct fault {
	sigjmp_buf jmp;
	volatile sig_atomic_t armed;
	volatile int code;
	void *volatile addr;
	volatile pid_t tid; /* the thread and CPU the handler ran on */
	volatile int cpu;
};

static _Thread_local struct fault tf;
/* Async faults reported to a thread with nothing armed: reported on the wrong thread. */
static atomic_int stray_async;
/* Async faults raised as another thread moved the faulting one, and those reported after. */
static atomic_int moved_async, after_move;

static void on_segv(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)uctx;
	if (!tf.armed) {
		static const char msg[] = "FAIL unexpected SIGSEGV\nsmp_mte: aborted\n";

		if (si->si_code == SEGV_MTEAERR) {
			/* Async: returning is safe, the access is long done. Counted, reported later. */
			atomic_fetch_add(&stray_async, 1);
			return;
		}
		/* A sync fault no check expected would come back at once: stop here. */
		write(1, msg, sizeof(msg) - 1);
		_exit(2);
	}
	tf.armed = 0;
	tf.code = si->si_code;
	tf.addr = si->si_addr;
	tf.tid = (pid_t)syscall(SYS_gettid);
	tf.cpu = this_cpu();
	siglongjmp(tf.jmp, 1);
}

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL timeout: smp_mte did not finish in time\nsmp_mte: aborted\n";

	(void)sig;
	write(1, msg, sizeof(msg) - 1);
	_exit(3);
}

/* What an access raised: the SIGSEGV's si_code (0: none), its address, who took it. */
struct outcome {
	int code;
	void *addr;
	pid_t tid;
	int cpu;
};

/*
 * Loads from (store false) or stores value to p, then makes POLLS system calls so that an
 * async fault has kernel entries to be found at. Returns what was raised.
 */
static struct outcome attempt(volatile uint64_t *p, bool store, uint64_t value, uint64_t *loaded)
{
	struct outcome o = { 0 };

	if (sigsetjmp(tf.jmp, 1)) {
		o.code = tf.code;
		o.addr = tf.addr;
		o.tid = tf.tid;
		o.cpu = tf.cpu;
		return o;
	}
	tf.armed = 1;
	if (store) {
		*p = value;
	} else {
		uint64_t v = *p;

		if (loaded) {
			*loaded = v;
		}
	}
	for (int i = 0; i < POLLS; i++) {
		syscall(SYS_getppid);
	}
	tf.armed = 0;
	return o;
}

/*
 * A thread that moves another: the only way to have a thread change CPUs while an async
 * fault is pending for it. Linux looks for async faults at every kernel entry from EL0 and
 * handles one found at a system call before the call runs, so the faulting thread cannot
 * move itself; moved by another, it enters the kernel through the interrupt that preempts
 * it, and the signal is delivered when it returns to userspace on the new CPU.
 */
struct mover {
	pid_t tid; /* the thread to move */
	int to;
	atomic_int state; /* MOVER_* */
};

enum { MOVER_STARTING, MOVER_READY, MOVER_GO, MOVER_DONE, MOVER_FAILED };

static void *mover_main(void *arg)
{
	struct mover *mv = arg;
	cpu_set_t set;

	/* Off the CPU of the thread it moves, which spins meanwhile. */
	if (pin(mv->to)) {
		atomic_store(&mv->state, MOVER_FAILED);
		return NULL;
	}
	atomic_store(&mv->state, MOVER_READY);
	while (atomic_load(&mv->state) != MOVER_GO) {
	}
	CPU_ZERO(&set);
	CPU_SET(mv->to, &set);
	/* Returns once the thread has been taken off its CPU and placed on mv->to. */
	atomic_store(&mv->state, sched_setaffinity(mv->tid, sizeof(set), &set) ? MOVER_FAILED : MOVER_DONE);
	return NULL;
}

/*
 * Stores value to p (a wrong tag: an async fault) and, making no system call, lets a
 * helper thread move this one to cpu; then polls. Returns what was raised; *landed is the
 * CPU the thread ended on.
 */
static struct outcome async_store_while_moved(volatile uint64_t *p, uint64_t value, int cpu,
					      int *landed)
{
	static _Thread_local struct mover mv;
	static _Thread_local pthread_t helper;
	struct outcome o = { 0 };

	mv.tid = (pid_t)syscall(SYS_gettid);
	mv.to = cpu;
	atomic_store(&mv.state, MOVER_STARTING);
	if (pthread_create(&helper, NULL, mover_main, &mv)) {
		*landed = -1;
		return o;
	}
	while (atomic_load(&mv.state) == MOVER_STARTING) {
	}
	if (sigsetjmp(tf.jmp, 1)) {
		o.code = tf.code;
		o.addr = tf.addr;
		o.tid = tf.tid;
		o.cpu = tf.cpu;
	} else {
		tf.armed = 1;
		if (atomic_load(&mv.state) == MOVER_READY) {
			*p = value;
			atomic_store(&mv.state, MOVER_GO);
			/* Spin in userspace: the kernel is entered only to move this thread. */
			while (atomic_load(&mv.state) == MOVER_GO) {
			}
		}
		for (int i = 0; i < POLLS; i++) {
			syscall(SYS_getppid);
		}
		tf.armed = 0;
	}
	/*
	 * Reported before the move (an interrupt came first), or at the store itself (a sync
	 * fault where an async one was expected): the helper still moves the thread.
	 */
	int ready = MOVER_READY;

	atomic_compare_exchange_strong(&mv.state, &ready, MOVER_GO);
	while (atomic_load(&mv.state) == MOVER_GO) {
	}
	pthread_join(helper, NULL);
	*landed = atomic_load(&mv.state) == MOVER_DONE ? this_cpu() : -1;
	return o;
}

/* ---- tagged regions ---- */

static uint64_t pattern(uint64_t seed, size_t granule, unsigned half)
{
	return (seed * 0x9e3779b97f4a7c15ull) ^ ((granule * 2 + half) * 0xff51afd7ed558ccdull);
}

/*
 * Gives each of the granules at base a tag IRG picks and the seed's data; records the tags.
 * Returns how many distinct tags it saw; *excluded_seen counts tags outside include.
 */
static int tag_region(uint8_t *base, size_t granules, uint8_t *tags, uint64_t seed,
		      unsigned include, size_t *excluded_seen)
{
	unsigned seen = 0;

	*excluded_seen = 0;
	for (size_t i = 0; i < granules; i++) {
		uint8_t *g = irg(base + i * GRANULE);
		volatile uint64_t *d = (volatile uint64_t *)g;

		stg(g);
		tags[i] = (uint8_t)tag_of(g);
		seen |= 1u << tags[i];
		if (!(include & (1u << tags[i]))) {
			(*excluded_seen)++;
		}
		d[0] = pattern(seed, i, 0);
		d[1] = pattern(seed, i, 1);
	}
	return __builtin_popcount(seen);
}

struct verdict {
	size_t bad_tags, bad_data;
	int fault; /* si_code of a fault while reading, 0 if none */
};

/*
 * Compares every granule's tag (LDG) and data with what was recorded. Data is read through
 * the recorded tag, so a lost tag would also fault; such a fault is caught and reported.
 */
static struct verdict verify_region(const uint8_t *base, size_t granules, const uint8_t *tags,
				    uint64_t seed)
{
	static _Thread_local volatile struct verdict v;

	v.bad_tags = v.bad_data = 0;
	v.fault = 0;
	if (sigsetjmp(tf.jmp, 1)) {
		v.fault = tf.code;
		return v;
	}
	tf.armed = 1;
	for (size_t i = 0; i < granules; i++) {
		const uint8_t *g = base + i * GRANULE;
		volatile uint64_t *d = with_tag(g, tags[i]);

		if (ldg_tag(g) != tags[i]) {
			v.bad_tags++;
			continue; /* reading would fault: counted already */
		}
		if (d[0] != pattern(seed, i, 0) || d[1] != pattern(seed, i, 1)) {
			v.bad_data++;
		}
	}
	for (int i = 0; i < POLLS; i++) {
		syscall(SYS_getppid); /* a stray async fault from the reads shows up here */
	}
	tf.armed = 0;
	return v;
}

static bool verdict_ok(struct verdict v)
{
	return !v.bad_tags && !v.bad_data && !v.fault;
}

/*
 * Whether the kernel tagged the mapping holding addr: VM_MTE shows as "mt" among its
 * VmFlags in /proc/self/smaps. Returns 1 or 0, -1 if the mapping or the file is missing.
 */
static int vma_tagged(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;
	int found = -1;

	if (!f) {
		return -1;
	}
	while (found < 0 && fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		char dash;

		/* A mapping's first line: "start-end perms ...", both in hex. */
		if (sscanf(line, "%lx%c%lx ", &start, &dash, &end) == 3 && dash == '-') {
			in = (uintptr_t)addr >= start && (uintptr_t)addr < end;
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			found = strstr(line, " mt") != NULL;
		}
	}
	fclose(f);
	return found;
}

/* ---- tag-check modes and rounds ---- */

enum tcf { TCF_SYNC, TCF_ASYNC, TCF_ASYMM };
static const char *const tcf_names[] = { "sync", "async", "asymm" };

struct round {
	const char *name;
	unsigned long prctl_tcf;    /* what the threads ask for */
	enum tcf pref[MAX_CPUS];    /* mte_tcf_preferred of cpus[i] */
};

static struct round round_now;
static bool have_pref; /* the kernel has mte_tcf_preferred */

/*
 * The mode a thread of this round gets on cpu: what it asked for if that is one mode;
 * asking for both, the CPU's preference (asymm only counts where it was asked for both,
 * which the kernel takes as "any of the three").
 */
static enum tcf mode_on(int cpu)
{
	if (round_now.prctl_tcf == PR_MTE_TCF_SYNC) {
		return TCF_SYNC;
	}
	if (round_now.prctl_tcf == PR_MTE_TCF_ASYNC) {
		return TCF_ASYNC;
	}
	for (int i = 0; i < ncpus; i++) {
		if (cpus[i] == cpu) {
			return round_now.pref[i];
		}
	}
	return TCF_ASYNC;
}

/* The si_code a wrong tag gives in a mode: asymmetric checks loads sync, stores async. */
static int expected_code(enum tcf m, bool store)
{
	if (m == TCF_SYNC || (m == TCF_ASYMM && !store)) {
		return SEGV_MTESERR;
	}
	return SEGV_MTEAERR;
}

static int pref_path(char *buf, size_t n, int cpu)
{
	return snprintf(buf, n, "/sys/devices/system/cpu/cpu%d/mte_tcf_preferred", cpu);
}

/* Writes cpu's preferred mode; returns 0 or an errno. */
static int write_pref(int cpu, const char *mode)
{
	char path[96];
	int fd, err = 0;

	pref_path(path, sizeof(path), cpu);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		return errno;
	}
	if (write(fd, mode, strlen(mode)) < 0) {
		err = errno;
	}
	close(fd);
	return err;
}

static int read_pref(int cpu, char *mode, size_t n)
{
	char path[96];
	ssize_t got;
	int fd;

	pref_path(path, sizeof(path), cpu);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		return -1;
	}
	got = read(fd, mode, n - 1);
	close(fd);
	if (got <= 0) {
		return -1;
	}
	mode[got] = '\0';
	mode[strcspn(mode, "\n")] = '\0';
	return 0;
}

/* ---- one thread of a round ---- */

struct worker {
	int index; /* runs on cpus[index], then cpus[index + 1], and back */
	int round;
	pthread_t thread;
};

static pthread_barrier_t barrier;
static uint8_t *shared; /* a page per thread, MAP_SHARED */
static uint8_t slot_tags[MAX_CPUS][SLOT_BYTES / GRANULE]; /* what each slot's last writer put */
static uint64_t slot_seed[MAX_CPUS];

static void *worker_mte(void *arg)
{
	struct worker *w = arg;
	int t = w->index, home = cpus[t], next = cpus[(t + 1) % ncpus];
	int prev_t = (t + ncpus - 1) % ncpus, next_t = (t + 1) % ncpus;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	unsigned excluded = 1 + (unsigned)t % 15; /* besides 0: this thread's own */
	unsigned include = 0xfffeu & ~(1u << excluded);
	size_t granules = (size_t)page_size * PRIV_PAGES / GRANULE;
	size_t slot_granules = SLOT_BYTES / GRANULE;
	uint8_t *tags = calloc(granules, 1);
	uint64_t seed = (uint64_t)w->round << 16 | (uint64_t)t << 8;
	char who[48];
	struct outcome o;
	uint64_t v;
	size_t excl_seen;
	int distinct;

	snprintf(who, sizeof(who), "r%d %s t%d", w->round, round_now.name, t);

	check(move_to(home), "%s: pinned to cpu %d, runs there", who, home);
	unsigned long ctrl = PR_TAGGED_ADDR_ENABLE | round_now.prctl_tcf |
			     (unsigned long)include << PR_MTE_TAG_SHIFT;
	check(prctl(PR_SET_TAGGED_ADDR_CTRL, ctrl, 0, 0, 0) == 0 &&
		  (unsigned long)prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) == ctrl,
	      "%s: prctl tag checks %s, IRG excludes tags 0 and %u", who,
	      round_now.prctl_tcf == (PR_MTE_TCF_SYNC | PR_MTE_TCF_ASYNC) ? "sync|async"
									  : tcf_names[mode_on(home)],
	      excluded);

	uint8_t *priv = mmap(NULL, (size_t)page_size * PRIV_PAGES,
			     PROT_READ | PROT_WRITE | PROT_MTE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(priv != MAP_FAILED && tags, "%s: mmap of %d PROT_MTE pages", who, PRIV_PAGES);
	if (priv != MAP_FAILED && tags) {
		/* ---- tagged on one CPU, checked on the next ---- */
		distinct = tag_region(priv, granules, tags, seed, include, &excl_seen);
		check(!excl_seen && distinct >= MIN_DISTINCT,
		      "%s: IRG on cpu %d: %zu granules, %d distinct tags, %zu excluded ones", who,
		      this_cpu(), granules, distinct, excl_seen);
		check(move_to(next), "%s: moved from cpu %d to cpu %d (sched_getcpu %d)", who,
		      home, next, sched_getcpu());
		struct verdict vd = verify_region(priv, granules, tags, seed);
		check(verdict_ok(vd),
		      "%s: on cpu %d the %zu granules tagged on cpu %d: %zu wrong tags, %zu wrong "
		      "data, fault %d",
		      who, this_cpu(), granules, home, vd.bad_tags, vd.bad_data, vd.fault);

		/* IRG on this CPU still uses this thread's exclusions (GCR_EL1 came along). */
		size_t half = granules / 2;
		distinct = tag_region(priv + half * GRANULE, granules - half, tags + half,
				      seed + 1, include, &excl_seen);
		vd = verify_region(priv + half * GRANULE, granules - half, tags + half, seed + 1);
		check(!excl_seen && distinct >= MIN_DISTINCT && verdict_ok(vd),
		      "%s: IRG on cpu %d: %zu granules retagged, %d distinct tags, %zu excluded "
		      "ones, read back",
		      who, this_cpu(), granules - half, distinct, excl_seen);

		/* ---- faults where it runs now ---- */
		int cpu = this_cpu();
		enum tcf m = mode_on(cpu);
		size_t gi = 7;
		uint8_t *right = with_tag(priv + gi * GRANULE, tags[gi]);
		volatile uint64_t *bad = (volatile uint64_t *)((uint8_t *)with_tag(right, tags[gi] ^ 8) + 8);
		uint64_t before = ((volatile uint64_t *)right)[1];

		o = attempt(bad, false, 0, NULL);
		if (expected_code(m, false) == SEGV_MTESERR) {
			void *want = expose_tagbits ? (void *)bad : with_tag((void *)bad, 0);

			check(o.code == SEGV_MTESERR && o.addr == want && o.tid == tid && o.cpu == cpu,
			      "%s: cpu %d (%s): wrong-tag load: si_code %d (SEGV_MTESERR %d), si_addr "
			      "%p (want %p), on this thread, handled on cpu %d",
			      who, cpu, tcf_names[m], o.code, SEGV_MTESERR, o.addr, want, o.cpu);
		} else {
			check(o.code == SEGV_MTEAERR && o.addr == NULL && o.tid == tid && o.cpu == cpu,
			      "%s: cpu %d (%s): wrong-tag load: si_code %d (SEGV_MTEAERR %d), si_addr "
			      "%p, on this thread, handled on cpu %d",
			      who, cpu, tcf_names[m], o.code, SEGV_MTEAERR, o.addr, o.cpu);
		}

		o = attempt(bad, true, 0xbadbadbadull, NULL);
		v = ((volatile uint64_t *)right)[1];
		if (expected_code(m, true) == SEGV_MTESERR) {
			void *want = expose_tagbits ? (void *)bad : with_tag((void *)bad, 0);

			check(o.code == SEGV_MTESERR && o.addr == want && o.tid == tid &&
				  o.cpu == cpu && v == before,
			      "%s: cpu %d (%s): wrong-tag store: si_code %d (SEGV_MTESERR %d), si_addr "
			      "%p (want %p), on this thread, cpu %d, memory %s",
			      who, cpu, tcf_names[m], o.code, SEGV_MTESERR, o.addr, want, o.cpu,
			      v == before ? "unchanged" : "CHANGED");
		} else {
			/* An async check lets the store complete; only the report comes later. */
			check(o.code == SEGV_MTEAERR && o.addr == NULL && o.tid == tid &&
				  o.cpu == cpu && v == 0xbadbadbadull,
			      "%s: cpu %d (%s): wrong-tag store: si_code %d (SEGV_MTEAERR %d), si_addr "
			      "%p, on this thread, cpu %d, store done",
			      who, cpu, tcf_names[m], o.code, SEGV_MTEAERR, o.addr, o.cpu);
		}
		((volatile uint64_t *)right)[1] = pattern(seed + 1, gi, 1);

		o = attempt((volatile uint64_t *)right, true, 0x600d, NULL);
		struct outcome o2 = attempt((volatile uint64_t *)right, false, 0, &v);
		check(!o.code && !o2.code && v == 0x600d,
		      "%s: cpu %d: right tag after the faults: no fault (si_code %d, %d), value "
		      "read back",
		      who, cpu, o.code, o2.code);
		((volatile uint64_t *)right)[0] = pattern(seed + 1, gi, 0);

		/*
		 * An async fault raised here while another thread moves this one home: it must
		 * reach this thread, on the CPU it then runs on (here, should an interrupt have
		 * come between the store and the move).
		 */
		if (expected_code(m, true) == SEGV_MTEAERR) {
			int landed;

			o = async_store_while_moved(bad, 0xbadbadbadull, home, &landed);
			check(o.code == SEGV_MTEAERR && o.tid == tid && landed == home &&
				  (o.cpu == home || o.cpu == cpu),
			      "%s: async fault raised on cpu %d as another thread moved this one: si_code "
			      "%d (SEGV_MTEAERR %d) on this thread, handled on cpu %d%s, now on cpu %d",
			      who, cpu, o.code, SEGV_MTEAERR, o.cpu,
			      o.cpu == home && home != cpu ? " (after the move)" : " (before the move)",
			      landed);
			if (o.cpu == home && home != cpu) {
				atomic_fetch_add(&after_move, 1);
			}
			atomic_fetch_add(&moved_async, 1);
		} else {
			check(move_to(home), "%s: moved back from cpu %d to cpu %d", who, cpu, home);
		}
		munmap(priv, (size_t)page_size * PRIV_PAGES);
	}

	/* ---- a shared mapping: tags written on one CPU, read and checked on another ---- */
	pthread_barrier_wait(&barrier);
	uint8_t *mine = shared + (size_t)t * page_size;
	uint8_t *theirs = shared + (size_t)prev_t * page_size;
	size_t excl_dummy;

	slot_seed[t] = seed | 0x10;
	tag_region(mine, slot_granules, slot_tags[t], slot_seed[t], include, &excl_dummy);
	/* The barrier orders the tag stores and data before the other thread's reads. */
	pthread_barrier_wait(&barrier);

	struct verdict vs = verify_region(theirs, slot_granules, slot_tags[prev_t], slot_seed[prev_t]);
	check(verdict_ok(vs),
	      "%s: on cpu %d the shared page thread %d tagged on cpu %d: %zu wrong tags, %zu wrong "
	      "data, fault %d",
	      who, this_cpu(), prev_t, cpus[prev_t], vs.bad_tags, vs.bad_data, vs.fault);
	{
		int cpu = this_cpu();
		enum tcf m = mode_on(cpu);
		size_t gi = 3;
		volatile uint64_t *bad = with_tag(theirs + gi * GRANULE, slot_tags[prev_t][gi] ^ 4);

		o = attempt(bad, false, 0, NULL);
		check(o.code == expected_code(m, false) && o.tid == tid,
		      "%s: cpu %d (%s): a wrong tag against thread %d's tags faults: si_code %d "
		      "(want %d)",
		      who, cpu, tcf_names[m], prev_t, o.code, expected_code(m, false));
	}
	slot_seed[prev_t] = seed | 0x20;
	tag_region(theirs, slot_granules, slot_tags[prev_t], slot_seed[prev_t], include, &excl_dummy);
	pthread_barrier_wait(&barrier);

	vs = verify_region(mine, slot_granules, slot_tags[t], slot_seed[t]);
	check(verdict_ok(vs),
	      "%s: on cpu %d its shared page as thread %d retagged it on cpu %d: %zu wrong tags, "
	      "%zu wrong data, fault %d",
	      who, this_cpu(), next_t, cpus[next_t], vs.bad_tags, vs.bad_data, vs.fault);
	free(tags);
	return NULL;
}

/* Without MTE: a thread still runs on each CPU and its data moves with it. */
static void *worker_plain(void *arg)
{
	struct worker *w = arg;
	int t = w->index, home = cpus[t], next = cpus[(t + 1) % ncpus];
	size_t words = (size_t)page_size * PRIV_PAGES / 8, bad = 0;
	uint64_t *buf;

	check(move_to(home), "t%d: pinned to cpu %d, runs there", t, home);
	buf = mmap(NULL, (size_t)page_size * PRIV_PAGES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		check(false, "t%d: mmap", t);
		return NULL;
	}
	for (size_t i = 0; i < words; i++) {
		buf[i] = pattern((uint64_t)t, i, 0);
	}
	check(move_to(next), "t%d: moved from cpu %d to cpu %d", t, home, next);
	for (size_t i = 0; i < words; i++) {
		bad += ((volatile uint64_t *)buf)[i] != pattern((uint64_t)t, i, 0);
	}
	check(!bad, "t%d: on cpu %d the data written on cpu %d: %zu wrong words", t, this_cpu(),
	      home, bad);
	munmap(buf, (size_t)page_size * PRIV_PAGES);
	return NULL;
}

/* Starts a thread per CPU on fn and waits for them all. */
static void run_threads(void *(*fn)(void *), int round)
{
	struct worker ws[MAX_CPUS];

	pthread_barrier_init(&barrier, NULL, (unsigned)ncpus);
	for (int i = 0; i < ncpus; i++) {
		ws[i].index = i;
		ws[i].round = round;
		if (pthread_create(&ws[i].thread, NULL, fn, &ws[i])) {
			/* The others would wait at the barrier for it: the timeout ends that. */
			check(false, "r%d: pthread_create for cpu %d", round, cpus[i]);
		}
	}
	for (int i = 0; i < ncpus; i++) {
		pthread_join(ws[i].thread, NULL);
	}
	pthread_barrier_destroy(&barrier);
}

static int finish(void)
{
	printf("smp_mte: %d CPUs, %d checks passed, %d failed\n", ncpus, passed, failed);
	return failed ? 1 : 0;
}

/* Sets every CPU's preference for the round; true if the kernel took them all. */
static bool set_prefs(const struct round *r)
{
	bool ok = true;

	for (int i = 0; i < ncpus; i++) {
		ok &= write_pref(cpus[i], tcf_names[r->pref[i]]) == 0;
	}
	return ok;
}

int main(int argc, char **argv)
{
	struct sigaction sa, back;
	unsigned long hwcap2 = getauxval(AT_HWCAP2);
	bool mte = hwcap2 & HWCAP2_MTE, mte3 = hwcap2 & HWCAP2_MTE3;
	unsigned timeout = 60;
	int opt;
	cpu_set_t online;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt == 't' && atoi(optarg) > 0) {
			timeout = (unsigned)atoi(optarg);
		} else {
			fprintf(stderr, "usage: smp_mte [-t SECONDS]\n");
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout);

	/*
	 * SA_EXPOSE_TAGBITS: si_addr keeps the pointer's tag. SA_UNSUPPORTED makes the kernel
	 * clear the flags it does not know, so reading them back says which it took.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_UNSUPPORTED | SA_EXPOSE_TAGBITS;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGSEGV, NULL, &back);
	expose_tagbits = back.sa_flags & SA_EXPOSE_TAGBITS;

	long online_n = sysconf(_SC_NPROCESSORS_ONLN);
	printf("smp_mte: %ld CPUs online\n", online_n);
	CPU_ZERO(&online);
	sched_getaffinity(0, sizeof(online), &online);
	for (int c = 0; c < CPU_SETSIZE && ncpus < MAX_CPUS; c++) {
		if (CPU_ISSET(c, &online)) {
			cpus[ncpus++] = c;
		}
	}
	check(ncpus >= 1 && ncpus == online_n, "a thread may run on each of the %ld online CPUs (%d)",
	      online_n, ncpus);

	if (!mte) {
		void *m;

		printf("smp_mte: no MTE (no HWCAP2_MTE)\n");
		/*
		 * mmap ignores protection bits it does not know (Linux sets VM_MTE only where
		 * the system has MTE); mprotect checks them (arch_validate_prot) and refuses.
		 */
		errno = 0;
		m = mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE | PROT_MTE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			check(errno == EINVAL, "no MTE: mmap with PROT_MTE fails with EINVAL");
		} else {
			check(vma_tagged(m) == 0,
			      "no MTE: mmap with PROT_MTE maps untagged memory (no mt in smaps VmFlags)");
			munmap(m, (size_t)page_size);
		}
		m = mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		errno = 0;
		check(m != MAP_FAILED && mprotect(m, (size_t)page_size, PROT_READ | PROT_WRITE | PROT_MTE) &&
			  errno == EINVAL,
		      "no MTE: mprotect to PROT_MTE fails with EINVAL");
		errno = 0;
		check(prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC, 0, 0, 0) ==
			      -1 &&
			  errno == EINVAL,
		      "no MTE: prctl asking for tag checks fails with EINVAL");
		run_threads(worker_plain, 0);
		return finish();
	}

	printf("smp_mte: HWCAP2_MTE present, asymmetric mode (HWCAP2_MTE3) %s\n",
	       mte3 ? "present" : "absent");
	check(expose_tagbits, "sigaction takes SA_EXPOSE_TAGBITS (si_addr keeps the tag)");

	char orig[MAX_CPUS][16];
	have_pref = read_pref(cpus[0], orig[0], sizeof(orig[0])) == 0;
	if (have_pref) {
		for (int i = 1; i < ncpus; i++) {
			check(read_pref(cpus[i], orig[i], sizeof(orig[i])) == 0,
			      "cpu %d has mte_tcf_preferred (\"%s\")", cpus[i], orig[i]);
		}
		if (!mte3) {
			check(write_pref(cpus[0], "asymm") == EINVAL,
			      "without FEAT_MTE3 the kernel refuses the asymm preference (EINVAL)");
		}
	} else {
		printf("smp_mte: no mte_tcf_preferred in sysfs (Linux before 5.15?): per-CPU modes "
		       "not tested\n");
	}

	shared = mmap(NULL, (size_t)page_size * (size_t)ncpus, PROT_READ | PROT_WRITE | PROT_MTE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check(shared != MAP_FAILED, "mmap of a shared PROT_MTE page per CPU");
	if (shared == MAP_FAILED) {
		return finish();
	}
	check(vma_tagged(shared) == 1, "the shared mapping is tagged (mt in smaps VmFlags)");

	/*
	 * The rounds. A thread asking for one mode gets it whatever the CPU prefers (here the
	 * other one); asking for both, it gets the preference of the CPU it runs on.
	 */
	struct round rounds[4];
	int nrounds = 0;

	memset(rounds, 0, sizeof(rounds));
	rounds[nrounds].name = "sync";
	rounds[nrounds].prctl_tcf = PR_MTE_TCF_SYNC;
	for (int i = 0; i < ncpus; i++) {
		rounds[nrounds].pref[i] = TCF_ASYNC;
	}
	nrounds++;
	rounds[nrounds].name = "async";
	rounds[nrounds].prctl_tcf = PR_MTE_TCF_ASYNC;
	for (int i = 0; i < ncpus; i++) {
		rounds[nrounds].pref[i] = TCF_SYNC;
	}
	nrounds++;
	if (have_pref && mte3) {
		rounds[nrounds].name = "asymm";
		rounds[nrounds].prctl_tcf = PR_MTE_TCF_SYNC | PR_MTE_TCF_ASYNC;
		for (int i = 0; i < ncpus; i++) {
			rounds[nrounds].pref[i] = TCF_ASYMM;
		}
		nrounds++;
	} else if (!mte3) {
		printf("smp_mte: no asymmetric mode: its round is skipped\n");
	}
	if (have_pref && ncpus > 1) {
		rounds[nrounds].name = "per-cpu";
		rounds[nrounds].prctl_tcf = PR_MTE_TCF_SYNC | PR_MTE_TCF_ASYNC;
		for (int i = 0; i < ncpus; i++) {
			rounds[nrounds].pref[i] = (enum tcf)(i % (mte3 ? 3 : 2));
		}
		nrounds++;
	}

	for (int r = 0; r < nrounds; r++) {
		char list[MAX_CPUS * 12] = "";
		size_t len = 0;

		round_now = rounds[r];
		for (int i = 0; i < ncpus && len < sizeof(list); i++) {
			len += (size_t)snprintf(list + len, sizeof(list) - len, " cpu%d=%s", cpus[i],
						tcf_names[round_now.pref[i]]);
		}
		say("smp_mte: round %d: %s, preferred modes:%s\n", r + 1, round_now.name, list);
		if (have_pref) {
			check(set_prefs(&round_now), "r%d %s: the kernel takes every CPU's preference", r + 1,
			      round_now.name);
		}
		atomic_store(&stray_async, 0);
		run_threads(worker_mte, r + 1);
		check(atomic_load(&stray_async) == 0,
		      "r%d %s: no async fault reached a thread that did not cause it (%d did)", r + 1,
		      round_now.name, atomic_load(&stray_async));
	}

	if (have_pref) {
		bool ok = true;

		for (int i = 0; i < ncpus; i++) {
			ok &= write_pref(cpus[i], orig[i]) == 0;
		}
		check(ok, "every CPU's mte_tcf_preferred restored (cpu%d \"%s\")", cpus[0], orig[0]);
	}
	munmap(shared, (size_t)page_size * (size_t)ncpus);
	/* Not a check: which side of the move a fault lands on depends on interrupts' timing. */
	printf("smp_mte: %d of %d async faults raised while being moved were reported on the new CPU\n",
	       atomic_load(&after_move), atomic_load(&moved_async));
	return finish();
}
