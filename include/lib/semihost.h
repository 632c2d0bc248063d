/* SPDX-License-Identifier: MIT */
/*
 * Arm semihosting (HLT #0xF000), how the hypervisor and the host reach the
 * outside world on the QEMU test platform: files of the machine running QEMU,
 * stderr, and the exit status.
 */
#ifndef LIB_SEMIHOST_H
#define LIB_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* Open modes (ISO C fopen modes, in the semihosting numbering). */
#define SH_MODE_R 0
#define SH_MODE_RB 1
#define SH_MODE_W 4
#define SH_MODE_WB 5
#define SH_MODE_A 8 /* ":tt" opened for append is stderr */

/* Returns a handle, or -1. */
int64_t semihost_open(const char *path, unsigned mode);
/* Return the number of bytes NOT transferred (0 on success), as semihosting does. */
int64_t semihost_write(int64_t fd, const void *buf, size_t len);
int64_t semihost_read(int64_t fd, void *buf, size_t len);
int64_t semihost_close(int64_t fd);
/* Returns the file length, or -1. */
int64_t semihost_flen(int64_t fd);
/* Returns 0, or a negative value. */
int64_t semihost_seek(int64_t fd, uint64_t pos);
/* Ends QEMU with `code` as its exit status. */
_Noreturn void semihost_exit(int code);

#endif
