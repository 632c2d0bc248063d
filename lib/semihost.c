/* SPDX-License-Identifier: MIT */
#include <lib/semihost.h>
#include <lib/string.h>

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_SEEK 0x0a
#define SYS_FLEN 0x0c
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static int64_t semihost_call(uint64_t op, const void *arg)
{
	register uint64_t x0 __asm__("x0") = op;
	register const void *x1 __asm__("x1") = arg;

	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	return (int64_t)x0;
}

int64_t semihost_open(const char *path, unsigned mode)
{
	uint64_t args[3] = { (uint64_t)(uintptr_t)path, mode, strlen(path) };

	return semihost_call(SYS_OPEN, args);
}

int64_t semihost_write(int64_t fd, const void *buf, size_t len)
{
	uint64_t args[3] = { (uint64_t)fd, (uint64_t)(uintptr_t)buf, len };

	return semihost_call(SYS_WRITE, args);
}

int64_t semihost_read(int64_t fd, void *buf, size_t len)
{
	uint64_t args[3] = { (uint64_t)fd, (uint64_t)(uintptr_t)buf, len };

	return semihost_call(SYS_READ, args);
}

int64_t semihost_close(int64_t fd)
{
	uint64_t args[1] = { (uint64_t)fd };

	return semihost_call(SYS_CLOSE, args);
}

int64_t semihost_flen(int64_t fd)
{
	uint64_t args[1] = { (uint64_t)fd };

	return semihost_call(SYS_FLEN, args);
}

int64_t semihost_seek(int64_t fd, uint64_t pos)
{
	uint64_t args[2] = { (uint64_t)fd, pos };

	return semihost_call(SYS_SEEK, args);
}

void semihost_exit(int code)
{
	uint64_t args[2] = { ADP_STOPPED_APPLICATION_EXIT, (uint64_t)(unsigned)code };

	for (;;) {
		semihost_call(SYS_EXIT, args);
	}
}
