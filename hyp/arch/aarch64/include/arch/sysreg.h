/* SPDX-License-Identifier: MIT */
/* System register access and the EL2 control bits tagvisor programs. */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <stdint.h>

/* Two levels so that register names given as macros (SYS_*) expand first. */
#define read_sysreg(r) read_sysreg_(r)
#define read_sysreg_(r)                                         \
	({                                                      \
		uint64_t v_;                                    \
		__asm__ volatile("mrs %0, " #r : "=r"(v_));     \
		v_;                                             \
	})
#define write_sysreg(r, v) write_sysreg_(r, v)
#define write_sysreg_(r, v)                                                      \
	do {                                                                     \
		__asm__ volatile("msr " #r ", %x0" : : "rZ"((uint64_t)(v)));      \
	} while (0)

#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")

/* Registers GCC 12 only knows by encoding. */
#define SYS_GCR_EL1 s3_0_c1_c0_6
#define SYS_RGSR_EL1 s3_0_c1_c0_5
#define SYS_TFSR_EL1 s3_0_c5_c6_0
#define SYS_TFSRE0_EL1 s3_0_c5_c6_1
#define SYS_TFSR_EL2 s3_4_c5_c6_0
#define SYS_GMID_EL1 s3_1_c0_c0_4
#define SYS_ICC_SRE_EL2 s3_4_c12_c9_5
#define ICH_VMCR_EL2 s3_4_c12_c11_7
#define SYS_HCRX_EL2 s3_4_c1_c2_2
#define SYS_VDISR_EL2 s3_4_c12_c1_1
/* Fine-grained traps (FEAT_FGT): their "n" bits trap when 0. */
#define SYS_HFGRTR_EL2 s3_4_c1_c1_4
#define SYS_HFGWTR_EL2 s3_4_c1_c1_5
#define SYS_HFGITR_EL2 s3_4_c1_c1_6
#define SYS_HDFGRTR_EL2 s3_4_c3_c1_4
#define SYS_HDFGWTR_EL2 s3_4_c3_c1_5
#define HCRX_MSCEN (1ull << 11)
#define SYS_ID_AA64PFR1_EL1 s3_0_c0_c4_1
#define SYS_ID_AA64MMFR2_EL1 s3_0_c0_c7_2

/* HCR_EL2 */
#define HCR_VM (1ull << 0)
#define HCR_SWIO (1ull << 1)
#define HCR_FMO (1ull << 3)
#define HCR_IMO (1ull << 4)
#define HCR_AMO (1ull << 5)
#define HCR_FB (1ull << 9)
#define HCR_BSU_IS (1ull << 10)
#define HCR_TWI (1ull << 13)
#define HCR_TID3 (1ull << 18)
#define HCR_TSC (1ull << 19)
#define HCR_TIDCP (1ull << 20)
#define HCR_TACR (1ull << 21)
#define HCR_RW (1ull << 31)
#define HCR_TLOR (1ull << 35)
#define HCR_TERR (1ull << 36)
#define HCR_ATA (1ull << 56)
#define HCR_TID5 (1ull << 58)

/* CPTR_EL2 (E2H = 0): trap SVE, SME, trace, activity monitors; TFP per context. */
#define CPTR_RES1 0x000032ffull
#define CPTR_TZ (1ull << 8)
#define CPTR_TFP (1ull << 10)
#define CPTR_TSM (1ull << 12)
#define CPTR_TTA (1ull << 20)
#define CPTR_TAM (1ull << 30)

/* MDCR_EL2 */
#define MDCR_HPMN_MASK 0x1full
#define MDCR_TPMCR (1ull << 5)
#define MDCR_TPM (1ull << 6)
#define MDCR_TDE (1ull << 8)
#define MDCR_TDA (1ull << 9)
#define MDCR_TDOSA (1ull << 10)
#define MDCR_TDRA (1ull << 11)
#define MDCR_TTRF (1ull << 19) /* FEAT_TRF: trap TRFCR_EL1 */
#define MDCR_HPMD (1ull << 17) /* FEAT_PMUv3p1: no event counting at EL2 */
#define MDCR_HCCD (1ull << 23) /* FEAT_PMUv3p5: no cycle counting at EL2 */
#define MDCR_TDCC (1ull << 27) /* FEAT_FGT: trap the debug communications channel */

/* SCTLR_EL2 (E2H = 0) */
#define SCTLR_EL2_RES1 0x30c50830ull
#define SCTLR_M (1ull << 0)
#define SCTLR_C (1ull << 2)
#define SCTLR_SA (1ull << 3)
#define SCTLR_I (1ull << 12)
#define SCTLR_WXN (1ull << 19)
#define SCTLR_ATA (1ull << 43)

/* CNTHCTL_EL2 (E2H = 0) */
#define CNTHCTL_EL1PCTEN (1ull << 0)
#define CNTHCTL_EL1PCEN (1ull << 1)

/* MAIR_EL2 indices used by the hypervisor's stage 1. */
#define MAIR_IDX_TAGGED 0
#define MAIR_IDX_DEVICE 1 /* Device-nGnRE */
#define MAIR_VALUE 0x04f0ull /* 0: Normal write-back Tagged (0xf0), 1: Device-nGnRE (0x04) */

#endif
