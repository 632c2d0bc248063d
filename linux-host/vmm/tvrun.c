/* SPDX-License-Identifier: MIT */
/*
 * tvrun: runs one bare-metal guest ELF through /dev/tagvisor on tagvisor's Linux
 * host, as the bare-metal host's VMM runs it: RAM at 0x40000000, one vCPU entered
 * at the ELF's entry, a PL011 whose output goes unchanged to the tagvisor CLI's
 * stdout (over the link, include/abi/link.h), PSCI. A small program on purpose:
 * the full VMM (Linux guests, snapshots, migration, reclaim) is host/vmm/, to be
 * shared with this host later behind a small interface (docs/LINUX-HOST.md).
 *
 *   tvrun [--mte|--no-mte] [--protected] [--mem SIZE] [--on-ready CMD] GUEST.elf
 *   tvrun --status N        tell the CLI how the run ended (the host's /init does)
 *
 * The exit status is the run's (include/abi/status.h). With --on-ready, the guest's
 * VMM call READY (x1 base, x2 bytes) runs CMD with TV_VMM_PID, TV_READY_IPA,
 * TV_READY_UADDR and TV_READY_BYTES in its environment; the guest gets CMD's exit
 * status back in x0. (The host tests use it to attack the guest's memory.)
 */
#define _GNU_SOURCE
#include <abi/guest.h>
#include <abi/hvc.h>
#include <abi/link.h>
#include <abi/status.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <uapi/tagvisor.h>
#include <unistd.h>

#include "elf.h"
#include "pl011.h"

#define RAM_IPA	    0x40000000ull
#define UART_IPA    0x09000000ull
#define DEFAULT_MEM (64ull << 20)

static int link_fd = -1;
static const char *on_ready;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tvrun: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The virtio-serial port named tagvisor.link (the kernel's virtio_console made it). */
static int open_link(void)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *e;
	char path[300], name[64];
	int fd = -1;

	while (d && fd < 0 && (e = readdir(d))) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
		f = fopen(path, "r");
		if (f && fgets(name, sizeof(name), f) && !strcmp(name, "tagvisor.link\n")) {
			snprintf(path, sizeof(path), "/dev/%s", e->d_name);
			fd = open(path, O_WRONLY | O_CLOEXEC);
		}
		if (f) {
			fclose(f);
		}
	}
	if (d) {
		closedir(d);
	}
	return fd;
}

static void link_send(uint32_t type, const void *p, uint32_t len)
{
	struct tv_link_hdr h = { type, len };

	if (link_fd < 0 || write(link_fd, &h, sizeof(h)) != sizeof(h) ||
	    (len && write(link_fd, p, len) != (ssize_t)len)) {
		say("cannot write to the link: %s", strerror(errno));
	}
}

/* The guest's console bytes, a line (or a buffer) at a time, to the CLI's stdout. */
static void console_out(const char *p, size_t n)
{
	while (n) {
		uint32_t chunk = n > TV_LINK_MAX_PAYLOAD ? TV_LINK_MAX_PAYLOAD : (uint32_t)n;

		link_send(TV_LINK_CONSOLE, p, chunk);
		p += chunk;
		n -= chunk;
	}
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (end == s || *end || !v || v % 4096 || v > (16ull << 30)) {
		return -1;
	}
	*out = v;
	return 0;
}

struct vm {
	int dev, vm, vcpu;
	struct tagvisor_run *run;
	uint8_t *ram;
	uint64_t ram_size;
	struct pl011 uart;
	unsigned long exits[4]; /* MMIO, hypercalls, WFI, interrupted */
};

static int create(struct vm *v, bool mte, bool protected, uint64_t mem)
{
	struct tagvisor_enable_cap cap = { .cap = TAGVISOR_CAP_ARM_MTE };
	struct tagvisor_userspace_memory_region region;

	v->dev = open("/dev/tagvisor", O_RDWR | O_CLOEXEC);
	if (v->dev < 0 || ioctl(v->dev, TAGVISOR_GET_API_VERSION, 0) != TAGVISOR_API_VERSION) {
		say("no /dev/tagvisor of API version %d: %s", TAGVISOR_API_VERSION,
		    strerror(errno));
		return -1;
	}
	v->vm = ioctl(v->dev, TAGVISOR_CREATE_VM, protected ? TAGVISOR_VM_TYPE_PROTECTED : 0);
	if (v->vm < 0 || (mte && ioctl(v->vm, TAGVISOR_ENABLE_CAP, &cap))) {
		say("cannot create the VM%s: %s", mte ? " with MTE" : "", strerror(errno));
		return -1;
	}
	/* Donated pages must never be copied or dumped behind the guest's back. */
	v->ram_size = mem;
	v->ram = mmap(NULL, mem, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->ram == MAP_FAILED || madvise(v->ram, mem, MADV_DONTFORK) ||
	    madvise(v->ram, mem, MADV_DONTDUMP)) {
		say("no memory for the guest: %s", strerror(errno));
		return -1;
	}
	region = (struct tagvisor_userspace_memory_region){ 0, 0, RAM_IPA, mem, (uintptr_t)v->ram };
	if (ioctl(v->vm, TAGVISOR_SET_USER_MEMORY_REGION, &region)) {
		say("TAGVISOR_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int start_vcpu(struct vm *v, uint64_t entry)
{
	struct tagvisor_one_reg pc = { TV_REG_PC, (uintptr_t)&entry };
	long size = ioctl(v->dev, TAGVISOR_GET_VCPU_MMAP_SIZE, 0);

	v->vcpu = ioctl(v->vm, TAGVISOR_CREATE_VCPU, 0);
	if (v->vcpu < 0 || size <= 0) {
		say("TAGVISOR_CREATE_VCPU: %s", strerror(errno));
		return -1;
	}
	v->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED || ioctl(v->vcpu, TAGVISOR_SET_ONE_REG, &pc)) {
		say("cannot set the vCPU up: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The guest's READY call: the host test's command runs now, the guest waits. */
static uint64_t ready(struct vm *v, const __u64 *args)
{
	char buf[32];
	pid_t pid;
	int st;

	if (!on_ready || args[1] < RAM_IPA || args[2] > v->ram_size ||
	    args[1] - RAM_IPA > v->ram_size - args[2]) {
		return ~0ull;
	}
	pid = fork();
	if (pid == 0) {
		snprintf(buf, sizeof(buf), "%d", (int)getppid());
		setenv("TV_VMM_PID", buf, 1);
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)args[1]);
		setenv("TV_READY_IPA", buf, 1);
		snprintf(buf, sizeof(buf), "0x%llx",
			 (unsigned long long)(uintptr_t)(v->ram + (args[1] - RAM_IPA)));
		setenv("TV_READY_UADDR", buf, 1);
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)args[2]);
		setenv("TV_READY_BYTES", buf, 1);
		execl("/bin/sh", "sh", "-c", on_ready, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		return ~0ull;
	}
	return WIFEXITED(st) ? (uint64_t)WEXITSTATUS(st) : ~0ull;
}

static int run(struct vm *v)
{
	struct tagvisor_run *r = v->run;

	for (;;) {
		if (ioctl(v->vcpu, TAGVISOR_RUN, 0)) {
			if (errno == EINTR) {
				v->exits[3]++;
				continue;
			}
			say("TAGVISOR_RUN: %s (exit %u)", strerror(errno), r->exit_reason);
			return TV_STATUS_HYP_ERROR;
		}
		switch (r->exit_reason) {
		case TAGVISOR_EXIT_MMIO:
			v->exits[0]++;
			r->mmio.abort = r->mmio.phys_addr - UART_IPA >= 0x1000 ||
					pl011_access(&v->uart, r->mmio.phys_addr - UART_IPA,
						     r->mmio.len, r->mmio.is_write, r->mmio.data);
			break;
		case TAGVISOR_EXIT_HYPERCALL:
			v->exits[1]++;
			if (r->hypercall.args[0] == TV_VMM_CALL_READY) {
				pl011_flush(&v->uart);
				r->hypercall.ret = ready(v, r->hypercall.args);
			}
			break;
		case TAGVISOR_EXIT_WFI:
			v->exits[2]++; /* no interrupts to wait for: a guest without a GIC */
			break;
		case TAGVISOR_EXIT_SYSTEM_EVENT:
			return r->system_event.type == TAGVISOR_SYSTEM_EVENT_RESET ? TV_STATUS_RESET
										   : TV_STATUS_OK;
		case TAGVISOR_EXIT_CPU_OFF:
			return TV_STATUS_OK; /* its only vCPU */
		case TAGVISOR_EXIT_GUEST_ERROR:
			say("guest crashed: ESR_EL2 0x%llx ELR 0x%llx FAR 0x%llx",
			    (unsigned long long)r->guest_error.esr,
			    (unsigned long long)r->guest_error.elr,
			    (unsigned long long)r->guest_error.far);
			return TV_STATUS_GUEST_CRASH;
		case TAGVISOR_EXIT_ARM_NISV:
			/* Nothing can emulate it: the VM ends, as KVM's default (docs/ABI.md). */
			say("guest crashed: MMIO at IPA 0x%llx without a valid syndrome (ESR_EL2 0x%llx)",
			    (unsigned long long)r->arm_nisv.fault_ipa,
			    (unsigned long long)r->arm_nisv.esr_iss);
			return TV_STATUS_GUEST_CRASH;
		default:
			say("unexpected exit %u", r->exit_reason);
			return TV_STATUS_HYP_ERROR;
		}
	}
}

static int run_guest(const char *path, bool mte, bool protected, uint64_t mem)
{
	static struct vm v;
	uint64_t entry;
	int status;

	pl011_init(&v.uart, console_out);
	if (create(&v, mte, protected, mem)) {
		return TV_STATUS_HYP_ERROR;
	}
	if (elf_load(path, v.ram, RAM_IPA, mem, &entry)) {
		return TV_STATUS_BAD_INPUT;
	}
	if (start_vcpu(&v, entry)) {
		return TV_STATUS_HYP_ERROR;
	}
	say("guest %s: %llu MiB%s%s", path, (unsigned long long)(mem >> 20), mte ? ", MTE" : "",
	    protected ? ", protected" : "");
	status = run(&v);
	pl011_flush(&v.uart);
	say("guest ended: status %d, exits: %lu MMIO, %lu hypercalls, %lu WFI, %lu interrupted",
	    status, v.exits[0], v.exits[1], v.exits[2], v.exits[3]);
	return status;
}

static int usage(void)
{
	fprintf(stderr, "usage: tvrun [--mte|--no-mte] [--protected] [--mem SIZE] [--on-ready CMD] "
			"GUEST.elf\n       tvrun --status N\n");
	return TV_STATUS_USAGE;
}

int main(int argc, char **argv)
{
	bool mte = false, protected = false;
	uint64_t mem = DEFAULT_MEM;
	int i;

	link_fd = open_link();
	if (link_fd < 0) {
		say("no link to the tagvisor CLI (virtio port tagvisor.link)");
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--status") && i + 1 < argc) {
			uint32_t st = (uint32_t)atoi(argv[i + 1]);

			link_send(TV_LINK_STATUS, &st, sizeof(st));
			return 0;
		} else if (!strcmp(argv[i], "--mte") || !strcmp(argv[i], "--no-mte")) {
			mte = !strcmp(argv[i], "--mte");
		} else if (!strcmp(argv[i], "--protected")) {
			protected = true;
		} else if (!strcmp(argv[i], "--mem") && i + 1 < argc) {
			if (parse_size(argv[++i], &mem)) {
				say("--mem %s: not a size in bytes (a multiple of 4096)", argv[i]);
				return TV_STATUS_USAGE;
			}
		} else if (!strcmp(argv[i], "--on-ready") && i + 1 < argc) {
			on_ready = argv[++i];
		} else {
			return usage();
		}
	}
	if (i + 1 != argc) {
		return usage();
	}
	return run_guest(argv[i], mte, protected, mem);
}
