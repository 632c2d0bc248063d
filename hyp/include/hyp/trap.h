/* SPDX-License-Identifier: MIT */
/* Handling of what the host and guests do that traps to EL2 (the portable part). */
#ifndef HYP_TRAP_H
#define HYP_TRAP_H

#include <hyp/context.h>
#include <hyp/vm.h>

/* The syndrome of a trap from EL1/EL0 to EL2. */
struct trap_info {
	uint64_t esr;
	uint64_t far;
	uint64_t hpfar;
};

/* What VCPU_RUN returns to the host: x1 = reason, x2..x6 = data. */
struct tv_exit {
	uint64_t reason;
	uint64_t data[5];
};

/* How a context sees the CPU's features (ID registers, MTE registers). */
struct cpu_view {
	bool mte;   /* allocation tags usable: MTE ID fields and registers visible */
	bool guest; /* a guest: hide EL2, SVE, SME, PAuth, PMU, trace, ... as KVM does */
};

/*
 * Handles a guest's synchronous trap (other than FP/SIMD, which the arch switches
 * itself). Returns true to resume the guest, false to exit to the host with *exit.
 */
bool handle_guest_trap(struct vcpu *vcpu, const struct trap_info *t, struct tv_exit *exit);

/*
 * Emulates a trapped MSR/MRS (EC 0x18) for a context with the given view: ID
 * registers, GMID_EL1, the MTE registers, debug registers. Whatever is not emulated
 * gets an UNDEF injected, as on hardware without the register.
 */
void emulate_sysreg(struct cpu_context *ctxt, uint64_t esr, const struct cpu_view *view);

/* The value of an ID register as a context with `view` sees it. */
uint64_t id_reg_view(uint32_t enc, uint64_t hw, const struct cpu_view *view);

/* Injects a synchronous exception into EL1 of the context (ELR = the faulting pc). */
void inject_sync_el1(struct cpu_context *ctxt, uint64_t esr, uint64_t far);
void inject_undef(struct cpu_context *ctxt);
/*
 * A synchronous external data abort at `far`, as for an access with no device behind it;
 * `write` sets ESR.WnR, as hardware reports a store's abort.
 */
void inject_dabt(struct cpu_context *ctxt, uint64_t far, bool write);
/* A synchronous external instruction abort at `far` (a fetch from no memory). */
void inject_iabt(struct cpu_context *ctxt, uint64_t far);

/**
 * Runs a vCPU until it needs the host, first completing the exit it last took
 * (TV_RUN_* flags, `value`). Returns 0 with *exit filled, or:
 *  -TV_EINVAL  unknown flags, or flags that do not match the pending exit
 *  -TV_EPERM   the VM was turned off or reset (PSCI SYSTEM_*), or the vCPU stopped
 *  -TV_EBUSY   the vCPU runs on another CPU (or another call has it)
 *  handle errors as vcpu_get()
 * A vCPU that is off (PSCI) returns at once with TV_EXIT_CPU_OFF.
 */
int64_t vcpu_run(uint64_t handle, uint64_t idx, uint64_t flags, uint64_t value, struct tv_exit *exit);

/*
 * Stops a vCPU found in AArch32 state, or with an AArch32 SPSR_EL1, for good (run.c):
 * *exit becomes TV_EXIT_GUEST_ERROR with TV_ERROR_AARCH32 and the syndrome `esr` (0 if
 * none), the vCPU is powered off, and its PSTATE and SPSR_EL1 are reset to EL1h.
 */
void vcpu_stop_aarch32(struct vcpu *vcpu, uint64_t esr, struct tv_exit *exit);

/*
 * A guest's PSCI call (function ID in x0), if it is one EL2 answers: returns true with
 * the result in x0 and *resume saying whether the guest goes on (else *exit is for the
 * host: CPU_OFF, SYSTEM_OFF/RESET, a wait). false: not such a call (guest_psci.c).
 */
bool guest_psci_call(struct vcpu *vcpu, struct tv_exit *exit, bool *resume);
/* Whether every vCPU of the VM is off (PSCI); the VM's lock is held. */
bool vm_all_off_locked(struct vm *vm);

/*
 * The vCPU waits for an interrupt (WFI, CPU_SUSPEND): true to go on at once (one is
 * pending), else *exit is TV_EXIT_WFI for the host, with the deadline of its timers.
 */
bool vcpu_wfi(struct vcpu *vcpu, struct tv_exit *exit);

/* Provided by the arch: enter the vCPU and run it until an exit for the host. */
void arch_vcpu_run(struct vcpu *vcpu, struct tv_exit *exit);

#endif
