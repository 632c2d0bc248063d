/* SPDX-License-Identifier: MIT */
/* Reads an address with no device behind it and does not handle the abort: a crash. */
#include "guest.h"

void guest_main(void)
{
	puts("about to read address 0\n");
	(void)*(volatile uint64_t *)0;
	puts("survived?\n");
}
