/* SPDX-License-Identifier: MIT */
/*
 * Guest entry at EL1, MMU off, as QEMU's virt machine starts a bare-metal ELF or a raw
 * binary (x0 = the device tree's address for a raw binary or a Linux-style boot).
 */
	.section .text.entry, "ax"
	.global _start
_start:
	ldr	x1, =boot_x0
	str	x0, [x1]
	ldr	x1, =__stack_top
	mov	sp, x1
	ldr	x1, =guest_vectors
	msr	vbar_el1, x1
	mov	x1, #(3 << 20)		/* CPACR_EL1.FPEN: let C use FP/SIMD if it wants */
	msr	cpacr_el1, x1
	isb
	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	bl	guest_main
	bl	psci_system_off
3:	b	3b

	.data
	.balign 8
	.global boot_x0
boot_x0:
	.quad	0
	.text

/* Vectors: synchronous exceptions go to C with a frame, the rest are fatal. */
.macro vec target
	.balign 0x80
	sub	sp, sp, #272
	stp	x0, x1, [sp, #0]
	mov	x1, #\target
	b	guest_vector_common
.endm

	.balign 0x800
	.global guest_vectors
guest_vectors:
	vec 0	/* current EL, SP0: sync */
	vec 1
	vec 2
	vec 3
	vec 0	/* current EL, SPx: sync */
	vec 1
	vec 2
	vec 3
	vec 0	/* lower EL */
	vec 1
	vec 2
	vec 3
	vec 3
	vec 3
	vec 3
	vec 3

guest_vector_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x30, x2, [sp, #240]
	str	x3, [sp, #256]
	mov	x0, sp
	bl	guest_exception
	ldp	x30, x2, [sp, #240]
	ldr	x3, [sp, #256]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	add	sp, sp, #272
	eret
