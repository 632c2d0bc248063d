/* SPDX-License-Identifier: MIT */
#include "guest.h"

#include <lib/fmt.h>

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1u << 5)

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

void putc(char c)
{
	while (mmio_read32(UART_BASE + UART_FR) & UART_FR_TXFF) {
	}
	mmio_write32(UART_BASE + UART_DR, (uint8_t)c);
}

void puts(const char *s)
{
	while (*s) {
		putc(*s++);
	}
}

void printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	puts(buf);
}

uint64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

void psci_system_off(void)
{
	for (;;) {
		psci_call(0x84000008, 0, 0, 0);
	}
}

void psci_system_reset(void)
{
	for (;;) {
		psci_call(0x84000009, 0, 0, 0);
	}
}

static struct trap_record *expected;

void trap_expect(struct trap_record *r)
{
	r->hit = false;
	expected = r;
}

void trap_expect_none(void)
{
	expected = NULL;
}

bool probe_read64(uint64_t addr, uint64_t *val, struct trap_record *r)
{
	uint64_t v = 0;

	trap_expect(r);
	__asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(addr) : "memory");
	trap_expect_none();
	*val = v;
	return r->hit;
}

bool probe_write64(uint64_t addr, uint64_t val, struct trap_record *r)
{
	trap_expect(r);
	__asm__ volatile("str %0, [%1]" : : "r"(val), "r"(addr) : "memory");
	trap_expect_none();
	return r->hit;
}

void (*guest_irq_handler)(void);
bool (*guest_sync_handler)(struct frame *f, uint64_t esr);

void guest_exception(struct frame *f, uint64_t kind)
{
	uint64_t esr = read_sysreg(esr_el1), far = read_sysreg(far_el1);

	if (kind == 1 && guest_irq_handler) {
		guest_irq_handler();
		return;
	}
	if (kind == 0 && guest_sync_handler && guest_sync_handler(f, esr)) {
		return;
	}
	if (kind == 0 && expected) {
		*expected = (struct trap_record){ true, esr, far, f->elr };
		expected = NULL;
		f->elr += 4;
		return;
	}
	printf("guest: unexpected exception %lu: ESR 0x%lx ELR 0x%lx FAR 0x%lx\n", kind, esr, f->elr,
	       far);
	/*
	 * Stop where the VMM sees a crash: an access to no device that no VMM can emulate
	 * (LDP gives no syndrome) ends the VM under tagvisor, as under KVM. On bare QEMU
	 * address 0 is flash: the program just stops here.
	 */
	__asm__ volatile("ldp x16, x17, [%0]" : : "r"(0ul) : "x16", "x17", "memory");
	for (;;) {
	}
}
