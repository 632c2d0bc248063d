/* SPDX-License-Identifier: MIT */
#include <host/host.h>
#include <lib/fmt.h>
#include <lib/semihost.h>

static int64_t stderr_fd = -1;

void console_init(void)
{
	stderr_fd = semihost_open(":tt", SH_MODE_A);
}

static void vprint(const char *prefix, const char *fmt, va_list ap, bool newline)
{
	char line[512];
	int n = fmt_snprintf(line, sizeof(line), "%s", prefix);

	n += fmt_vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2) {
		n = (int)sizeof(line) - 2;
	}
	if (newline) {
		line[n++] = '\n';
	}
	if (stderr_fd >= 0) {
		semihost_write(stderr_fd, line, (size_t)n);
	}
}

void host_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("tagvisor-host: ", fmt, ap, true);
	va_end(ap);
}

void host_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("", fmt, ap, false);
	va_end(ap);
}

void host_exit(int status)
{
	semihost_exit(status);
}

void host_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("tagvisor-host: error: ", fmt, ap, true);
	va_end(ap);
	host_exit(TV_STATUS_HYP_ERROR);
}
