/* SPDX-License-Identifier: MIT */
/*
 * The generic timers as the architecture defines them, both the virtual one (CNTV) and
 * the EL1 physical one (CNTP): CTL reads back what was written (ISTATUS aside), the GIC's
 * pending state follows the timer's level with its interrupt disabled, an interrupt
 * arrives, is pending again while its level stays high after the guest's EOI, and
 * nothing but the guest sets IMASK. Run as a raw binary (a GIC and a device tree):
 * tagvisor run --kernel timers.bin, or --bare --kernel timers.bin; the output is the same.
 * Run as an ELF (no device tree: x0 0) it checks only what needs no interrupt controller,
 * the registers a polling guest sees.
 */
#include "gic.h"
#include "guest.h"

#define VTIMER_PPI  27
#define PTIMER_PPI  30
#define CTL_ENABLE  1u
#define CTL_IMASK   2u
#define CTL_ISTATUS 4u

struct timer {
	const char *name;
	unsigned ppi;
	void (*ctl)(uint64_t);
	uint64_t (*read_ctl)(void);
	void (*cval)(uint64_t);
	void (*tval)(uint64_t);
	uint64_t (*read_tval)(void);
};

#define ACCESSORS(t)                                                                               \
	static void t##_ctl(uint64_t v)                                                            \
	{                                                                                          \
		write_sysreg(cnt##t##_ctl_el0, v);                                                 \
		isb();                                                                             \
	}                                                                                          \
	static uint64_t t##_read_ctl(void)                                                         \
	{                                                                                          \
		isb();                                                                             \
		return read_sysreg(cnt##t##_ctl_el0);                                              \
	}                                                                                          \
	static void t##_cval(uint64_t v)                                                           \
	{                                                                                          \
		write_sysreg(cnt##t##_cval_el0, v);                                                \
		isb();                                                                             \
	}                                                                                          \
	static void t##_tval(uint64_t v)                                                           \
	{                                                                                          \
		write_sysreg(cnt##t##_tval_el0, v);                                                \
		isb();                                                                             \
	}                                                                                          \
	static uint64_t t##_read_tval(void)                                                        \
	{                                                                                          \
		return read_sysreg(cnt##t##_tval_el0);                                             \
	}
ACCESSORS(v)
ACCESSORS(p)

static const struct timer timers[] = {
	{ "virtual", VTIMER_PPI, v_ctl, v_read_ctl, v_cval, v_tval, v_read_tval },
	{ "physical", PTIMER_PPI, p_ctl, p_read_ctl, p_cval, p_tval, p_read_tval },
};

static const struct timer *current;
static volatile unsigned taken;
static volatile uint64_t ctl_in_handler;

/* Takes the timer's interrupt twice without masking it, then masks it. */
static void on_irq(void)
{
	unsigned intid = gic_ack();

	if (intid == current->ppi) {
		ctl_in_handler = current->read_ctl();
		if (++taken >= 2) {
			current->ctl(CTL_ENABLE | CTL_IMASK);
		}
	}
	if (intid < 1020) {
		gic_eoi(intid);
	}
}

static uint64_t ms(uint64_t n)
{
	return read_sysreg(cntfrq_el0) / 1000 * n;
}

/* Waits up to 500 ms for the GIC's pending state of the timer to be `want`. */
static bool settles_to(const struct timer *t, bool want)
{
	uint64_t end = counter() + ms(500);

	while (counter() < end) {
		if (gic_ppi_pending(t->ppi) == want) {
			return true;
		}
	}
	return false;
}

/* Without an interrupt controller: the timer fires, and the guest polls what it wrote. */
static void check_polled(const struct timer *t)
{
	uint64_t end;

	printf("%s timer, polled:\n", t->name);
	t->cval(counter() + ms(1));
	t->ctl(CTL_ENABLE);
	/* ISTATUS within a second (an emulator may update it some time after the event). */
	end = counter() + ms(1000);
	while (!(t->read_ctl() & CTL_ISTATUS) && counter() < end) {
	}
	printf("  CTL once fired: 0x%lx\n", t->read_ctl());
	t->ctl(CTL_ENABLE | CTL_IMASK);
	printf("  CTL masked: 0x%lx\n", t->read_ctl());
	t->ctl(0);
}

static void check(const struct timer *t)
{
	uint64_t now = counter(), end;
	int64_t tval;

	current = t;
	taken = 0;
	printf("%s timer:\n", t->name);
	gic_enable_ppi(t->ppi, false);
	t->cval(now + ms(10000));
	t->ctl(CTL_ENABLE);
	printf("  CTL enabled, 10 s ahead: 0x%lx; GIC pending: %s\n", t->read_ctl(),
	       settles_to(t, false) ? "no" : "yes");
	t->cval(now - 1);
	printf("  CTL at its event: 0x%lx; GIC pending (interrupt disabled): %s\n", t->read_ctl(),
	       settles_to(t, true) ? "yes" : "no");
	t->ctl(CTL_ENABLE | CTL_IMASK);
	printf("  CTL masked: 0x%lx; GIC pending: %s\n", t->read_ctl(),
	       settles_to(t, false) ? "no" : "yes");
	t->ctl(0);
	printf("  CTL disabled: 0x%lx; GIC pending: %s\n", t->read_ctl(),
	       settles_to(t, false) ? "no" : "yes");

	/* Its interrupt, taken twice while the level stays high, then masked by the guest. */
	gic_enable_ppi(t->ppi, true);
	t->cval(counter() + ms(1));
	t->ctl(CTL_ENABLE);
	end = counter() + ms(2000);
	__asm__ volatile("msr daifclr, #2");
	while (taken < 2 && counter() < end) {
		__asm__ volatile("wfi");
	}
	__asm__ volatile("msr daifset, #2");
	printf("  interrupts taken: %u; CTL in the handler: 0x%lx; after it: 0x%lx\n", taken,
	       ctl_in_handler, t->read_ctl());
	printf("  GIC active after the EOIs: %s\n", gic_ppi_active(t->ppi) ? "yes" : "no");
	gic_enable_ppi(t->ppi, false);

	/* TVAL is CVAL minus the counter, signed (a second leaves room for a busy machine). */
	t->tval(ms(1000));
	tval = (int32_t)t->read_tval();
	printf("  TVAL 1 s ahead: %s\n",
	       tval > 0 && tval <= (int64_t)ms(1000) ? "in (0, 1 s]" : "wrong");
	t->tval(ms(1));
	end = counter() + ms(10);
	while (counter() < end) {
	}
	tval = (int32_t)t->read_tval();
	printf("  TVAL once past: %s\n", tval < 0 ? "negative" : "not negative");
	t->ctl(0);
}

void guest_main(void)
{
	int64_t diff;

	if (boot_x0) {
		gic_init();
		guest_irq_handler = on_irq;
	}
	for (unsigned i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
		if (boot_x0) {
			check(&timers[i]);
		} else {
			check_polled(&timers[i]);
		}
	}
	diff = -(int64_t)counter();
	isb();
	diff += (int64_t)read_sysreg(cntpct_el0);
	printf("CNTPCT - CNTVCT: %s\n", diff >= 0 && diff < (int64_t)ms(1) ? "under 1 ms" : "more");
	printf("timers: done\n");
}
