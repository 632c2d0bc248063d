/* SPDX-License-Identifier: MIT */
/* The hypervisor's console: stderr of the machine running QEMU, through semihosting. */
#include <hyp/arch.h>
#include <lib/semihost.h>

static int64_t console_fd = -1;

void console_init(void)
{
	console_fd = semihost_open(":tt", SH_MODE_A);
}

void arch_console_write(const char *s, size_t n)
{
	if (console_fd >= 0) {
		semihost_write(console_fd, s, n);
	}
}

void arch_halt(int code)
{
	semihost_exit(code);
}
