/* SPDX-License-Identifier: MIT */
/*
 * The world switch between the host and a vCPU. Only the host's EL1 state is
 * swapped for the guest's on entry and back on exit to the host; traps that EL2
 * handles by itself (PSCI queries, ID registers) resume the guest without it.
 * FP/SIMD registers move lazily, on the first use by a context that does not own
 * them, so an MMIO exit to a host that never touches FP costs nothing there. A vCPU's
 * are saved whenever it leaves the CPU (it may run on another next); the registers
 * still hold them after, and a later run here uses them as long as no other CPU has
 * loaded that vCPU's since (cpu_context.fp_cpu).
 */
#include <arch/lazy.h>
#include <arch/percpu.h>
#include <arch/switch.h>
#include <arch/sysreg.h>
#include <hyp/arch.h>
#include <hyp/debug.h>
#include <hyp/esr.h>
#include <hyp/hyp.h>
#include <hyp/mem_protect.h>
#include <hyp/trap.h>

void vgic_load(struct vcpu *vcpu);
void vgic_save(struct vcpu *vcpu);
void vgic_scrub_vmcr(void);
bool vgic_take_irq(struct vcpu *vcpu);
void sysreg_save_el1(struct cpu_context *c, bool mte);
void sysreg_load_el1(const struct cpu_context *c, bool mte);


#define CPTR_BASE (CPTR_RES1 | CPTR_TZ | CPTR_TSM | CPTR_TTA | CPTR_TAM)
#define HCR_COMMON (HCR_VM | HCR_SWIO | HCR_RW | HCR_TSC | HCR_TIDCP | HCR_TLOR)
#define HCR_GUEST                                                                   \
	(HCR_COMMON | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS | HCR_TWI | \
	 HCR_TID3 | HCR_TACR | HCR_TERR)

/* Whether this CPU's FP/SIMD registers hold ctxt's. */
static bool fp_owned(const struct hyp_cpu *cpu, const struct cpu_context *ctxt)
{
	return cpu->fp_owner == ctxt &&
	       __atomic_load_n(&ctxt->fp_cpu, __ATOMIC_RELAXED) == cpu->idx + 1;
}

uint64_t cptr_for(const struct hyp_cpu *cpu, const struct cpu_context *ctxt)
{
	return CPTR_BASE | (fp_owned(cpu, ctxt) ? 0 : CPTR_TFP);
}

void fp_take(struct hyp_cpu *cpu, struct cpu_context *to)
{
	write_sysreg(cptr_el2, CPTR_BASE);
	isb();
	/* Only the host's can be unsaved: a vCPU's were saved when it left the CPU. */
	if (cpu->fp_owner == &cpu->host && fp_owned(cpu, &cpu->host)) {
		fpsimd_save(&cpu->host.fp);
	}
	fpsimd_load(&to->fp);
	cpu->fp_owner = to;
	__atomic_store_n(&to->fp_cpu, cpu->idx + 1, __ATOMIC_RELAXED);
}

void arch_ctxt_sync_fp(struct cpu_context *ctxt)
{
	(void)ctxt; /* a vCPU not running has its FP/SIMD registers in its context already */
}

/* A vCPU leaves the CPU: its FP/SIMD registers, if it had them, go to its context. */
static void fp_put_guest(struct hyp_cpu *cpu, struct cpu_context *g)
{
	if (fp_owned(cpu, g)) {
		fpsimd_save(&g->fp); /* CPTR_EL2 is still the guest's: no trap */
	}
}

uint64_t arch_counter(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

void arch_ctxt_reset(struct cpu_context *ctxt)
{
	/* No CPU's registers hold its values any more: they are loaded afresh next time. */
	__atomic_store_n(&ctxt->fp_cpu, 0, __ATOMIC_RELAXED);
}

/*
 * TID3 always: the host's ID registers hide what EL2 traps for it (sysreg.c). A host
 * with MTE off also gets no tag access and its MTE registers and GMID_EL1 trapped.
 */
uint64_t host_hcr(void)
{
	if (hyp_state.host_mte) {
		return HCR_COMMON | HCR_TID3 | HCR_ATA;
	}
	return HCR_COMMON | HCR_TID3 | HCR_TID5;
}

void load_host_el2_config(struct hyp_cpu *cpu)
{
	write_sysreg(hcr_el2, host_hcr());
	write_sysreg(vttbr_el2, pa_addr(hyp_pa(host_s2.root)));
	write_sysreg(cptr_el2, cptr_for(cpu, &cpu->host));
	write_sysreg(mdcr_el2, cpu->guest_mdcr & MDCR_HPMN_MASK); /* every counter is the host's */
	write_sysreg(cnthctl_el2, CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN);
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(vmpidr_el2, read_sysreg(mpidr_el1));
}

static void load_guest_el2_config(struct hyp_cpu *cpu, struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	uint64_t hcr = HCR_GUEST | (vm_has_mte(vm) ? HCR_ATA : HCR_TID5);

	write_sysreg(hcr_el2, hcr);
	write_sysreg(vttbr_el2, pa_addr(hyp_pa(vm->s2.root)) | (uint64_t)vm->vmid << 48);
	write_sysreg(cptr_el2, cptr_for(cpu, &vcpu->ctxt));
	write_sysreg(mdcr_el2, guest_mdcr(cpu, vcpu));
	/*
	 * The EL1 physical timer and counter are the host's: the guest's trap and are
	 * emulated (hyp/core/timer.c), with CNTHP standing for its timer.
	 */
	write_sysreg(cnthctl_el2, 0);
	write_sysreg(cntvoff_el2, vm->cntvoff);
	write_sysreg(vmpidr_el2, 0x80000000ull | vcpu->idx);
}

/*
 * HPFAR_EL2 need not be valid for a stage-2 permission fault (as KVM notes), so
 * translate the faulting VA through the guest's stage 1, which is still loaded.
 */
static uint64_t permission_fault_hpfar(uint64_t far, uint64_t hpfar)
{
	uint64_t par_saved = read_sysreg(par_el1), par;

	__asm__ volatile("at s1e1r, %0" : : "r"(far));
	isb();
	par = read_sysreg(par_el1);
	write_sysreg(par_el1, par_saved);
	if (par & 1) {
		return hpfar; /* the guest changed its tables: retry via HPFAR */
	}
	return ((par & 0x0000fffffffff000ull) >> 12) << 4;
}

/* Runs the guest until a trap EL2 cannot handle by itself; fills *exit. */
static void run_until_exit(struct hyp_cpu *cpu, struct vcpu *vcpu, struct tv_exit *exit)
{
	struct cpu_context *g = &vcpu->ctxt;
	struct trap_info t;

	for (;;) {
		if (g->step_done) {
			debug_step_done(vcpu);
		}
		write_sysreg(elr_el2, g->pc);
		write_sysreg(spsr_el2, g->pstate);
		int code = __guest_enter(g, cpu);

		g->pc = read_sysreg(elr_el2);
		g->pstate = read_sysreg(spsr_el2);
		if (code == EXIT_IRQ && vgic_take_irq(vcpu)) {
			/* The guest's own timers, its doorbell: delivered without the host. */
			if (__atomic_load_n(&vcpu->vm->system_event, __ATOMIC_ACQUIRE)) {
				/* Another vCPU turned the VM off or reset it: this one ends too. */
				*exit = (struct tv_exit){ TV_EXIT_SYSTEM_EVENT,
							  { vcpu->vm->system_event, 0, 0, 0, 0 } };
				return;
			}
			continue;
		}
		if (code != EXIT_SYNC) {
			if (code == EXIT_SERROR) {
				*exit = (struct tv_exit){ TV_EXIT_GUEST_ERROR,
							  { read_sysreg(esr_el2), 0, 0, 0, 0 } };
			} else {
				*exit = (struct tv_exit){ TV_EXIT_IRQ, { 0 } };
			}
			return;
		}
		t.esr = read_sysreg(esr_el2);
		if (ESR_EC(t.esr) == EC_FP) {
			fp_take(cpu, g);
			continue;
		}
		t.far = read_sysreg(far_el2);
		t.hpfar = read_sysreg(hpfar_el2);
		if (ESR_EC(t.esr) == EC_DABT_LOW && fsc_is_permission(t.esr) &&
		    !(t.esr & ESR_ABT_S1PTW)) {
			t.hpfar = permission_fault_hpfar(t.far, t.hpfar);
		}
		if (!handle_guest_trap(vcpu, &t, exit)) {
			return;
		}
	}
}

void arch_vcpu_run(struct vcpu *vcpu, struct tv_exit *exit)
{
	struct hyp_cpu *cpu = this_cpu();
	bool mte = vm_has_mte(vcpu->vm);

	cpu->vcpu = vcpu;
	/*
	 * From here on a CPU that makes something pending for this vCPU rings the doorbell
	 * here, and EL2 takes it: set before the list registers are filled (vgic_load), so
	 * that whatever comes later either is in them or rings (vgic.c, arch_vcpu_kick).
	 */
	__atomic_store_n(&vcpu->in_guest, true, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	sysreg_save_el1(&cpu->host, hyp_state.host_mte);
	sysreg_load_el1(&vcpu->ctxt, mte);
	cpu->loaded = &vcpu->ctxt;
	lazy_enter(cpu, vcpu);
	load_guest_el2_config(cpu, vcpu);
	if (cpu->has_ras) {
		write_sysreg(SYS_VDISR_EL2, vcpu->disr_el1); /* what the guest's DISR_EL1 reads */
	}
	if (vcpu->vm->flags & TV_VM_GIC) {
		vgic_load(vcpu);
	}
	if (vcpu->ptimer.ctl & CNT_CTL_ENABLE) {
		arch_ptimer_changed(vcpu); /* EL2's timer stands for it while the guest runs */
	}
	isb();
	cpu->guest = &vcpu->ctxt;

	run_until_exit(cpu, vcpu, exit);

	cpu->guest = NULL;
	fp_put_guest(cpu, &vcpu->ctxt);
	if (mte) {
		/* Pending asynchronous tag-check faults land in TFSR_EL1 before it is saved. */
		dsb(nsh);
		isb();
	}
	sysreg_save_el1(&vcpu->ctxt, mte);
	if (cpu->has_ras) {
		vcpu->disr_el1 = read_sysreg(SYS_VDISR_EL2);
	}
	lazy_exit(cpu);
	if (vcpu->vm->flags & TV_VM_GIC) {
		vgic_save(vcpu);
	} else if (read_sysreg(ICH_VMCR_EL2)) {
		vgic_scrub_vmcr(); /* a VM without a GIC leaves nothing in the CPU interface */
	}
	sysreg_load_el1(&cpu->host, hyp_state.host_mte);
	/* With the guest's timer gone from the CPU: the next context's may fire again. */
	if (cpu->ppis_left_active) {
		vgic_release_held_ppis(cpu);
	}
	cpu->loaded = &cpu->host;
	load_host_el2_config(cpu);
	__atomic_store_n(&vcpu->in_guest, false, __ATOMIC_RELEASE);
	cpu->vcpu = NULL;
}
