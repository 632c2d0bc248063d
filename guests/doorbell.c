/* SPDX-License-Identifier: MIT */
/*
 * The doorbell page of tagvisor's VMM (abi/guest.h) as a guest sees it: RESULT before
 * any request, an unknown request, a snapshot request (refused unless the VMM runs
 * with --snapshot; with it, this guest is saved right after the write and the
 * restored one reads RESTORED), and accesses the page has no register for, which
 * must abort as a missing device does.
 */
#include "guest.h"

#include <abi/guest.h>

static volatile uint32_t *reg(unsigned offset)
{
	return (volatile uint32_t *)(TV_DOORBELL_IPA + offset);
}

static void expect_abort(const char *what, bool write, uint64_t addr)
{
	struct trap_record t;
	uint64_t v = 0;
	bool hit = write ? probe_write64(addr, 1, &t) : probe_read64(addr, &v, &t);

	printf("doorbell: %s: %s (ESR_EL1 EC 0x%lx)\n", what, hit ? "abort" : "no abort",
	       hit ? t.esr >> 26 : 0);
}

void guest_main(void)
{
	uint32_t result;

	printf("doorbell: RESULT before any request: 0x%x\n", *reg(TV_DOORBELL_RESULT));
	*reg(TV_DOORBELL_REQUEST) = 7;
	printf("doorbell: unknown request 7: 0x%x\n", *reg(TV_DOORBELL_RESULT));
	*reg(TV_DOORBELL_REQUEST) = TV_DOORBELL_SNAPSHOT;
	result = *reg(TV_DOORBELL_RESULT);
	printf("doorbell: snapshot request: 0x%x (%s)\n", result,
	       result == TV_DOORBELL_SAVED	  ? "saved, going on"
	       : result == TV_DOORBELL_RESTORED ? "restored"
					       : "refused");
	expect_abort("64-bit read of RESULT", false, TV_DOORBELL_IPA + TV_DOORBELL_RESULT);
	expect_abort("read of REQUEST", false, TV_DOORBELL_IPA + TV_DOORBELL_REQUEST);
	expect_abort("write at offset 0xff8", true, TV_DOORBELL_IPA + 0xff8);
	puts("doorbell: done\n");
}
