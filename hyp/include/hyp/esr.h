/* SPDX-License-Identifier: MIT */
/* Exception syndrome (ESR_ELx) fields and the exception classes the hypervisor handles. */
#ifndef HYP_ESR_H
#define HYP_ESR_H

#include <stdint.h>

#define ESR_EC_SHIFT 26
#define ESR_EC(esr) (((esr) >> ESR_EC_SHIFT) & 0x3f)
#define ESR_IL (1ull << 25)
#define ESR_ISS(esr) ((esr)&0x1ffffff)

enum esr_ec {
	EC_UNKNOWN = 0x00,
	EC_WFX = 0x01,
	EC_FP = 0x07,
	EC_PAC = 0x09,
	EC_ILLEGAL = 0x0e,
	EC_SVC64 = 0x15,
	EC_HVC64 = 0x16,
	EC_SMC64 = 0x17,
	EC_SYS64 = 0x18,
	EC_SVE = 0x19,
	EC_SME = 0x1d,
	EC_IABT_LOW = 0x20,
	EC_IABT_CUR = 0x21,
	EC_PC_ALIGN = 0x22,
	EC_DABT_LOW = 0x24,
	EC_DABT_CUR = 0x25,
	EC_SERROR = 0x2f,
	EC_BRK64 = 0x3c,
};

/* Data and instruction abort ISS. */
#define ESR_DABT_ISV (1ull << 24)
#define ESR_DABT_SAS(esr) (((esr) >> 22) & 3)
#define ESR_DABT_SSE (1ull << 21)
#define ESR_DABT_SRT(esr) (((esr) >> 16) & 0x1f)
#define ESR_DABT_SF (1ull << 15)
#define ESR_ABT_EA (1ull << 9)
#define ESR_ABT_S1PTW (1ull << 7)
#define ESR_DABT_WNR (1ull << 6)
#define ESR_ABT_FSC(esr) ((esr)&0x3f)
#define FSC_TRANS_L0 0x04 /* ..0x07: translation fault, level 0..3 */
#define FSC_ACCESS_L0 0x08
#define FSC_PERM_L0 0x0c
#define FSC_SEA 0x10      /* synchronous external abort */
#define FSC_TAG_CHECK 0x11

static inline int fsc_is_translation(uint64_t esr)
{
	return (ESR_ABT_FSC(esr) & ~3ull) == FSC_TRANS_L0;
}

static inline int fsc_is_access_flag(uint64_t esr)
{
	return (ESR_ABT_FSC(esr) & ~3ull) == FSC_ACCESS_L0;
}

static inline int fsc_is_permission(uint64_t esr)
{
	return (ESR_ABT_FSC(esr) & ~3ull) == FSC_PERM_L0;
}

/* Trapped MSR/MRS (EC 0x18) ISS: Op0 21:20, Op2 19:17, Op1 16:14, CRn 13:10, Rt 9:5, CRm 4:1, read 0. */
#define ESR_SYS_READ 1u
#define ESR_SYS_RT(esr) (((esr) >> 5) & 0x1f)
#define ESR_SYS_ENC_MASK 0x3ffc1eu /* every field but Rt and the direction */
#define SYS_ENC(op0, op1, crn, crm, op2)                                                   \
	(((uint32_t)(op0) << 20) | ((uint32_t)(op2) << 17) | ((uint32_t)(op1) << 14) |     \
	 ((uint32_t)(crn) << 10) | ((uint32_t)(crm) << 1))
#define SYS_ENC_OP0(e) (((e) >> 20) & 3)
#define SYS_ENC_OP1(e) (((e) >> 14) & 7)
#define SYS_ENC_CRN(e) (((e) >> 10) & 0xf)
#define SYS_ENC_CRM(e) (((e) >> 1) & 0xf)
#define SYS_ENC_OP2(e) (((e) >> 17) & 7)

#define ENC_ID_AA64PFR0_EL1 SYS_ENC(3, 0, 0, 4, 0)
#define ENC_ID_AA64PFR1_EL1 SYS_ENC(3, 0, 0, 4, 1)
#define ENC_ID_AA64PFR2_EL1 SYS_ENC(3, 0, 0, 4, 2)
#define ENC_ID_AA64ZFR0_EL1 SYS_ENC(3, 0, 0, 4, 4)
#define ENC_ID_AA64SMFR0_EL1 SYS_ENC(3, 0, 0, 4, 5)
#define ENC_ID_AA64DFR0_EL1 SYS_ENC(3, 0, 0, 5, 0)
#define ENC_ID_AA64DFR1_EL1 SYS_ENC(3, 0, 0, 5, 1)
#define ENC_ID_AA64ISAR1_EL1 SYS_ENC(3, 0, 0, 6, 1)
#define ENC_ID_AA64ISAR2_EL1 SYS_ENC(3, 0, 0, 6, 2)
#define ENC_ID_AA64MMFR1_EL1 SYS_ENC(3, 0, 0, 7, 1)
#define ENC_GMID_EL1 SYS_ENC(3, 1, 0, 0, 4)
#define ENC_GCR_EL1 SYS_ENC(3, 0, 1, 0, 6)
#define ENC_RGSR_EL1 SYS_ENC(3, 0, 1, 0, 5)
#define ENC_TFSR_EL1 SYS_ENC(3, 0, 5, 6, 0)
#define ENC_TFSRE0_EL1 SYS_ENC(3, 0, 5, 6, 1)

/* The syndrome of an UNDEF taken to EL1 (EC 0, IL 1). */
#define ESR_UNDEF ESR_IL

#endif
