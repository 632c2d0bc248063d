/* SPDX-License-Identifier: MIT */
/*
 * tagvisor run --linux-host: Debian's arm64 kernel is the host at EL1 instead of
 * host.elf. QEMU's generic loader puts its Image where the bare host goes and, at the
 * top of RAM, one initramfs made of two archives back to back: a small one holding
 * the guest ELF (built here, in a memfd: nothing is written to disk), then the host's
 * own (make linux-host). The hypervisor's boot arguments say where the initramfs is;
 * what follows " -- " is the kernel's command line, and what follows its own " -- "
 * goes to the host's /init: "run GUEST [VMM options]" or "test NAME".
 */
#define _GNU_SOURCE
#include "cli.h"
#include "cpio.h"

#include <abi/boot.h>
#include <abi/status.h>
#include <errno.h>
#include <fcntl.h>
#include <lib/linux_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAM_BASE   0x40000000ull
#define GUEST_DIR  "guests"
#define GUEST_NAME "0.elf"

/* The kernel's command line before /init's arguments. */
#define HOST_CMDLINE "console=ttyAMA0 earlycon quiet panic=-1 cma=0"

/* The Image must be one the hypervisor can enter at TV_HOST_LOAD_ADDR. */
static int check_image(const char *path)
{
	struct linux_image_header h;
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(&h, 1, sizeof(h), f) : 0;

	if (f) {
		fclose(f);
	}
	if (n < sizeof(h) || h.magic != LINUX_IMAGE_MAGIC) {
		fprintf(
		    stderr,
		    "tagvisor: --host-kernel '%s' is not an arm64 Linux Image (no ARM\\x64 "
		    "magic at offset 56; Debian's vmlinuz is gzip'd: make linux-host unpacks it)\n",
		    path);
		return -1;
	}
	if (h.text_offset || (h.flags & 1)) {
		fprintf(stderr,
			"tagvisor: --host-kernel '%s': the host kernel must be little-endian "
			"with text_offset 0 (Linux 5.8 and later)\n",
			path);
		return -1;
	}
	return 0;
}

/* The guest's archive in a memfd that QEMU's loader reads as /proc/self/fd/6. */
static int guest_archive(struct machine *m, const char *guest, uint64_t *size)
{
	struct image *img = &m->images[m->nr_images - 1]; /* machine_add_guest checked it */
	size_t len = 0;
	uint8_t *elf = malloc(img->size), *cpio = NULL;
	FILE *f = fopen(img->path, "rb");
	int fd = -1;

	if (elf && f && fread(elf, 1, img->size, f) == img->size) {
		cpio = cpio_one_file(GUEST_DIR, GUEST_NAME, elf, img->size, &len);
	}
	if (f) {
		fclose(f);
	}
	free(elf);
	if (cpio) {
		fd = memfd_create("tagvisor-guest", MFD_CLOEXEC);
	}
	if (fd < 0 || write(fd, cpio, len) != (ssize_t)len) {
		fprintf(stderr, "tagvisor: cannot pack guest '%s' for the Linux host: %s\n", guest,
			cpio ? strerror(errno) : "out of memory");
		free(cpio);
		if (fd >= 0) {
			close(fd);
		}
		return -1;
	}
	free(cpio);
	m->guest_cpio_fd = fd;
	snprintf(img->path, sizeof(img->path), "/proc/self/fd/6");
	img->size = len;
	*size = len;
	return 0;
}

/*
 * [guest archive][host initramfs] ending at the top of RAM, the archive's length a
 * multiple of 4 KiB so both are contiguous: Linux unpacks them as one initramfs.
 */
static int place(struct machine *m, uint64_t *start, uint64_t *size)
{
	uint64_t top = RAM_BASE + m->machine_bytes, addr, total = 0;

	for (unsigned i = 0; i < m->nr_images; i++) {
		total += m->images[i].size;
	}
	addr = (top - total) & ~0xfffull;
	*start = addr;
	*size = total;
	if (addr < TV_HOST_LOAD_ADDR + (256ull << 20)) {
		fprintf(stderr,
			"tagvisor: the Linux host's initramfs (%llu MiB) does not fit the "
			"machine's RAM (--machine-mem)\n",
			(unsigned long long)(total >> 20));
		return -1;
	}
	for (unsigned i = 0; i < m->nr_images; i++) {
		m->images[i].addr = addr;
		addr += m->images[i].size;
	}
	return 0;
}

static int append(char *buf, size_t cap, const char *s)
{
	size_t len = strlen(buf);

	if (len + strlen(s) + 2 > cap) {
		fprintf(stderr, "tagvisor: the Linux host's command line is too long\n");
		return -1;
	}
	snprintf(buf + len, cap - len, "%s%s", len ? " " : "", s);
	return 0;
}

int linux_host_setup(struct machine *m, const struct linux_host_opts *o)
{
	char path[4096], spec[64];
	uint64_t start, size, guest_size = 0;

	m->linux_host = true;
	snprintf(path, sizeof(path), "%s/linux-host/Image", data_dir());
	if (!realpath(o->kernel ? o->kernel : path, m->host_kernel)) {
		fprintf(stderr, "tagvisor: cannot read the Linux host kernel '%s': %s%s\n",
			o->kernel ? o->kernel : path, strerror(errno),
			o->kernel ? "" : " (make linux-host builds it)");
		return TV_STATUS_BAD_INPUT;
	}
	if (check_image(m->host_kernel)) {
		return TV_STATUS_BAD_INPUT;
	}
	if (o->guest &&
	    (machine_add_guest(m, o->guest) || guest_archive(m, o->guest, &guest_size))) {
		return TV_STATUS_BAD_INPUT;
	}
	snprintf(path, sizeof(path), "%s/linux-host/initramfs.cpio.gz", data_dir());
	if (machine_add_image(m, "host-initrd", o->initrd ? o->initrd : path, "host initramfs")) {
		if (!o->initrd) {
			fprintf(stderr, "tagvisor: make linux-host builds it\n");
		}
		return TV_STATUS_BAD_INPUT;
	}
	if (place(m, &start, &size)) {
		return TV_STATUS_USAGE;
	}
	snprintf(spec, sizeof(spec), "0x%llx:0x%llx", (unsigned long long)start,
		 (unsigned long long)size);
	if (machine_arg(m, "host-initrd", spec)) {
		return TV_STATUS_USAGE;
	}
	/* The kernel's command line, then /init's arguments after its own "--". */
	if (append(m->linux_cmdline, sizeof(m->linux_cmdline), HOST_CMDLINE) ||
	    (!o->host_mte && append(m->linux_cmdline, sizeof(m->linux_cmdline), "arm64.nomte")) ||
	    (o->append && append(m->linux_cmdline, sizeof(m->linux_cmdline), o->append)) ||
	    append(m->linux_cmdline, sizeof(m->linux_cmdline), "--")) {
		return TV_STATUS_USAGE;
	}
	if (o->test) {
		return append(m->linux_cmdline, sizeof(m->linux_cmdline), "test") ||
			       append(m->linux_cmdline, sizeof(m->linux_cmdline), o->test)
			   ? TV_STATUS_USAGE
			   : 0;
	}
	if (append(m->linux_cmdline, sizeof(m->linux_cmdline), "run") ||
	    (o->vmm_args[0] && append(m->linux_cmdline, sizeof(m->linux_cmdline), o->vmm_args)) ||
	    append(m->linux_cmdline, sizeof(m->linux_cmdline), "/" GUEST_DIR "/" GUEST_NAME)) {
		return TV_STATUS_USAGE;
	}
	return 0;
}
