/* SPDX-License-Identifier: MIT */
/*
 * EL2 exception vectors and the world switch. A trap from EL1 is either the host
 * (hyp_cpu.guest == 0): its registers are saved in hyp_cpu.host, C handles the
 * trap, and the host resumes; or a guest: its registers are saved in its context
 * and __guest_enter returns to the C run loop with an exit code.
 */
#include <arch/percpu.h>

/* Saves x2..x30 at \ctx, then x0/x1 from the stack where the vector pushed them. */
.macro save_gprs ctx
	stp	x2, x3, [\ctx, #16]
	stp	x4, x5, [\ctx, #32]
	stp	x6, x7, [\ctx, #48]
	stp	x8, x9, [\ctx, #64]
	stp	x10, x11, [\ctx, #80]
	stp	x12, x13, [\ctx, #96]
	stp	x14, x15, [\ctx, #112]
	stp	x16, x17, [\ctx, #128]
	stp	x18, x19, [\ctx, #144]
	stp	x20, x21, [\ctx, #160]
	stp	x22, x23, [\ctx, #176]
	stp	x24, x25, [\ctx, #192]
	stp	x26, x27, [\ctx, #208]
	stp	x28, x29, [\ctx, #224]
	str	x30, [\ctx, #240]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [\ctx, #0]
.endm

/* Loads x0..x30 from the context in x0. */
.macro load_gprs
	ldp	x2, x3, [x0, #16]
	ldp	x4, x5, [x0, #32]
	ldp	x6, x7, [x0, #48]
	ldp	x8, x9, [x0, #64]
	ldp	x10, x11, [x0, #80]
	ldp	x12, x13, [x0, #96]
	ldp	x14, x15, [x0, #112]
	ldp	x16, x17, [x0, #128]
	ldp	x18, x19, [x0, #144]
	ldp	x20, x21, [x0, #160]
	ldp	x22, x23, [x0, #176]
	ldp	x24, x25, [x0, #192]
	ldp	x26, x27, [x0, #208]
	ldp	x28, x29, [x0, #224]
	ldr	x30, [x0, #240]
	ldp	x0, x1, [x0, #0]
.endm

/* A trap from EL1/EL0: dispatch on who was running (each vector holds 32 instructions). */
.macro lower_vector name
	.balign 0x80
	stp	x0, x1, [sp, #-16]!
	mrs	x0, tpidr_el2
	ldr	x1, [x0, #CPU_OFF_GUEST]
	cbnz	x1, guest_\name
	b	host_\name
.endm

/* Out-of-line halves of a lower-EL vector; x0 = hyp_cpu, x1 = guest context. */
.macro guest_exit_stub name, code
guest_\name:
	save_gprs x1
	mov	x0, #\code
	b	__guest_exit
.endm

.macro panic_vector
	.balign 0x80
	b	__hyp_exception
.endm

	.section .text.vectors, "ax"
	.balign 0x800
	.global __hyp_vectors
__hyp_vectors:
	panic_vector		/* current EL, SP0 */
	panic_vector
	panic_vector
	panic_vector
	panic_vector		/* current EL, SPx */
	panic_vector
	panic_vector
	panic_vector
	lower_vector sync	/* lower EL, AArch64 */
	lower_vector irq
	lower_vector fiq
	lower_vector serror
	/*
	 * Lower EL, AArch32: EL1 is AArch64 only (HCR_EL2.RW), but the CPU may run EL0 in
	 * AArch32. Such an exception takes the same path as one from AArch64: a guest found
	 * in AArch32 is stopped (hyp/core/run.c), the host gets what it would get from EL0.
	 */
	lower_vector sync
	lower_vector irq
	lower_vector fiq
	lower_vector serror

	.text
	guest_exit_stub sync, EXIT_SYNC
	guest_exit_stub irq, EXIT_IRQ
	guest_exit_stub fiq, EXIT_FIQ
	guest_exit_stub serror, EXIT_SERROR

/* The host's IRQs, FIQs and SErrors are not routed to EL2; these cannot happen. */
host_irq:
host_fiq:
host_serror:
	ldp	x0, x1, [sp], #16
	eret

/* The host trapped: save its x0..x30 in hyp_cpu.host and let C handle it. */
host_sync:
	add	x0, x0, #CPU_OFF_HOST
	save_gprs x0
	mrs	x0, tpidr_el2
	add	x0, x0, #CPU_OFF_HOST
	bl	handle_host_sync
	mrs	x0, tpidr_el2
	add	x0, x0, #CPU_OFF_HOST
	load_gprs
	eret
	dsb	nsh
	isb

/* void __host_enter(struct cpu_context *host) */
	.global __host_enter
__host_enter:
	load_gprs
	eret
	dsb	nsh
	isb

/* int __guest_enter(struct cpu_context *guest, struct hyp_cpu *cpu) */
	.global __guest_enter
__guest_enter:
	add	x2, x1, #CPU_OFF_HYP_REGS
	stp	x19, x20, [x2, #0]
	stp	x21, x22, [x2, #16]
	stp	x23, x24, [x2, #32]
	stp	x25, x26, [x2, #48]
	stp	x27, x28, [x2, #64]
	stp	x29, x30, [x2, #80]
	load_gprs
	eret
	dsb	nsh
	isb

/* The guest's registers are saved; x0 = exit code. Return from __guest_enter. */
__guest_exit:
	mrs	x1, tpidr_el2
	add	x2, x1, #CPU_OFF_HYP_REGS
	ldp	x19, x20, [x2, #0]
	ldp	x21, x22, [x2, #16]
	ldp	x23, x24, [x2, #32]
	ldp	x25, x26, [x2, #48]
	ldp	x27, x28, [x2, #64]
	ldp	x29, x30, [x2, #80]
	ret

/* An exception taken at EL2 itself is a hypervisor bug. */
__hyp_exception:
	mrs	x0, esr_el2
	mrs	x1, elr_el2
	mrs	x2, far_el2
	b	hyp_exception_panic
