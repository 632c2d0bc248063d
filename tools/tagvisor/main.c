/* SPDX-License-Identifier: MIT */
#include "cli.h"

#include <abi/hvc.h>
#include <abi/link.h>
#include <abi/snapshot.h>
#include <abi/status.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "run", cmd_run, "run a guest (or a host test) under tagvisor in QEMU" },
	{ "inspect", cmd_inspect, "show what a snapshot or migration stream holds, and check it" },
	{ "restore", cmd_restore, "continue a guest from a snapshot file in a fresh QEMU" },
	{ "migrate", cmd_migrate, "run a guest and live-migrate it to a second QEMU" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tagvisor COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	}
	fprintf(f, "  %-10s %s\n", "version", "print the version of tagvisor and of the QEMU it found");
	fprintf(f, "\n'tagvisor COMMAND --help' describes a command's options.\n");
}

static int version(void)
{
	const char *q = qemu_version();

	printf("tagvisor %s (hypercall ABI %u.%u, snapshot format %u, link %u)\n", tagvisor_version,
	       TV_ABI_MAJOR, TV_ABI_MINOR, TV_SNAP_VERSION, TV_LINK_VERSION);
	printf("QEMU: %s\n", q ? q : "not found (scripts/install-deps.sh installs it)");
	return TV_STATUS_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return TV_STATUS_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return TV_STATUS_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		return version();
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "tagvisor: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return TV_STATUS_USAGE;
}
