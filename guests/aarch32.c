/* SPDX-License-Identifier: MIT */
/*
 * Tries AArch32 at EL0, as a guest's own kernel could (an ERET with an AArch32 SPSR_EL1):
 * T32 code stores a byte to the UART with a 16-bit instruction, then SVC back to EL1.
 * On bare QEMU (-cpu max runs AArch32 EL0) it prints the byte and returns. Under tagvisor
 * a guest is AArch64 only: ID_AA64PFR0_EL1 says so (EL0 = 1), and a vCPU that enters
 * AArch32 anyway is stopped when it traps, before EL2 would emulate that store (and step
 * its pc by 4, past a 2-byte instruction): the run ends as a crash.
 */
#include "guest.h"

uint64_t a32_run(uint64_t code, uint64_t uart, uint64_t byte);

/* EL0 T32 code: STR r0, [r1]; SVC #0; B . */
__asm__(".balign 4\n"
	"a32_code:\n"
	"	.hword 0x6008, 0xdf00, 0xe7fe, 0xe7fe\n"
	/* Vectors for the excursion: the lower-EL AArch32 synchronous one brings it back. */
	".balign 0x800\n"
	"a32_vectors:\n"
	"	.fill 0x600 / 4, 4, 0xd4200000\n" /* BRK #0: anything else is unexpected */
	"	ldr	x9, =a32_saved\n"
	"	ldp	x19, x20, [x9]\n"
	"	ldp	x21, x22, [x9, #16]\n"
	"	ldp	x23, x24, [x9, #32]\n"
	"	ldp	x25, x26, [x9, #48]\n"
	"	ldp	x27, x28, [x9, #64]\n"
	"	ldp	x29, x30, [x9, #80]\n"
	"	ldr	x10, [x9, #96]\n"
	"	mov	sp, x10\n"
	"	ldr	x10, [x9, #104]\n"
	"	msr	vbar_el1, x10\n"
	"	isb\n"
	"	mrs	x0, esr_el1\n"
	"	ret\n"
	".balign 0x80\n"
	/* uint64_t a32_run(code, uart, byte): x0 = ESR_EL1 of the exception that returned. */
	".global a32_run\n"
	"a32_run:\n"
	"	ldr	x9, =a32_saved\n"
	"	stp	x19, x20, [x9]\n"
	"	stp	x21, x22, [x9, #16]\n"
	"	stp	x23, x24, [x9, #32]\n"
	"	stp	x25, x26, [x9, #48]\n"
	"	stp	x27, x28, [x9, #64]\n"
	"	stp	x29, x30, [x9, #80]\n"
	"	mov	x10, sp\n"
	"	str	x10, [x9, #96]\n"
	"	mrs	x10, vbar_el1\n"
	"	str	x10, [x9, #104]\n"
	"	ldr	x10, =a32_vectors\n"
	"	msr	vbar_el1, x10\n"
	"	msr	elr_el1, x0\n"
	"	mov	x10, #0x30\n" /* User mode, T32 */
	"	msr	spsr_el1, x10\n"
	"	isb\n"
	"	mov	x0, x2\n"
	"	eret\n"
	".data\n"
	".balign 8\n"
	"a32_saved:\n"
	"	.fill 14, 8, 0\n"
	".text\n");

extern const char a32_code[];

void guest_main(void)
{
	uint64_t el0 = read_sysreg(id_aa64pfr0_el1) & 0xf;
	uint64_t esr;

	printf("aarch32: ID_AA64PFR0_EL1.EL0 %lu (%s)\n", el0,
	       el0 >= 2 ? "AArch32 too" : "AArch64 only");
	printf("aarch32: entering EL0 in T32 state\n");
	esr = a32_run((uint64_t)a32_code, UART_BASE, 'T');
	printf("\naarch32: back at EL1, ESR_EL1 0x%lx (EC 0x%lx: SVC from AArch32)\n", esr,
	       esr >> 26);
	printf("aarch32: done\n");
}
