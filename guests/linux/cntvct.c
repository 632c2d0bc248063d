/* SPDX-License-Identifier: MIT */
/*
 * Prints the virtual counter and its frequency, to measure the time from power-on to
 * /init. On bare QEMU the counter starts at 0 with the machine; under
 * `-icount shift=0` a tick of QEMU's 1 GHz counter is one instruction, so the value
 * does not depend on the speed of the machine running QEMU.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

int main(void)
{
	uint64_t cnt, freq;

	/* The isb keeps the read from being done early, before the program got here. */
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(cnt)::"memory");
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	printf("cntvct: %" PRIu64 "\n", cnt);
	printf("cntfrq: %" PRIu64 " Hz\n", freq);
	if (freq) {
		/* Microseconds, in integers: no floating point needed for a timestamp. */
		uint64_t us = cnt / freq * 1000000 + cnt % freq * 1000000 / freq;

		printf("cntvct: %" PRIu64 ".%06" PRIu64 " s since the counter started\n",
		       us / 1000000, us % 1000000);
	}
	return 0;
}
