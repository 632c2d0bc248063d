/* SPDX-License-Identifier: MIT */
/*
 * Accesses to addresses where QEMU's virt machine has neither RAM nor a device, as a
 * guest's tests of its own exception vectors make them: an instruction fetch from
 * 0xfffff000 at EL1 and at EL0, loads and stores there and in the hole below the PL011.
 * Each is an external abort the guest takes, with the syndrome, ELR and FAR hardware
 * gives; the VM goes on. The output is the same under tagvisor and on bare QEMU.
 */
#include "guest.h"

#define NO_RAM		 0xfffff000ul /* above the guest's RAM, below nothing */
#define NO_DEVICE	 0x09876540ul /* between the PL011's neighbours, nothing there */
#define EC_IABT_LOW	 0x20
#define EC_IABT_CUR	 0x21
#define SPSR_EL0T	 0x0ul
#define SPSR_EL1H_MASKED 0x3c5ul

static volatile uint64_t abort_esr, abort_elr, abort_far, resume_at;
static volatile unsigned aborts;

/* An instruction abort: recorded, and the fetch's caller resumes (at resume_at, EL1h). */
static bool on_iabt(struct frame *f, uint64_t esr)
{
	unsigned ec = (unsigned)(esr >> 26);

	if (ec != EC_IABT_CUR && ec != EC_IABT_LOW) {
		return false;
	}
	aborts++;
	abort_esr = esr;
	abort_elr = f->elr;
	abort_far = read_sysreg(far_el1);
	f->elr = resume_at;
	f->spsr = SPSR_EL1H_MASKED;
	return true;
}

static void report(const char *what)
{
	printf("%s: %u abort(s), ESR 0x%lx ELR 0x%lx FAR 0x%lx\n", what, aborts, abort_esr,
	       abort_elr, abort_far);
	aborts = 0;
	abort_esr = abort_elr = abort_far = 0;
}

/* A branch to addr at EL1: the abort's handler returns to the instruction after it. */
static void fetch_el1(uint64_t addr)
{
	__asm__ volatile("adr	x9, 1f\n"
			 "	str	x9, [%1]\n"
			 "	blr	%0\n"
			 "1:\n"
			 :
			 : "r"(addr), "r"(&resume_at)
			 : "x9", "x30", "memory");
}

/*
 * An ERET to addr at EL0 (the MMU off, so every address is EL0's to fetch): the abort is
 * taken from the lower EL and its handler brings the program back to EL1 after the ERET,
 * with every register as the ERET left it.
 */
static void fetch_el0(uint64_t addr)
{
	__asm__ volatile("adr	x9, 1f\n"
			 "	str	x9, [%1]\n"
			 "	msr	elr_el1, %0\n"
			 "	msr	spsr_el1, %2\n"
			 "	isb\n"
			 "	eret\n"
			 "1:\n"
			 :
			 : "r"(addr), "r"(&resume_at), "r"(SPSR_EL0T)
			 : "x9", "memory");
}

static void data_access(const char *what, uint64_t addr)
{
	struct trap_record r;
	uint64_t v = 0x5a;

	if (probe_read64(addr, &v, &r)) {
		printf("%s load: abort, ESR 0x%lx FAR 0x%lx\n", what, r.esr, r.far);
	} else {
		printf("%s load: 0x%lx, no abort\n", what, v);
	}
	if (probe_write64(addr, v, &r)) {
		printf("%s store: abort, ESR 0x%lx FAR 0x%lx\n", what, r.esr, r.far);
	} else {
		printf("%s store: no abort\n", what);
	}
}

void guest_main(void)
{
	guest_sync_handler = on_iabt;
	fetch_el1(NO_RAM);
	report("EL1 fetch from 0xfffff000");
	fetch_el1(NO_DEVICE);
	report("EL1 fetch from 0x09876540");
	fetch_el0(NO_RAM);
	report("EL0 fetch from 0xfffff000");
	guest_sync_handler = 0;
	data_access("0xfffff000", NO_RAM);
	data_access("0x09876540", NO_DEVICE);
	puts("aborts: the VM goes on\n");
}
