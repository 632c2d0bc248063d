/* SPDX-License-Identifier: MIT */
#include <hyp/arch.h>
#include <hyp/log.h>
#include <lib/fmt.h>

#include <abi/status.h>

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char line[256];
	int n = fmt_snprintf(line, sizeof(line), "%s", prefix);

	n += fmt_vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2) {
		n = (int)sizeof(line) - 2;
	}
	line[n++] = '\n';
	arch_console_write(line, (size_t)n);
}

void hyp_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("tagvisor: ", fmt, ap);
	va_end(ap);
}

void hyp_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("tagvisor: PANIC: ", fmt, ap);
	va_end(ap);
	arch_halt(TV_STATUS_HYP_ERROR);
}
