// SPDX-License-Identifier: GPL-2.0
/* test=tags: tag instructions on the pages of an MTE guest (tag_keeper.elf). */
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "tvthreat.h"

struct page **vmm_pages(unsigned long *n)
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

void put_pages(struct page **pages, unsigned long n)
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
		(a)->other += hit_ && !IS_SEA(trap.esr);                                   \
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
 * instruction: each abort is a line in the logs). The shared page is mapped for the
 * host: that is where HCR_EL2.ATA matters. With host MTE off, LDG and LDGM there read
 * 0 and STG, STGM and DC GVA change nothing (the guest checks its tags after); with
 * host MTE on, the control, the host reads the guest's tags there, as the architecture
 * allows (writes are not tried).
 */
void test_tags(void)
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

