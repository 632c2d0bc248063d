/* SPDX-License-Identifier: MIT */
/*
 * Starting QEMU: the machine tagvisor needs, hidden behind struct machine. The
 * hypervisor is QEMU's -kernel (entered at EL2), the host image is loaded next
 * to it, and the host's boot arguments travel in the DTB's /chosen/bootargs.
 * The guest console is QEMU's serial port on stdio; the hypervisor and the host
 * write to stderr through semihosting; the host's exit code is QEMU's.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <abi/status.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define QEMU "qemu-system-aarch64"
#define QEMU_MIN_MAJOR 8

const char *build_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (!dir[0]) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0) {
			return ".";
		}
		exe[n] = '\0';
		snprintf(dir, sizeof(dir), "%s", dirname(exe));
	}
	return dir;
}

uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (end == s) {
		return 0;
	}
	switch (*end) {
	case 'K':
	case 'k':
		v <<= 10;
		end++;
		break;
	case 'M':
	case 'm':
		v <<= 20;
		end++;
		break;
	case 'G':
	case 'g':
		v <<= 30;
		end++;
		break;
	default:
		break;
	}
	return *end ? 0 : v;
}

uint64_t parse_time_ns(const char *s)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = { { "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 } };
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s) {
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			return v * units[i].ns;
		}
	}
	return 0;
}

int qemu_check_version(void)
{
	FILE *p = popen(QEMU " --version 2>/dev/null", "r");
	int major = 0, minor = 0;
	char line[256] = "";

	if (p) {
		if (fgets(line, sizeof(line), p)) {
			const char *v = strstr(line, "version ");

			if (v) {
				sscanf(v + 8, "%d.%d", &major, &minor);
			}
		}
		pclose(p);
	}
	if (major == 0) {
		fprintf(stderr, "tagvisor: " QEMU " not found; run scripts/install-deps.sh (or make)\n");
		return -1;
	}
	if (major < QEMU_MIN_MAJOR) {
		fprintf(stderr,
			"tagvisor: QEMU %d.%d is too old: MTE needs QEMU >= %d. Debian 12's QEMU 7.2 "
			"keeps one tag per page instead of one per 16 bytes (QEMU issue 1416); "
			"scripts/install-deps.sh installs QEMU from bookworm-backports.\n",
			major, minor, QEMU_MIN_MAJOR);
		return -1;
	}
	return 0;
}

void machine_defaults(struct machine *m)
{
	memset(m, 0, sizeof(*m));
	m->machine_mem = "1G";
	m->mte = true;
}

int machine_arg(struct machine *m, const char *key, const char *value)
{
	size_t len = strlen(m->bootargs);
	int n;

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

int machine_path_arg(struct machine *m, const char *key, const char *path)
{
	char abs[PATH_MAX];

	if (!realpath(path, abs)) {
		fprintf(stderr, "tagvisor: cannot read '%s'\n", path);
		return -1;
	}
	return machine_arg(m, key, abs);
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

/* Builds QEMU's argument vector in `argv` (storage in `buf`). */
static void build_argv(const struct machine *m, char **argv, size_t max, char *buf, size_t buflen)
{
	size_t n = 0, used = 0;

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
		ARG("virt,virtualization=on,mte=%s,gic-version=3", m->mte ? "on" : "off");
		ARG("-cpu");
		ARG("max");
	}
	ARG("-smp");
	ARG("1");
	ARG("-m");
	ARG("%s", m->machine_mem);
	ARG("-nodefaults");
	ARG("-display");
	ARG("none");
	ARG("-monitor");
	ARG("none");
	ARG("-serial");
	ARG("stdio");
	ARG("-no-reboot");
	if (m->bare_guest) {
		ARG("-kernel");
		ARG("%s", m->bare_guest);
		if (m->bare_append) {
			ARG("-append");
			ARG("%s", m->bare_append);
		}
	} else {
		ARG("-semihosting-config");
		ARG("enable=on,target=native");
		ARG("-kernel");
		ARG("%s/hyp.elf", build_dir());
		ARG("-device");
		ARG("loader,file=%s/host.elf", build_dir());
		ARG("-append");
		ARG("%s", m->bootargs);
	}
	if (m->icount) {
		/* Deterministic: one tick per instruction, and the same random numbers (RNDR). */
		ARG("-icount");
		ARG("shift=0,sleep=off");
		ARG("-seed");
		ARG("1");
	}
	if (m->gdb) {
		ARG("-s");
		ARG("-S");
	}
	argv[n] = NULL;
#undef ARG
}

static void redirect(const char *path, int fd, int flags)
{
	int f = open(path, flags, 0644);

	if (f < 0 || dup2(f, fd) < 0) {
		fprintf(stderr, "tagvisor: cannot open %s: %s\n", path, strerror(errno));
		_exit(TV_STATUS_USAGE);
	}
	close(f);
}

/* Waits for the child, killing it after `timeout` seconds. Returns its status or -1. */
static int wait_with_timeout(pid_t pid, unsigned timeout, bool *timed_out)
{
	struct timespec deadline, now;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout;
	for (;;) {
		pid_t r = waitpid(pid, &status, timeout ? WNOHANG : 0);

		if (r == pid) {
			return status;
		}
		if (r < 0 && errno != EINTR) {
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout && (now.tv_sec > deadline.tv_sec ||
				(now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			*timed_out = true;
			return status;
		}
		if (timeout) {
			struct timespec nap = { 0, 20 * 1000 * 1000 };

			nanosleep(&nap, NULL);
		}
	}
}

int machine_spawn(const struct machine *m, int stdout_fd)
{
	char *argv[64], buf[16384];
	pid_t pid;

	build_argv(m, argv, sizeof(argv) / sizeof(argv[0]), buf, sizeof(buf));
	if (m->verbose) {
		fprintf(stderr, "tagvisor:");
		for (char **a = argv; *a; a++) {
			fprintf(stderr, " %s", *a);
		}
		fprintf(stderr, "\n");
	}
	if (m->gdb) {
		fprintf(stderr, "tagvisor: QEMU is halted; attach with\n"
				"  gdb-multiarch %s/hyp.elf -ex 'add-symbol-file %s/host.elf' "
				"-ex 'target remote :1234'\n",
			build_dir(), build_dir());
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("tagvisor: fork");
		return -1;
	}
	if (pid == 0) {
		if (m->stdin_path) {
			redirect(m->stdin_path, STDIN_FILENO, O_RDONLY);
		}
		if (m->stdout_path) {
			redirect(m->stdout_path, STDOUT_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
		}
		if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0) {
			_exit(TV_STATUS_HYP_ERROR);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "tagvisor: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(TV_STATUS_HYP_ERROR);
	}
	return pid;
}

int machine_status(int status)
{
	if (!WIFEXITED(status)) {
		fprintf(stderr, "tagvisor: QEMU ended abnormally\n");
		return TV_STATUS_HYP_ERROR;
	}
	return WEXITSTATUS(status);
}

int machine_run(const struct machine *m)
{
	struct termios saved;
	bool tty = isatty(STDIN_FILENO) && !m->stdin_path && tcgetattr(STDIN_FILENO, &saved) == 0;
	bool timed_out = false;
	int status;
	pid_t pid;

	if (qemu_check_version()) {
		return TV_STATUS_USAGE;
	}
	pid = machine_spawn(m, -1);
	if (pid < 0) {
		return TV_STATUS_HYP_ERROR;
	}
	status = wait_with_timeout(pid, m->timeout, &timed_out);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	}
	if (timed_out) {
		fprintf(stderr, "tagvisor: timeout after %u s\n", m->timeout);
		return TV_STATUS_TIMEOUT;
	}
	if (status < 0) {
		return TV_STATUS_HYP_ERROR;
	}
	return machine_status(status);
}
