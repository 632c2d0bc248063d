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
#define PSCI_CPU_SUSPEND_32 0x84000001u
#define PSCI_CPU_SUSPEND_64 0xc4000001u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON_32 0x84000003u
#define PSCI_CPU_ON_64 0xc4000003u
#define PSCI_AFFINITY_INFO_32 0x84000004u
#define PSCI_AFFINITY_INFO_64 0xc4000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000au
/* PSCI's function numbers (SMC32 IDs; SMC64 ones add SMCCC_CONV_64). */
#define PSCI_FN_FIRST 0x84000000u
#define PSCI_FN_LAST 0x8400001fu

#define PSCI_VERSION_1_1 0x10001u

/* Return codes (DEN0022), negative values in x0. */
#define PSCI_RET_SUCCESS 0u
#define PSCI_RET_NOT_SUPPORTED ((uint64_t)-1)
#define PSCI_RET_INVALID_PARAMETERS ((uint64_t)-2)
#define PSCI_RET_DENIED ((uint64_t)-3)
#define PSCI_RET_ALREADY_ON ((uint64_t)-4)
#define PSCI_RET_ON_PENDING ((uint64_t)-5)
#define PSCI_RET_INTERNAL_FAILURE ((uint64_t)-6)
#define PSCI_RET_INVALID_ADDRESS ((uint64_t)-9)

/* AFFINITY_INFO answers. */
#define PSCI_AFF_ON 0u
#define PSCI_AFF_OFF 1u
#define PSCI_AFF_ON_PENDING 2u

/* MIGRATE_INFO_TYPE: no Trusted OS that would need migrating. */
#define PSCI_TOS_NOT_PRESENT_MP 2u

/* CPU_SUSPEND power_state (original format): StateID 15:0, StateType 16 (1: powerdown),
 * PowerLevel 25:24; the rest is reserved. */
#define PSCI_POWER_STATE_TYPE (1u << 16)
#define PSCI_POWER_STATE_VALID 0x0301ffffu

#endif
