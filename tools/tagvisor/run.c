/* SPDX-License-Identifier: MIT */
/* tagvisor run: boot the hypervisor and the host, and run a guest or a host test. */
#define _GNU_SOURCE
#include "cli.h"

#include "net.h"
#include "session.h"

#include <abi/status.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: tagvisor run [options] [GUEST.elf...]\n"
		"\n"
		"Boots the hypervisor at EL2 and the host at EL1 in QEMU and runs GUEST.elf, a\n"
		"bare-metal program for QEMU's virt machine (entered at EL1 at its ELF entry, MMU\n"
		"off, RAM at 0x40000000, PL011 at 0x09000000, PSCI over HVC). The guest's console\n"
		"goes to stdout; the hypervisor's and the host's messages to stderr. Several\n"
		"guests run side by side (up to 4), their console lines interleaved.\n"
		"\n"
		"guest:\n"
		"  --mem SIZE          guest RAM (default 64M)\n"
		"  --mte, --no-mte     allocation tags for the guest (default: on if the machine has MTE)\n"
		"  --protected         a protected VM: the host may never read its memory\n"
		"  --resident-pages N  keep at most N guest pages resident; the host reclaims\n"
		"                      (swaps out) the rest, data and tags, and restores them\n"
		"Linux:\n"
		"  --kernel IMAGE      boot an arm64 Linux Image as the guest (GICv3, timer, PL011 with\n"
		"                      input, PSCI, a generated device tree); default --mem 256M\n"
		"  --initrd FILE       its initramfs\n"
		"  --append ARGS       its command line (default \"console=ttyAMA0 panic=-1\")\n"
		"snapshot:\n"
		"  --snapshot FILE     save the guest to FILE when it asks (VMM call 0xC6001001)\n"
		"                      or at --snapshot-at, then stop (tagvisor restore FILE goes on)\n"
		"  --snapshot-at TIME  when: N instructions (implies --icount) or N{ns,us,ms,s}\n"
		"  --snapshot-continue keep running after saving\n"
		"migration (live, with the guest's tags):\n"
		"  --incoming tcp:HOST:PORT  wait for a guest migrated to HOST:PORT and run it (as QEMU's\n"
		"                      -incoming); --mem, --mte/--no-mte, if given, must match it\n"
		"  --migrate-to tcp:HOST:PORT  migrate the guest there at --migrate-at\n"
		"  --migrate-at TIME   when to start (default 20ms), as --snapshot-at\n"
		"  --peer-timeout SECONDS  how long a migration peer may stay silent (default 30)\n"
		"  --die-after-incoming BYTES  (testing) the destination dies, QEMU and all, once\n"
		"                      that much of the stream came in\n"
		"machine:\n"
		"  --host-mte on|off   whether the host may use MTE (off: EL2 hides it, like arm64.nomte)\n"
		"  --machine-mte on|off  whether the emulated CPU has MTE at all (default on)\n"
		"  --machine-mem SIZE  RAM of the emulated machine (default 1G)\n"
		"  --icount            count instructions deterministically (-icount shift=0)\n"
		"  --timeout SECONDS   stop the run after this long (exit status 5)\n"
		"  --gdb[=PORT]        start halted with QEMU's gdb stub on 127.0.0.1:PORT (1234)\n"
		"  --host-test NAME    run a host test instead of a guest ('list' lists them)\n"
		"  --host-arg KEY[=V]  pass an extra boot argument to the host\n"
		"  --bare              run the guest on bare QEMU (EL1, no hypervisor) for reference\n"
		"  -v, --verbose       print the QEMU command line\n"
		"\n"
		"exit status: 0 guest powered off (or test passed), 1 usage, 2 guest reset,\n"
		"3 guest crashed, 4 hypervisor or host error, 5 timeout, 6 host test failed,\n"
		"130/143/129 stopped by SIGINT/SIGTERM/SIGHUP.\n");
}

enum {
	OPT_MEM = 256,
	OPT_MTE,
	OPT_NO_MTE,
	OPT_PROTECTED,
	OPT_HOST_MTE,
	OPT_MACHINE_MTE,
	OPT_MACHINE_MEM,
	OPT_ICOUNT,
	OPT_TIMEOUT,
	OPT_GDB,
	OPT_HOST_TEST,
	OPT_HOST_ARG,
	OPT_BARE,
	OPT_RESIDENT,
	OPT_SNAPSHOT,
	OPT_SNAPSHOT_AT,
	OPT_SNAPSHOT_CONTINUE,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_APPEND,
	OPT_INCOMING,
	OPT_MIGRATE_TO,
	OPT_MIGRATE_AT,
	OPT_PEER_TIMEOUT,
	OPT_DIE_AFTER,
};

static const struct option run_options[] = {
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "mte", no_argument, NULL, OPT_MTE },
	{ "no-mte", no_argument, NULL, OPT_NO_MTE },
	{ "protected", no_argument, NULL, OPT_PROTECTED },
	{ "host-mte", required_argument, NULL, OPT_HOST_MTE },
	{ "machine-mte", required_argument, NULL, OPT_MACHINE_MTE },
	{ "machine-mem", required_argument, NULL, OPT_MACHINE_MEM },
	{ "icount", no_argument, NULL, OPT_ICOUNT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "gdb", optional_argument, NULL, OPT_GDB },
	{ "host-test", required_argument, NULL, OPT_HOST_TEST },
	{ "host-arg", required_argument, NULL, OPT_HOST_ARG },
	{ "bare", no_argument, NULL, OPT_BARE },
	{ "resident-pages", required_argument, NULL, OPT_RESIDENT },
	{ "snapshot", required_argument, NULL, OPT_SNAPSHOT },
	{ "snapshot-at", required_argument, NULL, OPT_SNAPSHOT_AT },
	{ "snapshot-continue", no_argument, NULL, OPT_SNAPSHOT_CONTINUE },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "incoming", required_argument, NULL, OPT_INCOMING },
	{ "migrate-to", required_argument, NULL, OPT_MIGRATE_TO },
	{ "migrate-at", required_argument, NULL, OPT_MIGRATE_AT },
	{ "peer-timeout", required_argument, NULL, OPT_PEER_TIMEOUT },
	{ "die-after-incoming", required_argument, NULL, OPT_DIE_AFTER },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int on_off(const char *opt, const char *v, bool *out)
{
	if (!strcmp(v, "on")) {
		*out = true;
	} else if (!strcmp(v, "off")) {
		*out = false;
	} else {
		fprintf(stderr, "tagvisor: %s takes 'on' or 'off', not '%s'\n", opt, v);
		return -1;
	}
	return 0;
}

/* "fd:N": a socket a parent tagvisor (migrate) connected for us. */
static int inherited_fd(const char *spec)
{
	char *end;
	long fd;

	if (strncmp(spec, "fd:", 3)) {
		return -1;
	}
	fd = strtol(spec + 3, &end, 10);
	if (*end || fd < 3 || fd > 1024 || fcntl((int)fd, F_SETFD, FD_CLOEXEC)) {
		return -1;
	}
	return (int)fd; /* ours alone: QEMU must not inherit it */
}

/* The folder of a snapshot file must exist and be writable before the guest runs. */
static int check_snapshot_path(const char *path)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	if (access(dirname(dir), W_OK)) {
		fprintf(stderr, "tagvisor: --snapshot %s: cannot write in its folder: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Parsed options of a run. */
struct run_opts {
	bool host_mte, protected, bare, snapshot_continue;
	int mte; /* -1: as the machine */
	const char *mem, *host_test, *resident, *snapshot, *snapshot_at, *kernel, *initrd, *append;
	const char *incoming, *migrate_to, *migrate_at;
	char extra[1024];
};

static int parse_run(int argc, char **argv, struct machine *m, struct session_cfg *sc,
		     struct run_opts *o)
{
	int opt;
	char *end;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", run_options, NULL)) != -1) {
		switch (opt) {
		case OPT_MEM:
			o->mem = optarg;
			if (!parse_size(o->mem)) {
				fprintf(stderr, "tagvisor: bad size '%s'\n", o->mem);
				return -1;
			}
			break;
		case OPT_MTE:
			o->mte = 1;
			break;
		case OPT_NO_MTE:
			o->mte = 0;
			break;
		case OPT_PROTECTED:
			o->protected = true;
			break;
		case OPT_HOST_MTE:
			if (on_off("--host-mte", optarg, &o->host_mte)) {
				return -1;
			}
			break;
		case OPT_MACHINE_MTE:
			if (on_off("--machine-mte", optarg, &m->mte)) {
				return -1;
			}
			break;
		case OPT_MACHINE_MEM:
			m->machine_bytes = parse_size(optarg);
			if (!m->machine_bytes) {
				fprintf(stderr, "tagvisor: bad size '%s'\n", optarg);
				return -1;
			}
			m->machine_mem = optarg;
			break;
		case OPT_ICOUNT:
			m->icount = true;
			break;
		case OPT_TIMEOUT:
			m->timeout = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case OPT_GDB:
			m->gdb_port = optarg ? (unsigned)strtoul(optarg, &end, 10) : 1234;
			if (!m->gdb_port || m->gdb_port > 65535 || (optarg && *end)) {
				fprintf(stderr, "tagvisor: --gdb=PORT takes a port 1..65535\n");
				return -1;
			}
			break;
		case OPT_HOST_TEST:
			o->host_test = optarg;
			break;
		case OPT_HOST_ARG:
			if (strlen(o->extra) + strlen(optarg) + 2 > sizeof(o->extra)) {
				fprintf(stderr, "tagvisor: too many --host-arg\n");
				return -1;
			}
			strcat(o->extra, " ");
			strcat(o->extra, optarg);
			break;
		case OPT_BARE:
			o->bare = true;
			break;
		case OPT_SNAPSHOT:
			o->snapshot = optarg;
			break;
		case OPT_SNAPSHOT_AT:
		case OPT_MIGRATE_AT:
			if (!parse_time_ns(optarg)) {
				fprintf(stderr, "tagvisor: bad time '%s'\n", optarg);
				return -1;
			}
			/* A bare number counts instructions: only -icount makes time that. */
			if (optarg[strspn(optarg, "0123456789")] == '\0') {
				m->icount = true;
			}
			*(opt == OPT_SNAPSHOT_AT ? &o->snapshot_at : &o->migrate_at) = optarg;
			break;
		case OPT_SNAPSHOT_CONTINUE:
			o->snapshot_continue = true;
			break;
		case OPT_KERNEL:
			o->kernel = optarg;
			break;
		case OPT_INITRD:
			o->initrd = optarg;
			break;
		case OPT_APPEND:
			o->append = optarg;
			break;
		case OPT_INCOMING:
			o->incoming = optarg;
			break;
		case OPT_MIGRATE_TO:
			o->migrate_to = optarg;
			break;
		case OPT_PEER_TIMEOUT:
			sc->peer_timeout = (unsigned)strtoul(optarg, &end, 10);
			if (!sc->peer_timeout || *end) {
				fprintf(stderr, "tagvisor: --peer-timeout takes a number of seconds\n");
				return -1;
			}
			break;
		case OPT_DIE_AFTER:
			sc->die_after = strtoull(optarg, &end, 0);
			if (!sc->die_after || *end) {
				fprintf(stderr, "tagvisor: --die-after-incoming takes a number of bytes\n");
				return -1;
			}
			break;
		case OPT_RESIDENT:
			o->resident = optarg;
			if (strtoul(o->resident, NULL, 0) < 16) {
				fprintf(stderr, "tagvisor: --resident-pages needs at least 16 pages\n");
				return -1;
			}
			break;
		case 'v':
			m->verbose = true;
			break;
		case 'h':
			run_usage(stdout);
			return 1;
		default:
			run_usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* The migration endpoints: a listening or connected socket for the session. */
static int setup_migration(struct machine *m, struct session_cfg *sc, const struct run_opts *o)
{
	char why[256];
	uint64_t at = parse_time_ns(o->migrate_at ? o->migrate_at : "20ms");
	char at_ns[32];

	if (o->incoming) {
		sc->incoming_fd = inherited_fd(o->incoming);
		if (sc->incoming_fd < 0) {
			if (net_check_spec(o->incoming, why, sizeof(why))) {
				fprintf(stderr, "tagvisor: --incoming %s\n", why);
				return -1;
			}
			sc->incoming_listen = net_listen(o->incoming, why, sizeof(why));
			if (sc->incoming_listen < 0) {
				fprintf(stderr, "tagvisor: %s\n", why);
				return -1;
			}
			fprintf(stderr, "tagvisor: waiting for a migration on %s\n", o->incoming);
		}
		if (machine_arg(m, "incoming", NULL)) {
			return -1;
		}
	}
	if (o->migrate_to) {
		sc->migrate_fd = inherited_fd(o->migrate_to);
		if (sc->migrate_fd < 0) {
			if (net_check_spec(o->migrate_to, why, sizeof(why))) {
				fprintf(stderr, "tagvisor: --migrate-to %s\n", why);
				return -1;
			}
			sc->migrate_to = o->migrate_to;
		}
		snprintf(at_ns, sizeof(at_ns), "%llu", (unsigned long long)at);
		if (machine_arg(m, "migrate-to", NULL) || machine_arg(m, "migrate-at", at_ns)) {
			return -1;
		}
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct machine m;
	struct session_cfg sc;
	struct run_opts o = { .host_mte = true, .mte = -1 };
	int r, nguests;

	machine_defaults(&m);
	session_defaults(&sc, &m);
	r = parse_run(argc, argv, &m, &sc, &o);
	if (r) {
		return r > 0 ? TV_STATUS_OK : TV_STATUS_USAGE;
	}
	nguests = argc - optind;
	if (nguests > 4) {
		fprintf(stderr, "tagvisor: run takes at most 4 guests, not %d\n", nguests);
		return TV_STATUS_USAGE;
	}
	if (o.bare) {
		static char path[PATH_MAX];

		if (nguests != 1 || !realpath(argv[optind], path)) {
			fprintf(stderr, "tagvisor: --bare runs exactly one readable guest\n");
			return TV_STATUS_USAGE;
		}
		m.bare_guest = path;
		return session_run(&sc);
	}
	if (o.mte == 1 && !m.mte) {
		fprintf(stderr, "tagvisor: --mte needs a machine with MTE (--machine-mte on)\n");
		return TV_STATUS_USAGE;
	}
	if (!o.host_mte && machine_arg(&m, "host-mte", "off")) {
		return TV_STATUS_USAGE;
	}
	if (o.host_test) {
		m.dma_test_device = true; /* the DMA engine the isolation tests program */
		if (machine_arg(&m, "test", o.host_test)) {
			return TV_STATUS_USAGE;
		}
	}
	if (o.incoming && (nguests || o.kernel)) {
		fprintf(stderr, "tagvisor: --incoming receives its guest: give no guest or kernel\n");
		return TV_STATUS_USAGE;
	}
	if (o.kernel) {
		if (nguests || o.host_test) {
			fprintf(stderr, "tagvisor: --kernel runs Linux as the only guest\n");
			return TV_STATUS_USAGE;
		}
		if (machine_add_image(&m, "kernel", o.kernel, "kernel") ||
		    (o.initrd && machine_add_image(&m, "initrd", o.initrd, "initrd")) ||
		    (o.append && machine_arg_encoded(&m, "cmdline", o.append))) {
			return TV_STATUS_USAGE;
		}
	} else if (o.initrd || o.append) {
		fprintf(stderr, "tagvisor: --initrd and --append go with --kernel\n");
		return TV_STATUS_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		if (machine_add_image(&m, "guest", argv[i], "guest")) {
			return TV_STATUS_USAGE;
		}
	}
	/* A destination takes its VM from the stream: only what was asked must match. */
	if ((o.mem && machine_arg(&m, "mem", o.mem)) ||
	    ((!o.incoming || o.mte >= 0) &&
	     machine_arg(&m, "mte", (o.mte < 0 ? m.mte : o.mte) ? "on" : "off")) ||
	    (o.protected && machine_arg(&m, "protected", NULL)) ||
	    (o.resident && machine_arg(&m, "resident", o.resident))) {
		return TV_STATUS_USAGE;
	}
	if (o.snapshot_at && !o.snapshot) {
		fprintf(stderr, "tagvisor: --snapshot-at needs --snapshot FILE\n");
		return TV_STATUS_USAGE;
	}
	if (o.snapshot) {
		char at[32];

		snprintf(at, sizeof(at), "%llu",
			 (unsigned long long)(o.snapshot_at ? parse_time_ns(o.snapshot_at) : 0));
		if (nguests + (o.kernel != NULL) != 1) {
			fprintf(stderr, "tagvisor: --snapshot saves one guest\n");
			return TV_STATUS_USAGE;
		}
		if (check_snapshot_path(o.snapshot) || machine_arg(&m, "snapshot", NULL) ||
		    (o.snapshot_at && machine_arg(&m, "snapshot-at", at)) ||
		    (o.snapshot_continue && machine_arg(&m, "snapshot-continue", NULL))) {
			return TV_STATUS_USAGE;
		}
		sc.snapshot_path = o.snapshot;
	}
	if ((o.migrate_at || o.migrate_to) && !o.migrate_to) {
		fprintf(stderr, "tagvisor: --migrate-at needs --migrate-to tcp:HOST:PORT\n");
		return TV_STATUS_USAGE;
	}
	if (setup_migration(&m, &sc, &o)) {
		return TV_STATUS_USAGE;
	}
	sc.progress = isatty(STDERR_FILENO);
	if (o.extra[0]) {
		size_t len = strlen(m.bootargs);

		snprintf(m.bootargs + len, sizeof(m.bootargs) - len, "%s", o.extra);
	}
	if (m.gdb_port) {
		fprintf(stderr,
			"tagvisor: QEMU is halted; attach with\n"
			"  gdb-multiarch %s/hyp.elf -ex 'add-symbol-file %s/host.elf' "
			"-ex 'target remote 127.0.0.1:%u'\n",
			build_dir(), build_dir(), m.gdb_port);
	}
	return session_run(&sc);
}
