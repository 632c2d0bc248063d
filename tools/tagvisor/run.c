/* SPDX-License-Identifier: MIT */
/*
 * tagvisor run: boot the hypervisor and the host, and run a guest, a kernel, an
 * incoming migration or a host test. Every option value is parsed strictly and every
 * combination that cannot take effect is refused here, before QEMU starts.
 */
#define _GNU_SOURCE
#include "cli.h"

#include "net.h"
#include "options.h"
#include "session.h"

#include <abi/status.h>
#include <lib/linux_image.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define MIB (1ull << 20)
#define MAX_GUESTS 4
#define MAX_CPUS 8
#define MAX_TIMEOUT 604800u /* a week */

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: tagvisor run [options] GUEST.elf...\n"
		"       tagvisor run [options] --kernel FILE [--initrd FILE] [--append ARGS]\n"
		"       tagvisor run [options] --incoming tcp:HOST:PORT\n"
		"       tagvisor run [options] --host-test NAME\n"
		"       tagvisor run --linux-host [options] GUEST.elf | --host-test NAME\n"
		"\n"
		"Boots the hypervisor at EL2 and the host at EL1 in QEMU and runs GUEST.elf, a\n"
		"bare-metal ELF program for QEMU's virt machine (entered at EL1 at its ELF entry, MMU\n"
		"off, RAM at 0x40000000, PL011 at 0x09000000, PSCI over HVC). The guest's console\n"
		"goes to stdout (and stdin to it); the hypervisor's and the host's messages to stderr.\n"
		"Several guests run side by side (1..%d), their console lines interleaved. Paths may\n"
		"hold any characters.\n"
		"\n"
		"guest:\n"
		"  --mem SIZE          guest RAM (default 64M; 256M with --kernel): a number of MiB, or\n"
		"                      with K/M/G/T; at most the machine's RAM less 64 MiB\n"
		"  --mte, --no-mte     allocation tags for the guest (default: on if the machine has MTE)\n"
		"  --protected         a protected VM: the host may never read its memory or registers\n"
		"                      (so no --snapshot, --migrate-to or --resident-pages with it)\n"
		"  --resident-pages N  keep at most N guest pages resident (16 .. the guest's pages); the\n"
		"                      host reclaims (swaps out) the rest, data and tags, and restores them\n"
		"  --cpus N            vCPUs of each guest (1..%u, default 1): vCPU 0 starts, the others\n"
		"                      wait for its PSCI CPU_ON; a guest ELF with several gets the GICv3\n"
		"Linux (or any kernel):\n"
		"  --kernel FILE       boot a kernel as QEMU's -kernel does: an arm64 Image, an ELF, or a\n"
		"                      raw binary (at RAM + 0x80000); it gets a GICv3, timers, PL011 with\n"
		"                      input, PSCI and a device tree in x0 (docs/LINUX.md)\n"
		"  --initrd FILE       its initramfs\n"
		"  --append ARGS       its command line (default \"console=ttyAMA0 panic=-1\")\n"
		"snapshot:\n"
		"  --snapshot FILE     save the guest to FILE when it asks (VMM call 0xC6001001, or the\n"
		"                      doorbell page) or at --snapshot-at, then stop (tagvisor restore FILE\n"
		"                      goes on). FILE is written whole or not at all: to a temporary\n"
		"                      file beside it, verified, then renamed. Its folder must be writable.\n"
		"  --snapshot-at TIME  when: N instructions (implies --icount) or N{ns,us,ms,s}\n"
		"  --snapshot-continue keep running after saving\n"
		"migration (live, with the guest's tags):\n"
		"  --incoming tcp:HOST:PORT  wait for a guest migrated to HOST:PORT and run it (as QEMU's\n"
		"                      -incoming); --mem and --mte/--no-mte, if given, must match it\n"
		"  --migrate-to tcp:HOST:PORT  migrate the guest there at --migrate-at\n"
		"  --migrate-at TIME   when to start (default 20ms), as --snapshot-at\n"
		"  --peer-timeout SECONDS  a migration peer must send 64 KiB every this long (1..3600,\n"
		"                      default 30), else it is cut off\n"
		"machine:\n"
		"  --host-mte on|off   whether the host may use MTE (off: EL2 hides it, like arm64.nomte)\n"
		"  --machine-mte on|off  whether the emulated CPU has MTE at all (default on)\n"
		"  --machine-mem SIZE  RAM of the emulated machine (256M .. 4G, default 1G)\n"
		"  --host-cpus N       CPUs of the emulated machine, all the hypervisor's and the\n"
		"                      host's (1..%u; default the guest's vCPUs, at least 2; 1 for\n"
		"                      --linux-host; --bare: the guest's vCPUs)\n"
		"  --icount            count instructions deterministically (-icount shift=0)\n"
		"  --timeout SECONDS   stop the run after this long (1..%u; exit status 5)\n"
		"  --gdb[=PORT]        start halted, QEMU's gdb stub on 127.0.0.1:PORT (default 1234)\n"
		"  --host-test NAME    run a host test instead of a guest ('list' lists them)\n"
		"  --host-arg KEY[=V]  pass an extra boot argument to the host\n"
		"  --bare              run the guest ELF (or --kernel, with --append) on bare QEMU: no\n"
		"                      hypervisor, for reference runs\n"
		"Linux host (docs/LINUX-HOST.md):\n"
		"  --linux-host        the host is Debian's arm64 kernel (make linux-host) with\n"
		"                      tagvisor.ko, running one guest ELF through /dev/tagvisor; its\n"
		"                      console goes to stderr. --host-test NAME runs one of its tests\n"
		"  --host-kernel FILE  its kernel Image (default DATA/linux-host/Image)\n"
		"  --host-initrd FILE  its initramfs (default DATA/linux-host/initramfs.cpio.gz)\n"
		"  --host-append ARGS  more for its kernel command line (e.g. loglevel=7)\n"
		"  -v, --verbose       print the QEMU command line\n"
		"\n"
		"exit status: 0 guest powered off (or test passed), 1 bad command line, 2 guest reset,\n"
		"3 guest crashed, 4 hypervisor or host error, 5 timeout, 6 host test failed, 7 an input\n"
		"that cannot be read or is not valid (a guest, a kernel, a refused migration stream),\n"
		"8 QEMU missing or failed, 130/143/129 stopped by SIGINT/SIGTERM/SIGHUP.\n",
		MAX_GUESTS, MAX_CPUS, MAX_CPUS, MAX_TIMEOUT);
}

enum {
	OPT_MEM = 256,
	OPT_MTE,
	OPT_NO_MTE,
	OPT_PROTECTED,
	OPT_HOST_MTE,
	OPT_MACHINE_MTE,
	OPT_MACHINE_MEM,
	OPT_HOST_CPUS,
	OPT_CPUS,
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
	OPT_LINUX_HOST,
	OPT_HOST_KERNEL,
	OPT_HOST_INITRD,
	OPT_HOST_APPEND,
};

static const struct option run_options[] = {
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "mte", no_argument, NULL, OPT_MTE },
	{ "no-mte", no_argument, NULL, OPT_NO_MTE },
	{ "protected", no_argument, NULL, OPT_PROTECTED },
	{ "host-mte", required_argument, NULL, OPT_HOST_MTE },
	{ "machine-mte", required_argument, NULL, OPT_MACHINE_MTE },
	{ "machine-mem", required_argument, NULL, OPT_MACHINE_MEM },
	{ "host-cpus", required_argument, NULL, OPT_HOST_CPUS },
	{ "cpus", required_argument, NULL, OPT_CPUS },
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
	{ "linux-host", no_argument, NULL, OPT_LINUX_HOST },
	{ "host-kernel", required_argument, NULL, OPT_HOST_KERNEL },
	{ "host-initrd", required_argument, NULL, OPT_HOST_INITRD },
	{ "host-append", required_argument, NULL, OPT_HOST_APPEND },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Parsed options of a run. */
struct run_opts {
	int host_mte, mte, protected, bare, snapshot_continue, icount_time, linux_host;
	unsigned cpus, host_cpus; /* --cpus, --host-cpus; 0: not given */
	uint64_t mem, resident, snapshot_at, migrate_at;
	bool have_snapshot_at, have_migrate_at, have_mem, have_resident;
	const char *host_test, *snapshot, *kernel, *initrd, *append, *incoming, *migrate_to;
	const char *host_kernel, *host_initrd, *host_append;
	char extra[1024];
};

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

/* Whether the port is free on 127.0.0.1 (a second --gdb would find it taken). */
static int check_gdb_port(unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr = { htonl(INADDR_LOOPBACK) } };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "tagvisor: --gdb: port %u on 127.0.0.1 is taken (%s); choose another "
				"with --gdb=PORT\n",
			port, strerror(errno));
		ret = -1;
	}
	if (fd >= 0) {
		close(fd);
	}
	return ret;
}

static int parse_run(int argc, char **argv, struct machine *m, struct session_cfg *sc,
		     struct run_opts *o)
{
	uint64_t v;
	int opt, on;

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "vh", run_options, NULL)) != -1) {
		switch (opt) {
		case OPT_MEM:
			if (opt_size("--mem", optarg, MIB, 64ull << 30, &o->mem)) {
				return -1;
			}
			o->have_mem = true;
			break;
		case OPT_MTE:
		case OPT_NO_MTE:
			o->mte = opt == OPT_MTE;
			break;
		case OPT_PROTECTED:
			o->protected = 1;
			break;
		case OPT_HOST_MTE:
			if (opt_on_off("--host-mte", optarg, &o->host_mte)) {
				return -1;
			}
			break;
		case OPT_MACHINE_MTE:
			if (opt_on_off("--machine-mte", optarg, &on)) {
				return -1;
			}
			m->mte = on;
			break;
		case OPT_MACHINE_MEM:
			if (opt_size("--machine-mem", optarg, 256 * MIB, 4ull << 30, &m->machine_bytes)) {
				return -1;
			}
			break;
		case OPT_HOST_CPUS:
			if (opt_uint("--host-cpus", optarg, 1, MAX_CPUS, &v)) {
				return -1;
			}
			o->host_cpus = (unsigned)v;
			break;
		case OPT_CPUS:
			if (opt_uint("--cpus", optarg, 1, MAX_CPUS, &v)) {
				return -1;
			}
			o->cpus = (unsigned)v;
			break;
		case OPT_ICOUNT:
			m->icount = true;
			break;
		case OPT_TIMEOUT:
			if (opt_uint("--timeout", optarg, 1, MAX_TIMEOUT, &v)) {
				return -1;
			}
			m->timeout = (unsigned)v;
			break;
		case OPT_GDB:
			v = 1234;
			if (optarg && opt_uint("--gdb", optarg, 1, 65535, &v)) {
				return -1;
			}
			m->gdb_port = (unsigned)v;
			break;
		case OPT_HOST_TEST:
			o->host_test = optarg;
			break;
		case OPT_HOST_ARG:
			if (strlen(o->extra) + strlen(optarg) + 2 > sizeof(o->extra) ||
			    strpbrk(optarg, " \t\n\"")) {
				fprintf(stderr, "tagvisor: --host-arg: '%s': one KEY[=VALUE] without "
						"spaces, and not too many\n",
					optarg);
				return -1;
			}
			strcat(o->extra, " ");
			strcat(o->extra, optarg);
			break;
		case OPT_BARE:
			o->bare = 1;
			break;
		case OPT_SNAPSHOT:
			o->snapshot = optarg;
			break;
		case OPT_SNAPSHOT_AT:
		case OPT_MIGRATE_AT:
			if (opt_time(opt == OPT_SNAPSHOT_AT ? "--snapshot-at" : "--migrate-at", optarg,
				     opt == OPT_SNAPSHOT_AT ? &o->snapshot_at : &o->migrate_at, &on)) {
				return -1;
			}
			/* A bare number counts instructions: only -icount makes time that. */
			m->icount |= on;
			*(opt == OPT_SNAPSHOT_AT ? &o->have_snapshot_at : &o->have_migrate_at) = true;
			break;
		case OPT_SNAPSHOT_CONTINUE:
			o->snapshot_continue = 1;
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
			if (opt_uint("--peer-timeout", optarg, 1, 3600, &v)) {
				return -1;
			}
			sc->peer_timeout = (unsigned)v;
			break;
		case OPT_DIE_AFTER:
			if (opt_uint("--die-after-incoming", optarg, 1, UINT64_MAX, &sc->die_after)) {
				return -1;
			}
			break;
		case OPT_LINUX_HOST:
			o->linux_host = 1;
			break;
		case OPT_HOST_KERNEL:
			o->host_kernel = optarg;
			break;
		case OPT_HOST_INITRD:
			o->host_initrd = optarg;
			break;
		case OPT_HOST_APPEND:
			o->host_append = optarg;
			break;
		case OPT_RESIDENT:
			if (opt_uint("--resident-pages", optarg, 16, 1ull << 24, &o->resident)) {
				return -1;
			}
			o->have_resident = true;
			break;
		case 'v':
			m->verbose = true;
			break;
		case 'h':
			run_usage(stdout);
			return 1;
		default:
			fprintf(stderr, "tagvisor: run --help lists the options\n");
			return -1;
		}
	}
	return 0;
}

/*
 * A kernel the host would refuse (a truncated Image, one too big for the guest's RAM) is
 * refused here, before QEMU starts, by the same checks (lib/linux_image.c). An ELF kernel
 * is the host's to check, segment by segment. Returns 0 or -1 with a message.
 */
static int check_kernel(const struct machine *m, uint64_t ram)
{
	const struct image *k = &m->images[0], *rd = m->nr_images > 1 ? &m->images[1] : NULL;
	struct linux_layout at;
	void *map;
	int fd = open(k->path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0 || (map = mmap(NULL, k->size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		fprintf(stderr, "tagvisor: cannot read kernel '%s': %s\n", k->path, strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return -1;
	}
	close(fd);
	err = linux_image_layout(map, k->size, 0x40000000ull, ram, rd ? rd->size : 0, &at);
	munmap(map, k->size);
	if (err && err != LINUX_IMAGE_IS_ELF) {
		fprintf(stderr, "tagvisor: kernel '%s': %s (%llu MiB of RAM, --mem)\n", k->path,
			linux_image_strerror(err), (unsigned long long)(ram / MIB));
		return -1;
	}
	return 0;
}

/* Combinations that cannot take effect, refused before QEMU starts. Returns 0 or -1. */
static int check_combinations(const struct run_opts *o, const struct machine *m, int nguests)
{
	const char *bad = NULL;

	if ((o->host_kernel || o->host_initrd || o->host_append) && !o->linux_host) {
		bad = "--host-kernel, --host-initrd and --host-append go with --linux-host";
	} else if (o->linux_host && (o->bare || o->kernel || o->snapshot || o->incoming ||
				     o->migrate_to || o->have_resident || o->extra[0])) {
		bad = "--linux-host runs bare-metal guest ELFs (or its tests) for now: no --bare, "
		      "--kernel, snapshots, migration, --resident-pages or --host-arg with it";
	} else if (o->linux_host && nguests + (o->host_test != NULL) != 1) {
		bad = "--linux-host runs one guest ELF, or one --host-test";
	} else if (o->bare && (o->protected || o->snapshot || o->have_resident || o->host_test ||
			o->incoming || o->migrate_to || o->initrd || !o->host_mte)) {
		bad = "--bare runs on QEMU alone: it takes no hypervisor or host option";
	} else if (o->bare && nguests + (o->kernel != NULL) != 1) {
		bad = "--bare runs exactly one guest, or one --kernel";
	} else if (nguests > MAX_GUESTS) {
		bad = "run takes at most 4 guests";
	} else if (!nguests && !o->kernel && !o->host_test && !o->incoming) {
		bad = "nothing to run: give a guest ELF, --kernel, --incoming or --host-test";
	} else if (o->host_test && (nguests || o->kernel || o->incoming)) {
		bad = "--host-test runs a host test instead of a guest";
	} else if (o->kernel && nguests) {
		bad = "--kernel runs a kernel as the only guest";
	} else if ((o->initrd || o->append) && !o->kernel) {
		bad = "--initrd and --append go with --kernel";
	} else if (o->incoming && (nguests || o->kernel)) {
		bad = "--incoming receives its guest: give no guest or kernel";
	} else if (o->incoming && o->migrate_to) {
		bad = "a run is either the source (--migrate-to) or the destination (--incoming)";
	} else if (o->mte == 1 && !m->mte) {
		bad = "--mte needs a machine with MTE (--machine-mte on)";
	} else if (o->snapshot_continue && !o->snapshot) {
		bad = "--snapshot-continue goes with --snapshot FILE";
	} else if (o->have_snapshot_at && !o->snapshot) {
		bad = "--snapshot-at needs --snapshot FILE";
	} else if (o->have_migrate_at && !o->migrate_to) {
		bad = "--migrate-at needs --migrate-to tcp:HOST:PORT";
	} else if (o->snapshot && nguests > 1) {
		bad = "--snapshot saves one guest";
	} else if (o->migrate_to && nguests > 1) {
		bad = "--migrate-to migrates one guest";
	} else if (o->protected && (o->snapshot || o->migrate_to)) {
		bad = "a protected guest cannot be saved or migrated: the hypervisor keeps its memory "
		      "and registers from the host";
	} else if (o->protected && o->have_resident) {
		bad = "a protected guest's pages cannot be reclaimed: the host may never see them";
	} else if (o->cpus && (o->linux_host || (o->bare && !o->kernel))) {
		bad = o->linux_host ? "--cpus: --linux-host runs guests with one vCPU for now"
				    : "--cpus with --bare is for --kernel (a guest ELF has no CPU_ON there)";
	} else if (o->have_resident && (o->migrate_to || o->kernel)) {
		bad = "--resident-pages is for bare-metal guests that are not migrated";
	} else if (o->have_mem && o->mem + 64 * MIB > m->machine_bytes) {
		bad = "the guest's RAM (--mem) must leave 64 MiB of the machine's (--machine-mem) to "
		      "the host";
	} else if (o->have_resident && o->resident > (o->have_mem ? o->mem : 64 * MIB) / 4096) {
		bad = "--resident-pages is more than the guest has";
	}
	if (bad) {
		fprintf(stderr, "tagvisor: %s\n", bad);
		return -1;
	}
	return 0;
}

/* The migration endpoints: a listening or connected socket for the session. */
static int setup_migration(struct machine *m, struct session_cfg *sc, const struct run_opts *o)
{
	char why[256], at_ns[32];

	if (o->incoming) {
		sc->incoming_fd = inherited_fd(o->incoming);
		if (sc->incoming_fd < 0) {
			if (net_check_spec(o->incoming, why, sizeof(why))) {
				fprintf(stderr, "tagvisor: --incoming %s\n", why);
				return -1;
			}
			sc->incoming_listen = net_listen(o->incoming, why, sizeof(why));
			if (sc->incoming_listen < 0) {
				fprintf(stderr, "tagvisor: --incoming: %s\n", why);
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
		snprintf(at_ns, sizeof(at_ns), "%llu",
			 (unsigned long long)(o->have_migrate_at ? o->migrate_at : 20000000ull));
		if (machine_arg(m, "migrate-to", NULL) || machine_arg(m, "migrate-at", at_ns)) {
			return -1;
		}
	}
	return 0;
}

/* The host's boot arguments for the guest and its snapshot. */
static int guest_args(struct machine *m, struct session_cfg *sc, const struct run_opts *o)
{
	char num[32];

	if (o->have_mem) {
		snprintf(num, sizeof(num), "0x%llx", (unsigned long long)o->mem);
		if (machine_arg(m, "mem", num)) {
			return -1;
		}
	}
	if (o->cpus) {
		/* A destination's VM comes from the stream: there it is what must match. */
		snprintf(num, sizeof(num), "%u", o->cpus);
		if (machine_arg(m, "cpus", num)) {
			return -1;
		}
	}
	/* A destination takes its VM from the stream: only what was asked must match. */
	if ((!o->incoming || o->mte >= 0) &&
	    machine_arg(m, "mte", (o->mte < 0 ? m->mte : o->mte) ? "on" : "off")) {
		return -1;
	}
	if (o->protected && machine_arg(m, "protected", NULL)) {
		return -1;
	}
	if (o->have_resident) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)o->resident);
		if (machine_arg(m, "resident", num)) {
			return -1;
		}
	}
	if (o->snapshot) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)o->snapshot_at);
		if (check_snapshot_path(o->snapshot) || machine_arg(m, "snapshot", NULL) ||
		    (o->have_snapshot_at && machine_arg(m, "snapshot-at", num)) ||
		    (o->snapshot_continue && machine_arg(m, "snapshot-continue", NULL))) {
			return -1;
		}
		sc->snapshot_path = o->snapshot;
	}
	return 0;
}

/* --linux-host: the guest goes to the Linux host's VMM with the options it takes. */
static int run_linux_host(struct machine *m, struct session_cfg *sc, const struct run_opts *o,
			  const char *guest)
{
	struct linux_host_opts lh = { .kernel = o->host_kernel,
				      .initrd = o->host_initrd,
				      .append = o->host_append,
				      .guest = guest,
				      .test = o->host_test,
				      .host_mte = o->host_mte };
	int r;

	snprintf(lh.vmm_args, sizeof(lh.vmm_args), "%s%s", (o->mte < 0 ? m->mte : o->mte) ? "--mte" : "--no-mte",
		 o->protected ? " --protected" : "");
	if (o->have_mem) {
		size_t n = strlen(lh.vmm_args);

		snprintf(lh.vmm_args + n, sizeof(lh.vmm_args) - n, " --mem 0x%llx",
			 (unsigned long long)o->mem);
	}
	r = linux_host_setup(m, &lh);
	if (r) {
		return r;
	}
	sc->progress = isatty(STDERR_FILENO);
	return session_run(sc);
}

int cmd_run(int argc, char **argv)
{
	struct machine m;
	struct session_cfg sc;
	struct run_opts o = { .host_mte = 1, .mte = -1 };
	int r, nguests;

	machine_defaults(&m);
	session_defaults(&sc, &m);
	r = parse_run(argc, argv, &m, &sc, &o);
	if (r) {
		return r > 0 ? TV_STATUS_OK : TV_STATUS_USAGE;
	}
	nguests = argc - optind;
	if (check_combinations(&o, &m, nguests) || (m.gdb_port && check_gdb_port(m.gdb_port))) {
		return TV_STATUS_USAGE;
	}
	/* The machine's CPUs: enough for every vCPU at once, and a second to spare. */
	m.cpus = o.host_cpus			? o.host_cpus
		 : o.bare			? (o.cpus ? o.cpus : 1)
		 : o.linux_host			? 1
		 : o.cpus > 2			? o.cpus
						: 2;
	if (o.bare) {
		const char *guest = o.kernel ? o.kernel : argv[optind];

		/* QEMU's own loader: the guest ELF, or a kernel given a device tree in x0. */
		if (o.kernel ? machine_add_image(&m, "kernel", guest, "kernel")
			     : machine_add_guest(&m, guest)) {
			return TV_STATUS_BAD_INPUT;
		}
		m.bare_guest = m.images[0].path;
		m.bare_append = o.append;
		return session_run(&sc);
	}
	if (!o.host_mte && machine_arg(&m, "host-mte", "off")) {
		return TV_STATUS_USAGE;
	}
	if (o.linux_host) {
		return run_linux_host(&m, &sc, &o, nguests ? argv[optind] : NULL);
	}
	if (o.host_test) {
		m.dma_test_device = true; /* the DMA engine the isolation tests program */
		if (machine_arg(&m, "test", o.host_test)) {
			return TV_STATUS_USAGE;
		}
	}
	if (o.kernel && (machine_add_image(&m, "kernel", o.kernel, "kernel") ||
			 (o.initrd && machine_add_image(&m, "initrd", o.initrd, "initrd")) ||
			 check_kernel(&m, o.have_mem ? o.mem : 256 * MIB))) {
		return TV_STATUS_BAD_INPUT;
	}
	if (o.append && machine_arg_encoded(&m, "cmdline", o.append)) {
		return TV_STATUS_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		if (machine_add_guest(&m, argv[i])) {
			return TV_STATUS_BAD_INPUT;
		}
	}
	if (guest_args(&m, &sc, &o) || machine_place_images(&m) || setup_migration(&m, &sc, &o)) {
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
			data_dir(), data_dir(), m.gdb_port);
	}
	return session_run(&sc);
}
