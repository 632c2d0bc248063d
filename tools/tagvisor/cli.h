/* SPDX-License-Identifier: MIT */
/* The tagvisor command-line tool: runs the hypervisor, the host and guests in QEMU. */
#ifndef TOOLS_TAGVISOR_CLI_H
#define TOOLS_TAGVISOR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TV_MAX_IMAGES 8
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* A file QEMU's generic loader puts into the host's memory before the machine starts. */
struct image {
	const char *key;  /* the host's boot argument naming it: guest, kernel, initrd */
	char path[4096];  /* absolute */
	uint64_t size;
	uint64_t addr;    /* chosen by machine_place_images() */
};

/* How to start one QEMU machine with the hypervisor and the host. */
struct machine {
	uint64_t machine_bytes;  /* RAM of the machine (-m) */
	unsigned cpus;           /* CPUs of the machine (-smp) */
	bool mte;                /* the emulated CPU has MTE (mte=on) */
	bool icount;             /* -icount shift=0,sleep=off: deterministic instruction counts */
	unsigned gdb_port;       /* halted, gdb stub on 127.0.0.1:gdb_port; 0: no stub */
	bool verbose;            /* print the QEMU command line */
	bool dma_test_device;    /* a virtio-rng PCI device: DMA writes on demand, for host tests */
	unsigned timeout;        /* seconds, 0 for none */
	char bootargs[4096];     /* the host's boot arguments */
	const char *stdin_path;  /* the guest console's input, NULL: ours */
	const char *bare_guest;  /* run this guest on bare QEMU instead (reference runs) */
	const char *bare_append; /* and give it this command line */
	struct image images[TV_MAX_IMAGES];
	unsigned nr_images;
	/*
	 * --linux-host: a Linux kernel is the host instead of host.elf. Its Image goes where
	 * the bare host goes; the images hold its initramfs (placed by linux_host_place());
	 * the boot arguments become "BOOTARGS -- LINUX_CMDLINE" (docs/ABI.md, boot contract).
	 */
	bool linux_host;
	char host_kernel[4096];
	int guest_cpio_fd;      /* the guest's archive (a memfd), QEMU's fd 6; -1: none */
	char linux_cmdline[2048];
};

/* A snap_reader's read over a stdio FILE (ctx). */
int stdio_read(void *ctx, void *buf, size_t len);

void machine_defaults(struct machine *m);
/* Appends " key=value" (or " key" when value is NULL) to the boot arguments. */
int machine_arg(struct machine *m, const char *key, const char *value);
/* Appends " key=value" with spaces, '%' and quotes %XX-encoded (the host decodes them). */
int machine_arg_encoded(struct machine *m, const char *key, const char *value);
/*
 * Adds an image for the host, named by boot argument `key`. The file must be
 * readable; `what` names it in messages ("guest", "kernel"). 0 or -1 (said why).
 */
int machine_add_image(struct machine *m, const char *key, const char *path, const char *what);
/* Adds a guest ELF (refused with a message unless it is a 64-bit arm64 ELF). 0 or -1. */
int machine_add_guest(struct machine *m, const char *path);

/* The file descriptors a machine's QEMU is given (socketpairs, our ends here). */
struct machine_fds {
	int console; /* the guests' PL011: its output is our stdout, our stdin its input */
	int log;     /* the hypervisor's PL011: the hypervisor's and the host's messages */
	int link;    /* the host's virtio console: include/abi/link.h */
};

/*
 * Places the images at the top of the machine's RAM and names them in the boot
 * arguments. 0, or -1 (said why) if they do not fit.
 */
int machine_place_images(struct machine *m);

/*
 * Starts QEMU for the machine, its own process group, killed if we die. Returns
 * its pid and sets *fds, or -1 (said why: QEMU could not be started).
 */
int machine_spawn(struct machine *m, struct machine_fds *fds);
/* Builds QEMU's argument vector (for -v and the tests); returns the number of arguments. */
int machine_argv(struct machine *m, char **argv, size_t max, char *buf, size_t buflen);


/* What --linux-host runs on the Linux host: a guest ELF, or a test of the Linux host. */
struct linux_host_opts {
	const char *kernel;  /* --host-kernel, NULL: DATA/linux-host/Image */
	const char *initrd;  /* --host-initrd, NULL: DATA/linux-host/initramfs.cpio.gz */
	const char *append;  /* --host-append: more for the kernel's command line */
	const char *guest;   /* a guest ELF, or NULL */
	const char *test;    /* --host-test NAME, or NULL */
	bool host_mte;       /* --host-mte on */
	char vmm_args[256];  /* for the VMM: --mte, --no-mte, --protected, --mem SIZE */
};

/*
 * Sets the machine up for a Linux host (linux_host.c): its kernel and initramfs, the
 * guest handed to it in an archive of its own, the command lines. 0, or a
 * TV_STATUS_* (said why).
 */
int linux_host_setup(struct machine *m, const struct linux_host_opts *o);

/* Fails with a message unless QEMU >= 8 is installed. */
int qemu_check_version(void);
/* The QEMU version found ("10.0.2"), or NULL. */
const char *qemu_version(void);

/*
 * The folder holding hyp.elf and host.elf: $TAGVISOR_DATA, else the tagvisor binary's
 * own folder (a build tree), else ../share/tagvisor beside it (make install). Exits
 * with a message listing where it looked if none has them.
 */
const char *data_dir(void);

/* The version of this tagvisor ("0.4.0" and, in a git checkout, the commit). */
extern const char tagvisor_version[];


/* Subcommands. */
int cmd_run(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate(int argc, char **argv);

#endif
