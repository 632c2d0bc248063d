/* SPDX-License-Identifier: MIT */
/*
 * A userspace test of MTE under Linux, run by the test initramfs's /init: that the kernel
 * offers MTE (HWCAP2_MTE), that PROT_MTE memory keeps the tags IRG/STG give it, that a
 * right tag works and a wrong one faults, synchronously (SIGSEGV, SEGV_MTESERR, with the
 * address) and asynchronously (SIGSEGV, SEGV_MTEAERR, on the next kernel entry).
 *
 * Prints one "PASS"/"FAIL" line per check and "mte_user: N passed, M failed"; exits 0 if
 * nothing failed. Without MTE it prints "mte_user: no MTE" and exits 0.
 *
 * With --snapshot it first tags a region with a pattern, asks tagvisor's VMM for a
 * snapshot through the doorbell page (abi/guest.h, mapped from /dev/mem) and checks the
 * region's tags and data where it runs next: in the saved guest, and in the guest
 * `tagvisor restore` brings back, in this same process. Then it runs the checks above.
 */
#define _GNU_SOURCE
#include <abi/guest.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Linux UAPI values (asm/hwcap.h, asm/mman.h, linux/prctl.h, asm-generic/siginfo.h). */
#ifndef HWCAP2_MTE
#define HWCAP2_MTE (1UL << 18)
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

/* IRG may pick any tag but 0, so a tagged pointer always differs from an untagged one. */
#define TAG_INCLUDE_MASK 0xfffeUL
#define GRANULE		 16
#define TAG_SHIFT	 56

static int passed, failed;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", what);
	fflush(stdout);
	if (ok) {
		passed++;
	} else {
		failed++;
	}
}

/*
 * ---- MTE instructions. Each asm names the architecture it needs, so that the file is
 * built without -march: the compiler's own code stays Armv8.0 and runs anywhere. ----
 */

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

/* The pointer with the tag the granule at p has in memory. */
static void *ldg(void *p)
{
	void *r = p;

	__asm__ volatile(".arch armv8.5-a+memtag\n\tldg %0, [%1]" : "+r"(r) : "r"(p) : "memory");
	return r;
}

static unsigned tag_of(const void *p)
{
	return (unsigned)((uintptr_t)p >> TAG_SHIFT) & 0xf;
}

static void *with_tag(void *p, unsigned tag)
{
	uintptr_t a = (uintptr_t)p & ~(0xffUL << TAG_SHIFT);

	return (void *)(a | (uintptr_t)tag << TAG_SHIFT);
}

/* ---- faults: SIGSEGV jumps back to the check that expected (or feared) it ---- */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;
static volatile int fault_code;
static void *volatile fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)uctx;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	if (!fault_armed) {
		/* A fault no check was ready for: report it rather than loop on it. */
		static const char msg[] = "FAIL unexpected SIGSEGV\nmte_user: aborted\n";

		write(1, msg, sizeof(msg) - 1);
		_exit(2);
	}
	fault_armed = 0;
	siglongjmp(fault_jmp, 1);
}

/* Sets the tag-check mode; returns 0 or -1. */
static int set_mode(unsigned long tcf)
{
	unsigned long ctrl = PR_TAGGED_ADDR_ENABLE | tcf | TAG_INCLUDE_MASK << PR_MTE_TAG_SHIFT;

	if (prctl(PR_SET_TAGGED_ADDR_CTRL, ctrl, 0, 0, 0)) {
		return -1;
	}
	return (unsigned long)prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) == ctrl ? 0 : -1;
}

/*
 * Loads (store = 0) or stores through p; returns the SIGSEGV si_code it raised, or 0 if
 * none. In async mode the fault is only reported on a later kernel entry: `syscalls`
 * system calls are made after the access to give it that chance.
 */
static int access_faults(volatile uint64_t *p, int store, uint64_t value, uint64_t *loaded,
			 int syscalls)
{
	fault_code = 0;
	fault_addr = NULL;
	if (sigsetjmp(fault_jmp, 1)) {
		return fault_code ? fault_code : -1;
	}
	fault_armed = 1;
	if (store) {
		*p = value;
	} else {
		uint64_t v = *p;

		if (loaded) {
			*loaded = v;
		}
	}
	for (int i = 0; i < syscalls; i++) {
		syscall(SYS_getppid);
	}
	fault_armed = 0;
	return 0;
}

/* ---- tags across a snapshot ---- */

#define SNAP_PAGES 16

/* Asks the VMM for a snapshot; returns the doorbell's RESULT, or -1 with a message. */
static long request_snapshot(long page)
{
	int fd = open("/dev/mem", O_RDWR | O_SYNC);
	volatile uint32_t *bell;
	uint32_t result;

	if (fd < 0) {
		perror("mte_user: /dev/mem");
		return -1;
	}
	bell = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, TV_DOORBELL_IPA);
	close(fd);
	if (bell == MAP_FAILED) {
		perror("mte_user: mmap of the doorbell");
		return -1;
	}
	bell[TV_DOORBELL_REQUEST / 4] = TV_DOORBELL_SNAPSHOT;
	result = bell[TV_DOORBELL_RESULT / 4];
	munmap((void *)bell, (size_t)page);
	return result;
}

/* The tag granule i of the region gets: every value, zero included, in no simple order. */
static unsigned pattern_tag(size_t i)
{
	return (unsigned)((i * 7 + i / 16) % 16);
}

static uint64_t pattern_data(size_t i)
{
	return 0x7a6700000000ull ^ (i * 0x9e3779b97f4a7c15ull);
}

static void across_snapshot(int mte, long page)
{
	size_t granules = (size_t)page * SNAP_PAGES / GRANULE, bad_tags = 0, bad_data = 0;
	uint8_t *region = mmap(NULL, (size_t)page * SNAP_PAGES,
			       PROT_READ | PROT_WRITE | (mte ? PROT_MTE : 0),
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char line[160];
	long result;

	check(region != MAP_FAILED, "snapshot: region mapped");
	if (region == MAP_FAILED) {
		return;
	}
	for (size_t i = 0; i < granules; i++) {
		uint8_t *p = with_tag(region + i * GRANULE, mte ? pattern_tag(i) : 0);

		if (mte) {
			stg(p);
		}
		*(volatile uint64_t *)p = pattern_data(i);
	}
	result = request_snapshot(page);
	if (result == TV_DOORBELL_SAVED) {
		printf("mte_user: snapshot saved, going on\n");
	} else if (result == TV_DOORBELL_RESTORED) {
		printf("mte_user: restored from a snapshot\n");
	}
	snprintf(line, sizeof(line), "snapshot: the VMM took it (doorbell result %ld)", result);
	check(result == TV_DOORBELL_SAVED || result == TV_DOORBELL_RESTORED, line);
	for (size_t i = 0; i < granules; i++) {
		uint8_t *p = region + i * GRANULE;

		if (mte && tag_of(ldg(p)) != pattern_tag(i)) {
			bad_tags++;
		}
		if (*(volatile uint64_t *)with_tag(p, mte ? pattern_tag(i) : 0) != pattern_data(i)) {
			bad_data++;
		}
	}
	snprintf(line, sizeof(line), "snapshot: %zu granules, %zu with a wrong tag, %zu with wrong data",
		 granules, bad_tags, bad_data);
	check(!bad_tags && !bad_data, line);
	if (mte) {
		/* The restored tags are enforced, not only readable. */
		size_t i = 5; /* pattern tag 3 */
		int code = access_faults(
		    (volatile uint64_t *)with_tag(region + i * GRANULE, pattern_tag(i) ^ 8), 0, 0,
		    NULL, 0);

		check(code == SEGV_MTESERR, "snapshot: a wrong tag still faults (SEGV_MTESERR)");
	}
	munmap(region, (size_t)page * SNAP_PAGES);
}

int main(int argc, char **argv)
{
	char line[160];
	struct sigaction sa;
	int mte = (getauxval(AT_HWCAP2) & HWCAP2_MTE) != 0;
	long page = sysconf(_SC_PAGESIZE);

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);

	if (argc > 1 && !strcmp(argv[1], "--snapshot")) {
		check(!mte || set_mode(PR_MTE_TCF_SYNC) == 0, "snapshot: sync tag checks");
		across_snapshot(mte, page);
		if (!mte) {
			printf("mte_user: %d passed, %d failed\n", passed, failed);
			return failed ? 1 : 0;
		}
	}
	if (!mte) {
		printf("mte_user: no MTE\n");
		return 0;
	}
	printf("mte_user: HWCAP2_MTE present\n");

	/* ---- synchronous tag-check faults ---- */
	check(set_mode(PR_MTE_TCF_SYNC) == 0, "prctl: tagged addresses, sync tag checks");

	uint8_t *buf = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE | PROT_MTE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check(buf != MAP_FAILED, "mmap with PROT_MTE");
	if (buf == MAP_FAILED) {
		printf("mte_user: %d passed, %d failed\n", passed, failed);
		return 1;
	}

	uint8_t *granule = buf + GRANULE; /* not the first: a neighbour stays tag 0 */
	uint8_t *tagged = irg(granule);
	unsigned tag = tag_of(tagged);

	snprintf(line, sizeof(line), "irg: random tag %u, not excluded 0", tag);
	check(tag != 0, line);
	stg(tagged);
	check(tag_of(ldg(granule)) == tag, "stg then ldg: the granule holds the tag");
	check(tag_of(ldg(buf)) == 0, "stg tags one granule only: its neighbour keeps tag 0");

	uint64_t v = 0;

	check(access_faults((volatile uint64_t *)tagged, 1, 0x5a5a5a5a12345678, NULL, 0) == 0 &&
		  access_faults((volatile uint64_t *)tagged, 0, 0, &v, 0) == 0 &&
		  v == 0x5a5a5a5a12345678,
	      "sync: store and load with the right tag");

	uint8_t *wrong = with_tag(granule, tag ^ 1);
	int code = access_faults((volatile uint64_t *)wrong, 0, 0, NULL, 0);

	snprintf(line, sizeof(line),
		 "sync: load with a wrong tag: SIGSEGV si_code %d (SEGV_MTESERR %d)", code,
		 SEGV_MTESERR);
	check(code == SEGV_MTESERR, line);
	/* Without SA_EXPOSE_TAGBITS the kernel reports the address with its tag cleared. */
	check(code == SEGV_MTESERR && fault_addr == (void *)with_tag(granule, 0),
	      "sync: si_addr is the faulting address");

	code = access_faults((volatile uint64_t *)wrong, 1, 0xdeadbeef, NULL, 0);
	v = 0;
	access_faults((volatile uint64_t *)tagged, 0, 0, &v, 0);
	check(code == SEGV_MTESERR && v == 0x5a5a5a5a12345678,
	      "sync: store with a wrong tag faults and does not write");

	/* Memory mapped without PROT_MTE is Untagged: the pointer's tag is never checked. */
	uint8_t *plain =
	    mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check(plain != MAP_FAILED &&
		  access_faults((volatile uint64_t *)with_tag(plain, 7), 1, 1, NULL, 0) == 0,
	      "sync: any tag works on memory without PROT_MTE");

	/* ---- asynchronous tag-check faults ---- */
	check(set_mode(PR_MTE_TCF_ASYNC) == 0, "prctl: async tag checks");
	check(access_faults((volatile uint64_t *)tagged, 1, 42, NULL, 100) == 0 &&
		  access_faults((volatile uint64_t *)tagged, 0, 0, &v, 100) == 0 && v == 42,
	      "async: right tag, no fault after 100 syscalls");
	/* The store completes; the kernel finds the fault in TFSRE0_EL1 when next entered. */
	code = access_faults((volatile uint64_t *)wrong, 1, 43, NULL, 100);
	snprintf(line, sizeof(line),
		 "async: store with a wrong tag: SIGSEGV si_code %d (SEGV_MTEAERR %d)", code,
		 SEGV_MTEAERR);
	check(code == SEGV_MTEAERR, line);
	check(code == SEGV_MTEAERR && fault_addr == NULL, "async: no address reported (si_addr 0)");

	/* Back to sync: the async fault must not linger into later checks. */
	check(set_mode(PR_MTE_TCF_SYNC) == 0 &&
		  access_faults((volatile uint64_t *)tagged, 0, 0, &v, 100) == 0,
	      "sync again: right tag, no stale fault");

	printf("mte_user: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
