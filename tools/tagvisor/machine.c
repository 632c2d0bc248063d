/* SPDX-License-Identifier: MIT */
/*
 * Starting QEMU: the machine tagvisor needs, hidden behind struct machine. The
 * hypervisor is QEMU's -kernel (entered at EL2), the host image and every guest
 * image are put into RAM by QEMU's generic loader, and the host's boot arguments
 * travel in the DTB's /chosen/bootargs. QEMU's only ways out are three sockets
 * to us: the guests' console (the first PL011), the hypervisor's console (the
 * second PL011) and the host's link (a virtio console on PCIe, behind the SMMU
 * the hypervisor owns). Semihosting stays off: no guest can reach this machine.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <abi/boot.h>
#include <abi/status.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define QEMU "qemu-system-aarch64"
#define QEMU_MIN_MAJOR 8
#define RAM_BASE 0x40000000ull
/* Images go at the top of RAM; below this much stays free for the host and its guests. */
#define HOST_RESERVE (64ull << 20)

#ifndef TV_GIT_COMMIT
#define TV_GIT_COMMIT ""
#endif
const char tagvisor_version[] = "0.4.0" TV_GIT_COMMIT;

static bool has_images(const char *dir)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/hyp.elf", dir);
	if (access(p, R_OK)) {
		return false;
	}
	snprintf(p, sizeof(p), "%s/host.elf", dir);
	return !access(p, R_OK);
}

const char *data_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX], *bin;
	const char *env = getenv("TAGVISOR_DATA");
	ssize_t n;

	if (dir[0]) {
		return dir;
	}
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s", env);
		if (has_images(dir)) {
			return dir;
		}
		fprintf(stderr, "tagvisor: TAGVISOR_DATA=%s has no hyp.elf and host.elf\n", env);
		exit(TV_STATUS_BAD_INPUT);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	bin = dirname(exe);
	snprintf(dir, sizeof(dir), "%s", bin);
	if (has_images(dir)) {
		return dir;
	}
	snprintf(dir, sizeof(dir), "%s/../share/tagvisor", bin);
	if (has_images(dir)) {
		return dir;
	}
	fprintf(stderr,
		"tagvisor: cannot find the hypervisor and host images (hyp.elf, host.elf): looked in "
		"%s and %s/../share/tagvisor; set TAGVISOR_DATA to their folder, or run `make "
		"install PREFIX=...`\n",
		bin, bin);
	exit(TV_STATUS_BAD_INPUT);
}

const char *qemu_version(void)
{
	static char version[64];
	FILE *p;
	char line[256] = "";

	if (version[0]) {
		return version;
	}
	p = popen(QEMU " --version 2>/dev/null", "r");
	if (p) {
		if (fgets(line, sizeof(line), p)) {
			const char *v = strstr(line, "version ");

			if (v && sscanf(v + 8, "%63[0-9.]", version) != 1) {
				version[0] = '\0';
			}
		}
		pclose(p);
	}
	return version[0] ? version : NULL;
}

int qemu_check_version(void)
{
	const char *v = qemu_version();

	if (!v) {
		fprintf(stderr, "tagvisor: " QEMU " not found; run scripts/install-deps.sh (or make)\n");
		return -1;
	}
	if (atoi(v) < QEMU_MIN_MAJOR) {
		fprintf(stderr,
			"tagvisor: QEMU %s is too old: MTE needs QEMU >= %d. Debian 12's QEMU 7.2 "
			"keeps one tag per page instead of one per 16 bytes (QEMU issue 1416); "
			"scripts/install-deps.sh installs QEMU from bookworm-backports.\n",
			v, QEMU_MIN_MAJOR);
		return -1;
	}
	return 0;
}

void machine_defaults(struct machine *m)
{
	memset(m, 0, sizeof(*m));
	m->machine_bytes = 1ull << 30;
	m->cpus = 1;
	m->mte = true;
	m->guest_cpio_fd = -1;
}

int machine_arg(struct machine *m, const char *key, const char *value)
{
	size_t len = strlen(m->bootargs);
	int n;

	/* Boot arguments are split at spaces: values that could hold them are encoded. */
	if ((value && strpbrk(value, " \t\n\"")) || strpbrk(key, " \t\n\"=")) {
		fprintf(stderr, "tagvisor: '%s' cannot contain spaces or quotes\n", value ? value : key);
		return -1;
	}
	n = snprintf(m->bootargs + len, sizeof(m->bootargs) - len, "%s%s%s%s", len ? " " : "", key,
		     value ? "=" : "", value ? value : "");
	if (n < 0 || (size_t)n >= sizeof(m->bootargs) - len) {
		fprintf(stderr, "tagvisor: boot arguments too long\n");
		return -1;
	}
	return 0;
}

int machine_arg_encoded(struct machine *m, const char *key, const char *value)
{
	char enc[2048];
	size_t n = 0;

	/* Boot arguments are split at spaces: carry them (and '%', quotes) as %XX. */
	for (const char *p = value; *p; p++) {
		if (n + 4 >= sizeof(enc)) {
			fprintf(stderr, "tagvisor: '%s' is too long\n", key);
			return -1;
		}
		if (*p == ' ' || *p == '%' || *p == '"' || *p == '\t' || *p == '\n') {
			n += (size_t)snprintf(enc + n, sizeof(enc) - n, "%%%02x", (unsigned char)*p);
		} else {
			enc[n++] = *p;
		}
	}
	enc[n] = '\0';
	return machine_arg(m, key, enc);
}

int machine_add_image(struct machine *m, const char *key, const char *path, const char *what)
{
	struct image *img;
	struct stat st;

	if (m->nr_images == TV_MAX_IMAGES) {
		fprintf(stderr, "tagvisor: too many images\n");
		return -1;
	}
	img = &m->images[m->nr_images];
	if (!realpath(path, img->path) || stat(img->path, &st) || access(img->path, R_OK)) {
		fprintf(stderr, "tagvisor: cannot read %s '%s': %s\n", what, path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		fprintf(stderr, "tagvisor: %s '%s' is %s\n", what, path,
			S_ISREG(st.st_mode) ? "empty" : "not a regular file");
		return -1;
	}
	img->key = key;
	img->size = (uint64_t)st.st_size;
	m->nr_images++;
	return 0;
}

int machine_add_guest(struct machine *m, const char *path)
{
	unsigned char h[20];
	FILE *f;
	size_t n = 0;

	if (machine_add_image(m, "guest", path, "guest")) {
		return -1;
	}
	f = fopen(m->images[m->nr_images - 1].path, "rb");
	if (f) {
		n = fread(h, 1, sizeof(h), f);
		fclose(f);
	}
	/* ELF magic, 64-bit, little-endian, EM_AARCH64 (183). */
	if (n < sizeof(h) || memcmp(h, "\x7f" "ELF", 4) || h[4] != 2 || h[5] != 1 || h[18] != 183 ||
	    h[19] != 0) {
		fprintf(stderr,
			"tagvisor: guest '%s' is not an arm64 ELF file (guests are ELF programs; a raw "
			"binary or an Image runs with --kernel)\n",
			path);
		m->nr_images--;
		return -1;
	}
	return 0;
}

int machine_place_images(struct machine *m)
{
	uint64_t top = RAM_BASE + m->machine_bytes, total = 0;

	for (unsigned i = 0; i < m->nr_images; i++) {
		struct image *img = &m->images[i];
		char spec[64];

		total += (img->size + 0xfff) & ~0xfffull;
		if (total + HOST_RESERVE > m->machine_bytes) {
			fprintf(stderr,
				"tagvisor: the images (%llu MiB so far) do not fit the machine's %llu MiB "
				"of RAM (--machine-mem)\n",
				(unsigned long long)(total >> 20),
				(unsigned long long)(m->machine_bytes >> 20));
			return -1;
		}
		img->addr = (top - img->size) & ~0xfffull;
		top = img->addr;
		snprintf(spec, sizeof(spec), "0x%llx:0x%llx", (unsigned long long)img->addr,
			 (unsigned long long)img->size);
		if (machine_arg(m, img->key, spec)) {
			return -1;
		}
	}
	return 0;
}

/* An option value for QEMU: commas doubled, as its option parser wants. */
static const char *qemu_escape(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 2 < len; s++) {
		buf[n++] = *s;
		if (*s == ',') {
			buf[n++] = ',';
		}
	}
	buf[n] = '\0';
	return buf;
}

int machine_argv(struct machine *m, char **argv, size_t max, char *buf, size_t buflen)
{
	size_t n = 0, used = 0;
	char esc[8192];

#define ARG(...)                                                                     \
	do {                                                                         \
		int len_ = snprintf(buf + used, buflen - used, __VA_ARGS__);         \
		if (n + 1 < max && len_ >= 0 && used + (size_t)len_ + 1 <= buflen) { \
			argv[n++] = buf + used;                                      \
			used += (size_t)len_ + 1;                                    \
		}                                                                    \
	} while (0)

	ARG(QEMU);
	ARG("-M");
	if (m->bare_guest) {
		/*
		 * The reference machine for fidelity checks: no EL2, and the CPU features
		 * tagvisor does not give guests (SVE, SME, pointer authentication) off.
		 */
		ARG("virt,mte=%s,gic-version=3", m->mte ? "on" : "off");
		ARG("-cpu");
		ARG("max,sve=off,sme=off,pauth=off");
	} else {
		/*
		 * No ITS (its tables would be DMA the host programs); PCIe behind an SMMUv3
		 * with stage 2, which the hypervisor owns; the ECAM below 4 GiB.
		 */
		ARG("virt,virtualization=on,mte=%s,gic-version=3,its=off,iommu=smmuv3,"
		    "highmem-ecam=off",
		    m->mte ? "on" : "off");
		ARG("-global");
		ARG("arm-smmuv3.stage=2");
		ARG("-global");
		ARG("arm-gicv3.has-lpi=off");
		ARG("-cpu");
		ARG("max");
	}
	ARG("-smp");
	ARG("%u", m->cpus);
	ARG("-m");
	ARG("%lluM", (unsigned long long)(m->machine_bytes >> 20));
	ARG("-nodefaults");
	ARG("-display");
	ARG("none");
	ARG("-monitor");
	ARG("none");
	ARG("-no-reboot");
	ARG("-chardev");
	ARG("socket,id=console,fd=3");
	ARG("-serial");
	ARG("chardev:console");
	if (m->bare_guest) {
		ARG("-kernel");
		ARG("%s", m->bare_guest);
		if (m->bare_append) {
			ARG("-append");
			ARG("%s", m->bare_append);
		}
	} else {
		ARG("-chardev");
		ARG("socket,id=log,fd=4");
		ARG("-serial");
		ARG("chardev:log");
		ARG("-chardev");
		ARG("socket,id=link,fd=5");
		/* DMA through the IOMMU (without iommu_platform QEMU would bypass it). */
		ARG("-device");
		ARG("virtio-serial-pci,id=link,bus=pcie.0,addr=0x2,disable-legacy=on,"
		    "iommu_platform=on,vectors=0,max_ports=2");
		/* A serial port, not a console: QEMU drops a console's bytes when we lag. */
		ARG("-device");
		ARG("virtserialport,bus=link.0,nr=1,chardev=link,name=tagvisor.link");
		if (m->dma_test_device) {
			ARG("-device");
			ARG("virtio-rng-pci,bus=pcie.0,addr=0x3,disable-legacy=on,iommu_platform=on,"
			    "vectors=0");
		}
		ARG("-kernel");
		ARG("%s/hyp.elf", data_dir());
		ARG("-device");
		if (m->linux_host) {
			/* A raw Image where the bare host goes (include/abi/boot.h). */
			ARG("loader,file=%s,addr=0x%llx,force-raw=on",
			    qemu_escape(m->host_kernel, esc, sizeof(esc)),
			    (unsigned long long)TV_HOST_LOAD_ADDR);
		} else {
			ARG("loader,file=%s/host.elf", qemu_escape(data_dir(), esc, sizeof(esc)));
		}
		for (unsigned i = 0; i < m->nr_images; i++) {
			ARG("-device");
			ARG("loader,file=%s,addr=0x%llx,force-raw=on",
			    qemu_escape(m->images[i].path, esc, sizeof(esc)),
			    (unsigned long long)m->images[i].addr);
		}
		ARG("-append");
		if (m->linux_host) {
			ARG("%s -- %s", m->bootargs, m->linux_cmdline);
		} else {
			ARG("%s", m->bootargs);
		}
	}
	if (m->icount) {
		/* Deterministic: one tick per instruction, and the same random numbers (RNDR). */
		ARG("-icount");
		ARG("shift=0,sleep=off");
		ARG("-seed");
		ARG("1");
	}
	/* A debugging aid (tests/bench/profile.sh): more QEMU options, split at spaces. */
	if (getenv("TAGVISOR_QEMU_ARGS")) {
		char extra[1024], *save = NULL;

		snprintf(extra, sizeof(extra), "%s", getenv("TAGVISOR_QEMU_ARGS"));
		for (char *t = strtok_r(extra, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			ARG("%s", t);
		}
	}
	if (m->gdb_port) {
		ARG("-gdb");
		ARG("tcp:127.0.0.1:%u", m->gdb_port);
		ARG("-S");
	}
	argv[n] = NULL;
#undef ARG
	return (int)n;
}

static int socket_pair(int sv[2])
{
	int size = 4 << 20;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		perror("tagvisor: socketpair");
		return -1;
	}
	/* Large buffers: QEMU's writes rarely have to wait for us. */
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	return 0;
}

int machine_spawn(struct machine *m, struct machine_fds *fds)
{
	char *argv[96], buf[32768];
	int con[2], log[2], link[2], exec_err[2], err = 0;
	pid_t pid, parent = getpid();

	machine_argv(m, argv, sizeof(argv) / sizeof(argv[0]), buf, sizeof(buf));
	if (m->verbose) {
		fprintf(stderr, "tagvisor:");
		for (char **a = argv; *a; a++) {
			fprintf(stderr, " %s", *a);
		}
		fprintf(stderr, "\n");
	}
	if (socket_pair(con) || socket_pair(log) || socket_pair(link) ||
	    pipe2(exec_err, O_CLOEXEC)) {
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("tagvisor: fork");
		return -1;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		/* Out of the way of 3..6 first, so that no dup2 below overwrites another. */
		int ours[4] = { fcntl(con[1], F_DUPFD, 10), fcntl(log[1], F_DUPFD, 10),
				fcntl(link[1], F_DUPFD, 10),
				m->guest_cpio_fd >= 0 ? fcntl(m->guest_cpio_fd, F_DUPFD, 10) : -1 };

		/* QEMU dies with us, and Ctrl-C in the terminal reaches only us. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) {
			_exit(TV_STATUS_HYP_ERROR);
		}
		setpgid(0, 0);
		if (in < 0 || dup2(in, STDIN_FILENO) < 0) {
			_exit(TV_STATUS_HYP_ERROR);
		}
		for (int i = 0; i < 3; i++) {
			if (ours[i] < 0 || dup2(ours[i], 3 + i) < 0) {
				_exit(TV_STATUS_HYP_ERROR);
			}
		}
		/* The Linux host's guest archive, read by QEMU's loader as /proc/self/fd/6. */
		if (m->guest_cpio_fd >= 0 && dup2(ours[3], 6) < 0) {
			_exit(TV_STATUS_HYP_ERROR);
		}
		/* QEMU's stdout carries nothing of the guests': keep it out of theirs. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		/* Tell the parent (the pipe closes on a successful exec, unread). */
		err = errno;
		if (write(exec_err[1], &err, sizeof(err)) < 0) {
			/* nothing more to do */
		}
		_exit(TV_STATUS_QEMU);
	}
	close(con[1]);
	close(log[1]);
	close(link[1]);
	close(exec_err[1]);
	if (read(exec_err[0], &err, sizeof(err)) == sizeof(err)) {
		fprintf(stderr, "tagvisor: cannot run %s: %s\n", argv[0], strerror(err));
		close(exec_err[0]);
		waitpid(pid, NULL, 0);
		close(con[0]);
		close(log[0]);
		close(link[0]);
		return -1;
	}
	close(exec_err[0]);
	*fds = (struct machine_fds){ con[0], log[0], link[0] };
	return pid;
}
