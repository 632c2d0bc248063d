/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 structures the hypervisor builds (Arm IHI 0070): stream table entries
 * that send every DMA of the host's devices through the host's own stage-2 table,
 * the commands that keep the SMMU's caches in step with it, and the event records
 * it reports faults in. Pure encoding, unit-tested natively; the driver that talks
 * to the device is hyp/arch/aarch64/smmuv3.c.
 */
#ifndef HYP_SMMUV3_H
#define HYP_SMMUV3_H

#include <stdbool.h>
#include <stdint.h>

#define SMMU_STE_DWORDS 8 /* 64 bytes */
#define SMMU_CMD_DWORDS 2 /* 16 bytes */
#define SMMU_EVT_DWORDS 4 /* 32 bytes */

/* Stage-2 translation of a stream, as the CPU's VTCR_EL2/VTTBR_EL2 would describe it. */
struct smmu_s2_cfg {
	uint64_t ttb;   /* physical address of the level-1 table (4 KiB granule) */
	uint16_t vmid;
	uint8_t ia_bits; /* input address size: 39 with three levels from level 1 */
	uint8_t ps;     /* output size, VTCR_EL2.PS encoding (0: 32 bits .. 5: 48 bits) */
};

/* A valid STE: stage 1 bypassed, stage 2 through cfg, faults recorded in the event queue. */
void smmu_ste_s2(uint64_t ste[SMMU_STE_DWORDS], const struct smmu_s2_cfg *cfg);
/* A valid STE that aborts every transaction of its stream. */
void smmu_ste_abort(uint64_t ste[SMMU_STE_DWORDS]);

/* Commands. */
void smmu_cmd_cfgi_all(uint64_t cmd[SMMU_CMD_DWORDS]);
void smmu_cmd_tlbi_nsnh_all(uint64_t cmd[SMMU_CMD_DWORDS]);
void smmu_cmd_tlbi_s12_vmall(uint64_t cmd[SMMU_CMD_DWORDS], uint16_t vmid);
void smmu_cmd_tlbi_s2_ipa(uint64_t cmd[SMMU_CMD_DWORDS], uint16_t vmid, uint64_t ipa);
void smmu_cmd_sync(uint64_t cmd[SMMU_CMD_DWORDS]);

/* An event record, decoded. */
struct smmu_event {
	uint8_t type;     /* SMMU_EVT_* */
	uint32_t sid;     /* stream (PCI requester ID) */
	uint64_t addr;    /* input address of the transaction, when the type has one */
	bool write;
};

#define SMMU_EVT_F_UUT 0x01
#define SMMU_EVT_C_BAD_STREAMID 0x02
#define SMMU_EVT_F_STE_FETCH 0x03
#define SMMU_EVT_C_BAD_STE 0x04
#define SMMU_EVT_F_STREAM_DISABLED 0x06
#define SMMU_EVT_F_TRANSL_FORBIDDEN 0x07
#define SMMU_EVT_F_TRANSLATION 0x10
#define SMMU_EVT_F_ADDR_SIZE 0x11
#define SMMU_EVT_F_ACCESS 0x12
#define SMMU_EVT_F_PERMISSION 0x13

void smmu_event_decode(const uint64_t evt[SMMU_EVT_DWORDS], struct smmu_event *e);
/* A short name for an event type ("translation fault"). */
const char *smmu_event_name(uint8_t type);

#endif
