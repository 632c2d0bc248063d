/* SPDX-License-Identifier: MIT */
/*
 * A writer of cpio "newc" archives (the initramfs format Linux unpacks): how the CLI
 * hands a guest ELF to a Linux host, as a small archive that QEMU's loader puts just
 * before the host's own initramfs (Linux unpacks concatenated archives in order).
 */
#ifndef TOOLS_TAGVISOR_CPIO_H
#define TOOLS_TAGVISOR_CPIO_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_DIR  0040755u
#define CPIO_FILE 0100644u

/* Bytes an entry named `name` (no leading '/') with `size` bytes of data takes. */
size_t cpio_entry_size(const char *name, size_t size);

/*
 * Writes one entry at out (cpio_entry_size bytes): inode `ino`, `mode` (CPIO_DIR or
 * CPIO_FILE), owner root, time 0, then the data, each padded to 4 bytes with zeros.
 * Returns the bytes written. The archive ends with the entry named "TRAILER!!!".
 */
size_t cpio_put(uint8_t *out, uint32_t ino, const char *name, uint32_t mode, const void *data,
		size_t size);

/*
 * A whole archive holding `dir`/ and `dir`/`file` with the data, in a buffer of
 * *len bytes (a multiple of 4096, zero-padded) that the caller frees. NULL if the
 * data is 4 GiB or more, or memory runs out.
 */
uint8_t *cpio_one_file(const char *dir, const char *file, const void *data, size_t size,
		       size_t *len);

#endif
