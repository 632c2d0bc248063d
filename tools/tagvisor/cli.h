/* SPDX-License-Identifier: MIT */
/* The tagvisor command-line tool: runs the hypervisor, the host and guests in QEMU. */
#ifndef TOOLS_TAGVISOR_CLI_H
#define TOOLS_TAGVISOR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How to start one QEMU machine with the hypervisor and the host. */
struct machine {
	const char *machine_mem; /* -m, e.g. "1G" */
	bool mte;                /* the emulated CPU has MTE (mte=on) */
	bool icount;             /* -icount shift=0,sleep=off: deterministic instruction counts */
	bool gdb;                /* halted, gdb stub on :1234 */
	bool verbose;            /* print the QEMU command line */
	unsigned timeout;        /* seconds, 0 for none */
	char bootargs[4096];     /* the host's boot arguments */
	const char *stdin_path;  /* QEMU's stdin (the guest console input), NULL to inherit */
	const char *stdout_path; /* where the guest console goes, NULL to inherit */
	const char *bare_guest;  /* run this guest on bare QEMU instead (reference runs) */
	const char *bare_append; /* its command line (-append), or NULL */
};

void machine_defaults(struct machine *m);
/* Appends " key=value" (or " key" when value is NULL) to the boot arguments. */
int machine_arg(struct machine *m, const char *key, const char *value);
/* Appends " key=ABSOLUTE_PATH" (the file must exist). */
int machine_path_arg(struct machine *m, const char *key, const char *path);
/* Appends " key=value" with spaces, '%' and quotes %XX-encoded (the host decodes them). */
int machine_arg_encoded(struct machine *m, const char *key, const char *value);
/* Runs the machine to its end. Returns a TV_STATUS_* (include/abi/status.h). */
int machine_run(const struct machine *m);
/* Starts the machine with its stdout on stdout_fd (-1: inherited). Returns its pid or -1. */
int machine_spawn(const struct machine *m, int stdout_fd);
/* The TV_STATUS_* of a QEMU that ended with wait status `status`. */
int machine_status(int status);

/* Parses a time: "N" instructions (with --icount, one nanosecond each), or N with a unit
 * "ns", "us", "ms", "s". Returns nanoseconds, or 0 for a malformed time. */
uint64_t parse_time_ns(const char *s);

/* Fails with a message unless QEMU >= 8 is installed. */
int qemu_check_version(void);

/* Directory holding hyp.elf and host.elf (that of the tagvisor binary). */
const char *build_dir(void);

/* Parses "64M", "1G", "4096"; returns 0 on a malformed size. */
uint64_t parse_size(const char *s);

/* Subcommands. */
int cmd_run(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate(int argc, char **argv);

#endif
