/* SPDX-License-Identifier: MIT */
/*
 * Page-sized data and tag operations at EL2, through the hypervisor's Tagged
 * identity map. DC ZVA/GZVA work in 64-byte blocks and LDGM/STGM in 256-byte
 * blocks (GMID_EL1.BS = 6) on the QEMU platform; the block sizes are read from
 * DCZID_EL0 and GMID_EL1 at boot into tag_block/zva_block so other CPUs work too.
 */
	.arch armv8.5-a+memtag
	.text

/* void arch_page_zero(phys_addr_t pa) */
	.global arch_page_zero
arch_page_zero:
	ldr	x2, =zva_block
	ldr	x2, [x2]
	add	x1, x0, #4096
1:	dc	zva, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	ret

/* void arch_page_zero_tagged(phys_addr_t pa): data and tags in one pass. */
	.global arch_page_zero_tagged
arch_page_zero_tagged:
	ldr	x2, =zva_block
	ldr	x2, [x2]
	add	x1, x0, #4096
1:	dc	gzva, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	ret

/* void arch_page_clear_tags(phys_addr_t pa) */
	.global arch_page_clear_tags
arch_page_clear_tags:
	ldr	x2, =tag_block
	ldr	x2, [x2]
	add	x1, x0, #4096
1:	stgm	xzr, [x0]
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	ret

/*
 * void arch_page_get_tags(phys_addr_t pa, uint8_t packed[128]), packed 8-byte aligned.
 * LDGM returns the tags of one block as nibbles at bit 4*(granule % 16) of the
 * register, which is the packed layout when stored little-endian. With 256-byte
 * blocks one LDGM is a word, four an iteration; with smaller blocks the nibbles of
 * a word come from several LDGMs, ORed.
 */
	.global arch_page_get_tags
arch_page_get_tags:
	ldr	x2, =tag_block
	ldr	x2, [x2]
	add	x3, x0, #4096
	cmp	x2, #256
	b.ne	1f
2:	ldgm	x4, [x0]
	add	x0, x0, #256
	ldgm	x5, [x0]
	add	x0, x0, #256
	ldgm	x6, [x0]
	add	x0, x0, #256
	ldgm	x7, [x0]
	add	x0, x0, #256
	stp	x4, x5, [x1], #16
	stp	x6, x7, [x1], #16
	cmp	x0, x3
	b.lo	2b
	ret
1:	mov	x4, xzr
2:	ldgm	x5, [x0]
	orr	x4, x4, x5
	add	x0, x0, x2
	tst	x0, #0xff
	b.ne	2b
	str	x4, [x1], #8
	cmp	x0, x3
	b.lo	1b
	ret

/*
 * void arch_page_take_tags(phys_addr_t pa, uint8_t packed[128]), packed 8-byte aligned:
 * arch_page_get_tags() and arch_page_clear_tags() in one pass over the page.
 */
	.global arch_page_take_tags
arch_page_take_tags:
	ldr	x2, =tag_block
	ldr	x2, [x2]
	cmp	x2, #256
	b.ne	1f
	.rept	8			/* the whole page, unrolled: reclaim does this per page */
	ldgm	x4, [x0]
	stgm	xzr, [x0]
	add	x0, x0, #256
	ldgm	x5, [x0]
	stgm	xzr, [x0]
	add	x0, x0, #256
	stp	x4, x5, [x1], #16
	.endr
	ret
1:	stp	x29, x30, [sp, #-16]!
	str	x0, [sp, #-16]!
	bl	arch_page_get_tags
	ldr	x0, [sp], #16
	ldp	x29, x30, [sp], #16
	b	arch_page_clear_tags

/* void arch_page_set_tags(phys_addr_t pa, const uint8_t packed[128]), packed 8-byte aligned */
	.global arch_page_set_tags
arch_page_set_tags:
	ldr	x2, =tag_block
	ldr	x2, [x2]
	cmp	x2, #256
	b.ne	1f
	.rept	8			/* unrolled too: every restore and donation with tags */
	ldp	x4, x5, [x1], #16
	stgm	x4, [x0]
	add	x0, x0, #256
	stgm	x5, [x0]
	add	x0, x0, #256
	.endr
	ret
1:	add	x3, x0, #4096
3:	ldr	x4, [x1], #8
2:	stgm	x4, [x0]
	add	x0, x0, x2
	tst	x0, #0xff
	b.ne	2b
	cmp	x0, x3
	b.lo	3b
	ret

/*
 * One tag per byte, for TV_HC_MTE_COPY_TAGS. With 256-byte LDGM/STGM blocks, one
 * LDGM gives 16 tags as nibbles; NEON splits them into bytes (and back) in a few
 * instructions. v0-v7 are used: arch_tag_bytes_begin/_end keep their owner's
 * values and let EL2 use FP/SIMD. Other block sizes take the packed path in C.
 */
	.arch armv8.5-a+memtag+simd

/*
 * void tags_to_bytes_256(phys_addr_t pa, uint8_t *bytes)
 * Four blocks (64 tags) an iteration: two LDGMs fill a vector, whose low nibbles
 * (even granules) and high nibbles (odd ones) are interleaved back into bytes.
 */
	.global tags_to_bytes_256
tags_to_bytes_256:
	movi	v3.16b, #0x0f
	add	x2, x0, #4096
1:	ldgm	x4, [x0]
	add	x0, x0, #256
	ldgm	x5, [x0]
	add	x0, x0, #256
	ldgm	x6, [x0]
	add	x0, x0, #256
	ldgm	x7, [x0]
	add	x0, x0, #256
	fmov	d0, x4
	mov	v0.d[1], x5
	fmov	d1, x6
	mov	v1.d[1], x7
	ushr	v2.16b, v0.16b, #4	/* odd granules: high nibbles */
	and	v0.16b, v0.16b, v3.16b	/* even granules: low nibbles */
	zip1	v4.16b, v0.16b, v2.16b
	zip2	v5.16b, v0.16b, v2.16b
	ushr	v2.16b, v1.16b, #4
	and	v1.16b, v1.16b, v3.16b
	zip1	v6.16b, v1.16b, v2.16b
	zip2	v7.16b, v1.16b, v2.16b
	st1	{v4.16b-v7.16b}, [x1], #64
	cmp	x0, x2
	b.lo	1b
	ret

/*
 * void tags_from_bytes_256(phys_addr_t pa, const uint8_t *bytes)
 * Four blocks an iteration: even and odd bytes are separated, and SLI puts each odd
 * tag above its even neighbour's low nibble (the bytes' bits 7:4 are dropped).
 */
	.global tags_from_bytes_256
tags_from_bytes_256:
	add	x2, x0, #4096
1:	ld1	{v4.16b-v7.16b}, [x1], #64
	uzp1	v0.16b, v4.16b, v5.16b	/* even granules of blocks 0, 1 */
	uzp2	v1.16b, v4.16b, v5.16b	/* odd granules */
	uzp1	v2.16b, v6.16b, v7.16b
	uzp2	v3.16b, v6.16b, v7.16b
	sli	v0.16b, v1.16b, #4
	sli	v2.16b, v3.16b, #4
	fmov	x4, d0
	mov	x5, v0.d[1]
	fmov	x6, d2
	mov	x7, v2.d[1]
	stgm	x4, [x0]
	add	x0, x0, #256
	stgm	x5, [x0]
	add	x0, x0, #256
	stgm	x6, [x0]
	add	x0, x0, #256
	stgm	x7, [x0]
	add	x0, x0, #256
	cmp	x0, x2
	b.lo	1b
	ret

/* void simd_save8(uint8_t save[128]), simd_load8(const uint8_t save[128]): q0-q7. */
	.global simd_save8
simd_save8:
	stp	q0, q1, [x0]
	stp	q2, q3, [x0, #32]
	stp	q4, q5, [x0, #64]
	stp	q6, q7, [x0, #96]
	ret
	.global simd_load8
simd_load8:
	ldp	q0, q1, [x0]
	ldp	q2, q3, [x0, #32]
	ldp	q4, q5, [x0, #64]
	ldp	q6, q7, [x0, #96]
	ret

/* void arch_page_copy(phys_addr_t dst, phys_addr_t src): 64 bytes per iteration. */
	.global arch_page_copy
arch_page_copy:
	add	x2, x1, #4096
1:	ldp	x4, x5, [x1]
	ldp	x6, x7, [x1, #16]
	ldp	x8, x9, [x1, #32]
	ldp	x10, x11, [x1, #48]
	stp	x4, x5, [x0]
	stp	x6, x7, [x0, #16]
	stp	x8, x9, [x0, #32]
	stp	x10, x11, [x0, #48]
	add	x1, x1, #64
	add	x0, x0, #64
	cmp	x1, x2
	b.lo	1b
	ret
