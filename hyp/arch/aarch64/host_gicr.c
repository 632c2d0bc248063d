/* SPDX-License-Identifier: MIT */
/*
 * The redistributors' RD_base frames, emulated for the host (platform.c says why).
 * The host keeps what it needs of them: the identification registers and
 * GICR_WAKER (to wake its redistributor). LPIs stay off: GICR_TYPER says there
 * are none, GICR_CTLR.EnableLPIs cannot be set, and the table registers
 * (PROPBASER, PENDBASER) and the direct-LPI ones read as zero and ignore writes,
 * so no redistributor ever reads or writes memory at an address of the host's.
 */
#include <arch/platform.h>
#include <hyp/esr.h>
#include <hyp/trap.h>

#define GICR_CTLR 0x0000
#define GICR_CTLR_ENABLE_LPIS (1u << 0)
#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008
#define GICR_TYPER_PLPIS (1ull << 0)
#define GICR_TYPER_DIRECTLPI (1ull << 3)
#define GICR_STATUSR 0x0010
#define GICR_WAKER 0x0014
#define GICR_ID_REGS 0xffd0 /* PIDR4..CIDR3, to the end of the frame */

static uint64_t rd(uint64_t pa, unsigned size_log2)
{
	return size_log2 == 3 ? *(volatile uint64_t *)pa : *(volatile uint32_t *)pa;
}

static void wr(uint64_t pa, unsigned size_log2, uint64_t v)
{
	if (size_log2 == 3) {
		*(volatile uint64_t *)pa = v;
	} else {
		*(volatile uint32_t *)pa = (uint32_t)v;
	}
}

/* The value the host reads at offset `off` of an RD_base frame. */
static uint64_t emulated_read(uint64_t pa, unsigned off, unsigned size_log2)
{
	switch (off) {
	case GICR_CTLR:
		return rd(pa, size_log2) & ~(uint64_t)GICR_CTLR_ENABLE_LPIS;
	case GICR_TYPER:
	case GICR_TYPER + 4:
		return rd(pa, size_log2) & ~((GICR_TYPER_PLPIS | GICR_TYPER_DIRECTLPI) >> (off & 4) * 8);
	case GICR_IIDR:
	case GICR_STATUSR:
	case GICR_WAKER:
		return rd(pa, size_log2);
	default:
		return off >= GICR_ID_REGS ? rd(pa, size_log2) : 0;
	}
}

static void emulated_write(uint64_t pa, unsigned off, unsigned size_log2, uint64_t v)
{
	switch (off) {
	case GICR_CTLR:
		wr(pa, size_log2, v & ~(uint64_t)GICR_CTLR_ENABLE_LPIS);
		break;
	case GICR_STATUSR:
	case GICR_WAKER:
		wr(pa, size_log2, v);
		break;
	default:
		break; /* read-only, or LPI state: ignored */
	}
}

bool host_gicr_emulate(struct cpu_context *host, uint64_t esr, uint64_t pa)
{
	unsigned size_log2 = (unsigned)ESR_DABT_SAS(esr), rt = (unsigned)ESR_DABT_SRT(esr);
	unsigned off = (unsigned)((pa - platform.gicr_base) % GICR_FRAME_SIZE);

	/* Only plain, naturally aligned 32- and 64-bit accesses, as the GIC requires. */
	if (ESR_EC(esr) != EC_DABT_LOW || !(esr & ESR_DABT_ISV) || size_log2 < 2 ||
	    (pa & ((1u << size_log2) - 1)) || !platform_is_gicr_rd(pa)) {
		return false;
	}
	if (esr & ESR_DABT_WNR) {
		emulated_write(pa, off, size_log2, rt == 31 ? 0 : host->regs[rt]);
	} else if (rt != 31) {
		host->regs[rt] = emulated_read(pa, off, size_log2);
		if (!(esr & ESR_DABT_SF)) {
			host->regs[rt] &= 0xffffffffull;
		}
	}
	host->pc += 4;
	return true;
}
