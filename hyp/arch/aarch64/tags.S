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
 * void arch_page_get_tags(phys_addr_t pa, uint8_t packed[128])
 * LDGM returns the tags of one block as nibbles at bit 4*(granule % 16) of the
 * register, which is the packed layout when stored little-endian. With blocks
 * smaller than 256 bytes the nibbles of a word come from several LDGMs, ORed.
 */
	.global arch_page_get_tags
arch_page_get_tags:
	ldr	x2, =tag_block
	ldr	x2, [x2]
	add	x3, x0, #4096
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

/* void arch_page_set_tags(phys_addr_t pa, const uint8_t packed[128]) */
	.global arch_page_set_tags
arch_page_set_tags:
	ldr	x2, =tag_block
	ldr	x2, [x2]
	add	x3, x0, #4096
1:	ldr	x4, [x1], #8
2:	stgm	x4, [x0]
	add	x0, x0, x2
	tst	x0, #0xff
	b.ne	2b
	cmp	x0, x3
	b.lo	1b
	ret
