/* SPDX-License-Identifier: MIT */
/* The demo guest: what a guest sees of its machine under tagvisor. */
#include "guest.h"

void guest_main(void)
{
	uint64_t psci = psci_call(0x84000000, 0, 0, 0);
	uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1), pfr1 = read_sysreg(id_aa64pfr1_el1);
	uint64_t *mem = (uint64_t *)(RAM_BASE + (16ul << 20)), sum = 0;

	puts("tagvisor demo guest\n");
	printf("  exception level   EL%lu\n", read_sysreg(CurrentEL) >> 2);
	printf("  PSCI              %lu.%lu\n", psci >> 16, psci & 0xffff);
	printf("  EL2 implemented   %s\n", ((pfr0 >> 8) & 0xf) ? "yes" : "no (hidden, as under KVM)");
	printf("  MTE               level %lu%s\n", (pfr1 >> 8) & 0xf,
	       ((pfr1 >> 8) & 0xf) >= 2 ? " (tags stored)" : "");
	for (unsigned i = 0; i < (4u << 20) / 8; i++) {
		mem[i] = i * 2654435761u;
	}
	for (unsigned i = 0; i < (4u << 20) / 8; i++) {
		sum += mem[i];
	}
	printf("  4 MiB written and read back, checksum %lx\n", sum);
	puts("powering off\n");
}
