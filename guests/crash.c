/* SPDX-License-Identifier: MIT */
/*
 * Accesses an address with no device behind it. A load with a syndrome gets the external
 * abort hardware gives (taken and reported here); a load pair has no syndrome, so no VMM
 * can emulate it: under tagvisor, as under KVM, the VM ends there (a crash).
 */
#include "guest.h"

#define NO_DEVICE 0x09876540ul /* nothing of QEMU's virt machine is there */

void guest_main(void)
{
	struct trap_record r;
	uint64_t v;

	printf("about to read 0x%lx\n", NO_DEVICE);
	if (probe_read64(NO_DEVICE, &v, &r)) {
		printf("abort: ESR 0x%lx FAR 0x%lx\n", r.esr, r.far);
	}
	printf("about to read 0x%lx with LDP\n", NO_DEVICE + 8);
	__asm__ volatile("ldp x16, x17, [%0]" : : "r"(NO_DEVICE + 8) : "x16", "x17", "memory");
	puts("survived?\n");
}
