/* SPDX-License-Identifier: MIT */
/* Prints a few lines and powers off: the same bytes on bare QEMU and under tagvisor. */
#include "guest.h"

void guest_main(void)
{
	uint64_t el = read_sysreg(CurrentEL) >> 2;
	uint64_t psci = psci_call(0x84000000, 0, 0, 0);

	puts("Hello from a bare-metal guest!\n");
	printf("running at EL%lu, PSCI %lu.%lu\n", el, psci >> 16, psci & 0xffff);
	for (unsigned i = 0; i < 256; i++) {
		putc((char)i); /* every byte value reaches the console unchanged */
	}
	puts("\nbye\n");
}
