/* SPDX-License-Identifier: MIT */
/*
 * kvmboot: a minimal Linux/KVM VMM that boots an arm64 Linux Image the way tagvisor's
 * VMM does (host/vmm/linux.c), so that the two can be compared on the same emulated
 * machine (tests/bench/kvm-linux/run.sh, smp4.sh): one vCPU or several, RAM at
 * 0x40000000, an in-kernel GICv3 and arch timer, a PL011 emulated here, PSCI 0.2 handled by
 * KVM, and the very device tree tagvisor gives its Linux guests (lib/linux_dt.c).
 *
 * Usage: kvmboot [-m] [-c VCPUS] [-M MIB] [-i INITRD] [-a CMDLINE] IMAGE
 *   -m          enable MTE for the guest (KVM_CAP_ARM_MTE)
 *   -c VCPUS    vCPUs, 1..8 (default 1); vCPU i has MPIDR i and a thread of its own, and
 *               all but vCPU 0 start powered off, for the guest to start with PSCI CPU_ON
 *   -M MIB      guest RAM in MiB (default 256, tagvisor's default for Linux guests)
 *   -i INITRD   initramfs to load
 *   -a CMDLINE  kernel command line (default "console=ttyAMA0 panic=-1")
 *
 * The guest's console goes to stdout, kvmboot's own messages to stderr. Exit status 0
 * when the guest powers off or resets (PSCI SYSTEM_OFF / SYSTEM_RESET, from any vCPU), 1
 * on any error or unexpected exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <lib/linux_dt.h>
#include <lib/linux_image.h>

#define RAM_BASE UINT64_C(0x40000000)
#define DTB_MAX (64u << 10)
#define MAX_VCPUS 8

/* PL011 registers this VMM answers; everything else reads as zero, writes are ignored. */
#define UART_DR 0x000
#define UART_FR 0x018
#define UART_FR_RXFE (1u << 4)
#define UART_FR_TXFE (1u << 7)
#define UART_PERIPH_ID0 0xfe0

/*
 * The AMBA bus identifies a PrimeCell by these ID registers before it binds a driver:
 * without them no pl011 driver, no ttyAMA0 and no console. PL011 r1p5, as QEMU's and
 * tagvisor's (host/vmm/pl011.c).
 */
static const uint8_t uart_ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };


#define CORE_REG(x) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, x) / 4))

/* Prints "kvmboot: MESSAGE[ (errno's text)]" and exits 1. */
static void __attribute__((noreturn)) vdie(bool sys, const char *fmt, va_list ap)
{
	int e = errno;

	fflush(stdout);
	fputs("kvmboot: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (sys) {
		fprintf(stderr, " (%s)", strerror(e));
	}
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(false, fmt, ap);
}

/* As die, for a failed system call: adds errno's text. */
static void __attribute__((format(printf, 1, 2), noreturn)) die_sys(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(true, fmt, ap);
}

/* ioctl that must succeed; returns its (non-negative) result. */
static int xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		die_sys("%s failed", what);
	}
	return r;
}

/*
 * The virtual counter of this (L1) Linux: under QEMU's -icount shift=0 its ticks are
 * instructions, which lets kvmboot say how much of the guest's count it spent itself.
 */
static uint64_t counter(void)
{
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
}

/* Reads the whole of path into dst (at most cap bytes); returns its size. */
static uint64_t load_file(const char *path, uint8_t *dst, uint64_t cap)
{
	struct stat st;
	uint64_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		die_sys("cannot open %s", path);
	}
	if ((uint64_t)st.st_size > cap) {
		die("%s (%" PRIu64 " bytes) does not fit in guest RAM", path, (uint64_t)st.st_size);
	}
	while (done < (uint64_t)st.st_size) {
		ssize_t n = read(fd, dst + done, (size_t)st.st_size - done);

		if (n <= 0) {
			die_sys("cannot read %s", path);
		}
		done += (uint64_t)n;
	}
	close(fd);
	return done;
}

static void set_reg(int vcpu, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&value };

	xioctl(vcpu, KVM_SET_ONE_REG, &reg, "KVM_SET_ONE_REG");
}

static void vgic_attr(int dev, uint32_t group, uint64_t attr, void *addr, const char *what)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)addr };

	xioctl(dev, KVM_SET_DEVICE_ATTR, &a, what);
}

/* One PL011 access; returns 0, or -1 if addr is not the UART's. */
static int uart_access(struct kvm_run *run, uint64_t base)
{
	uint64_t off = run->mmio.phys_addr - base;
	uint32_t value = 0;

	if (run->mmio.phys_addr < base || off >= LINUX_DT_UART_SIZE) {
		return -1;
	}
	if (run->mmio.is_write) {
		if (off == UART_DR) {
			/* stdout is line buffered on a console: one write per line, not per byte. */
			putchar(run->mmio.data[0]);
		}
		return 0;
	}
	if (off == UART_FR) {
		/* The transmit FIFO always has room and there is never input. */
		value = UART_FR_TXFE | UART_FR_RXFE;
	} else if (off >= UART_PERIPH_ID0 && off < UART_PERIPH_ID0 + 32 && !(off & 3)) {
		value = uart_ids[(off - UART_PERIPH_ID0) / 4];
	}
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, &value, run->mmio.len < 4 ? run->mmio.len : 4);
	return 0;
}

/* A vCPU: its fd, its kvm_run, the exits it made to userspace. */
struct vcpu {
	int fd;
	int index;
	char who[16]; /* "vCPU N: " in messages, with several vCPUs */
	struct kvm_run *run;
	uint64_t exits;
	pthread_t thread;
};

static struct vcpu vcpus[MAX_VCPUS];
static int nr_vcpus = 1;
static uint64_t uart_base, t_create, t_run;

/*
 * Runs a vCPU until the guest powers off or resets, which ends the process (whichever
 * vCPU asks: KVM has stopped the others by then), or until an error.
 */
static void __attribute__((noreturn)) run_vcpu(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			die_sys("%sKVM_RUN failed", v->who);
		}
		v->exits++;
		if (run->exit_reason == KVM_EXIT_MMIO && uart_access(run, uart_base) == 0) {
			continue;
		}
		fflush(stdout);
		if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
		    (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ||
		     run->system_event.type == KVM_SYSTEM_EVENT_RESET)) {
			uint64_t exits = 0;

			/* The others' counts are final: KVM put their vCPUs to sleep for the event. */
			for (int i = 0; i < nr_vcpus; i++) {
				exits += vcpus[i].exits;
			}
			/* The counter deltas are instructions under -icount shift=0. */
			fprintf(stderr,
				"kvmboot: guest %s after %" PRIu64 " exits to userspace; counter: %" PRIu64
				" from vCPU creation to the first KVM_RUN, %" PRIu64 " from there to the end\n",
				run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ? "powered off" : "reset",
				exits, t_run - t_create, counter() - t_run);
			if (nr_vcpus > 1) {
				fprintf(stderr, "kvmboot: exits per vCPU:");
				for (int i = 0; i < nr_vcpus; i++) {
					fprintf(stderr, " %" PRIu64, vcpus[i].exits);
				}
				fprintf(stderr, " (vCPU %d ended the run)\n", v->index);
			}
			exit(0);
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			die("%sguest %s of %u bytes at 0x%llx: no device there", v->who,
			    run->mmio.is_write ? "write" : "read", run->mmio.len,
			    (unsigned long long)run->mmio.phys_addr);
		}
		if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT) {
			die("%sguest system event %u", v->who, run->system_event.type);
		}
		die("%sunexpected exit reason %u", v->who, run->exit_reason);
	}
}

static void *vcpu_thread(void *arg)
{
	run_vcpu(arg);
}

int main(int argc, char **argv)
{
	static uint8_t dtb[DTB_MAX] __attribute__((aligned(8)));
	const char *initrd = NULL, *cmdline = "console=ttyAMA0 panic=-1";
	uint64_t ram_size = UINT64_C(256) << 20, isize = 0, initrd_ipa = 0;
	bool mte = false;
	int opt;

	while ((opt = getopt(argc, argv, "mc:M:i:a:")) != -1) {
		switch (opt) {
		case 'm':
			mte = true;
			break;
		case 'c':
			nr_vcpus = atoi(optarg);
			break;
		case 'M':
			ram_size = strtoull(optarg, NULL, 0) << 20;
			break;
		case 'i':
			initrd = optarg;
			break;
		case 'a':
			cmdline = optarg;
			break;
		default:
			fprintf(stderr, "usage: kvmboot [-m] [-c VCPUS] [-M MIB] [-i INITRD] [-a CMDLINE] IMAGE\n");
			return 1;
		}
	}
	if (optind + 1 != argc || ram_size < (UINT64_C(64) << 20) || nr_vcpus < 1 ||
	    nr_vcpus > MAX_VCPUS) {
		fprintf(stderr, "usage: kvmboot [-m] [-c VCPUS 1..%d] [-M MIB >= 64] [-i INITRD] [-a CMDLINE] "
			"IMAGE\n", MAX_VCPUS);
		return 1;
	}

	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		die_sys("cannot open /dev/kvm");
	}
	int vm = xioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
	/* KVM accepts MTE only while the VM has no vCPUs: its ID registers depend on it. */
	if (mte) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_MTE };

		if (ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_MTE) <= 0) {
				die("this KVM has no KVM_CAP_ARM_MTE (is the machine's mte=on?)");
		}
		xioctl(vm, KVM_ENABLE_CAP, &cap, "KVM_ENABLE_CAP(KVM_CAP_ARM_MTE)");
	}

	/*
	 * Guest RAM: private anonymous memory, the kind KVM allows MTE on (it must be able to
	 * keep tags for every page). Loaded before the vCPUs exist, so that none of this
	 * copying is in the guest's count: KVM starts the guest's virtual counter at 0 when
	 * it creates a vCPU (Linux 6.1 sets every vCPU's CNTVOFF then, so with several the
	 * count starts at the last one's creation).
	 */
	uint8_t *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED) {
		die_sys("cannot map %" PRIu64 " MiB of guest RAM", ram_size >> 20);
	}
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = RAM_BASE,
		.memory_size = ram_size,
		.userspace_addr = (uint64_t)(uintptr_t)ram,
	};
	xioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");

	/* The layout of host/vmm/linux.c (lib/linux_image.c); the initramfs's size first. */
	struct linux_layout at;
	struct stat st = { 0 };

	if (initrd && stat(initrd, &st) < 0) {
		die_sys("cannot stat %s", initrd);
	}
	/* The Image is read to the start of RAM, checked there, then moved to its place. */
	uint64_t ksize = load_file(argv[optind], ram, ram_size - LINUX_DTB_SPACE);
	int err = linux_image_layout(ram, ksize, RAM_BASE, ram_size, (uint64_t)st.st_size, &at);

	if (err) {
		die("%s: %s (%" PRIu64 " MiB)", argv[optind], linux_image_strerror(err),
		    ram_size >> 20);
	}
	memmove(ram + (at.kernel - RAM_BASE), ram, ksize);
	memset(ram, 0, at.kernel - RAM_BASE);
	if (initrd) {
		isize = load_file(initrd, ram + (at.initrd - RAM_BASE), at.dtb - at.initrd);
		initrd_ipa = at.initrd;
	}
	uint64_t dtb_ipa = at.dtb;

	struct linux_dt_config cfg;
	linux_dt_config_virt(&cfg);
	cfg.ram_base = RAM_BASE;
	cfg.ram_size = ram_size;
	cfg.nr_vcpus = (uint32_t)nr_vcpus;
	cfg.bootargs = cmdline;
	cfg.initrd_start = initrd_ipa;
	cfg.initrd_end = initrd ? initrd_ipa + isize : 0;
	cfg.mte = mte;
	int dt_size = linux_dt_build(dtb, sizeof(dtb), &cfg);
	if (dt_size < 0) {
		die("linux_dt_build failed: %d", dt_size);
	}
	memcpy(ram + (dtb_ipa - RAM_BASE), dtb, (size_t)dt_size);

	/* From here on the guest's clock runs (from the last vCPU's creation). */
	for (int i = 0; i < nr_vcpus; i++) {
		vcpus[i].index = i;
		if (nr_vcpus > 1) {
			snprintf(vcpus[i].who, sizeof(vcpus[i].who), "vCPU %d: ", i);
		}
		if (i == nr_vcpus - 1) {
			t_create = counter();
		}
		/* The vCPU id is its MPIDR (Aff0), as the device tree's cpu@i says. */
		vcpus[i].fd = xioctl(vm, KVM_CREATE_VCPU, (void *)(uintptr_t)i, "KVM_CREATE_VCPU");
	}
	struct kvm_vcpu_init init;
	xioctl(vm, KVM_ARM_PREFERRED_TARGET, &init, "KVM_ARM_PREFERRED_TARGET");
	/*
	 * PSCI 0.2 and later (the tree says "arm,psci-0.2"): KVM handles CPU_ON and the rest
	 * itself; SYSTEM_OFF reaches us as an exit. Secondaries start off, until CPU_ON.
	 */
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	for (int i = 0; i < nr_vcpus; i++) {
		struct kvm_vcpu_init vi = init;

		if (i > 0) {
			vi.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
		}
		xioctl(vcpus[i].fd, KVM_ARM_VCPU_INIT, &vi, "KVM_ARM_VCPU_INIT");
	}

	/*
	 * The in-kernel GICv3 at the device tree's addresses. It is initialised once the
	 * vCPUs exist: KVM sizes the redistributor region by them (128 KiB each, as the
	 * tree's). The arch timer needs nothing: KVM wires its PPIs (27 virtual, 30
	 * physical) as the tree says.
	 */
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	xioctl(vm, KVM_CREATE_DEVICE, &gic, "KVM_CREATE_DEVICE(VGIC_V3)");
	uint64_t gicd = cfg.gicd_base, gicr = cfg.gicr_base;
	vgic_attr(gic.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &gicd,
		  "setting the GIC distributor's address");
	vgic_attr(gic.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &gicr,
		  "setting the GIC redistributor's address");
	vgic_attr(gic.fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL,
		  "KVM_DEV_ARM_VGIC_CTRL_INIT");

	/* The arm64 boot protocol: x0 = the DTB; PSTATE is KVM's reset value, EL1h, DAIF set. */
	set_reg(vcpus[0].fd, CORE_REG(regs.pc), at.kernel);
	set_reg(vcpus[0].fd, CORE_REG(regs.regs[0]), dtb_ipa);

	int run_size = xioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
	for (int i = 0; i < nr_vcpus; i++) {
		vcpus[i].run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				    vcpus[i].fd, 0);
		if (vcpus[i].run == MAP_FAILED) {
			die_sys("cannot map the kvm_run of vCPU %d", i);
		}
	}
	uart_base = cfg.uart_base;
	fprintf(stderr,
		"kvmboot: Image at 0x%" PRIx64 ", initramfs at 0x%" PRIx64 " (%" PRIu64
		" bytes), DTB at 0x%" PRIx64 ", %" PRIu64 " MiB, MTE %s, \"%s\"\n",
		at.kernel, initrd_ipa, isize, dtb_ipa, ram_size >> 20, mte ? "on" : "off",
		cmdline);
	if (nr_vcpus > 1) {
		fprintf(stderr, "kvmboot: %d vCPUs (MPIDR 0..%d), the secondaries powered off\n",
			nr_vcpus, nr_vcpus - 1);
	}

	t_run = counter();
	/* The secondaries wait in KVM_RUN, powered off, until the guest's PSCI CPU_ON. */
	for (int i = 1; i < nr_vcpus; i++) {
		if (pthread_create(&vcpus[i].thread, NULL, vcpu_thread, &vcpus[i])) {
			die("cannot start the thread of vCPU %d", i);
		}
	}
	run_vcpu(&vcpus[0]);
}

