/* SPDX-License-Identifier: MIT */
/* VMs and vCPUs: a fixed table of VMs, addressed by the host through handles. */
#ifndef HYP_VM_H
#define HYP_VM_H

#include <abi/hvc.h>
#include <hyp/context.h>
#include <hyp/debug.h>
#include <hyp/lock.h>
#include <hyp/pgtable.h>
#include <hyp/pmu.h>
#include <hyp/timer.h>
#include <hyp/types.h>
#include <hyp/vgic.h>

/* What a vCPU owes the host or the guest between two runs. */
enum vcpu_pending {
	PENDING_NONE,
	PENDING_MMIO_READ,  /* the host supplies the data with TV_RUN_MMIO_READ */
	PENDING_MMIO_WRITE, /* completed by the next run */
	PENDING_HVC,        /* the host supplies x0 with TV_RUN_HVC_RET (else NOT_SUPPORTED) */
	PENDING_MMIO_NISV,  /* completed only with TV_RUN_INJECT_DABT */
};

/* Dirty logging covers VMs of up to 16 GiB: one bitmap page tracks 128 MiB. */
#define TV_DIRTY_BITMAP_PAGES 128

struct vcpu {
	struct cpu_context ctxt;
	struct vm *vm;
	uint8_t idx;
	/*
	 * Which CPU has the vCPU's registers (index + 1; 0: none): the one in VCPU_RUN with
	 * it, or in a call that reads or writes them. Taken with vcpu_claim(): a vCPU runs
	 * on one CPU at a time, and its registers are never read while it runs.
	 */
	uint32_t claimed;
	uint8_t cpu;      /* the CPU it runs or last ran on: where its doorbell rings */
	bool in_guest;    /* it is in the guest on `cpu` now (EL2 takes the doorbell) */
	uint8_t pending;  /* enum vcpu_pending */
	uint8_t mmio_reg; /* destination of a pending MMIO read */
	uint8_t mmio_size_log2;
	bool mmio_sign_extend;
	bool mmio_64bit; /* the destination is an X register */
	bool mmio_write;   /* the pending MMIO access is a store */
	uint64_t mmio_far; /* guest VA of the pending MMIO access */
	bool off;        /* powered off (PSCI CPU_OFF, or never turned on): vm->lock */
	bool stopped;    /* ended for good (it entered AArch32) */
	struct vgic_cpu vgic; /* TV_VM_GIC: list registers, CPU interface, interrupt lines */
	struct ptimer ptimer; /* the emulated EL1 physical timer */
	struct vpmu pmu;      /* its PMU registers, while not in the hardware */
	struct debug_state debug; /* breakpoints, watchpoints, claim tags, OS lock */
	uint64_t disr_el1;    /* its deferred SError record (VDISR_EL2 while it runs) */
#define DISR_BITS 0x81ffffffull /* A, IDS, ISS: what DISR_EL1 holds */
};

enum vm_slot {
	VM_FREE,  /* never used, or destroyed */
	VM_LIVE,  /* handles name it */
	VM_DYING, /* being destroyed: no handle names it, nor can the slot be reused yet */
};

struct vm {
	struct hyp_lock lock; /* its stage 2, pages, dirty log, vCPUs' power (hyp/lock.h) */
	uint32_t refs;        /* vm_get() references: destroy is refused while there are any */
	uint8_t slot;         /* enum vm_slot: vm_table_lock */
	bool in_use;          /* slot == VM_LIVE, for readers that hold a reference */
	/* TV_SYSTEM_OFF or _RESET once a vCPU called PSCI SYSTEM_OFF or SYSTEM_RESET: from
	 * then on no vCPU of it runs again. */
	uint32_t system_event;
	bool started; /* a vCPU has run: registers of a protected VM are sealed */
	uint8_t idx;
	uint8_t owner_id; /* page owner ID of this VM (mem_protect.h) */
	uint16_t vmid;
	uint32_t gen; /* bumped on destroy so stale handles are refused */
	bool retired; /* its last generation was used: never used again (vm_destroy) */
	uint32_t flags; /* TV_VM_* */
	uint64_t ram_ipa;
	uint64_t ram_size;
	struct pgtable s2;
	unsigned max_vcpus;
	unsigned nr_vcpus;
	uint64_t nr_pages; /* pages owned or borrowed by the VM */
	uint64_t cntvoff;  /* CNTVOFF_EL2 while it runs: its counter continues across a restore */
	bool logging;      /* dirty-page logging (dirty.c) */
	uint64_t *dirty[TV_DIRTY_BITMAP_PAGES]; /* its bitmap, a pool page per 128 MiB */
	struct vcpu vcpus[TV_MAX_VCPUS];
};

extern struct vm vms[TV_MAX_VMS];

static inline bool vm_has_mte(const struct vm *vm)
{
	return vm->flags & TV_VM_MTE;
}

static inline bool vm_is_protected(const struct vm *vm)
{
	return vm->flags & TV_VM_PROTECTED;
}

static inline bool vm_ipa_in_ram(const struct vm *vm, uint64_t ipa)
{
	return ipa >= vm->ram_ipa && ipa - vm->ram_ipa < vm->ram_size;
}

/* Handles: generation in bits 31:4, table index in bits 3:0. Never 0, never reused. */
#define VM_GEN_LAST 0x0fffffffu
static inline uint32_t vm_handle(const struct vm *vm)
{
	return vm->gen << 4 | vm->idx;
}

/**
 * Looks up a VM by handle and takes a reference on it, which keeps it from being
 * destroyed until vm_put(). Returns the VM, or NULL with *err = -TV_EINVAL for a
 * malformed handle or -TV_ESTALE for a VM that was destroyed (or is being).
 */
struct vm *vm_get(uint64_t handle, int *err);
void vm_put(struct vm *vm);

/* vm_get() and the vCPU: NULL with *err as vm_get's, or -TV_ENOENT for a bad index. */
struct vcpu *vcpu_get(uint64_t handle, uint64_t idx, int *err);
static inline void vcpu_put(struct vcpu *vcpu)
{
	vm_put(vcpu->vm);
}

/*
 * Exclusive use of a vCPU's registers by this CPU (struct vcpu's `claimed`). Returns
 * false if another CPU has them: the caller answers -TV_EBUSY.
 */
bool vcpu_claim(struct vcpu *vcpu);
void vcpu_release(struct vcpu *vcpu);

/*
 * For unit tests, which run on one CPU: the VM or vCPU a handle names, without a
 * reference. Hypercall paths use vm_get() and vcpu_get().
 */
struct vm *vm_from_handle(uint64_t handle, int *err);

/**
 * Creates a VM. Returns a handle (> 0) or:
 *  -TV_EINVAL  unknown flags, RAM not page aligned, empty or beyond the IPA space,
 *              max_vcpus 0 or above TV_MAX_VCPUS
 *  -TV_ENODEV  TV_VM_MTE asked of hardware without MTE
 *  -TV_ENOMEM  no free VM slot or no page for the stage-2 root
 */
int64_t vm_create(uint64_t flags, uint64_t ram_ipa, uint64_t ram_size, uint64_t max_vcpus);

/**
 * Destroys a VM; its pages return to the host scrubbed. 0, a handle error, or -TV_EBUSY
 * while a call on it is under way on another CPU (a vCPU of it running, for one).
 */
int64_t vm_destroy(uint64_t handle);

/**
 * Creates the next vCPU: entry at the RAM base in EL1h with DAIF masked, MMU off; on,
 * or with TV_VCPU_CREATE_OFF off until another vCPU turns it on (PSCI CPU_ON). Returns
 * its index, a handle error, -TV_EINVAL for unknown flags, -TV_EEXIST when all
 * max_vcpus exist, -TV_EPERM for a protected VM that has run.
 */
int64_t vcpu_create(uint64_t handle, uint64_t flags);

/** Finds a vCPU. Returns NULL with *err set for a bad handle or index (-TV_ENOENT). */
struct vcpu *vcpu_from_handle(uint64_t handle, uint64_t idx, int *err);

/**
 * Reads or writes a register (enum tv_reg). -TV_EINVAL for an unknown register,
 * -TV_EPERM for a protected VM that has started running.
 */
int64_t vcpu_get_reg(uint64_t handle, uint64_t idx, uint64_t reg, uint64_t *val);
int64_t vcpu_set_reg(uint64_t handle, uint64_t idx, uint64_t reg, uint64_t val);

/*
 * The vCPU whose state the host may read or write through a host buffer of `size`
 * bytes at `buf`, claimed and referenced and with host_lock held (the buffer stays the
 * host's) until vcpu_state_access_done(); or NULL with *err: handle and vCPU errors,
 * -TV_EPERM a protected VM that has run, -TV_EBUSY the vCPU runs or another call has it,
 * -TV_EFAULT a buffer that is not host memory.
 */
struct vcpu *vcpu_for_state_access(uint64_t handle, uint64_t idx, uint64_t buf, uint64_t size,
				   int64_t *err);
void vcpu_state_access_done(struct vcpu *vcpu);

/**
 * Reads or writes a vCPU's whole state (struct tv_vcpu_state of <abi/snapshot.h>)
 * from or to the host buffer at PA buf. Errors: handle and vCPU errors;
 * -TV_EFAULT the buffer is not host memory; -TV_EPERM a protected VM that has
 * run; -TV_EBUSY (get) an exit is pending: complete it first (TV_RUN_COMPLETE_ONLY);
 * -TV_EINVAL (set) a PSTATE a guest may not have.
 */
int64_t vcpu_get_state(uint64_t handle, uint64_t idx, uint64_t buf);
int64_t vcpu_set_state(uint64_t handle, uint64_t idx, uint64_t buf);

/*
 * PSCI CPU_ON of a vCPU that is off (vm->lock held, the vCPU claimed): reset, entering
 * at pc with x0 = context, and on.
 */
void vcpu_power_on(struct vcpu *vcpu, uint64_t pc, uint64_t context);

/* vm_table_lock (hyp/lock.h), for walking every VM while none comes or goes (check.c). */
void vm_table_lock_acquire(void);
void vm_table_lock_release(void);

/* Initialises the VM table (boot). */
void vm_init(void);

#endif
