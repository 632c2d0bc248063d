/* SPDX-License-Identifier: MIT */
/* tagvisor run: boot the hypervisor and the host, and run a guest or a host test. */
#define _GNU_SOURCE
#include "cli.h"

#include <abi/status.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		"  --kernel FILE       boot a kernel as the guest, as QEMU's -kernel does:\n"
		"                      an arm64 Image, an ELF, or a raw binary (at RAM +\n"
		"                      0x80000); it gets a GICv3, timers, PL011 with input,\n"
		"                      PSCI and a device tree in x0; default --mem 256M\n"
		"                      (docs/LINUX.md)\n"
		"  --initrd FILE       its initramfs\n"
		"  --append ARGS       its command line (default \"console=ttyAMA0 panic=-1\")\n"
		"snapshot:\n"
		"  --snapshot FILE     save the guest to FILE when it asks (VMM call 0xC6001001)\n"
		"                      or at --snapshot-at, then stop (tagvisor restore FILE goes on)\n"
		"  --snapshot-at TIME  when: N instructions (implies --icount) or N{ns,us,ms,s}\n"
		"  --snapshot-continue keep running after saving\n"
		"machine:\n"
		"  --host-mte on|off   whether the host may use MTE (off: EL2 hides it, like arm64.nomte)\n"
		"  --machine-mte on|off  whether the emulated CPU has MTE at all (default on)\n"
		"  --machine-mem SIZE  RAM of the emulated machine (default 1G)\n"
		"  --icount            count instructions deterministically (-icount shift=0)\n"
		"  --timeout SECONDS   stop the run after this long (exit status 5)\n"
		"  --gdb               start halted with QEMU's gdb stub on :1234\n"
		"  --host-test NAME    run a host test instead of a guest ('list' lists them)\n"
		"  --host-arg KEY[=V]  pass an extra boot argument to the host\n"
		"  --bare              run the guest (or --kernel with --append) on bare\n"
		"                      QEMU (EL1, no hypervisor) for reference\n"
		"  -v, --verbose       print the QEMU command line\n"
		"\n"
		"exit status: 0 guest powered off (or test passed), 1 usage, 2 guest reset,\n"
		"3 guest crashed, 4 hypervisor or host error, 5 timeout, 6 host test failed.\n");
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
	{ "gdb", no_argument, NULL, OPT_GDB },
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

int cmd_run(int argc, char **argv)
{
	struct machine m;
	bool host_mte = true, protected = false, bare = false;
	int mte = -1; /* default: as the machine */
	const char *mem = NULL, *host_test = NULL, *resident = NULL, *snapshot = NULL;
	const char *snapshot_at = NULL;
	bool snapshot_continue = false;
	const char *kernel = NULL, *initrd = NULL, *append = NULL;
	char extra[1024] = "";
	int opt;

	machine_defaults(&m);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", run_options, NULL)) != -1) {
		switch (opt) {
		case OPT_MEM:
			mem = optarg;
			if (!parse_size(mem)) {
				fprintf(stderr, "tagvisor: bad size '%s'\n", mem);
				return TV_STATUS_USAGE;
			}
			break;
		case OPT_MTE:
			mte = 1;
			break;
		case OPT_NO_MTE:
			mte = 0;
			break;
		case OPT_PROTECTED:
			protected = true;
			break;
		case OPT_HOST_MTE:
			if (on_off("--host-mte", optarg, &host_mte)) {
				return TV_STATUS_USAGE;
			}
			break;
		case OPT_MACHINE_MTE:
			if (on_off("--machine-mte", optarg, &m.mte)) {
				return TV_STATUS_USAGE;
			}
			break;
		case OPT_MACHINE_MEM:
			if (!parse_size(optarg)) {
				fprintf(stderr, "tagvisor: bad size '%s'\n", optarg);
				return TV_STATUS_USAGE;
			}
			m.machine_mem = optarg;
			break;
		case OPT_ICOUNT:
			m.icount = true;
			break;
		case OPT_TIMEOUT:
			m.timeout = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case OPT_GDB:
			m.gdb = true;
			break;
		case OPT_HOST_TEST:
			host_test = optarg;
			break;
		case OPT_HOST_ARG:
			if (strlen(extra) + strlen(optarg) + 2 > sizeof(extra)) {
				fprintf(stderr, "tagvisor: too many --host-arg\n");
				return TV_STATUS_USAGE;
			}
			strcat(extra, " ");
			strcat(extra, optarg);
			break;
		case OPT_BARE:
			bare = true;
			break;
		case OPT_SNAPSHOT:
			snapshot = optarg;
			break;
		case OPT_SNAPSHOT_AT:
			snapshot_at = optarg;
			if (!parse_time_ns(optarg)) {
				fprintf(stderr, "tagvisor: bad time '%s'\n", optarg);
				return TV_STATUS_USAGE;
			}
			/* A bare number counts instructions: only -icount makes time that. */
			if (optarg[strspn(optarg, "0123456789")] == '\0') {
				m.icount = true;
			}
			break;
		case OPT_SNAPSHOT_CONTINUE:
			snapshot_continue = true;
			break;
		case OPT_KERNEL:
			kernel = optarg;
			break;
		case OPT_INITRD:
			initrd = optarg;
			break;
		case OPT_APPEND:
			append = optarg;
			break;
		case OPT_RESIDENT:
			resident = optarg;
			if (strtoul(resident, NULL, 0) < 16) {
				fprintf(stderr, "tagvisor: --resident-pages needs at least 16 pages\n");
				return TV_STATUS_USAGE;
			}
			break;
		case 'v':
			m.verbose = true;
			break;
		case 'h':
			run_usage(stdout);
			return TV_STATUS_OK;
		default:
			run_usage(stderr);
			return TV_STATUS_USAGE;
		}
	}
	if (argc - optind > 4) {
		fprintf(stderr, "tagvisor: run takes at most 4 guests, not %d\n", argc - optind);
		return TV_STATUS_USAGE;
	}
	if (bare) {
		static char path[PATH_MAX];
		const char *guest = kernel ? kernel : argv[optind];

		/* QEMU's own loader: an ELF, or a raw binary or Image given a device tree in x0. */
		if (argc - optind != !kernel || !realpath(guest, path)) {
			fprintf(stderr, "tagvisor: --bare runs exactly one readable guest\n");
			return TV_STATUS_USAGE;
		}
		m.bare_guest = path;
		m.bare_append = append;
		return machine_run(&m);
	}
	if (mte == 1 && !m.mte) {
		fprintf(stderr, "tagvisor: --mte needs a machine with MTE (--machine-mte on)\n");
		return TV_STATUS_USAGE;
	}
	if (!host_mte && machine_arg(&m, "host-mte", "off")) {
		return TV_STATUS_USAGE;
	}
	if (host_test && machine_arg(&m, "test", host_test)) {
		return TV_STATUS_USAGE;
	}
	if (kernel) {
		if (optind != argc || host_test) {
			fprintf(stderr, "tagvisor: --kernel runs Linux as the only guest\n");
			return TV_STATUS_USAGE;
		}
		if (machine_path_arg(&m, "kernel", kernel) ||
		    (initrd && machine_path_arg(&m, "initrd", initrd)) ||
		    (append && machine_arg_encoded(&m, "cmdline", append))) {
			return TV_STATUS_USAGE;
		}
	} else if (initrd || append) {
		fprintf(stderr, "tagvisor: --initrd and --append go with --kernel\n");
		return TV_STATUS_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		char path[PATH_MAX];

		if (!realpath(argv[i], path)) {
			fprintf(stderr, "tagvisor: cannot read guest '%s'\n", argv[i]);
			return TV_STATUS_USAGE;
		}
		if (machine_arg(&m, "guest", path)) {
			return TV_STATUS_USAGE;
		}
	}
	if ((mem && machine_arg(&m, "mem", mem)) ||
	    machine_arg(&m, "mte", (mte < 0 ? m.mte : mte) ? "on" : "off") ||
	    (protected && machine_arg(&m, "protected", NULL)) ||
	    (resident && machine_arg(&m, "resident", resident))) {
		return TV_STATUS_USAGE;
	}
	if (snapshot_at && !snapshot) {
		fprintf(stderr, "tagvisor: --snapshot-at needs --snapshot FILE\n");
		return TV_STATUS_USAGE;
	}
	if (snapshot) {
		char at[32];

		snprintf(at, sizeof(at), "%llu",
			 (unsigned long long)(snapshot_at ? parse_time_ns(snapshot_at) : 0));
		if (argc - optind + (kernel != NULL) != 1) {
			fprintf(stderr, "tagvisor: --snapshot saves one guest\n");
			return TV_STATUS_USAGE;
		}
		if (machine_arg(&m, "snapshot", snapshot) ||
		    (snapshot_at && machine_arg(&m, "snapshot-at", at)) ||
		    (snapshot_continue && machine_arg(&m, "snapshot-continue", NULL)) ||
		    (isatty(STDERR_FILENO) && machine_arg(&m, "progress", NULL))) {
			return TV_STATUS_USAGE;
		}
	}
	if (extra[0]) {
		size_t len = strlen(m.bootargs);

		snprintf(m.bootargs + len, sizeof(m.bootargs) - len, "%s", extra);
	}
	return machine_run(&m);
}
