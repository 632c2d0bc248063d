/* SPDX-License-Identifier: MIT */
/* SMMUv3 stream table entries, commands and event records (field positions: IHI 0070). */
#include <hyp/smmuv3.h>
#include <lib/string.h>
#include <stdbool.h>

/* STE word 0 */
#define STE_V (1ull << 0)
#define STE_CFG_SHIFT 1
#define STE_CFG_ABORT 0x0ull
#define STE_CFG_S2 0x6ull /* stage 1 bypass, stage 2 translate */
/* STE word 1 */
#define STE_SHCFG_INCOMING (1ull << 44)
/* STE word 2 */
#define STE_S2T0SZ_SHIFT 32
#define STE_S2SL0_SHIFT 38
#define STE_S2IR0_WBRA (1ull << 40)
#define STE_S2OR0_WBRA (1ull << 42)
#define STE_S2SH0_INNER (3ull << 44)
#define STE_S2TG_4K (0ull << 46)
#define STE_S2PS_SHIFT 48
#define STE_S2AA64 (1ull << 51)
#define STE_S2PTW (1ull << 54) /* a stage-1 walk into device memory faults (no stage 1 here) */
#define STE_S2R (1ull << 58)   /* record faults */
/* STE word 3 */
#define STE_S2TTB_MASK 0x000ffffffffffff0ull

void smmu_ste_s2(uint64_t ste[SMMU_STE_DWORDS], const struct smmu_s2_cfg *cfg)
{
	/* Start level 1 for a 39-bit input with 4 KiB pages: SL0 = 1. */
	uint64_t sl0 = cfg->ia_bits > 39 ? 2 : 1;

	memset(ste, 0, SMMU_STE_DWORDS * sizeof(uint64_t));
	ste[0] = STE_V | STE_CFG_S2 << STE_CFG_SHIFT;
	ste[1] = STE_SHCFG_INCOMING;
	ste[2] = cfg->vmid | (uint64_t)(64 - cfg->ia_bits) << STE_S2T0SZ_SHIFT |
		 sl0 << STE_S2SL0_SHIFT | STE_S2IR0_WBRA | STE_S2OR0_WBRA | STE_S2SH0_INNER |
		 STE_S2TG_4K | (uint64_t)(cfg->ps & 7) << STE_S2PS_SHIFT | STE_S2AA64 | STE_S2PTW |
		 STE_S2R;
	ste[3] = cfg->ttb & STE_S2TTB_MASK;
}

void smmu_ste_abort(uint64_t ste[SMMU_STE_DWORDS])
{
	memset(ste, 0, SMMU_STE_DWORDS * sizeof(uint64_t));
	ste[0] = STE_V | STE_CFG_ABORT << STE_CFG_SHIFT;
}

#define CMD_CFGI_ALL 0x04
#define CMD_TLBI_S12_VMALL 0x28
#define CMD_TLBI_S2_IPA 0x2a
#define CMD_TLBI_NSNH_ALL 0x30
#define CMD_SYNC 0x46
#define CMD_VMID_SHIFT 32
#define CMD_CFGI_RANGE_ALL 31
#define CMD_IPA_MASK 0x000ffffffffff000ull

static void cmd(uint64_t c[SMMU_CMD_DWORDS], uint64_t w0, uint64_t w1)
{
	c[0] = w0;
	c[1] = w1;
}

void smmu_cmd_cfgi_all(uint64_t c[SMMU_CMD_DWORDS])
{
	cmd(c, CMD_CFGI_ALL, CMD_CFGI_RANGE_ALL);
}

void smmu_cmd_tlbi_nsnh_all(uint64_t c[SMMU_CMD_DWORDS])
{
	cmd(c, CMD_TLBI_NSNH_ALL, 0);
}

void smmu_cmd_tlbi_s12_vmall(uint64_t c[SMMU_CMD_DWORDS], uint16_t vmid)
{
	cmd(c, CMD_TLBI_S12_VMALL | (uint64_t)vmid << CMD_VMID_SHIFT, 0);
}

void smmu_cmd_tlbi_s2_ipa(uint64_t c[SMMU_CMD_DWORDS], uint16_t vmid, uint64_t ipa)
{
	/* Not only the leaf: a table entry above may have changed too. */
	cmd(c, CMD_TLBI_S2_IPA | (uint64_t)vmid << CMD_VMID_SHIFT, ipa & CMD_IPA_MASK);
}

void smmu_cmd_sync(uint64_t c[SMMU_CMD_DWORDS])
{
	cmd(c, CMD_SYNC, 0); /* CS = 0: completion is seen as CMDQ_CONS reaching it */
}

void smmu_event_decode(const uint64_t evt[SMMU_EVT_DWORDS], struct smmu_event *e)
{
	e->type = (uint8_t)evt[0];
	e->sid = (uint32_t)(evt[0] >> 32);
	e->write = false;
	e->addr = 0;
	switch (e->type) {
	case SMMU_EVT_F_UUT:
	case SMMU_EVT_F_TRANSL_FORBIDDEN:
	case SMMU_EVT_F_TRANSLATION:
	case SMMU_EVT_F_ADDR_SIZE:
	case SMMU_EVT_F_ACCESS:
	case SMMU_EVT_F_PERMISSION:
		e->write = !(evt[1] >> 35 & 1); /* RnW, bit 99 of the record */
		e->addr = evt[2];             /* InputAddr, bits 191:128 */
		break;
	default:
		break;
	}
}

const char *smmu_event_name(uint8_t type)
{
	switch (type) {
	case SMMU_EVT_F_UUT:
		return "unsupported upstream transaction";
	case SMMU_EVT_C_BAD_STREAMID:
		return "unknown stream";
	case SMMU_EVT_F_STE_FETCH:
		return "stream table fetch fault";
	case SMMU_EVT_C_BAD_STE:
		return "bad stream table entry";
	case SMMU_EVT_F_STREAM_DISABLED:
		return "stream disabled";
	case SMMU_EVT_F_TRANSL_FORBIDDEN:
		return "translation forbidden";
	case SMMU_EVT_F_TRANSLATION:
		return "translation fault";
	case SMMU_EVT_F_ADDR_SIZE:
		return "address size fault";
	case SMMU_EVT_F_ACCESS:
		return "access flag fault";
	case SMMU_EVT_F_PERMISSION:
		return "permission fault";
	default:
		return "event";
	}
}
