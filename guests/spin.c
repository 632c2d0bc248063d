/* SPDX-License-Identifier: MIT */
/* Never ends: for timeouts and preemption. */
#include "guest.h"

void guest_main(void)
{
	puts("spinning\n");
	for (;;) {
		__asm__ volatile("" ::: "memory");
	}
}
