/* SPDX-License-Identifier: MIT */
/* SMCCC and PSCI function IDs the hypervisor knows. */
#ifndef HYP_PSCI_H
#define HYP_PSCI_H

#define SMCCC_VERSION 0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u
#define SMCCC_RET_NOT_SUPPORTED ((uint64_t)-1)
#define SMCCC_RET_INVALID_PARAMETER ((uint64_t)-2)
#define SMCCC_CONV_64 0x40000000u /* bit 30 of a function ID: the SMC64/HVC64 convention */

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_SUSPEND_64 0xc4000001u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON_64 0xc4000003u
#define PSCI_AFFINITY_INFO_64 0xc4000004u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000au
/* PSCI's function numbers (SMC32 IDs; SMC64 ones add SMCCC_CONV_64). */
#define PSCI_FN_FIRST 0x84000000u
#define PSCI_FN_LAST 0x8400001fu

#define PSCI_VERSION_1_1 0x10001u
#define PSCI_RET_SUCCESS 0u

#endif
