/* SPDX-License-Identifier: MIT */
/*
 * tagvisor restore: a fresh QEMU continues a guest from a snapshot file.
 * tagvisor migrate: two QEMUs, a source that runs the guest and a destination
 * that receives it, with this process between them relaying the stream through
 * FIFOs. It keeps the guest's console in order (the source's output, then the
 * destination's), and tells the source the outcome: only "OK" from the
 * destination lets it give the guest up; if the destination dies, the source is
 * told so and its guest keeps running.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <abi/status.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	{ NULL, 0, NULL, 0 },
};

/* Options every command here takes; returns 1 if handled, -1 on a bad value. */
static int machine_option(struct machine *m, int opt, const char *arg)
{
	switch (opt) {
	case 'i':
		m->icount = true;
		return 1;
	case 't':
		m->timeout = (unsigned)strtoul(arg, NULL, 0);
		return 1;
	case 'm':
		if (!parse_size(arg)) {
			fprintf(stderr, "tagvisor: bad size '%s'\n", arg);
			return -1;
		}
		m->machine_mem = arg;
		return 1;
	case 'v':
		m->verbose = true;
		return 1;
	default:
		return 0;
	}
}

int cmd_restore(int argc, char **argv)
{
	struct machine m;
	char path[PATH_MAX];
	int opt, r;

	machine_defaults(&m);
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
	if (!realpath(argv[optind], path)) {
		fprintf(stderr, "tagvisor: cannot read '%s'\n", argv[optind]);
		return TV_STATUS_USAGE;
	}
	if (machine_arg(&m, "restore", path)) {
		return TV_STATUS_USAGE;
	}
	return machine_run(&m);
}

/* ---- migrate ---- */

static int migrate_usage(FILE *f, int status)
{
	fprintf(f,
		"usage: tagvisor migrate [options] GUEST.elf\n"
		"       tagvisor migrate [options] --kernel Image [--initrd FILE] [--append ARGS]\n"
		"\n"
		"Runs GUEST.elf in a source QEMU and live-migrates it, with its tags, to a\n"
		"destination QEMU (pre-copy over a stream: dirty pages in rounds, then a short\n"
		"stop-and-copy). The guest's console is the source's, then the destination's.\n"
		"  --mem SIZE, --mte, --no-mte   the guest, as for tagvisor run\n"
		"  --kernel, --initrd, --append  a Linux guest instead, as for tagvisor run\n"
		"  --migrate-at TIME   start migrating after N instructions (with --icount) or\n"
		"                      N{ns,us,ms,s} of guest time (default 20ms)\n"
		"  --icount, --timeout SECONDS, --machine-mem SIZE, -v   as for tagvisor run\n"
		"  --kill-destination-after BYTES   (testing) kill the destination once that much\n"
		"                      of the stream reached it: the guest must go on at the source\n"
		"exit status: the destination's when the guest moved, else the source's.\n");
	return status;
}

struct relay {
	pid_t src, dst;
	int src_status, dst_status;
	bool src_done, dst_done;
	int fd_stream_in, fd_stream_out; /* source -> us -> destination */
	int fd_ack_in, fd_ack_out;       /* destination -> us -> source */
	int src_out, dst_out;            /* their stdout pipes */
	char pending[65536];             /* stream bytes waiting for the destination */
	size_t pending_len;
	uint64_t relayed, kill_after;
	bool told_source, verdict_ok, dst_dead;
	char *dst_console; /* the destination's output, held until the source is done */
	size_t dst_console_len, dst_console_cap;
};

static void tell_source(struct relay *r, const char *verdict)
{
	if (!r->told_source) {
		r->told_source = true;
		r->verdict_ok = !memcmp(verdict, "OK\n", 3);
		if (write(r->fd_ack_out, verdict, 3) != 3) {
			fprintf(stderr, "tagvisor: cannot answer the source\n");
		}
	}
}

static void reap(struct relay *r)
{
	int status;

	if (!r->src_done && waitpid(r->src, &status, WNOHANG) == r->src) {
		r->src_done = true;
		r->src_status = machine_status(status);
	}
	if (!r->dst_done && waitpid(r->dst, &status, WNOHANG) == r->dst) {
		r->dst_done = true;
		r->dst_status = machine_status(status);
		if (!r->told_source) {
			/* Died before confirming: the source must keep the guest. */
			r->dst_dead = true;
			tell_source(r, "NO\n");
		}
	}
}

static void forward_console(struct relay *r, int fd, bool source)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n <= 0) {
		return;
	}
	if (source || r->src_done) {
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
		return;
	}
	if (r->dst_console_len + (size_t)n > r->dst_console_cap) {
		r->dst_console_cap = 2 * (r->dst_console_len + (size_t)n);
		r->dst_console = realloc(r->dst_console, r->dst_console_cap);
	}
	memcpy(r->dst_console + r->dst_console_len, buf, (size_t)n);
	r->dst_console_len += (size_t)n;
}

static void relay_stream(struct relay *r)
{
	ssize_t n;

	if (r->pending_len == 0) {
		n = read(r->fd_stream_in, r->pending, sizeof(r->pending));

		if (n > 0) {
			r->pending_len = (size_t)n;
		}
	}
	if (r->pending_len && !r->dst_dead) {
		n = write(r->fd_stream_out, r->pending, r->pending_len);
		if (n > 0) {
			memmove(r->pending, r->pending + n, r->pending_len - (size_t)n);
			r->pending_len -= (size_t)n;
			r->relayed += (uint64_t)n;
		}
		if (r->kill_after && r->relayed >= r->kill_after && !r->dst_done) {
			fprintf(stderr, "tagvisor: killing the destination after %llu bytes of the stream\n",
				(unsigned long long)r->relayed);
			kill(r->dst, SIGKILL);
			r->kill_after = 0;
		}
	} else if (r->dst_dead) {
		r->pending_len = 0; /* nobody to give it to: let the source write on */
	}
}

/* Makes a FIFO and opens it read-write, so neither side's open blocks. */
static int fifo(const char *dir, const char *name, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", dir, name);
	if (mkfifo(path, 0600)) {
		perror("tagvisor: mkfifo");
		return -1;
	}
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		perror("tagvisor: open fifo");
	}
	return fd;
}

static int run_relay(struct relay *r, unsigned timeout)
{
	time_t deadline = time(NULL) + (timeout ? timeout : 1000000);

	while (!(r->src_done && r->dst_done)) {
		struct pollfd p[4] = {
			{ r->fd_stream_in, POLLIN, 0 },
			{ r->fd_ack_in, POLLIN, 0 },
			{ r->src_out, POLLIN, 0 },
			{ r->dst_out, POLLIN, 0 },
		};

		poll(p, 4, 20);
		if (p[0].revents & POLLIN || r->pending_len) {
			relay_stream(r);
		}
		if (p[1].revents & POLLIN) {
			char verdict[3];

			if (read(r->fd_ack_in, verdict, 3) == 3) {
				tell_source(r, memcmp(verdict, "OK\n", 3) ? "NO\n" : "OK\n");
			}
		}
		if (p[2].revents & (POLLIN | POLLHUP)) {
			forward_console(r, r->src_out, true);
		}
		if (p[3].revents & (POLLIN | POLLHUP)) {
			forward_console(r, r->dst_out, false);
		}
		reap(r);
		if (r->src_done && r->dst_console_len) {
			fwrite(r->dst_console, 1, r->dst_console_len, stdout);
			fflush(stdout);
			r->dst_console_len = 0;
		}
		if (r->src_done && !r->verdict_ok && !r->dst_done) {
			/* The guest did not move: the destination has nothing to run. */
			kill(r->dst, SIGKILL);
		}
		if (time(NULL) > deadline) {
			fprintf(stderr, "tagvisor: timeout after %u s\n", timeout);
			kill(r->src, SIGKILL);
			kill(r->dst, SIGKILL);
			return TV_STATUS_TIMEOUT;
		}
	}
	/* Drain what is left of both consoles, in order. */
	forward_console(r, r->src_out, true);
	forward_console(r, r->dst_out, true);
	return -1;
}

int cmd_migrate(int argc, char **argv)
{
	struct machine src, dst;
	struct relay r = { .fd_stream_in = -1 };
	char dir[] = "/tmp/tagvisor-migrate-XXXXXX", guest[PATH_MAX];
	char p_stream_src[PATH_MAX], p_ack_src[PATH_MAX], p_stream_dst[PATH_MAX], p_ack_dst[PATH_MAX];
	const char *mem = NULL, *at = "20ms", *kernel = NULL, *initrd = NULL, *append = NULL;
	int mte = -1, opt, pipes[2][2], status, ret;
	unsigned timeout;
	char at_ns[32];

	machine_defaults(&src);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", common_options, NULL)) != -1) {
		ret = machine_option(&src, opt, optarg);
		if (ret < 0) {
			return TV_STATUS_USAGE;
		}
		if (ret) {
			continue;
		}
		switch (opt) {
		case 'M':
			mem = optarg;
			break;
		case 'T':
			mte = 1;
			break;
		case 'N':
			mte = 0;
			break;
		case 'a':
			at = optarg;
			if (optarg[strspn(optarg, "0123456789")] == '\0') {
				src.icount = true;
			}
			break;
		case 'k':
			r.kill_after = strtoull(optarg, NULL, 0);
			break;
		case 'K':
			kernel = optarg;
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
	if (argc - optind != !kernel || !parse_time_ns(at) || ((initrd || append) && !kernel)) {
		return migrate_usage(stderr, TV_STATUS_USAGE);
	}
	if (!kernel && !realpath(argv[optind], guest)) {
		fprintf(stderr, "tagvisor: cannot read guest '%s'\n", argv[optind]);
		return TV_STATUS_USAGE;
	}
	if (qemu_check_version()) {
		return TV_STATUS_USAGE;
	}
	if (!mkdtemp(dir)) {
		perror("tagvisor: mkdtemp");
		return TV_STATUS_HYP_ERROR;
	}
	r.fd_stream_in = fifo(dir, "stream-src", p_stream_src, sizeof(p_stream_src));
	r.fd_ack_out = fifo(dir, "ack-src", p_ack_src, sizeof(p_ack_src));
	r.fd_stream_out = fifo(dir, "stream-dst", p_stream_dst, sizeof(p_stream_dst));
	r.fd_ack_in = fifo(dir, "ack-dst", p_ack_dst, sizeof(p_ack_dst));
	if (r.fd_stream_in < 0 || r.fd_ack_out < 0 || r.fd_stream_out < 0 || r.fd_ack_in < 0 ||
	    pipe2(pipes[0], O_CLOEXEC) || pipe2(pipes[1], O_CLOEXEC)) {
		return TV_STATUS_HYP_ERROR;
	}
	snprintf(at_ns, sizeof(at_ns), "%llu", (unsigned long long)parse_time_ns(at));
	dst = src;
	if ((kernel ? machine_path_arg(&src, "kernel", kernel) ||
			  (initrd && machine_path_arg(&src, "initrd", initrd)) ||
			  (append && machine_arg_encoded(&src, "cmdline", append))
		    : machine_arg(&src, "guest", guest)) ||
	    (mem && machine_arg(&src, "mem", mem)) ||
	    machine_arg(&src, "mte", (mte < 0 ? src.mte : mte) ? "on" : "off") ||
	    machine_arg(&src, "migrate-to", p_stream_src) ||
	    machine_arg(&src, "migrate-ack", p_ack_src) || machine_arg(&src, "migrate-at", at_ns) ||
	    machine_arg(&dst, "restore", p_stream_dst) ||
	    machine_arg(&dst, "restore-ack", p_ack_dst)) {
		return TV_STATUS_USAGE;
	}
	timeout = src.timeout;
	src.timeout = dst.timeout = 0; /* the relay keeps the time */
	signal(SIGPIPE, SIG_IGN);
	r.dst = machine_spawn(&dst, pipes[1][1]);
	r.src = machine_spawn(&src, pipes[0][1]);
	close(pipes[0][1]);
	close(pipes[1][1]);
	r.src_out = pipes[0][0];
	r.dst_out = pipes[1][0];
	if (r.src < 0 || r.dst < 0) {
		return TV_STATUS_HYP_ERROR;
	}
	ret = run_relay(&r, timeout);
	unlink(p_stream_src);
	unlink(p_ack_src);
	unlink(p_stream_dst);
	unlink(p_ack_dst);
	rmdir(dir);
	if (ret >= 0) {
		return ret;
	}
	if (r.verdict_ok) {
		fprintf(stderr, "tagvisor: the guest moved to the destination (%llu stream bytes)\n",
			(unsigned long long)r.relayed);
	} else if (r.dst_dead) {
		fprintf(stderr, "tagvisor: the destination died during the migration; the guest ran "
				"on at the source\n");
	} else {
		fprintf(stderr, "tagvisor: the guest was not migrated; it ran at the source\n");
	}
	status = r.verdict_ok ? r.dst_status : r.src_status;
	free(r.dst_console);
	return status;
}
