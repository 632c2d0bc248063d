/* SPDX-License-Identifier: MIT */
/*
 * tvapi: the /dev/tagvisor interface from userspace, as docs/LINUX-HOST-API.md
 * documents it: every ioctl's success and its documented errors, tags copied with
 * KVM_ARM_MTE_COPY_TAGS' semantics, reclaim and restore with tags, dirty logging,
 * vCPU and vGIC state, a guest run to its end, and a VM whose fds are closed (or whose
 * process is killed) destroyed, its pages back and scrubbed. The hypervisor's self-check
 * must pass at the end. Prints a PASS/FAIL line per check, then "tvapi: N passed, M
 * failed"; exits 0 if none failed.
 */
#define _GNU_SOURCE
#include <abi/hvc.h>
#include <abi/snapshot.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <uapi/tagvisor.h>
#include <unistd.h>

#define RAM_IPA 0x40000000ull
#define RAM	(4ull << 20)
#define PAGE	4096ull

static int dev, passed, failed;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	ok ? passed++ : failed++;
}

/* An ioctl's outcome as one number: its value, or -errno. */
static long io(int fd, unsigned long req, unsigned long arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

static long iop(int fd, unsigned long req, const void *arg)
{
	return io(fd, req, (unsigned long)arg);
}

/* Guest RAM as a VMM must give it: private, anonymous, not forked, not dumped. */
static uint8_t *guest_ram(uint64_t size)
{
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || madvise(p, size, MADV_DONTFORK) || madvise(p, size, MADV_DONTDUMP)) {
		perror("tvapi: guest memory");
		exit(1);
	}
	return p;
}

static long set_ram(int vm, uint8_t *ram, uint64_t size, uint32_t flags)
{
	struct tagvisor_userspace_memory_region r = { 0, flags, RAM_IPA, size, (uintptr_t)ram };

	return iop(vm, TAGVISOR_SET_USER_MEMORY_REGION, &r);
}

/* A VM with RAM and one vCPU; mte before the vCPU, as the rules want. */
static int new_vm(unsigned long type, bool mte, uint8_t *ram, uint64_t size, uint32_t flags,
		  int *vcpu)
{
	struct tagvisor_enable_cap cap = { .cap = TAGVISOR_CAP_ARM_MTE };
	int vm = (int)io(dev, TAGVISOR_CREATE_VM, type);

	if (vm < 0 || (mte && iop(vm, TAGVISOR_ENABLE_CAP, &cap)) ||
	    set_ram(vm, ram, size, flags)) {
		return -1;
	}
	*vcpu = (int)io(vm, TAGVISOR_CREATE_VCPU, 0);
	return *vcpu < 0 ? -1 : vm;
}

static long copy_tags(int vm, uint64_t ipa, uint64_t len, void *buf, uint64_t flags)
{
	struct tagvisor_arm_copy_mte_tags t = { ipa, len, buf, flags, { 0, 0 } };

	return iop(vm, TAGVISOR_ARM_MTE_COPY_TAGS, &t);
}

static void test_system(void)
{
	check(io(dev, TAGVISOR_GET_API_VERSION, 0) == TAGVISOR_API_VERSION, "API version 1");
	check(io(dev, TAGVISOR_GET_API_VERSION, 1) == -EINVAL,
	      "API version with an argument: EINVAL");
	check(io(dev, _IO(TAGVISOR_IO, 0x7f), 0) == -ENOTTY, "an unknown ioctl: ENOTTY");
	check(io(dev, TAGVISOR_CHECK_EXTENSION, TAGVISOR_CAP_ARM_MTE) == 1, "CAP_ARM_MTE: 1");
	check(io(dev, TAGVISOR_CHECK_EXTENSION, TAGVISOR_CAP_MAX_VCPUS) == TV_MAX_VCPUS,
	      "CAP_MAX_VCPUS: %d", TV_MAX_VCPUS);
	check(io(dev, TAGVISOR_CHECK_EXTENSION, TAGVISOR_CAP_NR_MEMSLOTS) == 1,
	      "CAP_NR_MEMSLOTS: 1");
	check(io(dev, TAGVISOR_CHECK_EXTENSION, 12345) == 0, "an unknown capability: 0");
	check(io(dev, TAGVISOR_GET_VCPU_MMAP_SIZE, 0) == (long)PAGE, "the run page: 4096 bytes");
	check(io(dev, TAGVISOR_CREATE_VM, 0x40) == -EINVAL, "CREATE_VM, an unknown type: EINVAL");
}

static void test_vm_setup(void)
{
	struct tagvisor_enable_cap cap = { .cap = TAGVISOR_CAP_ARM_MTE };
	uint8_t *ram = guest_ram(RAM), *plain;
	struct tagvisor_userspace_memory_region r;
	int vm = (int)io(dev, TAGVISOR_CREATE_VM, 0), vcpu;

	check(vm >= 0, "CREATE_VM");
	check(io(vm, TAGVISOR_CREATE_VCPU, 0) == -EINVAL, "CREATE_VCPU before its RAM: EINVAL");
	cap.flags = 1;
	check(iop(vm, TAGVISOR_ENABLE_CAP, &cap) == -EINVAL, "ENABLE_CAP with flags: EINVAL");
	cap.flags = 0;
	cap.cap = TAGVISOR_CAP_NR_VCPUS;
	check(iop(vm, TAGVISOR_ENABLE_CAP, &cap) == -EINVAL, "ENABLE_CAP of another cap: EINVAL");
	r = (struct tagvisor_userspace_memory_region){ 1, 0, RAM_IPA, RAM, (uintptr_t)ram };
	check(iop(vm, TAGVISOR_SET_USER_MEMORY_REGION, &r) == -EINVAL, "slot 1: EINVAL");
	r.slot = 0;
	r.guest_phys_addr += 16;
	check(iop(vm, TAGVISOR_SET_USER_MEMORY_REGION, &r) == -EINVAL, "a misaligned slot: EINVAL");
	r.guest_phys_addr = 1ull << 39;
	check(iop(vm, TAGVISOR_SET_USER_MEMORY_REGION, &r) == -EINVAL,
	      "a slot beyond 39 bits: EINVAL");
	r.guest_phys_addr = RAM_IPA;
	r.flags = 4;
	check(iop(vm, TAGVISOR_SET_USER_MEMORY_REGION, &r) == -EINVAL,
	      "unknown slot flags: EINVAL");
	/* Memory that could be forked or dumped behind the guest's back is refused. */
	plain = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(set_ram(vm, plain, RAM, 0) == -EINVAL, "memory without MADV_DONTFORK: EINVAL");
	munmap(plain, RAM);
	plain = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	madvise(plain, RAM, MADV_DONTFORK);
	madvise(plain, RAM, MADV_DONTDUMP);
	check(set_ram(vm, plain, RAM, 0) == -EINVAL, "shared memory: EINVAL");
	munmap(plain, RAM);
	check(set_ram(vm, (uint8_t *)0x1000, RAM, 0) == -EFAULT, "unmapped memory: EFAULT");
	check(set_ram(vm, ram, RAM, 0) == 0, "SET_USER_MEMORY_REGION");
	check(io(vm, TAGVISOR_CREATE_VCPU, 1) == -EINVAL, "vCPU 1 before vCPU 0: EINVAL");
	vcpu = (int)io(vm, TAGVISOR_CREATE_VCPU, 0);
	check(vcpu >= 0, "CREATE_VCPU 0");
	check(io(vm, TAGVISOR_CREATE_VCPU, 0) == -EEXIST, "vCPU 0 again: EEXIST");
	check(iop(vm, TAGVISOR_ENABLE_CAP,
		  &(struct tagvisor_enable_cap){ .cap = TAGVISOR_CAP_ARM_MTE }) == -EINVAL,
	      "CAP_ARM_MTE once a vCPU exists: EINVAL (as KVM)");
	check(set_ram(vm, ram, 0, 0) == -EBUSY, "deleting the slot once the VM runs: EBUSY");
	check(set_ram(vm, ram, RAM / 2, 0) == -EINVAL, "resizing it: EINVAL");
	check(copy_tags(vm, RAM_IPA, PAGE, ram, TAGVISOR_ARM_TAGS_FROM_GUEST) == -EINVAL,
	      "COPY_TAGS of a VM without MTE: EINVAL (as KVM)");
	if (fork() == 0) {
		/* Another process (a fork) may not drive the VM: its pages are our mm's. */
		_exit(io(vm, TAGVISOR_CREATE_VCPU, 1) == -EIO && io(vcpu, TAGVISOR_RUN, 0) == -EIO
			  ? 0
			  : 1);
	}
	int st;

	wait(&st);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a VM's ioctls from another process: EIO");
	close(vcpu);
	close(vm);
	munmap(ram, RAM);
}

static void test_copy_tags(void)
{
	uint8_t *ram = guest_ram(RAM), in[4 * PAGE / 16], out[sizeof(in)];
	int vcpu, vm = new_vm(0, true, ram, RAM, 0, &vcpu);
	struct tagvisor_arm_copy_mte_tags t = { RAM_IPA, PAGE, out, 1, { 1, 0 } };
	unsigned bad = 0;

	check(vm >= 0, "an MTE VM");
	for (unsigned i = 0; i < sizeof(in); i++) {
		in[i] = (uint8_t)(0xa0 | (i * 7 % 16)); /* bits 7:4 are ignored */
	}
	check(copy_tags(vm, RAM_IPA, 4 * PAGE, in, TAGVISOR_ARM_TAGS_TO_GUEST) == 4 * PAGE,
	      "COPY_TAGS to the guest: 4 pages (their pages donated on the way, as KVM faults them "
	      "in)");
	check(copy_tags(vm, RAM_IPA, 4 * PAGE, out, TAGVISOR_ARM_TAGS_FROM_GUEST) == 4 * PAGE,
	      "COPY_TAGS from the guest: 4 pages");
	for (unsigned i = 0; i < sizeof(in); i++) {
		bad += out[i] != (i * 7 % 16);
	}
	check(bad == 0, "the tags read back (%u wrong)", bad);
	out[0] = 0xff;
	check(copy_tags(vm, RAM_IPA + 64 * PAGE, PAGE, out, TAGVISOR_ARM_TAGS_FROM_GUEST) ==
		      (long)PAGE &&
		  out[0] == 0,
	      "a page the guest does not have reads as zero tags");
	check(copy_tags(vm, RAM_IPA + RAM - PAGE, 2 * PAGE, in, TAGVISOR_ARM_TAGS_TO_GUEST) ==
		  (long)PAGE,
	      "a copy running off the end of RAM: progress, 4096");
	check(copy_tags(vm, RAM_IPA + RAM, PAGE, in, TAGVISOR_ARM_TAGS_TO_GUEST) == -EFAULT,
	      "outside RAM: EFAULT");
	check(copy_tags(vm, RAM_IPA + 16, PAGE, out, 1) == -EINVAL, "a misaligned IPA: EINVAL");
	check(copy_tags(vm, RAM_IPA, 100, out, 1) == -EINVAL, "a misaligned length: EINVAL");
	check(copy_tags(vm, RAM_IPA, 1ull << 31, out, 1) == -EINVAL,
	      "a length above INT_MAX: EINVAL");
	check(copy_tags(vm, RAM_IPA, PAGE, out, 2) == -EINVAL, "unknown flags: EINVAL");
	check(iop(vm, TAGVISOR_ARM_MTE_COPY_TAGS, &t) == -EINVAL, "reserved fields set: EINVAL");
	check(copy_tags(vm, RAM_IPA, PAGE, NULL, TAGVISOR_ARM_TAGS_FROM_GUEST) == -EFAULT,
	      "a bad user buffer: EFAULT");
	close(vcpu);
	close(vm);
	munmap(ram, RAM);
}

static sigjmp_buf fault_jmp;
static volatile int fault_sig, fault_code;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	siglongjmp(fault_jmp, 1);
}

/* A page the guest has is not the VMM's any more: its own load gets SIGBUS. */
static void test_vmm_cannot_read_guest_pages(void)
{
	uint8_t *ram = guest_ram(RAM), tags[256] = { 1 };
	int vcpu, vm = new_vm(0, true, ram, RAM, 0, &vcpu);
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO }, old;
	volatile uint8_t v = 0;

	ram[9 * PAGE] = 0x42;
	check(copy_tags(vm, RAM_IPA + 9 * PAGE, PAGE, tags, 0) == (long)PAGE,
	      "a page given to the guest");
	sigaction(SIGBUS, &sa, &old);
	fault_sig = 0;
	if (!sigsetjmp(fault_jmp, 1)) {
		v = ram[9 * PAGE];
	}
	sigaction(SIGBUS, &old, NULL);
	check(fault_sig == SIGBUS,
	      "the VMM's load from it: signal %d (SIGBUS %d), si_code %d, no data (%u)", fault_sig,
	      SIGBUS, fault_code, v);
	close(vcpu);
	close(vm);
	check(ram[9 * PAGE] == 0, "after the VM is gone the page is the VMM's again, zeroed");
	munmap(ram, RAM);
}

static void test_reclaim(void)
{
	uint8_t *ram = guest_ram(RAM), tags[256], packed[TAGVISOR_PAGE_TAGS_MAX], out[256];
	int vcpu, vm = new_vm(0, true, ram, RAM, 0, &vcpu);
	struct tagvisor_page_tags p = { RAM_IPA + PAGE, (uintptr_t)packed, sizeof(packed), 0 };
	unsigned bad = 0;

	for (unsigned i = 0; i < 256; i++) {
		tags[i] = (uint8_t)(15 - i % 16);
	}
	memset(ram + PAGE, 0x5a, PAGE);
	check(copy_tags(vm, RAM_IPA + PAGE, PAGE, tags, 0) == (long)PAGE,
	      "a page with data and tags");
	check(iop(vm, TAGVISOR_RECLAIM_PAGE, &p) == 0 && p.tags_len > 0 &&
		  p.tags_len <= TAGVISOR_PAGE_TAGS_MAX,
	      "RECLAIM_PAGE: the page is back, %u bytes of compressed tags", p.tags_len);
	check(ram[PAGE] == 0x5a && ram[2 * PAGE - 1] == 0x5a,
	      "its data is in the VMM's memory again");
	check(iop(vm, TAGVISOR_RECLAIM_PAGE, &p) == -ENOENT, "RECLAIM_PAGE of it again: ENOENT");
	p.guest_ipa = RAM_IPA + 2 * PAGE;
	p.tags_size = 100;
	check(copy_tags(vm, RAM_IPA + 2 * PAGE, PAGE, tags, 0) == (long)PAGE &&
		  iop(vm, TAGVISOR_RECLAIM_PAGE, &p) == -E2BIG,
	      "RECLAIM_PAGE with a tag buffer under 129 bytes: E2BIG");
	p.guest_ipa = RAM_IPA + PAGE;
	check(copy_tags(vm, RAM_IPA + PAGE, PAGE, out, 1) == (long)PAGE && out[0] == 0,
	      "while reclaimed, the guest has no page there");
	check(iop(vm, TAGVISOR_RESTORE_PAGE,
		  &(struct tagvisor_page_tags){ RAM_IPA + 3 * PAGE, 0, 0, 0 }) == -ENOENT,
	      "RESTORE_PAGE of a page never reclaimed: ENOENT");
	check(iop(vm, TAGVISOR_RESTORE_PAGE, &p) == 0, "RESTORE_PAGE with its tags");
	check(copy_tags(vm, RAM_IPA + PAGE, PAGE, out, 1) == (long)PAGE, "and its tags read");
	for (unsigned i = 0; i < 256; i++) {
		bad += out[i] != tags[i];
	}
	check(bad == 0, "the tags came back (%u wrong)", bad);
	close(vcpu);
	close(vm);
	munmap(ram, RAM);
}

static void test_dirty_log(void)
{
	uint8_t *ram = guest_ram(RAM), tags[256] = { 3 };
	uint64_t bitmap[RAM / PAGE / 64];
	struct tagvisor_dirty_log log = { 0, 0, { bitmap } };
	int vcpu, vm = new_vm(0, true, ram, RAM, TAGVISOR_MEM_LOG_DIRTY_PAGES, &vcpu);
	int vcpu2, vm2 = new_vm(0, true, guest_ram(RAM), RAM, 0, &vcpu2);

	check(vm >= 0, "a VM logging dirty pages");
	check(iop(vm, TAGVISOR_GET_DIRTY_LOG, &log) == 0, "GET_DIRTY_LOG");
	check(copy_tags(vm, RAM_IPA + 5 * PAGE, PAGE, tags, 0) == (long)PAGE &&
		  copy_tags(vm, RAM_IPA + 70 * PAGE, PAGE, tags, 0) == (long)PAGE,
	      "tags written to pages 5 and 70");
	check(iop(vm, TAGVISOR_GET_DIRTY_LOG, &log) == 0 && bitmap[0] == 1ull << 5 &&
		  bitmap[1] == 1ull << 6,
	      "both dirty, nothing else (0x%llx 0x%llx)", (unsigned long long)bitmap[0],
	      (unsigned long long)bitmap[1]);
	check(copy_tags(vm, RAM_IPA + 5 * PAGE, PAGE, tags, 0) == (long)PAGE &&
		  iop(vm, TAGVISOR_GET_DIRTY_LOG, &log) == 0 && bitmap[0] == 1ull << 5 &&
		  !bitmap[1],
	      "the log was cleared: a tag write dirties page 5 again, alone");
	check(iop(vm2, TAGVISOR_GET_DIRTY_LOG, &log) == -ENOENT,
	      "GET_DIRTY_LOG of a VM not logging: ENOENT");
	log.slot = 1;
	check(iop(vm, TAGVISOR_GET_DIRTY_LOG, &log) == -EINVAL, "GET_DIRTY_LOG of slot 1: EINVAL");
	check(set_ram(vm, ram, RAM, 0) == 0 &&
		  set_ram(vm, ram, RAM, TAGVISOR_MEM_LOG_DIRTY_PAGES) == 0,
	      "logging stopped and started again by the slot's flags");
	close(vcpu);
	close(vm);
	close(vcpu2);
	close(vm2);
	munmap(ram, RAM);
}

/* Runs hello.elf (its one segment at 0x40080000) and collects what it prints. */
static void test_run(void)
{
	uint8_t *ram = guest_ram(RAM);
	int vcpu, vm = new_vm(0, true, ram, RAM, 0, &vcpu);
	struct tagvisor_run *run = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	struct tagvisor_one_reg reg;
	struct tv_vcpu_state *st = calloc(1, sizeof(*st));
	char text[256] = "";
	size_t n = 0;
	uint64_t v, entry = 0;
	unsigned exits = 0;
	FILE *f = fopen("/guests/hello.elf", "rb");
	static uint8_t elf[1 << 20];
	size_t len = f ? fread(elf, 1, sizeof(elf), f) : 0;

	check(run != MAP_FAILED, "mmap of the run page");
	check(mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, vcpu, 0) == MAP_FAILED,
	      "a bigger mapping: refused");
	/* Its program headers say where: copy each PT_LOAD as tvrun would. */
	if (len > 64) {
		uint64_t phoff, paddr, off, filesz;
		uint16_t phnum;

		memcpy(&entry, elf + 24, 8);
		memcpy(&phoff, elf + 32, 8);
		memcpy(&phnum, elf + 56, 2);
		for (unsigned i = 0; i < phnum && phoff + (i + 1) * 56 <= len; i++) {
			const uint8_t *ph = elf + phoff + i * 56;

			memcpy(&paddr, ph + 24, 8);
			memcpy(&off, ph + 8, 8);
			memcpy(&filesz, ph + 32, 8);
			if (*(const uint32_t *)ph == 1 && off + filesz <= len && paddr >= RAM_IPA &&
			    paddr - RAM_IPA + filesz <= RAM) {
				memcpy(ram + (paddr - RAM_IPA), elf + off, filesz);
			}
		}
	}
	reg = (struct tagvisor_one_reg){ TV_REG_PC, (uintptr_t)&entry };
	check(iop(vcpu, TAGVISOR_SET_ONE_REG, &reg) == 0, "SET_ONE_REG PC");
	reg = (struct tagvisor_one_reg){ 999, (uintptr_t)&v };
	check(iop(vcpu, TAGVISOR_GET_ONE_REG, &reg) == -EINVAL,
	      "GET_ONE_REG of no register: EINVAL");
	check(iop(vcpu, TAGVISOR_GET_VCPU_STATE, st) == 0 && st->pc == entry,
	      "GET_VCPU_STATE: the PC");
	st->pstate = 0x3c9; /* EL2h: never */
	check(iop(vcpu, TAGVISOR_SET_VCPU_STATE, st) == -EINVAL, "SET_VCPU_STATE to EL2: EINVAL");
	check(io(vcpu, TAGVISOR_RUN, 1) == -EINVAL, "RUN with an argument: EINVAL");
	for (;;) {
		long r = io(vcpu, TAGVISOR_RUN, 0);

		if (r || exits++ > 100000) {
			check(false, "RUN: %ld, exit %u", r, run->exit_reason);
			break;
		}
		if (run->exit_reason == TAGVISOR_EXIT_MMIO) {
			if (run->mmio.phys_addr == 0x09000000 && run->mmio.is_write &&
			    n + 1 < sizeof(text)) {
				text[n++] = (char)run->mmio.data[0];
			} else if (!run->mmio.is_write) {
				memset(run->mmio.data, 0, 8); /* FR: not full */
			}
			continue;
		}
		check(run->exit_reason == TAGVISOR_EXIT_SYSTEM_EVENT &&
			  run->system_event.type == TAGVISOR_SYSTEM_EVENT_SHUTDOWN,
		      "the guest powered off (exit %u)", run->exit_reason);
		break;
	}
	check(strstr(text, "ello") != NULL, "and printed through MMIO exits: '%.*s'",
	      (int)strcspn(text, "\n"), text);
	check(iop(vcpu, TAGVISOR_GET_VGIC_STATE, calloc(1, 240)) == -EINVAL,
	      "GET_VGIC_STATE of a VM without a GIC: EINVAL");
	munmap(run, PAGE); /* a mapping of the run page holds the vCPU (and the VM) */
	close(vcpu);
	close(vm);
	munmap(ram, RAM);
}

static void test_gic(void)
{
	uint8_t *ram = guest_ram(RAM);
	int vcpu, vm = new_vm(TAGVISOR_VM_TYPE_GIC, false, ram, RAM, 0, &vcpu);
	struct tv_vgic_state *g = calloc(1, sizeof(*g));
	struct tagvisor_irq_line l = { 40, TV_IRQ_ENABLED | TV_IRQ_LEVEL, 0xa0, 0 };

	check(vm >= 0, "a GIC VM");
	check(iop(vcpu, TAGVISOR_IRQ_LINE, &l) == 0, "IRQ_LINE 40, enabled and asserted");
	check(iop(vcpu, TAGVISOR_GET_VGIC_STATE, g) == 0 && g->lines[0].intid == 40,
	      "GET_VGIC_STATE holds the line");
	check(iop(vcpu, TAGVISOR_SET_VGIC_STATE, g) == 0, "SET_VGIC_STATE takes it back");
	g->lr[0] = 1ull << 61; /* linked to a physical interrupt: never */
	g->nr_lrs = 4;
	check(iop(vcpu, TAGVISOR_SET_VGIC_STATE, g) == -EINVAL,
	      "SET_VGIC_STATE, a HW list register: EINVAL");
	l.intid = 2000;
	check(iop(vcpu, TAGVISOR_IRQ_LINE, &l) == -EINVAL, "IRQ_LINE 2000: EINVAL");
	l.intid = 40;
	l.padding = 1;
	check(iop(vcpu, TAGVISOR_IRQ_LINE, &l) == -EINVAL, "IRQ_LINE with padding set: EINVAL");
	close(vcpu);
	close(vm);
	munmap(ram, RAM);
}

/* A closed VM's pages come back to the VMM's memory with data and tags zeroed. */
static void test_scrub_on_close(void)
{
	uint8_t *ram = guest_ram(RAM), tags[256];
	int vcpu, vm = new_vm(0, true, ram, RAM, 0, &vcpu);
	unsigned nonzero = 0;

	memset(tags, 9, sizeof(tags));
	memset(ram + 8 * PAGE, 0x77, PAGE);
	check(copy_tags(vm, RAM_IPA + 8 * PAGE, PAGE, tags, 0) == (long)PAGE,
	      "a page with data, tag 9");
	close(vcpu);
	close(vm);
	for (unsigned i = 0; i < PAGE; i++) {
		nonzero += ram[8 * PAGE + i] != 0;
	}
	/*
	 * (Its tags cannot be seen from here: mapping it PROT_MTE makes Linux clear them.
	 * The hypervisor's selftest and the bare host's tests check tags are scrubbed.)
	 */
	check(nonzero == 0, "closed: its data is zero in the VMM's memory (%u bytes not)", nonzero);
	munmap(ram, RAM);
}

/* A VMM killed with its VMs: they are destroyed, the slots free again. */
static void test_killed_vmm(void)
{
	int p[2], vms[TV_MAX_VMS], vcpus[TV_MAX_VMS], made = 0, st;
	char c = 0;
	pid_t pid;

	if (pipe(p)) {
		check(false, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < TV_MAX_VMS; i++) {
			uint8_t *ram = guest_ram(RAM), t[256] = { 5 };
			int cpu, vm = new_vm(0, true, ram, RAM, 0, &cpu);

			c += vm >= 0 && copy_tags(vm, RAM_IPA, PAGE, t, 0) == (long)PAGE;
		}
		c += new_vm(0, false, guest_ram(RAM), RAM, 0, &st) < 0; /* a ninth: no slot */
		if (write(p[1], &c, 1) != 1) {
			_exit(1);
		}
		pause();
		_exit(0);
	}
	check(read(p[0], &c, 1) == 1 && c == TV_MAX_VMS + 1,
	      "a VMM made %d VMs (the most), a 9th refused", TV_MAX_VMS);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	for (int i = 0; i < TV_MAX_VMS; i++) {
		vms[i] = new_vm(0, false, guest_ram(RAM), RAM, 0, &vcpus[i]);
		made += vms[i] >= 0;
	}
	check(made == TV_MAX_VMS, "killed: its VMs are gone, %d of %d made again", made,
	      TV_MAX_VMS);
	for (int i = 0; i < TV_MAX_VMS; i++) {
		close(vcpus[i]);
		close(vms[i]);
	}
}

/*
 * A storm: random ioctls of all three kinds with random arguments (values, pointers to
 * random bytes, bad pointers), on a few VMs and vCPUs. Every call must return (any
 * documented result will do), and the hypervisor's invariants must hold after.
 */
static void test_storm(void)
{
	static const unsigned long cmds[] = {
		TAGVISOR_CREATE_VM,
		TAGVISOR_CHECK_EXTENSION,
		TAGVISOR_CREATE_VCPU,
		TAGVISOR_GET_DIRTY_LOG,
		TAGVISOR_SET_USER_MEMORY_REGION,
		TAGVISOR_ENABLE_CAP,
		TAGVISOR_ARM_MTE_COPY_TAGS,
		TAGVISOR_RECLAIM_PAGE,
		TAGVISOR_RESTORE_PAGE,
		TAGVISOR_RUN,
		TAGVISOR_GET_ONE_REG,
		TAGVISOR_SET_ONE_REG,
		TAGVISOR_GET_VCPU_STATE,
		TAGVISOR_SET_VCPU_STATE,
		TAGVISOR_GET_VGIC_STATE,
		TAGVISOR_SET_VGIC_STATE,
		TAGVISOR_IRQ_LINE,
		_IO(TAGVISOR_IO, 0x77),
	};
	static uint8_t junk[8192];
	unsigned seed = 12345, calls = 0, ok = 0;
	int fds[16], nfds = 0;

	for (int i = 0; i < 4; i++) {
		int vcpu, vm = new_vm(i & 1 ? TAGVISOR_VM_TYPE_GIC : 0, i < 2, guest_ram(RAM), RAM,
				      i == 3 ? TAGVISOR_MEM_LOG_DIRTY_PAGES : 0, &vcpu);

		if (vm >= 0) {
			fds[nfds++] = vm;
			fds[nfds++] = vcpu;
		}
	}
	fds[nfds++] = dev;
	for (unsigned i = 0; i < 3000; i++) {
		unsigned r = (unsigned)rand_r(&seed);
		unsigned long arg;

		for (unsigned b = 0; b < sizeof(junk); b += 4) {
			uint32_t v = (uint32_t)rand_r(&seed);

			memcpy(junk + b, &v, 4);
		}
		switch (r % 4) {
		case 0:
			arg = (unsigned long)rand_r(&seed) % 64;
			break;
		case 1:
			arg = 0x1000ul * (unsigned long)(rand_r(&seed) % 16); /* not ours */
			break;
		default:
			arg = (unsigned long)(uintptr_t)junk;
			break;
		}
		unsigned long cmd = cmds[(r >> 4) % (sizeof(cmds) / sizeof(cmds[0]))];
		long ret = io(fds[(unsigned)rand_r(&seed) % nfds], cmd, arg);

		calls++;
		ok += ret >= 0;
		if (ret >= 0 && (cmd == TAGVISOR_CREATE_VM || cmd == TAGVISOR_CREATE_VCPU)) {
			close((int)ret); /* a VM or vCPU it made: not kept */
		}
	}
	for (int i = 0; i < nfds - 1; i++) {
		close(fds[i]);
	}
	check(io(dev, TAGVISOR_HYP_CHECK, 0) == 0,
	      "a storm of %u random ioctls (%u succeeded), then the self-check: no violation",
	      calls, ok);
}

int main(void)
{
	dev = open("/dev/tagvisor", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("tvapi: /dev/tagvisor");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_system();
	test_vm_setup();
	test_copy_tags();
	test_vmm_cannot_read_guest_pages();
	test_reclaim();
	test_dirty_log();
	test_run();
	test_gic();
	test_scrub_on_close();
	test_killed_vmm();
	test_storm();
	check(io(dev, TAGVISOR_HYP_CHECK, 0) == 0, "the hypervisor's self-check: no violation");
	printf("tvapi: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
