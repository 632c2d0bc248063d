/* SPDX-License-Identifier: MIT */
/* Tags one per byte (TV_HC_MTE_COPY_TAGS), with the NEON fast path of tags.S. */
#include <arch/sysreg.h>
#include <hyp/arch.h>
#include <lib/string.h>

extern uint64_t tag_block;
void tags_to_bytes_256(phys_addr_t pa, uint8_t *bytes);
void tags_from_bytes_256(phys_addr_t pa, const uint8_t *bytes);
void simd_save8(uint8_t save[ARCH_TAG_BYTES_SAVE]);
void simd_load8(const uint8_t save[ARCH_TAG_BYTES_SAVE]);

#define CPTR_TFP (1ull << 10)

/*
 * CPTR_EL2.TFP traps FP/SIMD at EL2 too: lift it while the hypervisor uses v0-v7. Its
 * value goes in the caller's save area after the registers (this CPU's, not a global).
 */
void arch_tag_bytes_begin(uint8_t save[ARCH_TAG_BYTES_SAVE])
{
	uint64_t cptr = read_sysreg(cptr_el2);

	memcpy(save + 128, &cptr, sizeof(cptr));
	write_sysreg(cptr_el2, cptr & ~CPTR_TFP);
	isb();
	simd_save8(save);
}

void arch_tag_bytes_end(const uint8_t save[ARCH_TAG_BYTES_SAVE])
{
	uint64_t cptr;

	memcpy(&cptr, save + 128, sizeof(cptr));
	simd_load8(save);
	write_sysreg(cptr_el2, cptr);
	isb();
}

void arch_page_tags_to_bytes(phys_addr_t pa, uint8_t *bytes)
{
	uint8_t packed[128];

	if (tag_block == 256) {
		tags_to_bytes_256(pa, bytes);
		return;
	}
	arch_page_get_tags(pa, packed);
	for (unsigned i = 0; i < 128; i++) {
		bytes[2 * i] = packed[i] & 0xf;
		bytes[2 * i + 1] = packed[i] >> 4;
	}
}

void arch_page_tags_from_bytes(phys_addr_t pa, const uint8_t *bytes)
{
	uint8_t packed[128];

	if (tag_block == 256) {
		tags_from_bytes_256(pa, bytes);
		return;
	}
	for (unsigned i = 0; i < 128; i++) {
		packed[i] = (uint8_t)((bytes[2 * i] & 0xf) | (bytes[2 * i + 1] & 0xf) << 4);
	}
	arch_page_set_tags(pa, packed);
}
