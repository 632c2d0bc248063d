/* SPDX-License-Identifier: MIT */
/*
 * MTE fidelity probe: every MTE instruction and register usable at EL1 (and a few
 * at EL0), on Tagged and untagged memory, and every kind of tag-check fault, one
 * line per result. Nothing printed depends on time or on where the code is
 * linked: the data addresses are fixed, IRG is deterministic with GCR_EL1.RRND = 0,
 * and faults are compared with the faulting instruction instead of printing ELR.
 * Its output on bare QEMU (mte=on) and as an MTE guest under tagvisor must be the
 * same bytes; the last line carries a hash of all the others, so that runs whose
 * lines interleave can still be compared.
 */
#include "guest.h"
#include "el0.h"
#include "mmu.h"

#include <lib/fmt.h>
#include <lib/string.h>
#include <stdarg.h>

/* guests/mte_probe_b.c builds this probe again under another name, to run beside it. */
#ifndef PROBE_NAME
#define PROBE_NAME "mte_probe"
#endif

/*
 * Memory: a page of Tagged memory per section, all untouched until that section,
 * so that under a hypervisor each section also meets fresh pages.
 */
#define TAGGED(page) (RAM_BASE + (16ul << 20) + (uint64_t)(page)*0x1000)
#define SOAK	     (RAM_BASE + (20ul << 20)) /* 1 MiB for the soak */
#define SOAK_BYTES   (1ul << 20)
#define UNTAGGED     MMU_UNTAGGED_BASE
#define EL0_CODE     MMU_EL0_BASE
#define EL0_DATA     (MMU_EL0_BASE + 0x1000)
#define EL0_STACK    (MMU_EL0_BASE + 0x10000)

#define TFSR_TF0 1ul
#define TFSR_TF1 2ul
#define PSR_TCO	 (1ul << 25)

/* ---- output: every line also goes into a hash printed at the end ---- */

static uint64_t out_hash = 0xcbf29ce484222325ull; /* FNV-1a */
static unsigned out_lines;

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	buf[n++] = '\n';
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		out_hash = (out_hash ^ (uint8_t)buf[i]) * 0x100000001b3ull;
	}
	puts(buf);
	out_lines++;
}

/* ---- tag instructions ---- */

static unsigned ldg(uint64_t p)
{
	uint64_t t = 0;

	__asm__ volatile("ldg %0, [%1]" : "+r"(t) : "r"(p) : "memory");
	return tag_of(t);
}

/* STG Xt, [Xn] stores the logical tag of Xt; with Xt = Xn, the pointer's own tag. */
static void stg(uint64_t p)
{
	__asm__ volatile("stg %0, [%0]" : : "r"(p) : "memory");
}

static uint64_t irg(uint64_t p, uint64_t exclude)
{
	uint64_t d;

	__asm__ volatile("irg %0, %1, %2" : "=r"(d) : "r"(p), "r"(exclude));
	return d;
}

static uint64_t ldgm(uint64_t p)
{
	uint64_t v;

	__asm__ volatile("ldgm %0, [%1]" : "=r"(v) : "r"(p) : "memory");
	return v;
}

/* The tags of n granules from p (at most 64), as hex digits. */
static const char *tags(uint64_t p, unsigned n)
{
	static char s[65];

	for (unsigned i = 0; i < n; i++) {
		s[i] = "0123456789abcdef"[ldg(p + 16 * i)];
	}
	s[n] = '\0';
	return s;
}

static uint64_t rd(uint64_t p)
{
	return *(volatile uint64_t *)p;
}

static void wr(uint64_t p, uint64_t v)
{
	*(volatile uint64_t *)p = v;
}

/* Fills n bytes at p with a recognisable pattern, whatever their tags (TCO set meanwhile). */
static void pattern(uint64_t p, unsigned n)
{
	mte_set_tco(true);
	for (unsigned i = 0; i < n; i += 8) {
		wr(p + i, 0x1111111111111111ull * ((i / 8) % 15 + 1));
	}
	mte_set_tco(false);
}

/* The data of n bytes at p, one hex digit per 8 bytes (0 for zero, else its last nibble). */
static const char *data(uint64_t p, unsigned n)
{
	static char s[65];

	mte_set_tco(true);
	for (unsigned i = 0; i < n / 8; i++) {
		s[i] = "0123456789abcdef"[rd(p + 8 * i) & 0xf];
	}
	mte_set_tco(false);
	s[n / 8] = '\0';
	return s;
}

/* ---- accesses that may fault ---- */

struct result {
	bool fault;
	bool elr_ok; /* ELR_EL1 pointed at the access */
	uint64_t esr, far, val;
};

#define ACCESS(name, insn)                                                                         \
	static struct result name(uint64_t p, uint64_t v)                                          \
	{                                                                                          \
		struct trap_record r;                                                              \
		uint64_t pc;                                                                       \
                                                                                                   \
		trap_expect(&r);                                                                   \
		__asm__ volatile("adr %1, 1f\n1:\t" insn                                           \
				 : "+r"(v), "=&r"(pc)                                              \
				 : "r"(p)                                                          \
				 : "memory");                                                      \
		trap_expect_none();                                                                \
		return (struct result){ r.hit, r.elr == pc, r.esr, r.far, v };                     \
	}

ACCESS(load, "ldr %0, [%2]")
ACCESS(store, "str %0, [%2]")
ACCESS(loadb, "ldrb %w0, [%2]")
ACCESS(load_unpriv, "ldtr %0, [%2]")
ACCESS(store_unpriv, "sttr %0, [%2]")
ACCESS(dc_zva, "dc zva, %2")

static uint64_t tfsr(void)
{
	return read_sysreg(tfsr_el1);
}

static uint64_t tfsre0(void)
{
	return read_sysreg(tfsre0_el1);
}

static void clear_tfsr(void)
{
	write_sysreg(tfsr_el1, 0);
	write_sysreg(tfsre0_el1, 0);
	isb();
}

/* ---- EL0 ---- */

/*
 * EL0 programs, run by the library's excursions (guests/lib/el0.h): each ends with
 * SVC, and a tag-check fault at EL0 is recorded and skipped as at EL1.
 */
extern const char el0_code_start[], el0_load[], el0_store[], el0_tags[], el0_code_end[];

__asm__(".pushsection .text\n"
	/* EL0 programs (position independent; copied). */
	"	.balign 16\n"
	"el0_code_start:\n"
	/* x0 = pointer: returns x0 = what it loaded (x1 as given if the load faulted). */
	"el0_load:\n"
	"	ldr	x1, [x0]\n"
	"	mov	x0, x1\n"
	"	svc	#0\n"
	/* x0 = pointer, x1 = value: stores it. */
	"el0_store:\n"
	"	str	x1, [x0]\n"
	"	svc	#0\n"
	/* x0 = pointer: IRG, STG with that tag, LDG back; returns x0 = IRG, x1 = LDG. */
	"el0_tags:\n"
	"	irg	x2, x0\n"
	"	stg	x2, [x2]\n"
	"	ldg	x3, [x0]\n"
	"	mov	x0, x2\n"
	"	mov	x1, x3\n"
	"	svc	#0\n"
	"el0_code_end:\n"
	"	.global el0_code_start, el0_load, el0_store, el0_tags, el0_code_end\n"
	".popsection\n");

static struct el0_regs el0_call(const char *fn, uint64_t spsr, uint64_t a0, uint64_t a1)
{
	struct el0_regs r = { { a0, a1, 0, 0 }, 0, 0 };

	el0_run(el0_addr(EL0_CODE, el0_code_start, fn), EL0_STACK, spsr, &r);
	return r;
}

static const char *show(struct result r, bool value)
{
	static char s[96];

	if (r.fault) {
		fmt_snprintf(s, sizeof(s), "fault ESR 0x%lx FAR 0x%lx%s", r.esr, r.far,
			     r.elr_ok ? "" : " (ELR not at the access)");
	} else if (value) {
		fmt_snprintf(s, sizeof(s), "no fault, 0x%lx", r.val);
	} else {
		fmt_snprintf(s, sizeof(s), "no fault");
	}
	return s;
}

static uint64_t gmi(uint64_t p, uint64_t mask)
{
	uint64_t d;

	__asm__("gmi %0, %1, %2" : "=r"(d) : "r"(p), "r"(mask));
	return d;
}

/* ADDG/SUBG take immediates: an address offset (multiple of 16) and a tag offset. */
#define ADDG(p, off, t)                                                                            \
	({                                                                                         \
		uint64_t d_;                                                                       \
		__asm__ volatile("addg %0, %1, #" #off ", #" #t : "=r"(d_) : "r"(p));              \
		d_;                                                                                \
	})
#define SUBG(p, off, t)                                                                            \
	({                                                                                         \
		uint64_t d_;                                                                       \
		__asm__ volatile("subg %0, %1, #" #off ", #" #t : "=r"(d_) : "r"(p));              \
		d_;                                                                                \
	})

static uint64_t subp(uint64_t a, uint64_t b)
{
	uint64_t d;

	__asm__("subp %0, %1, %2" : "=r"(d) : "r"(a), "r"(b));
	return d;
}

/* SUBPS; *nzcv gets the flags (bits 31:28 of NZCV). */
static uint64_t subps(uint64_t a, uint64_t b, uint64_t *nzcv)
{
	uint64_t d, f;

	__asm__ volatile("subps %0, %2, %3\n\tmrs %1, nzcv"
			 : "=&r"(d), "=r"(f)
			 : "r"(a), "r"(b)
			 : "cc");
	*nzcv = f >> 28;
	return d;
}

static uint64_t cmpp(uint64_t a, uint64_t b)
{
	uint64_t f;

	__asm__ volatile("cmpp %1, %2\n\tmrs %0, nzcv" : "=r"(f) : "r"(a), "r"(b) : "cc");
	return f >> 28;
}

static void stgm(uint64_t p, uint64_t v)
{
	__asm__ volatile("stgm %0, [%1]" : : "r"(v), "r"(p) : "memory");
}

static void stzgm(uint64_t p, uint64_t v)
{
	__asm__ volatile("stzgm %0, [%1]" : : "r"(v), "r"(p) : "memory");
}

static void dc_gva(uint64_t p)
{
	__asm__ volatile("dc gva, %0" : : "r"(p) : "memory");
}

static void dc_gzva(uint64_t p)
{
	__asm__ volatile("dc gzva, %0" : : "r"(p) : "memory");
}

static void set_gcr_rgsr(uint64_t gcr, uint64_t rgsr)
{
	write_sysreg(gcr_el1, gcr);
	write_sysreg(rgsr_el1, rgsr);
	isb();
}

static void section(const char *name)
{
	out("== %s", name);
}

/* ---- the sections ---- */

static void entry_state(void)
{
	uint64_t sctlr = read_sysreg(sctlr_el1), tcr = read_sysreg(tcr_el1);

	section("entry, MMU off");
	out("PSTATE.TCO %u", mte_tco());
	out("SCTLR_EL1 ATA %lu ATA0 %lu TCF %lu TCF0 %lu", sctlr >> 43 & 1, sctlr >> 42 & 1,
	    sctlr >> 40 & 3, sctlr >> 38 & 3);
	out("TCR_EL1 TBI0 %lu TBI1 %lu TCMA0 %lu TCMA1 %lu", tcr >> 37 & 1, tcr >> 38 & 1,
	    tcr >> 57 & 1, tcr >> 58 & 1);
	out("GCR_EL1 0x%lx RGSR_EL1 0x%lx TFSR_EL1 0x%lx TFSRE0_EL1 0x%lx", read_sysreg(gcr_el1),
	    read_sysreg(rgsr_el1), tfsr(), tfsre0());
}

static void id_regs(void)
{
	uint64_t pfr1 = read_sysreg(id_aa64pfr1_el1), pfr2 = read_sysreg(S3_0_C0_C4_2);
	uint64_t gmid = read_sysreg(gmid_el1), dczid = read_sysreg(dczid_el0);

	section("ID registers");
	out("ID_AA64PFR1_EL1.MTE 0x%lx", pfr1 >> 8 & 0xf);
	out("ID_AA64PFR1_EL1.MTE_frac 0x%lx MTEX 0x%lx", pfr1 >> 40 & 0xf, pfr1 >> 52 & 0xf);
	out("ID_AA64PFR2_EL1.MTEPERM 0x%lx MTESTOREONLY 0x%lx MTEFAR 0x%lx", pfr2 & 0xf,
	    pfr2 >> 4 & 0xf, pfr2 >> 8 & 0xf);
	out("GMID_EL1 0x%lx: LDGM/STGM cover %u bytes", gmid, 4u << (gmid & 0xf));
	out("DCZID_EL0 0x%lx: DC ZVA/GVA/GZVA cover %u bytes", dczid, 4u << (dczid & 0xf));
}

static void mte_sysregs(void)
{
	static const uint64_t gcr[] = { 0x0, 0x1, 0xffff, 0x10000, 0x1a5a5 };
	static const uint64_t rgsr[] = { 0x0, 0xf, 0xffff00, 0x12340a, 0xffff0f };
	static const uint64_t tf[] = { 0x1, 0x2, 0x3, 0x0 };
	uint64_t psci;

	section("MTE system registers: write, read back");
	for (unsigned i = 0; i < sizeof(gcr) / sizeof(gcr[0]); i++) {
		write_sysreg(gcr_el1, gcr[i]);
		isb();
		out("GCR_EL1 0x%lx -> 0x%lx", gcr[i], read_sysreg(gcr_el1));
	}
	for (unsigned i = 0; i < sizeof(rgsr) / sizeof(rgsr[0]); i++) {
		write_sysreg(rgsr_el1, rgsr[i]);
		isb();
		out("RGSR_EL1 0x%lx -> 0x%lx", rgsr[i], read_sysreg(rgsr_el1));
	}
	for (unsigned i = 0; i < sizeof(tf) / sizeof(tf[0]); i++) {
		write_sysreg(tfsr_el1, tf[i]);
		write_sysreg(tfsre0_el1, tf[(i + 1) % 4]);
		isb();
		out("TFSR_EL1 0x%lx -> 0x%lx, TFSRE0_EL1 0x%lx -> 0x%lx", tf[i], tfsr(),
		    tf[(i + 1) % 4], tfsre0());
	}
	/* Values survive exits to the VMM (every character printed is one) and to EL2. */
	set_gcr_rgsr(0x1a5a5, 0x4d2c03);
	write_sysreg(tfsr_el1, 3);
	write_sysreg(tfsre0_el1, 2);
	isb();
	for (unsigned i = 1; i <= 3; i++) {
		out("a line printed with all four set (%u)", i);
	}
	psci = psci_call(0x84000000, 0, 0, 0);
	out("after 3 lines and PSCI VERSION (0x%lx): GCR_EL1 0x%lx RGSR_EL1 0x%lx TFSR_EL1 0x%lx "
	    "TFSRE0_EL1 0x%lx",
	    psci, read_sysreg(gcr_el1), read_sysreg(rgsr_el1), tfsr(), tfsre0());
	set_gcr_rgsr(0, 0);
	clear_tfsr();
}

static void mmu_on(void)
{
	uint64_t sctlr, tcr;

	mmu_enable();
	mte_set_ata(true, false);
	sctlr = read_sysreg(sctlr_el1);
	tcr = read_sysreg(tcr_el1);
	section("MMU on");
	out("SCTLR_EL1 M %lu ATA %lu ATA0 %lu TCF %lu TCF0 %lu; TCR_EL1 TBI0 %lu TBI1 %lu",
	    sctlr & 1, sctlr >> 43 & 1, sctlr >> 42 & 1, sctlr >> 40 & 3, sctlr >> 38 & 3,
	    tcr >> 37 & 1, tcr >> 38 & 1);
}

static void irg_section(void)
{
	static const struct {
		uint64_t gcr, rgsr, xm;
	} cases[] = {
		{ 0x0, 0x123400, 0 },	    { 0x0, 0xbeef07, 0 },    { 0x0, 0x000005, 0 },
		{ 0x0, 0xffff0f, 0 },	    { 0x5555, 0x123400, 0 }, { 0xfffe, 0x123400, 0 },
		{ 0x7fff, 0x123400, 0 },    { 0xffff, 0x123409, 0 }, { 0x0, 0x123400, 0x00ff },
		{ 0x0f00, 0x123400, 0xf0 },
	};
	uint64_t p = tagged(TAGGED(0) + 0x120, 0xa), v;
	unsigned excluded = 0;
	char s[17];

	section("IRG: with GCR_EL1.RRND 0, tags follow from RGSR_EL1");
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		set_gcr_rgsr(cases[c].gcr, cases[c].rgsr);
		for (unsigned i = 0; i < 16; i++) {
			s[i] = "0123456789abcdef"[tag_of(irg(p, cases[c].xm))];
		}
		s[16] = '\0';
		out("GCR_EL1 0x%05lx Xm 0x%04lx RGSR_EL1 0x%06lx: tags %s, RGSR_EL1 then 0x%lx",
		    cases[c].gcr, cases[c].xm, cases[c].rgsr, s, read_sysreg(rgsr_el1));
	}
	set_gcr_rgsr(0, 0x123400);
	out("IRG of 0x%lx: 0x%lx", p, irg(p, 0));
	v = irg(MMU_HIGH + TAGGED(0), 0);
	out("IRG of 0x%lx: 0x%lx", MMU_HIGH + TAGGED(0), v);
	set_gcr_rgsr(0, 0x123400);
	for (unsigned i = 1; i <= 4; i++) {
		v = irg(p, 0);
		out("IRG %u, each after a line: tag 0x%x, RGSR_EL1 0x%lx", i, tag_of(v),
		    read_sysreg(rgsr_el1));
	}
	mte_set_ata(false, false);
	set_gcr_rgsr(0, 0x123400);
	v = irg(p, 0);
	out("IRG with SCTLR_EL1.ATA 0: 0x%lx, RGSR_EL1 0x%lx", v, read_sysreg(rgsr_el1));
	mte_set_ata(true, false);
	/* RRND 1: the tags are IMPLEMENTATION DEFINED, only the exclusion is architectural. */
	set_gcr_rgsr(0x100ff, 0x123400);
	for (unsigned i = 0; i < 64; i++) {
		excluded += tag_of(irg(p, 0)) < 8;
	}
	out("GCR_EL1.RRND 1, Exclude 0x00ff: %u of 64 tags excluded ones", excluded);
	set_gcr_rgsr(0, 0);
}

static void arith_section(void)
{
	uint64_t a = tagged(TAGGED(0), 3), hi = MMU_HIGH + TAGGED(0), nzcv, d;

	section("GMI, ADDG, SUBG, SUBP, SUBPS, CMPP");
	out("GMI tag 5, 0x0: 0x%lx", gmi(tagged(a, 5), 0));
	out("GMI tag 0xf, 0x1: 0x%lx", gmi(tagged(a, 0xf), 1));
	out("GMI tag 0, 0xfffe: 0x%lx", gmi(tagged(a, 0), 0xfffe));
	out("GMI upper-half pointer, 0x10: 0x%lx", gmi(hi, 0x10));
	set_gcr_rgsr(0, 0);
	out("ADDG #0x10, #1 of 0x%lx: 0x%lx", a, ADDG(a, 0x10, 1));
	out("ADDG #0, #0: 0x%lx", ADDG(a, 0, 0));
	out("ADDG #1008, #15: 0x%lx", ADDG(a, 1008, 15));
	out("ADDG #0, #1 of tag 0xf: 0x%lx", ADDG(tagged(a, 0xf), 0, 1));
	out("SUBG #0x20, #1: 0x%lx", SUBG(a, 0x20, 1));
	out("SUBG #1008, #2: 0x%lx", SUBG(a, 1008, 2));
	set_gcr_rgsr(0x0010, 0);
	out("ADDG #0, #1, GCR_EL1 excludes 4: 0x%lx", ADDG(a, 0, 1));
	set_gcr_rgsr(0xfff7, 0);
	out("ADDG #0, #5, GCR_EL1 excludes all but 3: 0x%lx", ADDG(a, 0, 5));
	set_gcr_rgsr(0xffff, 0);
	out("ADDG #0x10, #1, GCR_EL1 excludes all: 0x%lx", ADDG(a, 0x10, 1));
	set_gcr_rgsr(0, 0);
	mte_set_ata(false, false);
	out("ADDG #0x10, #1 with SCTLR_EL1.ATA 0: 0x%lx", ADDG(a, 0x10, 1));
	out("SUBG #0x10, #1 with SCTLR_EL1.ATA 0: 0x%lx", SUBG(a, 0x10, 1));
	mte_set_ata(true, false);
	out("SUBP 0x%lx - 0x%lx: 0x%lx", tagged(a + 0x100, 5), tagged(a, 0xa),
	    subp(tagged(a + 0x100, 5), tagged(a, 0xa)));
	out("SUBP reversed: 0x%lx", subp(tagged(a, 0xa), tagged(a + 0x100, 5)));
	out("SUBP 0x%lx - 0x%lx: 0x%lx", hi, TAGGED(0), subp(hi, TAGGED(0)));
	d = subps(tagged(a, 1), tagged(a, 2), &nzcv);
	out("SUBPS equal addresses, tags 1 and 2: 0x%lx NZCV 0x%lx", d, nzcv);
	d = subps(a, a + 0x10, &nzcv);
	out("SUBPS -0x10: 0x%lx NZCV 0x%lx", d, nzcv);
	d = subps(hi, TAGGED(0), &nzcv);
	out("SUBPS upper - lower: 0x%lx NZCV 0x%lx", d, nzcv);
	out("CMPP +0x10 vs 0: NZCV 0x%lx", cmpp(a + 0x10, a));
}

static void tag_stores(void)
{
	uint64_t b = TAGGED(0), p, v;

	section("tag stores and loads, Tagged memory");
	out("fresh page, LDG: %s", tags(b, 16));
	pattern(b, 256);
	stg(tagged(b, 1));
	p = b;
	__asm__ volatile("stg %1, [%0, #16]!" : "+r"(p) : "r"(tagged(0, 2)) : "memory");
	out("STG [Xn, #16]! leaves Xn at +0x%lx", p - b);
	p = b + 0x20;
	__asm__ volatile("stg %1, [%0], #32" : "+r"(p) : "r"(tagged(0, 3)) : "memory");
	out("STG [Xn], #32 leaves Xn at +0x%lx", p - b);
	__asm__ volatile("stg %1, [%0, #-16]" : : "r"(b + 0x40), "r"(tagged(0, 4)) : "memory");
	__asm__ volatile("stzg %0, [%0]" : : "r"(tagged(b + 0x40, 5)) : "memory");
	p = b + 0x40;
	__asm__ volatile("stzg %1, [%0, #16]!" : "+r"(p) : "r"(tagged(0, 6)) : "memory");
	out("STZG [Xn, #16]! leaves Xn at +0x%lx", p - b);
	__asm__ volatile("st2g %0, [%0]" : : "r"(tagged(b + 0x60, 7)) : "memory");
	p = b + 0x80;
	__asm__ volatile("stz2g %1, [%0], #32" : "+r"(p) : "r"(tagged(0, 8)) : "memory");
	out("STZ2G [Xn], #32 leaves Xn at +0x%lx", p - b);
	__asm__ volatile("stgp %1, %2, [%0]"
			 :
			 : "r"(tagged(b + 0xa0, 9)), "r"(0x9999999999999999ull),
			   "r"(0x8888888888888888ull)
			 : "memory");
	p = tagged(b + 0xa0, 0xa);
	__asm__ volatile("stgp %1, %2, [%0, #16]!"
			 : "+r"(p)
			 : "r"(0x7777777777777777ull), "r"(0x6666666666666666ull)
			 : "memory");
	out("STGP [Xn, #16]! leaves Xn at 0x%lx", p);
	/* The same physical granules through the upper-half alias. */
	stg(tagged(MMU_HIGH + b + 0xc0, 0xb));
	__asm__ volatile("st2g %0, [%0, #32]" : : "r"(tagged(MMU_HIGH + b + 0xc0, 0xc)) : "memory");
	out("tags: %s", tags(b, 16));
	out("data: %s", data(b, 256));
	v = 0xa5a5a5a5a5a5a5a5ull;
	__asm__ volatile("ldg %0, [%1]" : "+r"(v) : "r"(b + 0x60) : "memory");
	out("LDG into 0xa5a5a5a5a5a5a5a5 from +0x60: 0x%lx", v);
	v = 0;
	__asm__ volatile("ldg %0, [%1, #0xa0]" : "+r"(v) : "r"(tagged(b, 0xf)) : "memory");
	out("LDG [Xn, #0xa0] with Xn tagged 0xf: 0x%lx", v);
	v = 0;
	__asm__ volatile("ldg %0, [%1, #-16]" : "+r"(v) : "r"(b + 0x18) : "memory");
	out("LDG [Xn, #-16] with Xn at +0x18: 0x%lx", v);
	out("LDG through the upper alias: %s", tags(MMU_HIGH + b, 16));
}

static void multiple_section(void)
{
	uint64_t b = TAGGED(1);

	section("LDGM, STGM, STZGM");
	out("fresh page, LDGM 0x%lx", ldgm(b));
	stgm(b, 0xfedcba9876543210ull);
	out("STGM 0xfedcba9876543210: LDG %s, LDGM 0x%lx", tags(b, 16), ldgm(b));
	out("LDGM at +0x88: 0x%lx", ldgm(b + 0x88));
	out("LDGM of the next block: 0x%lx", ldgm(b + 0x100));
	stgm(tagged(b + 0x140, 0xf), 0x0123456789abcdefull);
	out("STGM at +0x140, Xn tagged 0xf: LDG %s", tags(b + 0x100, 16));
	pattern(b + 0x200, 256);
	stgm(b + 0x200, 0xccccccccccccccccull);
	stzgm(b + 0x240, 0x0500000000000006ull);
	out("STZGM at +0x240 with Xt 0x0500000000000006: LDG %s", tags(b + 0x200, 16));
	out("  data %s", data(b + 0x200, 256));
	out("  LDGM 0x%lx", ldgm(b + 0x200));
}

static void dc_tags_section(void)
{
	uint64_t b = TAGGED(2);
	struct result r;

	section("DC GVA, DC GZVA, DC ZVA");
	pattern(b, 256);
	dc_gva(tagged(b, 9));
	dc_gva(tagged(b + 0x48, 0xa));
	dc_gzva(tagged(b + 0x80, 0xb));
	for (unsigned i = 0; i < 4; i++) {
		stg(tagged(b + 0xc0 + 16 * i, 0xc));
	}
	r = dc_zva(tagged(b + 0xc0, 0xc), 0);
	out("DC ZVA with the matching tag: %s", show(r, false));
	out("tags: %s", tags(b, 16));
	out("data: %s", data(b, 256));
}

ACCESS(dc_cgvac, "dc cgvac, %2")
ACCESS(dc_cgdvac, "dc cgdvac, %2")
ACCESS(dc_cgvap, "dc cgvap, %2")
ACCESS(dc_cgdvap, "dc cgdvap, %2")
ACCESS(dc_cgvadp, "dc cgvadp, %2")
ACCESS(dc_cgdvadp, "dc cgdvadp, %2")
ACCESS(dc_cigvac, "dc cigvac, %2")
ACCESS(dc_cigdvac, "dc cigdvac, %2")
ACCESS(dc_igvac, "dc igvac, %2")
ACCESS(dc_igdvac, "dc igdvac, %2")
ACCESS(dc_civac, "dc civac, %2")
/* Set/way operations take a set/way/level operand, not an address: %0 (zero) is level 1, set 0, way
 * 0. */
ACCESS(dc_igsw, "dc igsw, %0")
ACCESS(dc_igdsw, "dc igdsw, %0")
ACCESS(dc_cgsw, "dc cgsw, %0")
ACCESS(dc_cgdsw, "dc cgdsw, %0")
ACCESS(dc_cigsw, "dc cigsw, %0")
ACCESS(dc_cigdsw, "dc cigdsw, %0")

static void cmo_section(void)
{
	static const struct {
		const char *name;
		struct result (*fn)(uint64_t p, uint64_t v);
	} ops[] = {
		{ "CGVAC", dc_cgvac },	 { "CGDVAC", dc_cgdvac },   { "CGVAP", dc_cgvap },
		{ "CGDVAP", dc_cgdvap }, { "CGVADP", dc_cgvadp },   { "CGDVADP", dc_cgdvadp },
		{ "CIGVAC", dc_cigvac }, { "CIGDVAC", dc_cigdvac }, { "IGVAC", dc_igvac },
		{ "IGDVAC", dc_igdvac }, { "CIVAC", dc_civac },	    { "IGSW", dc_igsw },
		{ "IGDSW", dc_igdsw },	 { "CGSW", dc_cgsw },	    { "CGDSW", dc_cgdsw },
		{ "CIGSW", dc_cigsw },	 { "CIGDSW", dc_cigdsw },
	};
	uint64_t b = TAGGED(3);

	section("cache maintenance keeps data and tags");
	pattern(b, 64);
	stg(tagged(b, 0xd));
	__asm__ volatile("st2g %0, [%0, #16]" : : "r"(tagged(b, 0xe)) : "memory");
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct result r = ops[i].fn(tagged(b + 0x10, 0xe), 0);

		out("DC %s: %s; tags %s, data %s", ops[i].name, show(r, false), tags(b, 4),
		    data(b, 64));
	}
}

/* The first access to a page is a tag instruction or a cache maintenance operation. */
static void first_touch_section(void)
{
	section("first access to a page");
	for (unsigned i = 0; i < 10; i++) {
		uint64_t b = TAGGED(8 + i), t = tagged(b + 0x40, 6), v = 0;
		const char *what = "";

		switch (i) {
		case 0:
			what = "LDG";
			v = ldg(t);
			break;
		case 1:
			what = "STG";
			stg(t);
			break;
		case 2:
			what = "STZG";
			__asm__ volatile("stzg %0, [%0]" : : "r"(t) : "memory");
			break;
		case 3:
			what = "STGP";
			__asm__ volatile("stgp %1, %1, [%0]"
					 :
					 : "r"(t), "r"(0x4242424242424242ull)
					 : "memory");
			break;
		case 4:
			what = "LDGM";
			v = ldgm(t);
			break;
		case 5:
			what = "STGM";
			stgm(t, 0x6666666666666666ull);
			break;
		case 6:
			what = "DC GVA";
			dc_gva(t);
			break;
		case 7:
			what = "DC GZVA";
			dc_gzva(t);
			break;
		case 8:
			what = "DC CIGDVAC";
			dc_cigdvac(t, 0);
			break;
		default:
			what = "LDR with tag 6";
			mte_set_tcf(TCF_SYNC, TCF_NONE);
			v = load(t, 0).fault;
			mte_set_tcf(TCF_NONE, TCF_NONE);
			break;
		}
		out("%s: result 0x%lx; tags at +0x40: %s; data %s", what, v, tags(b + 0x40, 4),
		    data(b + 0x40, 64));
	}
}

static void untagged_section(void)
{
	uint64_t u = UNTAGGED, v;

	section("untagged memory (MAIR 0xFF): tags read 0, tag stores dropped");
	pattern(u, 512);
	stg(tagged(u, 5));
	__asm__ volatile("stzg %0, [%0]" : : "r"(tagged(u + 0x10, 5)) : "memory");
	__asm__ volatile("st2g %0, [%0]" : : "r"(tagged(u + 0x20, 6)) : "memory");
	__asm__ volatile("stz2g %0, [%0]" : : "r"(tagged(u + 0x40, 7)) : "memory");
	__asm__ volatile("stgp %1, %1, [%0]"
			 :
			 : "r"(tagged(u + 0x60, 8)), "r"(0xeeeeeeeeeeeeeeeeull)
			 : "memory");
	dc_gva(tagged(u + 0x80, 9));
	dc_gzva(tagged(u + 0xc0, 0xa));
	stgm(u + 0x100, 0xfedcba9876543210ull);
	stzgm(u + 0x140, 0xbull);
	out("LDG: %s", tags(u, 32));
	out("LDGM: 0x%lx 0x%lx", ldgm(u), ldgm(u + 0x100));
	out("data: %s", data(u, 512));
	v = irg(u, 0);
	out("IRG of an untagged address: tag 0x%x", tag_of(v));
	mte_set_tcf(TCF_SYNC, TCF_NONE);
	out("load with tag 5, TCF sync: %s", show(load(tagged(u, 5), 0), true));
	out("store with tag 5, TCF sync: %s", show(store(tagged(u + 0x100, 5), 0x55), false));
	mte_set_tcf(TCF_NONE, TCF_NONE);
}

static void sync_section(void)
{
	uint64_t g = TAGGED(5), hi = MMU_HIGH + TAGGED(5);
	struct result r;

	section("synchronous tag-check faults (TCF 1)");
	pattern(g, 128);
	stg(tagged(g, 3));
	stg(tagged(g + 0x10, 4));
	clear_tfsr();
	mte_set_tcf(TCF_SYNC, TCF_NONE);
	out("LDR tag 3, granule 3: %s", show(load(tagged(g, 3), 0), true));
	out("LDR tag 5, granule 3: %s", show(load(tagged(g, 5), 0), true));
	out("STR tag 5, granule 3: %s", show(store(tagged(g, 5), 0xdead), false));
	out("  data %s", data(g, 32));
	out("LDRB tag 5 at +0x7: %s", show(loadb(tagged(g + 7, 5), 0), true));
	out("LDR tag 3 at +0xc, into granule 4: %s", show(load(tagged(g + 0xc, 3), 0), true));
	out("LDR tag 4 at +0x10: %s", show(load(tagged(g + 0x10, 4), 0), true));
	out("DC ZVA tag 5 on granules of tag 0: %s", show(dc_zva(tagged(g + 0x40, 5), 0), false));
	out("  data %s", data(g + 0x40, 64));
	out("LDR tag 0, TCMA0 0: %s", show(load(g, 0), true));
	mte_set_tco(true);
	out("with PSTATE.TCO: LDR tag 5: %s", show(load(tagged(g, 5), 0), true));
	out("with PSTATE.TCO: STR tag 5: %s", show(store(tagged(g + 8, 5), 0xbeef), false));
	mte_set_tco(false);
	out("  data %s", data(g, 32));
	mte_set_tcma(true, false);
	out("TCMA0 1: LDR tag 0: %s", show(load(g, 0), true));
	out("TCMA0 1: LDR tag 0xf: %s", show(load(tagged(g, 0xf), 0), true));
	out("TCMA0 1: LDR tag 5: %s", show(load(tagged(g, 5), 0), true));
	mte_set_tcma(false, false);
	out("upper half, tag 0xf, TCMA1 0: %s", show(load(hi, 0), true));
	out("upper half, STR tag 0xf, TCMA1 0: %s", show(store(hi, 0), false));
	mte_set_tcma(false, true);
	out("upper half, tag 0xf, TCMA1 1: %s", show(load(hi, 0), true));
	out("upper half, tag 0xe, TCMA1 1: %s", show(load(tagged(hi, 0xe), 0), true));
	out("upper half, tag 0x3, TCMA1 1: %s", show(load(tagged(hi, 3), 0), true));
	out("lower half, tag 0xf, TCMA1 1: %s", show(load(tagged(g, 0xf), 0), true));
	mte_set_tcma(false, false);
	mte_set_ata(false, false);
	out("SCTLR_EL1.ATA 0: LDR tag 5: %s", show(load(tagged(g, 5), 0), true));
	mte_set_ata(true, false);
	out("TFSR_EL1 0x%lx TFSRE0_EL1 0x%lx after synchronous faults", tfsr(), tfsre0());
	mte_set_tcf(TCF_NONE, TCF_NONE);
	r = load(tagged(g, 5), 0);
	out("TCF 0: LDR tag 5: %s; TFSR_EL1 0x%lx", show(r, true), tfsr());
}

static void async_section(void)
{
	uint64_t g = TAGGED(6), hi = MMU_HIGH + TAGGED(6), t;
	struct result r;

	section("asynchronous tag-check faults (TCF 2)");
	pattern(g, 32);
	stg(tagged(g, 3));
	clear_tfsr();
	mte_set_tcf(TCF_ASYNC, TCF_NONE);
	r = load(tagged(g, 5), 0);
	t = tfsr();
	out("LDR tag 5: %s; TFSR_EL1 0x%lx", show(r, true), t);
	for (unsigned i = 1; i <= 16; i++) {
		out("%u lines printed since: TFSR_EL1 0x%lx TFSRE0_EL1 0x%lx", i, tfsr(), tfsre0());
	}
	r = store(tagged(hi + 8, 0xe), 0x4444444444444444ull);
	t = tfsr();
	out("STR tag 0xe, upper half: %s; TFSR_EL1 0x%lx", show(r, false), t);
	out("  data %s", data(g, 32));
	psci_call(0x84000000, 0, 0, 0);
	t = tfsr();
	out("after PSCI VERSION: TFSR_EL1 0x%lx", t);
	write_sysreg(tfsr_el1, TFSR_TF1);
	isb();
	out("TFSR_EL1 written 0x2: 0x%lx", tfsr());
	clear_tfsr();
	mte_set_tco(true);
	r = store(tagged(g, 5), 0x5555555555555555ull);
	mte_set_tco(false);
	t = tfsr();
	out("with PSTATE.TCO: STR tag 5: %s; TFSR_EL1 0x%lx", show(r, false), t);
	mte_set_tcf(TCF_NONE, TCF_NONE);
	clear_tfsr();
}

static void asymm_section(void)
{
	uint64_t g = TAGGED(7), hi = MMU_HIGH + TAGGED(7), t;
	struct result r;

	section("asymmetric tag-check faults (TCF 3)");
	pattern(g, 32);
	stg(tagged(g, 3));
	clear_tfsr();
	mte_set_tcf(TCF_ASYMM, TCF_NONE);
	r = load(tagged(g, 5), 0);
	t = tfsr();
	out("LDR tag 5: %s; TFSR_EL1 0x%lx", show(r, true), t);
	r = store(tagged(g, 5), 0x5555555555555555ull);
	t = tfsr();
	out("STR tag 5: %s; TFSR_EL1 0x%lx", show(r, false), t);
	r = store(tagged(hi + 8, 0xe), 0x4444444444444444ull);
	t = tfsr();
	out("STR tag 0xe, upper half: %s; TFSR_EL1 0x%lx", show(r, false), t);
	r = load(tagged(hi, 0xe), 0);
	t = tfsr();
	out("LDR tag 0xe, upper half: %s; TFSR_EL1 0x%lx", show(r, true), t);
	out("  data %s", data(g, 32));
	mte_set_tcf(TCF_NONE, TCF_NONE);
	clear_tfsr();
}

/* LDTR/STTR at EL1 are checked as EL0 accesses: TCF0, ATA0, TFSRE0_EL1. */
static void unpriv_section(void)
{
	static const struct {
		enum mte_tcf tcf, tcf0;
		bool ata0;
	} cases[] = {
		{ TCF_SYNC, TCF_NONE, true },  { TCF_NONE, TCF_SYNC, true },
		{ TCF_NONE, TCF_ASYNC, true }, { TCF_NONE, TCF_ASYMM, true },
		{ TCF_NONE, TCF_SYNC, false },
	};
	uint64_t d = EL0_DATA, t0, t1;
	struct result r;

	section("unprivileged LDTR/STTR at EL1");
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		pattern(d, 16);
		stg(tagged(d, 3));
		clear_tfsr();
		mte_set_ata(true, cases[c].ata0);
		mte_set_tcf(cases[c].tcf, cases[c].tcf0);
		r = load_unpriv(tagged(d, 5), 0);
		t0 = tfsr();
		t1 = tfsre0();
		out("TCF %u TCF0 %u ATA0 %u: LDTR tag 5: %s; TFSR_EL1 0x%lx TFSRE0_EL1 0x%lx",
		    cases[c].tcf, cases[c].tcf0, cases[c].ata0, show(r, true), t0, t1);
		r = store_unpriv(tagged(d, 5), 0x5555555555555555ull);
		t0 = tfsr();
		t1 = tfsre0();
		mte_set_tcf(TCF_NONE, TCF_NONE);
		out("TCF %u TCF0 %u ATA0 %u: STTR tag 5: %s; TFSR_EL1 0x%lx TFSRE0_EL1 0x%lx; data "
		    "%s",
		    cases[c].tcf, cases[c].tcf0, cases[c].ata0, show(r, false), t0, t1,
		    data(d, 16));
	}
	mte_set_ata(true, false);
	clear_tfsr();
}

static void el0_case(const char *what, enum mte_tcf tcf0, bool ata0, bool tco, unsigned ptag)
{
	uint64_t d = EL0_DATA + 0x100, spsr = 0x3c0 | (tco ? PSR_TCO : 0), t0, t1;
	struct trap_record r;
	struct el0_regs regs;
	struct result res;

	pattern(d, 16);
	stg(tagged(d, 3));
	clear_tfsr();
	mte_set_ata(true, ata0);
	mte_set_tcf(TCF_NONE, tcf0);
	trap_expect(&r);
	regs = el0_call(el0_load, spsr, tagged(d, ptag), 0);
	trap_expect_none();
	t1 = tfsre0();
	res = (struct result){ r.hit, r.elr == EL0_CODE + (uint64_t)(el0_load - el0_code_start),
			       r.esr, r.far, regs.x[0] };
	out("EL0 %s: LDR: %s; TFSRE0_EL1 0x%lx", what, show(res, true), t1);
	trap_expect(&r);
	regs = el0_call(el0_store, spsr, tagged(d, ptag), 0x5a5a5a5a5a5a5a5aull);
	trap_expect_none();
	t0 = tfsr();
	t1 = tfsre0();
	res = (struct result){ r.hit, r.elr == EL0_CODE + (uint64_t)(el0_store - el0_code_start),
			       r.esr, r.far, 0 };
	mte_set_tcf(TCF_NONE, TCF_NONE);
	mte_set_ata(true, false);
	out("EL0 %s: STR: %s; TFSR_EL1 0x%lx TFSRE0_EL1 0x%lx; data %s", what, show(res, false), t0,
	    t1, data(d, 16));
	if (!res.fault && tcf0 == TCF_NONE) {
		out("EL0 SVC: SPSR_EL1 0x%lx, PSTATE.TCO in the vector %lu", regs.spsr,
		    regs.tco >> 25);
	}
	clear_tfsr();
}

static void el0_section(void)
{
	struct el0_regs regs;

	section("EL0: TCF0, ATA0, TFSRE0_EL1");
	el0_install(el0_code_start, el0_code_end);
	el0_case("TCF0 0, tag 5", TCF_NONE, true, false, 5);
	el0_case("TCF0 1, tag 5", TCF_SYNC, true, false, 5);
	el0_case("TCF0 1, tag 3", TCF_SYNC, true, false, 3);
	el0_case("TCF0 2, tag 5", TCF_ASYNC, true, false, 5);
	el0_case("TCF0 3, tag 5", TCF_ASYMM, true, false, 5);
	el0_case("TCF0 1, ATA0 0, tag 5", TCF_SYNC, false, false, 5);
	el0_case("TCF0 1, PSTATE.TCO, tag 5", TCF_SYNC, true, true, 5);
	mte_set_tcma(true, false);
	el0_case("TCF0 1, TCMA0 1, tag 0", TCF_SYNC, true, false, 0);
	mte_set_tcma(false, false);
	for (unsigned ata0 = 0; ata0 <= 1; ata0++) {
		uint64_t p = EL0_DATA + 0x200 + 0x10 * ata0;

		set_gcr_rgsr(0x0001, 0x123400);
		mte_set_ata(true, ata0);
		regs = el0_call(el0_tags, 0x3c0, p, 0);
		mte_set_ata(true, false);
		out("EL0 ATA0 %u: IRG 0x%lx, STG, LDG 0x%lx; RGSR_EL1 0x%lx; tag at EL1 0x%x", ata0,
		    regs.x[0], regs.x[1], read_sysreg(rgsr_el1), ldg(p));
	}
	set_gcr_rgsr(0, 0);
}

/*
 * Tags, TFSR_EL1 and RGSR_EL1 under time slicing: random tags (seeded from the
 * counter, never printed, so that a copy running beside this one has others),
 * asynchronous faults and IRGs in a loop long enough to be preempted many times.
 */
static void soak_section(void)
{
	const unsigned granules = SOAK_BYTES / 16, rounds = 4, spins = 50000;
	uint64_t seed = counter() | 1, s, bad_tags = 0, bad_tfsr = 0, rgsr[4] = { 0 };
	unsigned t0;

	section("soak: tags, TFSR_EL1, RGSR_EL1 across preemption");
	s = seed;
	for (unsigned g = 0; g < granules; g++) {
		stg(tagged(SOAK + 16 * g, (unsigned)rand64(&s)));
	}
	s = seed;
	t0 = (unsigned)rand64(&s) & 0xf;
	for (unsigned round = 0; round < rounds; round++) {
		set_gcr_rgsr(0, 0x123400);
		mte_set_tcf(TCF_ASYNC, TCF_NONE);
		for (unsigned i = 0; i < spins; i++) {
			clear_tfsr();
			bad_tfsr += tfsr() != 0;
			wr(tagged(SOAK + 8, t0 ^ 1), i);
			(void)irg(SOAK, 0);
			bad_tfsr += tfsr() != TFSR_TF0;
		}
		mte_set_tcf(TCF_NONE, TCF_NONE);
		rgsr[round] = read_sysreg(rgsr_el1);
		s = seed;
		for (unsigned blk = 0; blk < granules / 16; blk++) {
			uint64_t want = 0;

			for (unsigned i = 0; i < 16; i++) {
				want |= (rand64(&s) & 0xf) << (4 * i);
			}
			bad_tags += ldgm(SOAK + 256 * blk) != want;
		}
	}
	clear_tfsr();
	set_gcr_rgsr(0, 0);
	out("%u granules, %u rounds of %u async faults and IRGs: %lu blocks with wrong tags, "
	    "%lu wrong TFSR_EL1",
	    granules, rounds, spins, bad_tags, bad_tfsr);
	out("RGSR_EL1 after each round: 0x%lx 0x%lx 0x%lx 0x%lx", rgsr[0], rgsr[1], rgsr[2],
	    rgsr[3]);
}

void guest_main(void)
{
	entry_state();
	id_regs();
	mte_sysregs();
	mmu_on();
	irg_section();
	arith_section();
	tag_stores();
	multiple_section();
	dc_tags_section();
	cmo_section();
	first_touch_section();
	untagged_section();
	sync_section();
	async_section();
	asymm_section();
	unpriv_section();
	el0_section();
	soak_section();
	section("end");
	out("tags of the first page again: %s", tags(TAGGED(0), 16));
	printf(PROBE_NAME ": done, %u lines, hash 0x%016lx\n", out_lines, out_hash);
}
