/* SPDX-License-Identifier: MIT */
/* QEMU enters here at EL2, MMU off, with the DTB at the start of RAM. */
#include <arch/percpu.h>

	.section .text.entry, "ax"
	.global _start
_start:
	msr	daifset, #0xf
	ldr	x0, =__hyp_stack_top
	mov	sp, x0
	ldr	x0, =__hyp_vectors
	msr	vbar_el2, x0
	isb
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	bl	hyp_boot		/* does not return: it enters the host */
3:	wfi
	b	3b

/*
 * The firmware starts every other CPU here at EL2, MMU off, x0 = its struct
 * secondary_boot (arch/percpu.h): turn the MMU on as the boot CPU did, take the
 * stack and hyp_cpu given, and go to C.
 */
	.global _secondary_entry
_secondary_entry:
	msr	daifset, #0xf
	mov	x19, x0
	ldr	x0, =__hyp_vectors
	msr	vbar_el2, x0
	isb
	ldp	x0, x1, [x19, #BOOT_OFF_MMU]
	ldp	x2, x3, [x19, #BOOT_OFF_MMU + 16]
	bl	enable_mmu_el2
	ldp	x0, x1, [x19, #BOOT_OFF_SP]
	mov	sp, x0
	msr	tpidr_el2, x1
	bl	secondary_main		/* does not return */
4:	wfi
	b	4b

/* void enable_mmu_el2(uint64_t ttbr0, uint64_t tcr, uint64_t mair, uint64_t sctlr) */
	.global enable_mmu_el2
enable_mmu_el2:
	msr	mair_el2, x2
	msr	tcr_el2, x1
	msr	ttbr0_el2, x0
	isb
	tlbi	alle2
	dsb	nsh
	isb
	msr	sctlr_el2, x3
	isb
	ic	iallu
	dsb	nsh
	isb
	ret
