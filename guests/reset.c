/* SPDX-License-Identifier: MIT */
/* Asks for a reset (PSCI SYSTEM_RESET). */
#include "guest.h"

void guest_main(void)
{
	puts("resetting\n");
	psci_system_reset();
}
