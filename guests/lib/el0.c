/* SPDX-License-Identifier: MIT */
#include "el0.h"

#include <lib/string.h>

__asm__(".pushsection .text\n"
	"	.balign 0x800\n"
	"el0_vectors:\n"
	"	.irp i, 0, 1, 2, 3, 4, 5, 6, 7\n"
	"	.balign 0x80\n"
	"	b	guest_vectors + \\i * 0x80\n"
	"	.endr\n"
	"	.balign 0x80\n" /* lower EL, synchronous */
	"	mrs	x17, esr_el1\n"
	"	lsr	x17, x17, #26\n"
	"	cmp	x17, #0x15\n" /* SVC */
	"	b.eq	el0_back\n"
	"	b	guest_vectors + 0x400\n"
	"	.irp i, 9, 10, 11, 12, 13, 14, 15\n"
	"	.balign 0x80\n"
	"	b	guest_vectors + \\i * 0x80\n"
	"	.endr\n"
	"\n"
	"	.global el0_run\n"
	"el0_run:\n"
	"	stp	x29, x30, [sp, #-112]!\n"
	"	stp	x19, x20, [sp, #16]\n"
	"	stp	x21, x22, [sp, #32]\n"
	"	stp	x23, x24, [sp, #48]\n"
	"	stp	x25, x26, [sp, #64]\n"
	"	stp	x27, x28, [sp, #80]\n"
	/* The way back runs in the exception's PSTATE: restore TCO and PAN from here. */
	"	mrs	x9, tco\n"
	"	mrs	x10, pan\n"
	"	orr	x9, x9, x10\n"
	"	stp	x3, x9, [sp, #96]\n"
	"	msr	elr_el1, x0\n"
	"	msr	sp_el0, x1\n"
	"	msr	spsr_el1, x2\n"
	"	adr	x9, el0_vectors\n"
	"	msr	vbar_el1, x9\n"
	"	isb\n"
	"	ldp	x0, x1, [x3]\n"
	"	ldp	x2, x3, [x3, #16]\n"
	"	eret\n"
	/* From the vector: SP_EL1 is as el0_run left it. */
	"el0_back:\n"
	"	mrs	x17, tco\n"
	"	ldr	x9, [sp, #96]\n"
	"	stp	x0, x1, [x9]\n"
	"	stp	x2, x3, [x9, #16]\n"
	"	mrs	x10, spsr_el1\n"
	"	stp	x10, x17, [x9, #32]\n"
	"	adrp	x9, guest_vectors\n"
	"	add	x9, x9, :lo12:guest_vectors\n"
	"	msr	vbar_el1, x9\n"
	"	ldr	x9, [sp, #104]\n"
	"	and	x10, x9, #(1 << 25)\n"
	"	msr	tco, x10\n"
	"	and	x10, x9, #(1 << 22)\n"
	"	msr	pan, x10\n"
	"	isb\n"
	"	ldp	x19, x20, [sp, #16]\n"
	"	ldp	x21, x22, [sp, #32]\n"
	"	ldp	x23, x24, [sp, #48]\n"
	"	ldp	x25, x26, [sp, #64]\n"
	"	ldp	x27, x28, [sp, #80]\n"
	"	ldp	x29, x30, [sp], #112\n"
	"	ret\n"
	".popsection\n");

uint64_t el0_install(const char *start, const char *end)
{
	size_t n = (size_t)(end - start);

	memcpy((void *)MMU_EL0_BASE, start, n);
	/* Data was written, instructions will be fetched: clean to PoU, invalidate. */
	for (uint64_t a = MMU_EL0_BASE; a < MMU_EL0_BASE + n; a += 64) {
		__asm__ volatile("dc cvau, %0" : : "r"(a) : "memory");
	}
	__asm__ volatile("dsb ish\nic iallu\ndsb ish\nisb" ::: "memory");
	return MMU_EL0_BASE;
}
