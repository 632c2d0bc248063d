/* SPDX-License-Identifier: MIT */
#include "cpio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR	  110 /* "070701" and 13 eight-digit hex fields */
#define ALIGN4(n) (((n) + 3) & ~(size_t)3)

size_t cpio_entry_size(const char *name, size_t size)
{
	return ALIGN4(HDR + strlen(name) + 1) + ALIGN4(size);
}

size_t cpio_put(uint8_t *out, uint32_t ino, const char *name, uint32_t mode, const void *data,
		size_t size)
{
	size_t name_len = strlen(name) + 1, off;
	char hdr[HDR + 1];

	/* ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize
	 * check */
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ino, mode, 0u, 0u, mode == CPIO_DIR ? 2u : 1u, 0u, (unsigned)size, 0u, 0u, 0u, 0u,
		 (unsigned)name_len, 0u);
	memset(out, 0, cpio_entry_size(name, size));
	memcpy(out, hdr, HDR);
	memcpy(out + HDR, name, name_len);
	off = ALIGN4(HDR + name_len);
	if (size) {
		memcpy(out + off, data, size);
	}
	return off + ALIGN4(size);
}

uint8_t *cpio_one_file(const char *dir, const char *file, const void *data, size_t size,
		       size_t *len)
{
	char path[512];
	size_t need, off = 0;
	uint8_t *buf;

	if (size >= 1ull << 32 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path)) {
		return NULL;
	}
	need = cpio_entry_size(dir, 0) + cpio_entry_size(path, size) +
	       cpio_entry_size("TRAILER!!!", 0);
	*len = (need + 4095) & ~(size_t)4095;
	buf = calloc(1, *len);
	if (!buf) {
		return NULL;
	}
	off += cpio_put(buf + off, 1, dir, CPIO_DIR, NULL, 0);
	off += cpio_put(buf + off, 2, path, CPIO_FILE, data, size);
	cpio_put(buf + off, 0, "TRAILER!!!", 0, NULL, 0);
	return buf;
}
