// SPDX-License-Identifier: GPL-2.0
/*
 * Surviving what the tests provoke, and EL1's tag controls. An UNDEF: an undef hook
 * (register_undef_hook is not exported, so it is found through kprobes' symbol lookup:
 * test code only). An external abort: a die notifier that resumes after the
 * instruction (Linux 6.1 has no exception-table fixup for an external abort at EL1);
 * the kernel still logs "Internal error: synchronous external abort" and is tainted.
 * Both act only while a TRY() has armed them.
 */
#include <linux/kdebug.h>
#include <linux/kprobes.h>
#include <linux/printk.h>
#include <asm/kdebug.h>
#include <asm/pgtable-hwdef.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>

#include "tvthreat.h"

struct trap_state trap;

static int undef_fn(struct pt_regs *regs, u32 insn)
{
	if (!READ_ONCE(trap.armed))
		return 1; /* not ours: Linux's usual handling */
	trap.hit = true;
	trap.esr = read_sysreg(esr_el1);
	trap.armed = false;
	regs->pc += 4;
	return 0;
}

/* MRS and MSR (register): the only instructions we expect to UNDEF. */
static struct undef_hook hook = {
	.instr_mask = 0xffd00000,
	.instr_val = 0xd5100000,
	.pstate_mask = PSR_MODE_MASK,
	.pstate_val = PSR_MODE_EL1h,
	.fn = undef_fn,
};

static int saved_loglevel;

static int die_fn(struct notifier_block *nb, unsigned long action, void *data)
{
	struct die_args *args = data;

	if (action != DIE_OOPS || !READ_ONCE(trap.armed) || !args->regs || user_mode(args->regs))
		return NOTIFY_DONE;
	trap.hit = true;
	trap.esr = args->err;
	trap.far = read_sysreg(far_el1);
	trap.armed = false;
	args->regs->pc += 4;
	/* die() made the console verbose for the oops it thought came next. */
	console_loglevel = saved_loglevel;
	return NOTIFY_STOP;
}

static struct notifier_block die_nb = { .notifier_call = die_fn };

static void (*undef_register)(struct undef_hook *);
static void (*undef_unregister)(struct undef_hook *);

static void *lookup(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	void *addr;

	if (register_kprobe(&kp) < 0)
		return NULL;
	addr = kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

int trap_init(void)
{
	saved_loglevel = console_loglevel;
	undef_register = lookup("register_undef_hook");
	undef_unregister = lookup("unregister_undef_hook");
	if (!undef_register || !undef_unregister || register_die_notifier(&die_nb))
		return -ENOENT;
	undef_register(&hook);
	return 0;
}

void trap_exit(void)
{
	undef_unregister(&hook);
	unregister_die_notifier(&die_nb);
}

void el1_tags_on(struct el1_state *s)
{
	local_irq_save(s->flags);
	s->mair = read_sysreg(mair_el1);
	s->sctlr = read_sysreg(sctlr_el1);
	s->tcr = read_sysreg(tcr_el1);
	write_sysreg((s->mair & ~(0xffull << (8 * MT_NORMAL_TAGGED))) |
			     MAIR_ATTR_NORMAL_TAGGED << (8 * MT_NORMAL_TAGGED),
		     mair_el1);
	write_sysreg(s->tcr | TCR_TBI1, tcr_el1);
	write_sysreg(s->sctlr | SCTLR_ELx_ATA, sctlr_el1);
	isb();
	local_flush_tlb_all();
}

void el1_tags_off(struct el1_state *s)
{
	write_sysreg(s->sctlr, sctlr_el1);
	write_sysreg(s->tcr, tcr_el1);
	write_sysreg(s->mair, mair_el1);
	isb();
	local_flush_tlb_all();
	local_irq_restore(s->flags);
}

