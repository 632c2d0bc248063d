/* SPDX-License-Identifier: MIT */
/*
 * What the portable core needs from an architecture layer. Implemented by
 * hyp/arch/aarch64 (the real thing) and hyp/arch/fake (RAM in a host buffer,
 * a tag store with one tag per 16-byte granule, for unit tests on x86).
 */
#ifndef HYP_ARCH_H
#define HYP_ARCH_H

#include <hyp/types.h>

struct vcpu;

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
/*
 * Cleans and invalidates a page to the point of coherency: its data, and its tags too if
 * `tags` (FEAT_MTE2). Before a page changes owner, so that nobody who bypasses the
 * caches finds older contents in memory than in the caches.
 */
void arch_page_clean_poc(phys_addr_t pa, bool tags);
/* Zeroes a page's data, and its tags if `tags`, and cleans it to PoC (one pass if it can). */
void arch_page_zero_poc(phys_addr_t pa, bool tags);
/*
 * Tags packed two per byte, granule 2i in the low nibble of byte i (lib/tagcodec.h),
 * in an 8-byte aligned buffer. take_tags reads them and clears them in one pass.
 */
void arch_page_get_tags(phys_addr_t pa, uint8_t packed[128]);
void arch_page_take_tags(phys_addr_t pa, uint8_t packed[128]);
void arch_page_set_tags(phys_addr_t pa, const uint8_t packed[128]);
/*
 * Tags as one byte per granule (KVM_ARM_MTE_COPY_TAGS layout); from_bytes ignores
 * bits 7:4. Calls must sit between arch_tag_bytes_begin() and _end(): they may use
 * FP/SIMD registers, whose contents (of whichever context owns them) are kept in
 * `save` meanwhile.
 */
#define ARCH_TAG_BYTES_SAVE 136 /* q0-q7, and a word of the arch's own */
void arch_tag_bytes_begin(uint8_t save[ARCH_TAG_BYTES_SAVE]);
void arch_tag_bytes_end(const uint8_t save[ARCH_TAG_BYTES_SAVE]);
void arch_page_tags_to_bytes(phys_addr_t pa, uint8_t *bytes);
void arch_page_tags_from_bytes(phys_addr_t pa, const uint8_t *bytes);

/* Whether the hypervisor's code and read-only data are as they were at boot. */
bool arch_image_intact(void);

/* A DMA the IOMMU refused: the device (PCI requester ID), the fault, the address. */
struct iommu_fault {
	uint32_t device;
	uint8_t type; /* the IOMMU's own event type (SMMUv3: hyp/smmuv3.h) */
	bool write;
	uint64_t addr;
};
/* Reports (on the console) the DMA faults not reported yet; returns all since boot. */
uint64_t arch_iommu_faults(struct iommu_fault *last);

/* Console (stderr of the tagvisor CLI). */
void arch_console_write(const char *s, size_t n);

/* Ends the machine: the CLI sees `code` as the exit status. */
_Noreturn void arch_halt(int code);

/* ---- CPUs: those of the machine, by index 0..arch_nr_cpus()-1 (0 booted) ---- */
#define HYP_MAX_CPUS 8
unsigned arch_nr_cpus(void);
unsigned arch_this_cpu(void);
/* The index of the CPU with this MPIDR affinity, or -1. */
int arch_cpu_index(uint64_t mpidr);
/*
 * Powers CPU idx on through the firmware, into the hypervisor's own entry: it sets
 * itself up at EL2 and then calls host_psci_cpu_up(). Returns a PSCI code.
 */
uint64_t arch_cpu_start(unsigned idx);
/* The firmware's AFFINITY_INFO for CPU idx (PSCI_AFF_*). */
uint64_t arch_cpu_affinity(unsigned idx);
/* Powers this CPU off through the firmware. */
_Noreturn void arch_cpu_stop(void);
/* Waits for an interrupt (WFI): the host's standby. */
void arch_cpu_wait(void);



/*
 * EL1 system registers of a context: in hardware while the context is loaded,
 * in ctxt->sys otherwise. The core uses these to emulate and inject exceptions.
 */
#include <hyp/context.h>
uint64_t ctxt_sys_read(struct cpu_context *ctxt, enum ctxt_sysreg reg);
void ctxt_sys_write(struct cpu_context *ctxt, enum ctxt_sysreg reg, uint64_t val);

/* Whether the context's EL1 system registers are the ones in hardware now. */
bool arch_ctxt_loaded(const struct cpu_context *ctxt);
/* Saves the context's FP/SIMD registers into ctxt->fp if they are live in hardware. */
void arch_ctxt_sync_fp(struct cpu_context *ctxt);
/* Forgets a context that is being reset or destroyed (it may own the FP registers). */
void arch_ctxt_reset(struct cpu_context *ctxt);
/* The physical counter (CNTPCT_EL0). */
uint64_t arch_counter(void);
/* Copies a page of memory. */
void arch_page_copy(phys_addr_t dst, phys_addr_t src);

/* Whether a list register of the loaded vCPU holds a pending interrupt. */
bool arch_vgic_pending(void);
/* Runs vgic_flush() on the running vCPU's list registers, wherever they live now. */
void arch_vgic_refresh(struct vcpu *vcpu);

/* Reads a register of the ID space (op0 3, op1 0, CRn 0); unallocated ones read 0. */
uint64_t arch_read_id_reg(uint32_t enc);
/* FEAT_IDST: trapped reads of unimplemented ID registers report EC 0x18. */
bool arch_has_idst(void);
/* FEAT_NMI: PSTATE.ALLINT exists (set on exception entry to EL1). */
bool arch_has_nmi(void);
/* FEAT_MTE (the instructions, PSTATE.TCO) is implemented, tag storage or not. */
bool arch_has_mte_insns(void);
#endif
