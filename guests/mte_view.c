/* SPDX-License-Identifier: MIT */
/*
 * MTE as a guest without usable allocation tags sees it: the ID fields, GMID_EL1
 * and the four MTE system registers (which must fault as on a CPU without
 * FEAT_MTE2), PSTATE.TCO in an exception handler, and every tag instruction
 * with tags unavailable (tags read 0, tag stores dropped, no tag checks).
 *
 * Run on bare QEMU without mte=on (a CPU with the MTE instructions but no tag
 * storage, ID_AA64PFR1_EL1.MTE = 1) and as a guest without MTE under tagvisor
 * (MTE = 0, as KVM shows it). The MTE field is printed on a line of its own:
 * the outputs are meant to differ in that line only.
 */
#include "guest.h"
#include "mmu.h"

#include <lib/fmt.h>

#define BUF	 (RAM_BASE + (16ul << 20)) /* a page of memory mapped Tagged (MAIR 0xF0) */
#define UNTAGGED MMU_UNTAGGED_BASE
#define MARK	 0x5a5a5a5a5a5a5a5aull /* x0 before an instruction that may fault */

/*
 * One instruction that may take an exception, with x0 and x1 fixed, so that the
 * syndrome (which encodes the register) is the same in every build.
 */
struct outcome {
	bool hit;
	bool elr_ok; /* ELR_EL1 pointed at the instruction */
	uint64_t esr, in, x0;
};

/* trap_expect() is a call: x0 and x1 get their values only after it. */
#define TRY(name, insn)                                                                            \
	static struct outcome name(uint64_t a0, uint64_t a1)                                       \
	{                                                                                          \
		struct trap_record r;                                                              \
		uint64_t pc, in = a0;                                                              \
                                                                                                   \
		trap_expect(&r);                                                                   \
		{                                                                                  \
			register uint64_t x0 __asm__("x0") = a0;                                   \
			register uint64_t x1 __asm__("x1") = a1;                                   \
                                                                                                   \
			__asm__ volatile("adr %1, 1f\n1:\t" insn                                   \
					 : "+r"(x0), "=&r"(pc)                                     \
					 : "r"(x1)                                                 \
					 : "memory");                                              \
			a0 = x0;                                                                   \
		}                                                                                  \
		trap_expect_none();                                                                \
		return (struct outcome){ r.hit, r.elr == pc, r.esr, in, a0 };                      \
	}

TRY(mrs_gmid, "mrs x0, gmid_el1")
TRY(mrs_gcr, "mrs x0, gcr_el1")
TRY(msr_gcr, "msr gcr_el1, x0")
TRY(mrs_rgsr, "mrs x0, rgsr_el1")
TRY(msr_rgsr, "msr rgsr_el1, x0")
TRY(mrs_tfsr, "mrs x0, tfsr_el1")
TRY(msr_tfsr, "msr tfsr_el1, x0")
TRY(mrs_tfsre0, "mrs x0, tfsre0_el1")
TRY(msr_tfsre0, "msr tfsre0_el1, x0")
TRY(tco_set_read, "msr tco, #1\n\tmrs x0, tco\n\tmsr tco, #0")
TRY(irg_x0, "irg x0, x0")
TRY(gmi_x0, "gmi x0, x0, x1")
TRY(addg_x0, "addg x0, x0, #16, #1")
TRY(subg_x0, "subg x0, x0, #16, #1")
TRY(subp_x0, "subp x0, x0, x1")
TRY(ldg_x0, "ldg x0, [x0]")
TRY(stg_x0, "stg x0, [x0]")
TRY(stzg_x0, "stzg x0, [x0]")
TRY(st2g_x0, "st2g x0, [x0]")
TRY(stz2g_x0, "stz2g x0, [x0]")
TRY(stgp_x0, "stgp x1, x1, [x0]")
TRY(ldgm_x0, "ldgm x0, [x0]")
TRY(stgm_x0, "stgm x1, [x0]")
TRY(stzgm_x0, "stzgm x1, [x0]")
TRY(dc_gva_x0, "dc gva, x0")
TRY(dc_gzva_x0, "dc gzva, x0")
TRY(dc_cgvac_x0, "dc cgvac, x0")
TRY(dc_cigdvac_x0, "dc cigdvac, x0")
TRY(dc_cgdvap_x0, "dc cgdvap, x0")
TRY(ldr_x0, "ldr x0, [x0]")
TRY(str_x1, "str x1, [x0]")

static const char *show(struct outcome o)
{
	static char s[96];

	if (o.hit) {
		fmt_snprintf(s, sizeof(s), "exception, ESR 0x%lx%s, x0 %s", o.esr,
			     o.elr_ok ? "" : " (ELR not at it)",
			     o.x0 == o.in ? "unchanged" : "changed");
	} else {
		fmt_snprintf(s, sizeof(s), "no exception, x0 0x%lx", o.x0);
	}
	return s;
}

/* The data at p, one hex digit per 8 bytes (its last nibble), as in mte_probe. */
static const char *data(uint64_t p, unsigned n)
{
	static char s[65];

	for (unsigned i = 0; i < n / 8; i++) {
		s[i] = "0123456789abcdef"[*(volatile uint64_t *)(p + 8 * i) & 0xf];
	}
	s[n / 8] = '\0';
	return s;
}

static void pattern(uint64_t p, unsigned n)
{
	for (unsigned i = 0; i < n; i += 8) {
		*(volatile uint64_t *)(p + i) = 0x1111111111111111ull * ((i / 8) % 15 + 1);
	}
}

/*
 * PSTATE in an exception handler: the handler of a first exception takes a
 * second one (SVC) whose SPSR_EL1 is that PSTATE. The first exception is chosen
 * by `which`: 0 MRS GCR_EL1, 1 MRS GMID_EL1 (under a hypervisor both trap and the
 * exception is injected), 2 UDF (always taken directly). out[] gets SPSR and ESR
 * of the first exception, SPSR and ESR of the second.
 */
void nested_exception(uint64_t which, uint64_t out[4]);

__asm__(".pushsection .text\n"
	"	.balign 0x800\n"
	"nest_vectors:\n"
	"	.irp i, 0, 1, 2, 3\n"
	"	.balign 0x80\n"
	"	b	guest_vectors + \\i * 0x80\n"
	"	.endr\n"
	"	.balign 0x80\n" /* current EL with SP_ELx, synchronous */
	"	cbnz	x10, 1f\n"
	"	mov	x10, #1\n"
	"	mrs	x11, spsr_el1\n"
	"	mrs	x12, elr_el1\n"
	"	mrs	x15, esr_el1\n"
	"	svc	#0\n"
	"	msr	spsr_el1, x11\n"
	"	add	x12, x12, #4\n"
	"	msr	elr_el1, x12\n"
	"	eret\n"
	"1:	mrs	x13, spsr_el1\n"
	"	mrs	x14, esr_el1\n"
	"	eret\n"
	"	.irp i, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
	"	.balign 0x80\n"
	"	b	guest_vectors + \\i * 0x80\n"
	"	.endr\n"
	"\n"
	"	.global nested_exception\n"
	"nested_exception:\n"
	"	mrs	x9, vbar_el1\n"
	"	adr	x10, nest_vectors\n"
	"	msr	vbar_el1, x10\n"
	"	isb\n"
	"	mov	x10, #0\n"
	"	cmp	x0, #1\n"
	"	b.lo	1f\n"
	"	b.eq	2f\n"
	"	udf	#0\n"
	"	b	3f\n"
	"1:	mrs	x0, gcr_el1\n"
	"	b	3f\n"
	"2:	mrs	x0, gmid_el1\n"
	"3:	msr	vbar_el1, x9\n"
	"	isb\n"
	"	stp	x11, x15, [x1]\n"
	"	stp	x13, x14, [x1, #16]\n"
	"	ret\n"
	".popsection\n");

static void id_regs(void)
{
	uint64_t pfr1 = read_sysreg(id_aa64pfr1_el1), pfr2 = read_sysreg(S3_0_C0_C4_2);

	puts("== ID registers\n");
	/* Bare QEMU without mte=on: 1 (instructions only); a guest without MTE: 0. */
	printf("ID_AA64PFR1_EL1.MTE 0x%lx\n", pfr1 >> 8 & 0xf);
	printf("ID_AA64PFR1_EL1.MTE_frac 0x%lx MTEX 0x%lx\n", pfr1 >> 40 & 0xf, pfr1 >> 52 & 0xf);
	printf("ID_AA64PFR2_EL1.MTEPERM 0x%lx MTESTOREONLY 0x%lx MTEFAR 0x%lx\n", pfr2 & 0xf,
	       pfr2 >> 4 & 0xf, pfr2 >> 8 & 0xf);
	printf("ID_AA64MMFR2_EL1.IDS 0x%lx\n", read_sysreg(id_aa64mmfr2_el1) >> 36 & 0xf);
}

static void sysregs(void)
{
	static const struct {
		const char *name;
		struct outcome (*fn)(uint64_t, uint64_t);
	} regs[] = {
		{ "MRS x0, GMID_EL1", mrs_gmid },     { "MRS x0, GCR_EL1", mrs_gcr },
		{ "MSR GCR_EL1, x0", msr_gcr },	      { "MRS x0, RGSR_EL1", mrs_rgsr },
		{ "MSR RGSR_EL1, x0", msr_rgsr },     { "MRS x0, TFSR_EL1", mrs_tfsr },
		{ "MSR TFSR_EL1, x0", msr_tfsr },     { "MRS x0, TFSRE0_EL1", mrs_tfsre0 },
		{ "MSR TFSRE0_EL1, x0", msr_tfsre0 },
	};
	static const char *const first[] = { "MRS GCR_EL1", "MRS GMID_EL1", "UDF" };

	puts("== MTE system registers\n");
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		printf("%s: %s\n", regs[i].name, show(regs[i].fn(MARK, 0)));
	}
	puts("== PSTATE in an exception handler (SPSR_EL1 of an SVC taken there)\n");
	for (unsigned i = 0; i < 3; i++) {
		uint64_t r[4];

		nested_exception(i, r);
		printf("%s: ESR 0x%lx, SPSR_EL1 0x%lx\n", first[i], r[1], r[0]);
		/* TCO on a line of its own: it exists only with FEAT_MTE2. */
		printf("%s: in the handler PSTATE.TCO %lu\n", first[i], r[2] >> 25 & 1);
		printf("%s: in the handler PSTATE 0x%lx, TCO aside\n", first[i],
		       r[2] & ~(1ul << 25));
	}
}

static void tag_instructions(void)
{
	uint64_t b = BUF, u = UNTAGGED, sctlr;

	mmu_enable();
	/* Ask for everything a guest with MTE would: tag access and synchronous checks. */
	mte_set_ata(true, true);
	mte_set_tcf(TCF_SYNC, TCF_SYNC);
	sctlr = read_sysreg(sctlr_el1);
	puts("== tag instructions, tags unavailable (memory mapped Tagged, ATA and TCF set)\n");
	printf("SCTLR_EL1 read back: ATA %lu ATA0 %lu TCF %lu TCF0 %lu\n", sctlr >> 43 & 1,
	       sctlr >> 42 & 1, sctlr >> 40 & 3, sctlr >> 38 & 3);
	printf("MSR TCO, #1; MRS x0, TCO: %s\n", show(tco_set_read(MARK, 0)));
	pattern(b, 256);
	printf("IRG of tag 0xa: %s\n", show(irg_x0(tagged(b, 0xa), 0)));
	printf("GMI of tag 5, 0x1: %s\n", show(gmi_x0(tagged(b, 5), 1)));
	printf("ADDG #16, #1 of tag 3: %s\n", show(addg_x0(tagged(b, 3), 0)));
	printf("SUBG #16, #1 of tag 3: %s\n", show(subg_x0(tagged(b, 3), 0)));
	printf("SUBP tag 5 +0x100, tag 0xa: %s\n",
	       show(subp_x0(tagged(b + 0x100, 5), tagged(b, 0xa))));
	printf("STG tag 5: %s\n", show(stg_x0(tagged(b, 5), 0)));
	printf("STZG tag 5 at +0x10: %s\n", show(stzg_x0(tagged(b + 0x10, 5), 0)));
	printf("ST2G tag 6 at +0x20: %s\n", show(st2g_x0(tagged(b + 0x20, 6), 0)));
	printf("STZ2G tag 7 at +0x40: %s\n", show(stz2g_x0(tagged(b + 0x40, 7), 0)));
	printf("STGP tag 8 at +0x60: %s\n", show(stgp_x0(tagged(b + 0x60, 8), 0xeeeeeeeeeeeeeeee)));
	printf("DC GVA tag 9 at +0x80: %s\n", show(dc_gva_x0(tagged(b + 0x80, 9), 0)));
	printf("DC GZVA tag 0xa at +0xc0: %s\n", show(dc_gzva_x0(tagged(b + 0xc0, 0xa), 0)));
	for (unsigned i = 0; i < 0x100; i += 0x10) {
		struct outcome o = ldg_x0(b + i, 0);

		if (o.hit || o.x0 != b + i) {
			printf("LDG at +0x%x: %s\n", i, show(o));
		}
	}
	printf("LDG of the 16 granules: all tag 0 unless listed above\n");
	printf("data: %s\n", data(b, 256));
	pattern(b + 0x100, 256);
	printf("STGM 0xfedcba9876543210 at +0x100: %s\n",
	       show(stgm_x0(b + 0x100, 0xfedcba9876543210ull)));
	printf("LDGM at +0x100: %s\n", show(ldgm_x0(b + 0x100, 0)));
	printf("STZGM 0x5 at +0x140: %s\n", show(stzgm_x0(b + 0x140, 5)));
	printf("data: %s\n", data(b + 0x100, 256));
	printf("DC CGVAC: %s\n", show(dc_cgvac_x0(tagged(b, 5), 0)));
	printf("DC CIGDVAC: %s\n", show(dc_cigdvac_x0(tagged(b, 5), 0)));
	printf("DC CGDVAP: %s\n", show(dc_cgdvap_x0(tagged(b, 5), 0)));
	printf("LDR tag 5, TCF sync: %s\n", show(ldr_x0(tagged(b, 5), 0)));
	printf("STR tag 5, TCF sync: %s\n", show(str_x1(tagged(b + 8, 5), 0x5555555555555555)));
	printf("LDR tag 0xe, upper half, TCF sync: %s\n",
	       show(ldr_x0(tagged(MMU_HIGH + b, 0xe), 0)));
	mte_set_tcf(TCF_ASYNC, TCF_ASYNC);
	printf("LDR tag 5, TCF async: %s\n", show(ldr_x0(tagged(b, 5), 0)));
	printf("data: %s\n", data(b, 32));
	printf("untagged memory, STG then LDG: %s, ", show(stg_x0(tagged(u, 5), 0)));
	printf("%s\n", show(ldg_x0(u, 0)));
	mte_set_tcf(TCF_NONE, TCF_NONE);
	mte_set_ata(false, false);
}

void guest_main(void)
{
	id_regs();
	sysregs();
	tag_instructions();
	puts("mte_view: done\n");
}
