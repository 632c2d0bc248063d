/* SPDX-License-Identifier: MIT */
/*
 * Traps from the host: hypercalls, and what a misbehaving host gets instead of a
 * crashed hypervisor: an abort for touching memory that is not its own, UNDEF for
 * registers and instructions it was not given, SMC filtered.
 */
#include <abi/status.h>
#include <arch/percpu.h>
#include <arch/switch.h>
#include <arch/sysreg.h>
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/host_psci.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <hyp/psci.h>
#include <hyp/trap.h>


bool host_gicr_emulate(struct cpu_context *host, uint64_t esr, uint64_t pa);

/*
 * The host touched memory it does not own: give it the external abort hardware
 * would, unless it is a register EL2 emulates for it.
 */
static void host_abort(struct cpu_context *host, uint64_t esr)
{
	uint64_t far = read_sysreg(far_el2);
	uint64_t ipa = ((read_sysreg(hpfar_el2) >> 4) << 12) | (far & 0xfff);

	if (host_gicr_emulate(host, esr, ipa)) {
		return;
	}
	uint64_t ec = ESR_EC(esr) == EC_DABT_LOW ? EC_DABT_CUR : EC_IABT_CUR;
	uint64_t iss = (ESR_ISS(esr) & ~0x3full & ~ESR_ABT_S1PTW) | FSC_SEA;

	hyp_log("host abort: %s at PA 0x%lx (VA 0x%lx, pc 0x%lx): not host memory",
		ec == EC_DABT_CUR ? ((esr & ESR_DABT_WNR) ? "write" : "read") : "fetch", ipa, far,
		host->pc);
	/* IL as trapped: a 16-bit T32 instruction of an AArch32 EL0 has IL 0. */
	inject_sync_el1(host, ec << ESR_EC_SHIFT | (esr & ESR_IL) | iss, far);
}

/* SMC from the host: EL2 stands for the firmware; PSCI is answered, the rest refused. */
static void host_smc(struct cpu_context *host)
{
	skip_instr(host);
	if (!host_psci_call(host)) {
		host->regs[0] = SMCCC_RET_NOT_SUPPORTED;
	}
}

void handle_host_sync(struct cpu_context *host)
{
	struct cpu_view view = { hyp_state.host_mte, false };
	uint64_t esr = read_sysreg(esr_el2);

	host->pc = read_sysreg(elr_el2);
	host->pstate = read_sysreg(spsr_el2);
	switch (ESR_EC(esr)) {
	case EC_HVC64:
		handle_host_hcall(host);
		break;
	case EC_SMC64:
		host_smc(host);
		break;
	case EC_DABT_LOW:
	case EC_IABT_LOW:
		host_abort(host, esr);
		break;
	case EC_SYS64:
		emulate_sysreg(host, esr, &view);
		break;
	case EC_FP:
		fp_take(this_cpu(), host);
		break;
	default:
		inject_undef(host);
		break;
	}
	write_sysreg(elr_el2, host->pc);
	write_sysreg(spsr_el2, host->pstate);
}

void hyp_exception_panic(uint64_t esr, uint64_t elr, uint64_t far)
{
	hyp_panic("exception at EL2: ESR 0x%lx ELR 0x%lx FAR 0x%lx", esr, elr, far);
}
