/* SPDX-License-Identifier: MIT */
/*
 * Pages to the point of coherency. What EL2 writes (a scrub, cleared tags) may sit in the
 * caches; an observer that bypasses them (a non-cacheable mapping, a guest with its MMU
 * off, a device) sees DRAM. A page changing owner is cleaned and invalidated to PoC
 * first, data and, where tags exist, tags (DC CIGDVAC), so that DRAM holds what the
 * caches hold. Line and DC ZVA block sizes are read at boot (dcache_line, zva_block).
 */
	.arch armv8.5-a+memtag
	.text

/* void arch_page_clean_poc(phys_addr_t pa, bool tags) */
	.global arch_page_clean_poc
arch_page_clean_poc:
	ldr	x2, =dcache_line
	ldr	x2, [x2]
	add	x3, x0, #4096
	cbnz	w1, 2f
1:	dc	civac, x0
	add	x0, x0, x2
	cmp	x0, x3
	b.lo	1b
	dsb	sy
	ret
2:	dc	cigdvac, x0
	add	x0, x0, x2
	cmp	x0, x3
	b.lo	2b
	dsb	sy
	ret

/*
 * void arch_page_zero_poc(phys_addr_t pa, bool tags): zeroes the data (and the tags if
 * `tags`: DC GZVA) and cleans the page to PoC, in one pass when a ZVA block is a cache
 * line (as on QEMU's max CPU), else zero then clean.
 */
	.global arch_page_zero_poc
arch_page_zero_poc:
	ldr	x2, =dcache_line
	ldr	x2, [x2]
	ldr	x4, =zva_block
	ldr	x4, [x4]
	cmp	x2, x4
	b.ne	5f
	add	x3, x0, #4096
	cbnz	w1, 2f
1:	dc	zva, x0
	dc	civac, x0
	add	x0, x0, x2
	cmp	x0, x3
	b.lo	1b
	dsb	sy
	ret
2:	dc	gzva, x0
	dc	cigdvac, x0
	add	x0, x0, x2
	cmp	x0, x3
	b.lo	2b
	dsb	sy
	ret
5:	stp	x29, x30, [sp, #-32]!
	stp	x0, x1, [sp, #16]
	cbnz	w1, 6f
	bl	arch_page_zero
	b	7f
6:	bl	arch_page_zero_tagged
7:	ldp	x0, x1, [sp, #16]
	ldp	x29, x30, [sp], #32
	b	arch_page_clean_poc
