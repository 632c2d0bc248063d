/* SPDX-License-Identifier: MIT */
/*
 * The host's log and its end. Log lines go to the hypervisor's console (TV_HC_LOG),
 * which the CLI shows on stderr; the run's status goes to the CLI over the link,
 * and then the machine powers off (PSCI SYSTEM_OFF, which the hypervisor carries
 * out). A host without a link can still log, and its run ends as a host error.
 */
#include <abi/link.h>
#include <host/host.h>
#include <host/link.h>
#include <lib/fmt.h>

#define PSCI_SYSTEM_OFF 0x84000008ul

void console_init(void)
{
}

static void vprint(const char *prefix, const char *fmt, va_list ap, bool newline)
{
	char line[TV_LOG_MAX];
	int n = fmt_snprintf(line, sizeof(line), "%s", prefix);

	n += fmt_vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2) {
		n = (int)sizeof(line) - 2;
	}
	if (newline) {
		line[n++] = '\n';
	}
	if (n > 0) {
		tv_hvc(TV_HC_LOG, (uint64_t)line, (uint64_t)n, 0, 0, 0, 0, NULL);
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
	uint32_t s = (uint32_t)status;

	if (link_up()) {
		link_send(TV_LINK_STATUS, &s, sizeof(s));
		link_flush();
	}
	for (;;) {
		register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;

		__asm__ volatile("smc #0" : "+r"(x0) : : "memory");
	}
}

void host_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("tagvisor-host: error: ", fmt, ap, true);
	va_end(ap);
	host_exit(TV_STATUS_HYP_ERROR);
}
