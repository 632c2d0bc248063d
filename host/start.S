/* SPDX-License-Identifier: MIT */
/* Host entry at EL1 (include/abi/boot.h): x0 = DTB, x1 = TV_BOOT_* flags. */
	.section .text.entry, "ax"
	.global _start
_start:
	b	1f
	.word	0
	.quad	0x31305453484f5654		/* TV_HOST_MAGIC, "TVHOST01" */
	.quad	__host_image_size		/* set by host.ld */
1:	ldr	x2, =__stack_top
	mov	sp, x2
	ldr	x2, =host_vectors
	msr	vbar_el1, x2
	isb
	ldr	x2, =__bss_start
	ldr	x3, =__bss_end
2:	cmp	x2, x3
	b.hs	3f
	str	xzr, [x2], #8
	b	2b
3:	bl	host_main
4:	wfi
	b	4b

/*
 * Every other CPU, turned on by smp_init (host/smp.c) through PSCI: x0 = its index,
 * MMU off. Its stack top was cleaned to memory for it to read uncached.
 */
	.global _secondary_start
_secondary_start:
	ldr	x1, =host_stack_tops
	ldr	x1, [x1, x0, lsl #3]
	mov	sp, x1
	msr	tpidr_el1, x0
	ldr	x2, =host_vectors
	msr	vbar_el1, x2
	isb
	bl	host_secondary_main
5:	wfi
	b	5b

/* Exception vectors: save the interrupted registers in a frame, call C, restore. */
.macro vector handler
	.balign 0x80
	sub	sp, sp, #272
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	b	\handler
.endm

.macro bad_vector
	.balign 0x80
	b	host_bad_vector_entry
.endm

	.text
	.balign 0x800
	.global host_vectors
host_vectors:
	bad_vector			/* current EL, SP0 */
	bad_vector
	bad_vector
	bad_vector
	vector host_sync_entry		/* current EL, SPx */
	vector host_irq_entry
	bad_vector
	bad_vector
	vector host_sync_entry		/* lower EL (host tests running at EL0) */
	vector host_irq_entry
	bad_vector
	bad_vector
	bad_vector
	bad_vector
	bad_vector
	bad_vector

.macro save_rest_and_call fn
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
	mrs	x0, elr_el1
	mrs	x1, spsr_el1
	stp	x30, x0, [sp, #240]
	str	x1, [sp, #256]
	mov	x0, sp
	bl	\fn
	ldp	x30, x0, [sp, #240]
	ldr	x1, [sp, #256]
	msr	elr_el1, x0
	msr	spsr_el1, x1
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
.endm

host_sync_entry:
	save_rest_and_call host_sync_exception
host_irq_entry:
	save_rest_and_call host_irq
host_bad_vector_entry:
	mrs	x0, esr_el1
	mrs	x1, elr_el1
	mrs	x2, far_el1
	b	host_bad_vector

/* int64_t hvc_call(uint64_t id, const uint64_t args[6], uint64_t res[8]) */
	.global hvc_call
hvc_call:
	mov	x9, x2
	mov	x8, x1
	ldp	x1, x2, [x8, #0]
	ldp	x3, x4, [x8, #16]
	ldp	x5, x6, [x8, #32]
	hvc	#0
	stp	x0, x1, [x9, #0]
	stp	x2, x3, [x9, #16]
	stp	x4, x5, [x9, #32]
	stp	x6, x7, [x9, #48]
	ret
