/* SPDX-License-Identifier: MIT */
/*
 * The host's exception handlers. A test that provokes a fault on purpose (an
 * access to memory the hypervisor keeps from it, a register it may not use)
 * announces it with fault_expect(); anything else is a host error.
 */
#include <host/host.h>

static struct fault_record *expected;

void fault_expect(struct fault_record *rec)
{
	rec->hit = false;
	expected = rec;
}

void fault_expect_none(void)
{
	expected = NULL;
}

bool probe_read64(uint64_t addr, uint64_t *val, struct fault_record *f)
{
	uint64_t v = 0;

	fault_expect(f);
	__asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(addr) : "memory");
	fault_expect_none();
	*val = v;
	return f->hit;
}

bool probe_write64(uint64_t addr, uint64_t val, struct fault_record *f)
{
	fault_expect(f);
	__asm__ volatile("str %0, [%1]" : : "r"(val), "r"(addr) : "memory");
	fault_expect_none();
	return f->hit;
}

static uint64_t read_esr(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, esr_el1" : "=r"(v));
	return v;
}

static uint64_t read_far(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, far_el1" : "=r"(v));
	return v;
}

void host_sync_exception(struct exc_frame *f)
{
	uint64_t esr = read_esr(), far = read_far();

	if (expected) {
		*expected = (struct fault_record){ true, esr, far, f->elr };
		expected = NULL;
		/* Step over a faulting access; a faulting fetch returns as if from a call. */
		f->elr = (esr >> 26) == 0x21 ? f->x[30] : f->elr + 4;
		return;
	}
	host_panic("unexpected exception: ESR 0x%lx ELR 0x%lx FAR 0x%lx", esr, f->elr, far);
}

void __attribute__((weak)) host_irq(struct exc_frame *f)
{
	(void)f;
	host_panic("unexpected interrupt");
}

void host_bad_vector(uint64_t esr, uint64_t elr, uint64_t far)
{
	host_panic("exception on an unused vector: ESR 0x%lx ELR 0x%lx FAR 0x%lx", esr, elr, far);
}
