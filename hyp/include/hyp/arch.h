/* SPDX-License-Identifier: MIT */
/*
 * What the portable core needs from an architecture layer. Implemented by
 * hyp/arch/aarch64 (the real thing) and hyp/arch/fake (RAM in a host buffer,
 * a tag store with one tag per 16-byte granule, for unit tests on x86).
 */
#ifndef HYP_ARCH_H
#define HYP_ARCH_H

#include <hyp/types.h>

/* The hypervisor's view of physical memory (an identity map on aarch64). */
void *hyp_va(phys_addr_t pa);
phys_addr_t hyp_pa(const void *va);

/* TLB maintenance after a stage-2 change, for one VMID. VMID 0 is the host. */
void arch_tlb_inval_ipa(uint16_t vmid, uint64_t ipa);
void arch_tlb_inval_vmid(uint16_t vmid);

/* Whether the hardware stores allocation tags (FEAT_MTE2) and has asymmetric checks. */
bool arch_has_mte(void);
bool arch_has_mte_asym(void);

/* Page contents. All take a page-aligned PA of RAM. */
void arch_page_zero(phys_addr_t pa);           /* data only */
void arch_page_zero_tagged(phys_addr_t pa);    /* data and tags */
void arch_page_clear_tags(phys_addr_t pa);     /* tags only */
/* Tags as 16 words of 16 nibbles, granule i of the page at word i/16, bits 4*(i%16). */
void arch_page_get_tags(phys_addr_t pa, uint64_t packed[16]);
void arch_page_set_tags(phys_addr_t pa, const uint64_t packed[16]);
/* Tags as one byte per granule (KVM_ARM_MTE_COPY_TAGS layout); set ignores bits 7:4. */
void arch_page_tags_to_bytes(phys_addr_t pa, uint8_t *bytes);
void arch_page_tags_from_bytes(phys_addr_t pa, const uint8_t *bytes);

/* Console (stderr of the tagvisor CLI). */
void arch_console_write(const char *s, size_t n);

/* Ends the machine: the CLI sees `code` as the exit status. */
_Noreturn void arch_halt(int code);

#endif
