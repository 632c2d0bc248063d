/* SPDX-License-Identifier: MIT */
/*
 * tagvisor restore: a fresh QEMU continues a guest from a snapshot file.
 * tagvisor migrate: both ends of a live migration in one command, built on the
 * same path as two machines: it runs `tagvisor run --incoming` and `tagvisor run
 * --migrate-to` as children, joined through us by a pair of sockets (where a real
 * migration has TCP), keeps the guest's console in order (the source's, then the
 * destination's) and reports which side the guest ended on.
 */
#define _GNU_SOURCE
#include "cli.h"

#include "options.h"
#include "outq.h"
#include "session.h"

#include <abi/status.h>
#include <lib/snapshot.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int restore_usage(FILE *f, int status)
{
	fprintf(f, "usage: tagvisor restore [options] FILE\n"
		   "\n"
		   "Continues the guest saved in FILE (tagvisor run --snapshot) in a fresh QEMU.\n"
		   "  --icount            count instructions deterministically (-icount shift=0)\n"
		   "  --timeout SECONDS   stop the run after this long (exit status 5)\n"
		   "  --machine-mem SIZE  RAM of the emulated machine (default 1G)\n"
		   "  --host-cpus N       CPUs of the emulated machine (default: the snapshot's vCPUs,\n"
		   "                      at least 2)\n"
		   "  -v, --verbose       print the QEMU command line\n"
		   "exit status: as tagvisor run; 1 also for a file that is not a valid snapshot.\n");
	return status;
}

static const struct option common_options[] = {
	{ "icount", no_argument, NULL, 'i' },	  { "timeout", required_argument, NULL, 't' },
	{ "machine-mem", required_argument, NULL, 'm' }, { "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },	  { "mem", required_argument, NULL, 'M' },
	{ "mte", no_argument, NULL, 'T' },	  { "no-mte", no_argument, NULL, 'N' },
	{ "migrate-at", required_argument, NULL, 'a' },
	{ "kill-destination-after", required_argument, NULL, 'k' },
	{ "kernel", required_argument, NULL, 'K' },	  { "initrd", required_argument, NULL, 'I' },
	{ "append", required_argument, NULL, 'A' },
	{ "host-cpus", required_argument, NULL, 'H' },	  { "cpus", required_argument, NULL, 'c' },
	{ NULL, 0, NULL, 0 },
};

/* Options every command here takes; returns 1 if handled, -1 on a bad value. */
static int machine_option(struct machine *m, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case 'i':
		m->icount = true;
		return 1;
	case 't':
		if (opt_uint("--timeout", arg, 1, 604800, &v)) {
			return -1;
		}
		m->timeout = (unsigned)v;
		return 1;
	case 'm':
		if (opt_size("--machine-mem", arg, 256ull << 20, 4ull << 30, &m->machine_bytes)) {
			return -1;
		}
		return 1;
	case 'v':
		m->verbose = true;
		return 1;
	case 'H':
		if (opt_uint("--host-cpus", arg, 1, 8, &v)) {
			return -1;
		}
		m->cpus = (unsigned)v;
		return 1;
	default:
		return 0;
	}
}

/* The vCPUs of the VM a snapshot file holds, from its CONFIG record; 0 if unreadable. */
static unsigned snapshot_vcpus(const char *path)
{
	static uint8_t payload[TV_SNAP_MAX_PAYLOAD];
	FILE *f = fopen(path, "rb");
	struct snap_reader rd;
	uint32_t len;
	unsigned n = 0;

	if (!f) {
		return 0;
	}
	memset(&rd, 0, sizeof(rd));
	rd.read = stdio_read;
	rd.ctx = f;
	if (!snap_read_header(&rd) && snap_read_record(&rd, payload, &len) == TV_SNAP_CONFIG) {
		n = rd.config.nr_vcpus;
	}
	fclose(f);
	return n;
}

int cmd_restore(int argc, char **argv)
{
	struct machine m;
	struct session_cfg sc;
	int opt, r;

	machine_defaults(&m);
	m.cpus = 0; /* not given */
	session_defaults(&sc, &m);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", common_options, NULL)) != -1) {
		r = machine_option(&m, opt, optarg);
		if (r < 0) {
			return TV_STATUS_USAGE;
		}
		if (r == 0) {
			return restore_usage(opt == 'h' ? stdout : stderr,
					     opt == 'h' ? TV_STATUS_OK : TV_STATUS_USAGE);
		}
	}
	if (argc - optind != 1) {
		return restore_usage(stderr, TV_STATUS_USAGE);
	}
	if (access(argv[optind], R_OK)) {
		fprintf(stderr, "tagvisor: cannot read '%s': %s\n", argv[optind], strerror(errno));
		return TV_STATUS_BAD_INPUT;
	}
	if (!m.cpus) {
		unsigned n = snapshot_vcpus(argv[optind]);

		m.cpus = n > 2 ? n : 2; /* an invalid file is the host's to refuse, with why */
	}
	if (machine_arg(&m, "restore", NULL) || machine_place_images(&m)) {
		return TV_STATUS_USAGE;
	}
	sc.restore_path = argv[optind];
	sc.progress = isatty(STDERR_FILENO);
	return session_run(&sc);
}

/* ---- migrate ---- */

static int migrate_usage(FILE *f, int status)
{
	fprintf(f,
		"usage: tagvisor migrate [options] GUEST.elf\n"
		"       tagvisor migrate [options] --kernel Image [--initrd FILE] [--append ARGS]\n"
		"\n"
		"Runs GUEST.elf in a source QEMU and live-migrates it, with its tags, to a\n"
		"destination QEMU (pre-copy: dirty pages in rounds, then a short stop-and-copy),\n"
		"as `tagvisor run --incoming` and `tagvisor run --migrate-to` would between two\n"
		"machines. The guest's console is the source's, then the destination's.\n"
		"  --mem SIZE, --mte, --no-mte, --cpus N   the guest, as for tagvisor run\n"
		"  --host-cpus N       CPUs of both machines (default: the guest's vCPUs, at least 2)\n"
		"  --kernel, --initrd, --append  a Linux guest instead, as for tagvisor run\n"
		"  --migrate-at TIME   start migrating after N instructions (with --icount) or\n"
		"                      N{ns,us,ms,s} of guest time (default 20ms)\n"
		"  --icount, --timeout SECONDS, --machine-mem SIZE, -v   as for tagvisor run\n"
		"  --kill-destination-after BYTES   (testing) kill the destination once that much\n"
		"                      of the stream reached it: the guest must go on at the source\n"
		"exit status: the destination's when the guest moved, else the source's.\n");
	return status;
}

struct side {
	pid_t pid;
	int status;
	bool done;
	int out;     /* its stdout, the guest's console */
	int stream;  /* our end of its migration socket */
	bool stream_eof;
	struct outq to; /* bytes for it */
};

struct relay {
	struct side src, dst;
	uint64_t relayed, kill_after;
	char verdict[256]; /* the line the destination sent back */
	size_t verdict_len;
	struct outq dst_console; /* held until the source is done */
	bool dst_died_early;     /* the destination ended while the source still ran */
};

static pid_t spawn_side(char **args, int stream_fd, int *out)
{
	static char self[PATH_MAX];
	int pipefd[2];
	pid_t pid, parent = getpid();
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	/* Our own binary by its name, so that ps shows the two sides as tagvisor. */
	if (n <= 0) {
		return -1;
	}
	self[n] = '\0';

	if (pipe2(pipefd, O_CLOEXEC)) {
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent) {
			_exit(TV_STATUS_HYP_ERROR);
		}
		if (dup2(pipefd[1], STDOUT_FILENO) < 0 || dup2(stream_fd, 10) < 0) {
			_exit(TV_STATUS_HYP_ERROR);
		}
		execv(self, args);
		_exit(TV_STATUS_HYP_ERROR);
	}
	close(pipefd[1]);
	*out = pipefd[0];
	return pid;
}

static void reap(struct side *s)
{
	int st;

	if (!s->done && waitpid(s->pid, &st, WNOHANG) == s->pid) {
		s->done = true;
		s->status = WIFEXITED(st) ? WEXITSTATUS(st) : TV_STATUS_HYP_ERROR;
	}
}

/* Moves what one side's stream socket has to the other side. */
static void pump(struct relay *r, struct side *from, struct side *to, bool forward)
{
	uint8_t buf[65536];
	ssize_t n = read(from->stream, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			from->stream_eof = true;
			shutdown(to->stream, SHUT_WR);
		}
		return;
	}
	if (forward) {
		r->relayed += (uint64_t)n;
		if (r->kill_after && r->relayed >= r->kill_after && !r->dst.done) {
			fprintf(stderr, "tagvisor: killing the destination after %llu bytes of the stream\n",
				(unsigned long long)r->relayed);
			kill(r->dst.pid, SIGKILL);
			r->kill_after = 0;
		}
	} else {
		size_t k = MIN((size_t)n, sizeof(r->verdict) - 1 - r->verdict_len);

		memcpy(r->verdict + r->verdict_len, buf, k);
		r->verdict_len += k;
	}
	outq_push(&to->to, buf, (size_t)n);
}

static void console(struct relay *r, struct side *s)
{
	char buf[16384];
	ssize_t n = read(s->out, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(s->out);
			s->out = -1;
		}
		return;
	}
	if (s == &r->dst && !r->src.done) {
		outq_push(&r->dst_console, buf, (size_t)n);
	} else if (write(STDOUT_FILENO, buf, (size_t)n) < 0) {
		/* our stdout is gone */
	}
}

static bool moved(const struct relay *r)
{
	return r->verdict_len >= 3 && !memcmp(r->verdict, "OK\n", 3);
}

static int run_relay(struct relay *r)
{
	for (;;) {
		struct pollfd p[5] = {
			{ signal_fd(), POLLIN, 0 },
			{ r->src.stream_eof ? -1 : r->src.stream,
			  (short)(POLLIN | (outq_len(&r->src.to) ? POLLOUT : 0)), 0 },
			{ r->dst.stream_eof ? -1 : r->dst.stream,
			  (short)(POLLIN | (outq_len(&r->dst.to) ? POLLOUT : 0)), 0 },
			{ r->src.out, POLLIN, 0 },
			{ r->dst.out, POLLIN, 0 },
		};

		poll(p, 5, 50);
		if (p[0].revents & POLLIN) {
			int sig = signal_taken();

			if (sig) {
				/* Each side stops its own QEMU and cleans up after itself. */
				kill(r->src.pid, SIGTERM);
				kill(r->dst.pid, SIGTERM);
				while (waitpid(r->src.pid, NULL, 0) < 0 && errno == EINTR) {
				}
				while (waitpid(r->dst.pid, NULL, 0) < 0 && errno == EINTR) {
				}
				return signal_status(sig);
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			pump(r, &r->src, &r->dst, true);
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			pump(r, &r->dst, &r->src, false);
		}
		if (outq_len(&r->dst.to) && outq_flush(r->dst.stream, &r->dst.to) < 0) {
			outq_clear(&r->dst.to); /* the destination is gone */
		}
		if (outq_len(&r->src.to) && outq_flush(r->src.stream, &r->src.to) < 0) {
			outq_clear(&r->src.to);
		}
		if (r->src.out >= 0 && p[3].revents & (POLLIN | POLLHUP | POLLERR)) {
			console(r, &r->src);
		}
		if (r->dst.out >= 0 && p[4].revents & (POLLIN | POLLHUP | POLLERR)) {
			console(r, &r->dst);
		}
		reap(&r->src);
		if (!r->dst.done) {
			reap(&r->dst);
			r->dst_died_early = r->dst.done && !r->src.done;
		}
		if (r->src.done && r->src.out < 0 && outq_len(&r->dst_console)) {
			outq_flush(STDOUT_FILENO, &r->dst_console);
		}
		if (r->src.done && !moved(r) && !r->dst.done) {
			kill(r->dst.pid, SIGTERM); /* the guest did not move: nothing to run there */
		}
		if (r->src.done && r->dst.done && r->src.out < 0 && r->dst.out < 0) {
			outq_flush(STDOUT_FILENO, &r->dst_console);
			return -1;
		}
	}
}

int cmd_migrate(int argc, char **argv)
{
	struct machine m;
	struct relay r = { .src = { .stream = -1 }, .dst = { .stream = -1 } };
	const char *mem = NULL, *at = "20ms", *kernel = NULL, *initrd = NULL, *append = NULL;
	const char *cpus = NULL;
	char host_cpus[8] = "";
	char timeout[16] = "", machine_mem[32], *src_args[40], *dst_args[24];
	int mte = -1, opt, ret, ns = 0, nd = 0, src_sv[2], dst_sv[2], insns;
	uint64_t v;

	machine_defaults(&m);
	m.cpus = 0; /* not given */
	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", common_options, NULL)) != -1) {
		ret = machine_option(&m, opt, optarg);
		if (ret < 0) {
			return TV_STATUS_USAGE;
		}
		if (ret) {
			continue;
		}
		switch (opt) {
		case 'M':
			mem = optarg;
			if (opt_size("--mem", mem, 1ull << 20, 64ull << 30, &v)) {
				return TV_STATUS_USAGE;
			}
			break;
		case 'T':
			mte = 1;
			break;
		case 'N':
			mte = 0;
			break;
		case 'a':
			at = optarg;
			if (opt_time("--migrate-at", at, &v, &insns)) {
				return TV_STATUS_USAGE;
			}
			break;
		case 'k':
			if (opt_uint("--kill-destination-after", optarg, 1, UINT64_MAX, &r.kill_after)) {
				return TV_STATUS_USAGE;
			}
			break;
		case 'K':
			kernel = optarg;
			break;
		case 'c':
			cpus = optarg;
			if (opt_uint("--cpus", cpus, 1, 8, &v)) {
				return TV_STATUS_USAGE;
			}
			break;
		case 'I':
			initrd = optarg;
			break;
		case 'A':
			append = optarg;
			break;
		case 'h':
			return migrate_usage(stdout, TV_STATUS_OK);
		default:
			return migrate_usage(stderr, TV_STATUS_USAGE);
		}
	}
	if (argc - optind != !kernel || ((initrd || append) && !kernel)) {
		return migrate_usage(stderr, TV_STATUS_USAGE);
	}
	/* The source's inputs, checked here: the failure is then ours to name. */
	if (kernel ? machine_add_image(&m, "kernel", kernel, "kernel") ||
			     (initrd && machine_add_image(&m, "initrd", initrd, "initrd"))
		   : machine_add_guest(&m, argv[optind])) {
		return TV_STATUS_BAD_INPUT;
	}
	if (qemu_check_version()) {
		return TV_STATUS_QEMU;
	}
	snprintf(machine_mem, sizeof(machine_mem), "%lluM", (unsigned long long)(m.machine_bytes >> 20));
	if (m.timeout) {
		snprintf(timeout, sizeof(timeout), "%u", m.timeout);
	}
#define ADD(v, n, s) ((v)[(n)++] = (char *)(s))
	ADD(src_args, ns, "tagvisor");
	ADD(src_args, ns, "run");
	ADD(src_args, ns, "--migrate-to=fd:10");
	ADD(src_args, ns, "--migrate-at");
	ADD(src_args, ns, at);
	ADD(dst_args, nd, "tagvisor");
	ADD(dst_args, nd, "run");
	ADD(dst_args, nd, "--incoming=fd:10");
	if (mem) {
		ADD(src_args, ns, "--mem");
		ADD(src_args, ns, mem);
	}
	if (mte >= 0) {
		ADD(src_args, ns, mte ? "--mte" : "--no-mte");
	}
	if (cpus) {
		ADD(src_args, ns, "--cpus");
		ADD(src_args, ns, cpus);
	}
	if (m.cpus) {
		snprintf(host_cpus, sizeof(host_cpus), "%u", m.cpus);
		ADD(src_args, ns, "--host-cpus");
		ADD(src_args, ns, host_cpus);
		ADD(dst_args, nd, "--host-cpus");
		ADD(dst_args, nd, host_cpus);
	} else if (cpus) {
		ADD(dst_args, nd, "--host-cpus"); /* the destination learns the vCPUs late */
		ADD(dst_args, nd, atoi(cpus) > 2 ? cpus : "2");
	}
	if (m.icount) {
		ADD(src_args, ns, "--icount");
		ADD(dst_args, nd, "--icount");
	}
	if (m.verbose) {
		ADD(src_args, ns, "-v");
		ADD(dst_args, nd, "-v");
	}
	if (timeout[0]) {
		ADD(src_args, ns, "--timeout");
		ADD(src_args, ns, timeout);
		ADD(dst_args, nd, "--timeout");
		ADD(dst_args, nd, timeout);
	}
	ADD(src_args, ns, "--machine-mem");
	ADD(src_args, ns, machine_mem);
	ADD(dst_args, nd, "--machine-mem");
	ADD(dst_args, nd, machine_mem);
	if (kernel) {
		ADD(src_args, ns, "--kernel");
		ADD(src_args, ns, kernel);
		if (initrd) {
			ADD(src_args, ns, "--initrd");
			ADD(src_args, ns, initrd);
		}
		if (append) {
			ADD(src_args, ns, "--append");
			ADD(src_args, ns, append);
		}
	} else {
		ADD(src_args, ns, "--");
		ADD(src_args, ns, argv[optind]);
	}
	src_args[ns] = NULL;
	dst_args[nd] = NULL;
#undef ADD
	signals_init();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, src_sv) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, dst_sv)) {
		perror("tagvisor: socketpair");
		return TV_STATUS_HYP_ERROR;
	}
	r.dst.pid = spawn_side(dst_args, dst_sv[1], &r.dst.out);
	r.src.pid = spawn_side(src_args, src_sv[1], &r.src.out);
	close(src_sv[1]);
	close(dst_sv[1]);
	if (r.src.pid < 0 || r.dst.pid < 0) {
		return TV_STATUS_HYP_ERROR;
	}
	r.src.stream = src_sv[0];
	r.dst.stream = dst_sv[0];
	fcntl(r.src.stream, F_SETFL, O_NONBLOCK);
	fcntl(r.dst.stream, F_SETFL, O_NONBLOCK);
	ret = run_relay(&r);
	outq_free(&r.src.to);
	outq_free(&r.dst.to);
	outq_free(&r.dst_console);
	if (ret >= 0) {
		return ret;
	}
	if (moved(&r)) {
		fprintf(stderr, "tagvisor: the guest moved to the destination (%llu stream bytes)\n",
			(unsigned long long)r.relayed);
		return r.dst.status;
	}
	r.verdict[r.verdict_len] = '\0';
	if (!strncmp(r.verdict, "ERR ", 4)) {
		*strchrnul(r.verdict, '\n') = '\0';
		fprintf(stderr, "tagvisor: the destination refused the stream: %s; the guest ran on at "
				"the source\n",
			r.verdict + 4);
	} else if (r.dst_died_early) {
		fprintf(stderr, "tagvisor: the destination died during the migration; the guest ran "
				"on at the source\n");
	} else if (!r.relayed && r.src.status == TV_STATUS_OK) {
		fprintf(stderr, "tagvisor: the guest ended at the source before the migration began "
				"(--migrate-at)\n");
	} else if (!r.relayed) {
		fprintf(stderr, "tagvisor: the source failed (exit status %d) before migrating\n",
			r.src.status);
	} else {
		fprintf(stderr, "tagvisor: the guest was not migrated; it ran on at the source\n");
	}
	return r.src.status;
}
