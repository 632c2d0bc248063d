// SPDX-License-Identifier: GPL-2.0
/*
 * tvthreat.ko: the threat of "KVM: arm64: Enforce MTE disablement at EL2" (the seed
 * thread), and a malicious host, as a module of tagvisor's Linux host. A host booted
 * with arm64.nomte only stops advertising MTE; the hardware still has it, and a
 * module may turn on everything EL1 controls (the Tagged memory attribute in
 * MAIR_EL1, SCTLR_EL1.ATA, TCR_EL1.TBI1 for tagged kernel pointers) and use STG, LDG,
 * STGM, LDGM, DC GVA and the MTE registers. Only EL2 (HCR_EL2.ATA = 0, the register
 * traps) stands in the way; this module checks that it does.
 *
 *   insmod tvthreat.ko test=own
 *	the MTE registers and tag instructions on the module's own memory;
 *   insmod tvthreat.ko test=tags pid=P uaddr=A bytes=N
 *	tag instructions on pages the host donated to an MTE guest, and on one the
 *	guest shares with it: the VMM P's memory at A (tvrun --on-ready passes them);
 *	the guest checks its tags after;
 *   insmod tvthreat.ko test=malicious pid=P uaddr=A bytes=N
 *	data accesses to donated pages, to hypervisor memory and to the SMMU, and
 *	hypercalls with bad arguments, as the bare-metal host's tests make them.
 *
 * Every check prints "tvthreat: PASS ..." or "tvthreat: FAIL ..."; the module loads
 * (insmod succeeds) only if all passed. Expectations follow the host's MTE mode
 * (TV_HC_FEATURES), so the same module is the control with host MTE on.
 *
 * It survives what it provokes. An UNDEF: an undef hook (register_undef_hook is not
 * exported, so it is found through kprobes' symbol lookup: test code only). An
 * external abort: a die notifier that resumes after the instruction (Linux 6.1 has
 * no exception-table fixup for an external abort at EL1); the kernel still logs
 * "Internal error: synchronous external abort" and is tainted.
 */
#include <linux/arm-smccc.h>
#include <linux/io.h>
#include <linux/kdebug.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/kdebug.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include <abi/hvc.h>

static char *test = "own";
static int pid;
static unsigned long uaddr, bytes;
module_param(test, charp, 0);
module_param(pid, int, 0);
module_param(uaddr, ulong, 0);
module_param(bytes, ulong, 0);

#define TAGGED(p, t) (((u64)(p) & ~(0xfull << 56)) | ((u64)(t) << 56))
#define GRANULE 16
#define TAG_BLOCK 256 /* LDGM/STGM cover GMID_EL1.BS = 6: 256 bytes */
#define EC(esr) ((esr) >> 26)

static bool host_mte;
static unsigned int failures;

static void check(bool ok, const char *fmt, ...)
{
	struct va_format vaf;
	va_list ap;

	va_start(ap, fmt);
	vaf.fmt = fmt;
	vaf.va = &ap;
	pr_info("tvthreat: %s %pV\n", ok ? "PASS" : "FAIL", &vaf);
	va_end(ap);
	failures += !ok;
}

/* A hypercall; x1..x3 of the result in out[] (may be NULL). */
static long hvc(u32 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6, u64 *out)
{
	struct arm_smccc_1_2_regs in = { TV_HC(fn), a1, a2, a3, a4, a5, a6 }, res;

	arm_smccc_1_2_hvc(&in, &res);
	if (out) {
		out[0] = res.a1;
		out[1] = res.a2;
		out[2] = res.a3;
	}
	return (long)res.a0;
}

/* ---- surviving the exceptions we provoke ---- */

static struct {
	bool armed, hit;
	u64 esr, far;
} trap;

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

/*
 * One instruction with x0 (in and out) and x1, its exceptions caught. Interrupts are
 * off: nothing else runs while the trap is armed, or while EL1 state is ours.
 */
#define TRY(insn, x0, x1)                                                                    \
	({                                                                                   \
		register u64 r0_ asm("x0") = (x0);                                           \
		register u64 r1_ asm("x1") = (x1);                                           \
		trap = (typeof(trap)){ .armed = true };                                      \
		asm volatile(".arch armv8.5-a+memtag\n" insn : "+r"(r0_) : "r"(r1_) : "memory"); \
		WRITE_ONCE(trap.armed, false);                                               \
		(x0) = r0_;                                                                  \
		trap.hit;                                                                    \
	})

/* ---- everything EL1 controls for tags, on for a while ---- */

struct el1_state {
	u64 mair, sctlr, tcr;
	unsigned long flags;
};

static void el1_tags_on(struct el1_state *s)
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

static void el1_tags_off(struct el1_state *s)
{
	write_sysreg(s->sctlr, sctlr_el1);
	write_sysreg(s->tcr, tcr_el1);
	write_sysreg(s->mair, mair_el1);
	isb();
	local_flush_tlb_all();
	local_irq_restore(s->flags);
}

/* ---- test=own: the registers and the module's own memory ---- */

static void own_registers(void)
{
	static const struct {
		const char *name;
		bool write;
	} regs[] = { { "GCR_EL1" }, { "GCR_EL1", true }, { "RGSR_EL1" }, { "RGSR_EL1", true },
		     { "TFSR_EL1" }, { "TFSR_EL1", true }, { "TFSRE0_EL1" }, { "TFSRE0_EL1", true } };
	bool undef[ARRAY_SIZE(regs)], gmid;
	u64 esr[ARRAY_SIZE(regs)], gmid_esr, v = 0, pfr1;
	unsigned long flags;
	unsigned int i = 0;

	local_irq_save(flags);
	/* Writes put back what was there: a no-op where they are allowed. */
	undef[i] = TRY("mrs x0, s3_0_c1_c0_6", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("msr s3_0_c1_c0_6, x0", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("mrs x0, s3_0_c1_c0_5", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("msr s3_0_c1_c0_5, x0", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("mrs x0, s3_0_c5_c6_0", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("msr s3_0_c5_c6_0, x0", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("mrs x0, s3_0_c5_c6_1", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("msr s3_0_c5_c6_1, x0", v, 0), esr[i++] = trap.esr;
	gmid = TRY("mrs x0, s3_1_c0_c0_4", v, 0);
	gmid_esr = trap.esr;
	local_irq_restore(flags);
	pfr1 = read_sysreg_s(SYS_ID_AA64PFR1_EL1);

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		check(undef[i] == !host_mte && (host_mte || esr[i] == 0x02000000),
		      "%s %s: %s (ESR 0x%llx)", regs[i].write ? "MSR" : "MRS", regs[i].name,
		      undef[i] ? "UNDEF" : "allowed", undef[i] ? esr[i] : 0);
	}
	/* A CPU without MTE2 with FEAT_IDST: GMID_EL1 faults with the trapped-MRS syndrome. */
	check(gmid == !host_mte && (host_mte || EC(gmid_esr) == 0x18),
	      "MRS GMID_EL1: %s (ESR 0x%llx)", gmid ? "UNDEF" : "allowed", gmid ? gmid_esr : 0);
	check((((pfr1 >> 8) & 0xf) >= 2) == host_mte, "ID_AA64PFR1_EL1.MTE is %llu",
	      (pfr1 >> 8) & 0xf);
}

static void own_memory(void)
{
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	u8 *va = page ? vmap(&page, 1, VM_MAP, pgprot_tagged(PAGE_KERNEL)) : NULL;
	u64 ldg, ldgm, gva, x0;
	bool faults = false;
	struct el1_state s;

	if (!va) {
		check(false, "own memory: no page");
		goto out;
	}
	el1_tags_on(&s);
	x0 = TAGGED(va, 7);
	faults |= TRY("stg x0, [x1]", x0, (u64)va);
	x0 = (u64)va;
	faults |= TRY("ldg x0, [x1]", x0, (u64)va);
	ldg = (x0 >> 56) & 0xf;
	x0 = 0x5555555555555555ull;
	faults |= TRY("stgm x0, [x1]", x0, (u64)va + TAG_BLOCK);
	x0 = 0;
	faults |= TRY("ldgm x0, [x1]", x0, (u64)va + TAG_BLOCK);
	ldgm = x0;
	x0 = 0;
	faults |= TRY("dc gva, x1", x0, TAGGED(va + 2 * TAG_BLOCK, 0xa));
	x0 = (u64)va + 2 * TAG_BLOCK;
	faults |= TRY("ldg x0, [x1]", x0, x0);
	gva = (x0 >> 56) & 0xf;
	/* Leave the page as it came: tags 0 (nothing to undo if they never changed). */
	x0 = 0;
	TRY("stgm x0, [x1]", x0, (u64)va + TAG_BLOCK);
	TRY("stg x1, [x1]", x0, (u64)va);
	x0 = 0;
	TRY("dc gva, x1", x0, (u64)va + 2 * TAG_BLOCK);
	el1_tags_off(&s);

	check(!faults, "own memory: tag instructions take no exception");
	check(ldg == (host_mte ? 7 : 0), "own memory: STG tag 7, LDG reads %llu", ldg);
	check(ldgm == (host_mte ? 0x5555555555555555ull : 0), "own memory: STGM, LDGM reads 0x%llx",
	      ldgm);
	check(gva == (host_mte ? 0xa : 0), "own memory: DC GVA tag 0xa, LDG reads %llu", gva);
	vunmap(va);
out:
	if (page)
		__free_page(page);
}

/* ---- the VMM's pages, which the host donated to its guest ---- */

static struct page **vmm_pages(unsigned long *n)
{
	struct task_struct *task = get_pid_task(find_vpid(pid), PIDTYPE_PID);
	struct mm_struct *mm = task ? get_task_mm(task) : NULL;
	struct page **pages = NULL;
	long got = -EINVAL;

	*n = bytes >> PAGE_SHIFT;
	if (mm && *n && !(uaddr & ~PAGE_MASK)) {
		pages = kcalloc(*n, sizeof(*pages), GFP_KERNEL);
		if (pages) {
			/* Only page tables are walked: nothing reads the pages themselves. */
			mmap_read_lock(mm);
			got = get_user_pages_remote(mm, uaddr, *n, 0, pages, NULL, NULL);
			mmap_read_unlock(mm);
		}
	}
	if (mm)
		mmput(mm);
	if (task)
		put_task_struct(task);
	if (got != (long)*n) {
		check(false, "the VMM's pages (pid %d, 0x%lx, %lu bytes): got %ld", pid, uaddr, bytes,
		      got);
		while (pages && got > 0)
			put_page(pages[--got]);
		kfree(pages);
		return NULL;
	}
	return pages;
}

static void put_pages(struct page **pages, unsigned long n)
{
	while (n)
		put_page(pages[--n]);
	kfree(pages);
}

struct attack {
	unsigned long tries, aborts, other, nonzero;
};

/* One tag instruction: counted, and whether it got the external abort or another one. */
#define ATTEMPT(a, insn, x0, x1)                                                           \
	do {                                                                               \
		bool hit_ = TRY(insn, x0, x1);                                             \
		(a)->tries++;                                                              \
		(a)->aborts += hit_;                                                       \
		(a)->other += hit_ && !(EC(trap.esr) == 0x25 && (trap.esr & 0x3f) == 0x10); \
	} while (0)

/*
 * STG, LDG, STGM, LDGM and DC GVA on granules [first, first + n) of the mapping at va
 * (Tagged, ours), with everything EL1 controls turned on. Writes are skipped when
 * `write` is false (host MTE on, a page the guest shares: they would take effect).
 */
static void tag_instructions(u8 *va, unsigned long first, unsigned long n, bool write,
			     struct attack *a)
{
	struct el1_state s;
	unsigned long g;
	u64 x0;

	el1_tags_on(&s);
	for (g = first; g < first + n; g++) {
		u64 p = (u64)va + g * GRANULE;

		x0 = p;
		ATTEMPT(a, "ldg x0, [x1]", x0, p);
		a->nonzero += !trap.hit && ((x0 >> 56) & 0xf);
		if (!(p % TAG_BLOCK)) {
			x0 = 0;
			ATTEMPT(a, "ldgm x0, [x1]", x0, p);
			a->nonzero += !trap.hit && x0;
		}
		if (!write)
			continue;
		x0 = TAGGED(p, 0xf);
		ATTEMPT(a, "stg x0, [x1]", x0, p);
		if (!(p % TAG_BLOCK)) {
			x0 = 0;
			ATTEMPT(a, "stgm x0, [x1]", x0, p);
		}
		if (!(p % 64)) {
			x0 = 0;
			ATTEMPT(a, "dc gva, x1", x0, TAGGED(p, 0));
		}
	}
	el1_tags_off(&s);
}

/* Whether the host may access the page (shared with it) or not (donated): a load tells. */
static bool host_may_access(struct page *page)
{
	unsigned long flags;
	u64 x0 = 0;
	bool hit;

	local_irq_save(flags);
	hit = TRY("ldr x0, [x1]", x0, (u64)page_address(page));
	local_irq_restore(flags);
	return !hit;
}

/*
 * The guest's pages (tag_keeper: 16 pages, every granule tagged 1..15; its last page
 * shared with the host, the others donated), through a Tagged mapping of our own.
 * A donated page is not the host's at stage 2: every tag instruction is an external
 * abort, as a load would be (the first and the last donated page are tried, once per
 * instruction: each abort is a line in the logs). The shared page is mapped for the host: that is where HCR_EL2.ATA
 * matters. With host MTE off, LDG and LDGM there read 0 and STG, STGM and DC GVA change
 * nothing (the guest checks its tags after); with host MTE on, the control, the host
 * reads the guest's tags there, as the architecture allows (writes are not tried).
 */
static void tags_attack(void)
{
	unsigned long n_pages;
	struct attack donated = { 0 }, shared = { 0 };
	struct page **pages = vmm_pages(&n_pages);
	const unsigned long granules = PAGE_SIZE / GRANULE;
	bool first_ok, last_donated_ok, shared_ok;
	u8 *va;

	if (!pages)
		return;
	if (n_pages < 3) {
		check(false, "guest pages: %lu, want the guest's 16", n_pages);
		put_pages(pages, n_pages);
		return;
	}
	va = vmap(pages, n_pages, VM_MAP, pgprot_tagged(PAGE_KERNEL));
	if (!va) {
		check(false, "guest pages: cannot map them");
		put_pages(pages, n_pages);
		return;
	}
	first_ok = !host_may_access(pages[0]);
	last_donated_ok = !host_may_access(pages[n_pages - 2]);
	shared_ok = host_may_access(pages[n_pages - 1]);
	tag_instructions(va, 0, 1, true, &donated);
	tag_instructions(va, (n_pages - 2) * granules, 1, true, &donated);
	tag_instructions(va, (n_pages - 1) * granules, granules, !host_mte, &shared);
	vunmap(va);
	put_pages(pages, n_pages);

	check(first_ok && last_donated_ok && shared_ok,
	      "guest pages: the first and the last but one donated (a load aborts), the last "
	      "shared");
	check(donated.tries == 10 && donated.aborts == donated.tries && !donated.other,
	      "donated pages: %lu of %lu tag instructions got the external abort", donated.aborts,
	      donated.tries);
	check(!shared.aborts, "shared page: %lu tag instructions (STG, LDG, STGM, LDGM, DC GVA), "
			      "%lu exceptions", shared.tries, shared.aborts);
	if (host_mte)
		check(shared.nonzero, "host MTE on (control): the host reads the guest's tags on the "
				      "shared page (%lu granules and blocks non-zero)", shared.nonzero);
	else
		check(!shared.nonzero, "shared page: LDG and LDGM read no tag (%lu non-zero)",
		      shared.nonzero);
}

/* ---- test=malicious ---- */

/* A load and a store at va must each get the external abort, with FAR = va. */
static void expect_abort(const char *what, u64 va)
{
	unsigned long flags;
	bool r, w;
	u64 x0 = 0, esr_r, far_r, esr_w;

	local_irq_save(flags);
	r = TRY("ldr x0, [x1]", x0, va);
	esr_r = trap.esr;
	far_r = trap.far;
	x0 = 0x0bad0bad0bad0badull;
	w = TRY("str x0, [x1]", x0, va + 8);
	esr_w = trap.esr;
	local_irq_restore(flags);
	check(r && EC(esr_r) == 0x25 && (esr_r & 0x3f) == 0x10 && far_r == va,
	      "%s: read refused (ESR 0x%llx, FAR 0x%llx)", what, esr_r, far_r);
	check(w && EC(esr_w) == 0x25 && (esr_w & 0x3f) == 0x10,
	      "%s: write refused (ESR 0x%llx)", what, esr_w);
}

static void donated_pages(void)
{
	unsigned long n;
	struct page **pages = vmm_pages(&n);

	if (!pages)
		return;
	expect_abort("guest page (linear map)", (u64)page_address(pages[0]));
	expect_abort("guest page, its end", (u64)page_address(pages[n - 1]) + PAGE_SIZE - 16);
	put_pages(pages, n);
}

static void hyp_memory(u64 hyp_base)
{
	void *va = memremap(hyp_base, PAGE_SIZE, MEMREMAP_WB);
	void __iomem *smmu = ioremap(0x09050000, PAGE_SIZE);

	if (va) {
		expect_abort("hypervisor memory, mapped", (u64)va);
		memunmap(va);
	} else {
		check(false, "hypervisor memory: memremap failed");
	}
	if (smmu) {
		expect_abort("the SMMU's registers, mapped", (u64)smmu);
		iounmap(smmu);
	}
}

static void expect_hvc(const char *what, long got, long want)
{
	check(got == want, "%s: %ld (documented: %ld)", what, got, want);
}

/* One statement per call: the VM they use is destroyed last. */
static void bad_hypercalls(u64 hyp_base)
{
	static const char text[] = "x";
	struct page *page = alloc_page(GFP_KERNEL);
	u64 pa = page ? page_to_phys(page) : 0, ipa = 0x40000000, x[3] = { 0 };
	long h = hvc(TV_HC_VM_CREATE, 0, ipa, 16 << 20, 1, 0, 0, NULL);

	check(h > 0, "VM_CREATE of a VM of our own: 0x%lx", h);
	expect_hvc("an unknown call", hvc(39, 0, 0, 0, 0, 0, 0, NULL), -TV_ENOSYS);
	expect_hvc("another service's ID", hvc(0x10000, 0, 0, 0, 0, 0, 0, NULL), -TV_ENOSYS);
	expect_hvc("SELFTEST after boot", hvc(TV_HC_SELFTEST, pa, 4, 0, 0, 0, 0, NULL), -TV_EPERM);
	expect_hvc("FINALISE again", hvc(TV_HC_FINALISE, 0, 0, 0, 0, 0, 0, NULL), -TV_EPERM);
	expect_hvc("VM_CREATE, unknown flags",
		   hvc(TV_HC_VM_CREATE, 0x80, ipa, 16 << 20, 1, 0, 0, NULL), -TV_EINVAL);
	expect_hvc("MEM_DONATE of hypervisor memory",
		   hvc(TV_HC_MEM_DONATE, h, hyp_base, ipa, 0, 0, 0, NULL), -TV_EPERM);
	expect_hvc("MEM_DONATE of a device", hvc(TV_HC_MEM_DONATE, h, 0x09000000, ipa, 0, 0, 0, NULL),
		   -TV_ERANGE);
	expect_hvc("MEM_DONATE, misaligned", hvc(TV_HC_MEM_DONATE, h, pa + 8, ipa, 0, 0, 0, NULL),
		   -TV_EINVAL);
	expect_hvc("MEM_SHARE of hypervisor memory",
		   hvc(TV_HC_MEM_SHARE, h, hyp_base, ipa, 0, 0, 0, NULL), -TV_EPERM);
	expect_hvc("LOG from hypervisor memory", hvc(TV_HC_LOG, hyp_base, 1, 0, 0, 0, 0, NULL),
		   -TV_EFAULT);
	expect_hvc("LOG, too long", hvc(TV_HC_LOG, virt_to_phys(text), TV_LOG_MAX + 1, 0, 0, 0, 0, NULL),
		   -TV_EINVAL);
	expect_hvc("VM_DESTROY, malformed handle", hvc(TV_HC_VM_DESTROY, 1ull << 32, 0, 0, 0, 0, 0, NULL),
		   -TV_EINVAL);
	expect_hvc("VCPU_RUN, no such vCPU", hvc(TV_HC_VCPU_RUN, h, 3, 0, 0, 0, 0, NULL), -TV_ENOENT);
	expect_hvc("VM_DESTROY", hvc(TV_HC_VM_DESTROY, h, 0, 0, 0, 0, 0, NULL), 0);
	expect_hvc("VM_DESTROY again", hvc(TV_HC_VM_DESTROY, h, 0, 0, 0, 0, 0, NULL), -TV_ESTALE);
	check(hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, x) == 0,
	      "the hypervisor's self-check after all that: %llu violations", x[0]);
	if (page)
		__free_page(page);
}

/* The guest's pages may not be given to a second VM either. */
static void donate_donated(void)
{
	unsigned long n;
	struct page **pages = vmm_pages(&n);
	long h = hvc(TV_HC_VM_CREATE, 0, 0x40000000, 16 << 20, 1, 0, 0, NULL);

	if (pages)
		check(hvc(TV_HC_MEM_DONATE, h, page_to_phys(pages[0]), 0x40000000, 0, 0, 0, NULL) ==
			      -TV_EPERM,
		      "MEM_DONATE of another guest's page: refused");
	hvc(TV_HC_VM_DESTROY, h, 0, 0, 0, 0, 0, NULL);
	if (pages)
		put_pages(pages, n);
}

static int __init tvthreat_init(void)
{
	u64 features[3], mem[3], hyp_base;

	/* Loaded only on tagvisor's host, by the tests: no check for another hypervisor. */
	if (hvc(TV_HC_FEATURES, 0, 0, 0, 0, 0, 0, features) ||
	    hvc(TV_HC_MEM_INFO, 0, 0, 0, 0, 0, 0, mem)) {
		pr_err("tvthreat: not under tagvisor\n");
		return -ENODEV;
	}
	hyp_base = mem[2];
	host_mte = features[0] & TV_FEAT_HOST_MTE;
	saved_loglevel = console_loglevel;
	undef_register = lookup("register_undef_hook");
	undef_unregister = lookup("unregister_undef_hook");
	if (!undef_register || !undef_unregister || register_die_notifier(&die_nb)) {
		pr_err("tvthreat: cannot hook UNDEF and aborts\n");
		return -ENOENT;
	}
	undef_register(&hook);
	pr_info("tvthreat: test %s, host MTE %s\n", test, host_mte ? "on" : "off");
	if (!strcmp(test, "own")) {
		own_registers();
		own_memory();
	} else if (!strcmp(test, "tags")) {
		tags_attack();
	} else if (!strcmp(test, "malicious")) {
		donated_pages();
		hyp_memory(hyp_base);
		donate_donated();
		bad_hypercalls(hyp_base);
	} else {
		check(false, "no test named %s", test);
	}
	undef_unregister(&hook);
	unregister_die_notifier(&die_nb);
	pr_info("tvthreat: %s: %u failed\n", test, failures);
	return failures ? -EINVAL : 0;
}

static void __exit tvthreat_exit(void)
{
}

module_init(tvthreat_init);
module_exit(tvthreat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tagvisor's Linux host: a malicious module, for the tests");
