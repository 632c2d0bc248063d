/* SPDX-License-Identifier: MIT */
/*
 * The guest library: what a bare-metal program for QEMU's virt machine needs,
 * with nothing tagvisor-specific, so a guest behaves the same on bare QEMU.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_BASE 0x09000000ul
#define RAM_BASE 0x40000000ul

/* x0 at entry: the device tree's address when the loader passes one (raw binaries). */
extern uint64_t boot_x0;

/* Console: the PL011 at UART_BASE. */
void putc(char c);
void puts(const char *s);
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* PSCI over HVC. */
uint64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
_Noreturn void psci_system_off(void);
_Noreturn void psci_system_reset(void);

/* Exceptions: guest_exception() is called for every synchronous one. */
struct frame {
	uint64_t x[31];
	uint64_t elr;
	uint64_t spsr;
	uint64_t pad;
};

/*
 * An exception the program expects (an abort, an UNDEF): recorded, and execution
 * resumes after the faulting instruction. Anything else is reported and the
 * program stops with a fault the VMM sees as a crash.
 */
struct trap_record {
	bool hit;
	uint64_t esr;
	uint64_t far;
	uint64_t elr;
};
void trap_expect(struct trap_record *r);
/*
 * A program's own handler of synchronous exceptions, tried first: returns true if it
 * dealt with the exception (it may change f->elr and f->spsr, which the return uses).
 */
extern bool (*guest_sync_handler)(struct frame *f, uint64_t esr);
void trap_expect_none(void);
bool probe_read64(uint64_t addr, uint64_t *val, struct trap_record *r);
bool probe_write64(uint64_t addr, uint64_t val, struct trap_record *r);

#define read_sysreg(r)                                      \
	({                                                  \
		uint64_t v_;                                \
		__asm__ volatile("mrs %0, " #r : "=r"(v_)); \
		v_;                                         \
	})
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %x0" : : "rZ"((uint64_t)(v)))
#define isb() __asm__ volatile("isb" ::: "memory")

static inline uint64_t counter(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}

/* A small deterministic PRNG (xorshift64*). */
static inline uint64_t rand64(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

#endif
