/* SPDX-License-Identifier: MIT */
/*
 * The tagvisor hypercall ABI: the one definition shared by the hypervisor (EL2),
 * the host (EL1) and the host-native tools. docs/ABI.md describes every call.
 *
 * Calling convention (SMCCC, HVC #0 from the host):
 *   x0       function ID, TV_HC(n)
 *   x1..x6   arguments
 * Returns:
 *   x0       >= 0 on success (0 unless the call documents a value), or -TV_Exxx
 *   x1..x7   extra results, where the call documents them
 * Registers x8..x30, SP and PSTATE are preserved.
 */
#ifndef ABI_HVC_H
#define ABI_HVC_H

#include <stdint.h>

#define TV_ABI_MAJOR 1
#define TV_ABI_MINOR 0
#define TV_ABI_VERSION ((TV_ABI_MAJOR << 16) | TV_ABI_MINOR)

/* SMCCC fast call, SMC64, service owner 6 ("vendor specific hypervisor"). */
#define TV_HC_BASE 0xc6000000u
#define TV_HC(n) (TV_HC_BASE | (n))
#define TV_HC_NUM(id) ((id) & 0xffffu)
#define TV_HC_IS_OURS(id) (((id) & 0xffff0000u) == TV_HC_BASE)

enum tv_hc_num {
	/* Any phase. */
	TV_HC_VERSION = 0,
	TV_HC_FEATURES = 1,
	TV_HC_MEM_INFO = 2,
	TV_HC_CHECK = 3,
	TV_HC_LOG = 4,
	TV_HC_IOMMU_INFO = 5,
	/* Setup phase only: refused with -TV_EPERM once the host has finalised. */
	TV_HC_SELFTEST = 8,
	TV_HC_FINALISE = 9,
	/* Run phase only: refused with -TV_EPERM until the host has finalised. */
	TV_HC_VM_CREATE = 16,
	TV_HC_VM_DESTROY = 17,
	TV_HC_VCPU_CREATE = 18,
	TV_HC_VCPU_RUN = 19,
	TV_HC_VCPU_GET_REG = 20,
	TV_HC_VCPU_SET_REG = 21,
	TV_HC_VCPU_GET_STATE = 22,
	TV_HC_VCPU_SET_STATE = 23,
	TV_HC_MEM_DONATE = 24,
	TV_HC_MEM_SHARE = 25,
	TV_HC_MEM_UNSHARE = 26,
	TV_HC_MEM_RECLAIM = 27,
	TV_HC_MEM_AGE = 28,
	TV_HC_MEM_READ = 29,
	TV_HC_MTE_COPY_TAGS = 32,
	TV_HC_DIRTY_LOG = 33,
	TV_HC_VCPU_IRQ = 34,
	TV_HC_VCPU_GET_VGIC = 35,
	TV_HC_VCPU_SET_VGIC = 36,
	TV_HC_VCPU_IRQ_STATE = 37,
	TV_HC_NR = 40,
};

/* TV_HC_VCPU_CREATE flags (x2). */
#define TV_VCPU_CREATE_OFF (1u << 0) /* powered off until another vCPU's PSCI CPU_ON */

/* First IDs of the setup and run bands (a call's phase is given by its band). */
#define TV_HC_SETUP_FIRST TV_HC_SELFTEST
#define TV_HC_RUN_FIRST TV_HC_VM_CREATE

/* Error codes, returned negated in x0. Values follow Linux errno. */
enum tv_err {
	TV_OK = 0,
	TV_EPERM = 1,   /* not allowed: wrong phase, protected VM, not the owner */
	TV_ENOENT = 2,  /* no such page or mapping */
	TV_E2BIG = 7,   /* output buffer too small */
	TV_EAGAIN = 11, /* try again: the state changed under the call */
	TV_ENOMEM = 12, /* a fixed pool of the hypervisor is exhausted */
	TV_EFAULT = 14, /* a host buffer is not memory the host owns */
	TV_EBUSY = 16,  /* the object is in use (a running vCPU, a mapped IPA) */
	TV_EEXIST = 17, /* already exists (IPA already mapped, vCPU already made) */
	TV_ENODEV = 19, /* the hardware lacks the feature (e.g. MTE) */
	TV_EINVAL = 22, /* malformed argument: alignment, flags, range */
	TV_ERANGE = 34, /* an address outside RAM or outside the VM's IPA range */
	TV_ENOSYS = 38, /* unknown function ID */
	TV_EBADMSG = 74, /* corrupt encoded data (compressed tags) */
	TV_ESTALE = 116, /* handle of a VM that no longer exists */
};

/* TV_HC_FEATURES: x1 = feature bits. */
#define TV_FEAT_MTE (1u << 0)       /* VMs may be created with TV_VM_MTE */
#define TV_FEAT_MTE_ASYM (1u << 1)  /* asymmetric tag-check faults (FEAT_MTE3) */
#define TV_FEAT_HOST_MTE (1u << 2)  /* the host may use tags on its own memory */
#define TV_FEAT_PROTECTED (1u << 3) /* protected VMs */
#define TV_FEAT_DEBUG (1u << 4)     /* hypervisor built with self-checks */
#define TV_FEAT_PMU (1u << 5)       /* guests get a virtual PMUv3 (TV_IRQ_PMU) */

/* TV_HC_LOG: x1 = host PA of the text, x2 = its length (1..TV_LOG_MAX bytes). */
#define TV_LOG_MAX 512

/*
 * TV_HC_IOMMU_INFO: DMA the IOMMU refused since boot. x1 = how many; for the last one
 * x2 = device (PCI requester ID), x3 = address, x4 = TV_IOMMU_WRITE | fault type.
 */
#define TV_IOMMU_WRITE (1u << 8)

/* TV_HC_VM_CREATE: x1 = flags, x2 = RAM IPA base, x3 = RAM size, x4 = max vCPUs. */
#define TV_VM_MTE (1u << 0)       /* allocation tags for the guest */
#define TV_VM_PROTECTED (1u << 1) /* the host may never see the guest's memory again */
#define TV_VM_GIC (1u << 2)       /* a GICv3 virtual CPU interface and the virtual timer */
#define TV_VM_FLAGS_ALL (TV_VM_MTE | TV_VM_PROTECTED | TV_VM_GIC)

/*
 * TV_HC_VCPU_IRQ: x1 handle, x2 vCPU, x3 INTID (16..1019), x4 TV_IRQ_* flags, x5 priority.
 * The VMM models the distributor; it tells EL2 the state of each interrupt line, and
 * EL2 presents asserted, enabled lines to the guest through list registers. The
 * timers' and the PMU's interrupts (INTIDs 27, 30, 23) are asserted by EL2, which knows
 * their levels: only their enables and priorities come from the VMM.
 */
#define TV_IRQ_ENABLED (1u << 0) /* the guest enabled it at the distributor */
#define TV_IRQ_LEVEL (1u << 1)   /* the line is asserted (level-sensitive) */
#define TV_IRQ_EDGE (1u << 2)    /* one edge: pending once */
#define TV_IRQ_FLAGS_ALL (TV_IRQ_ENABLED | TV_IRQ_LEVEL | TV_IRQ_EDGE)
#define TV_IRQ_VTIMER 27 /* the virtual timer's PPI: its level is EL2's */
#define TV_IRQ_PTIMER 30 /* the EL1 physical timer's PPI: its level is EL2's */
#define TV_IRQ_PMU 23    /* the PMU's overflow interrupt (PPI 7): its level is EL2's */

/*
 * The hypervisor's doorbell: EL2 raises this SGI (Group 1) on the host CPU where a vCPU
 * runs or last ran when something is made pending for it (another vCPU's SGI or
 * CPU_ON, TV_HC_VCPU_IRQ), so that a host waiting for that vCPU wakes up and runs it.
 * While a guest runs, EL2 takes the SGI itself. The host enables it and otherwise
 * only acknowledges it.
 */
#define TV_DOORBELL_SGI 15
#define TV_MAX_IRQ_LINES 16

#define TV_MAX_VMS 8
#define TV_MAX_VCPUS 8
/* IPA space of a guest: 39 bits, RAM anywhere inside, devices elsewhere. */
#define TV_IPA_BITS 39

/* TV_HC_MEM_DONATE flags (x4). */
#define TV_DONATE_ZERO (1u << 0) /* the hypervisor zeroes data (and tags) itself */
#define TV_DONATE_TAGS (1u << 1) /* x5/x6 = compressed tags to restore (host PA, length) */
#define TV_DONATE_FLAGS_ALL (TV_DONATE_ZERO | TV_DONATE_TAGS)

/* TV_HC_DIRTY_LOG operations (x2). */
#define TV_DIRTY_START 1 /* write-protect the VM's pages and log writes (data and tags) */
#define TV_DIRTY_STOP 2
#define TV_DIRTY_GET 3   /* x3 IPA, x4 pages (a multiple of 64), x5 bitmap: read and clear */

/* TV_HC_MTE_COPY_TAGS flags (x5), as KVM_ARM_TAGS_{TO,FROM}_GUEST. */
#define TV_TAGS_TO_GUEST 0u
#define TV_TAGS_FROM_GUEST 1u

/* TV_HC_VCPU_RUN: x3 = flags, x4 = value for the exit being completed. */
#define TV_RUN_MMIO_READ (1u << 0) /* x4 = data for the pending MMIO read */
#define TV_RUN_HVC_RET (1u << 1)   /* x4 = x0 for the guest's pending HVC/SMC */
#define TV_RUN_INJECT_DABT (1u << 2) /* fail the pending MMIO access with a data abort */
#define TV_RUN_COMPLETE_ONLY (1u << 3) /* complete the pending exit, do not enter the guest */
#define TV_RUN_FLAGS_ALL \
	(TV_RUN_MMIO_READ | TV_RUN_HVC_RET | TV_RUN_INJECT_DABT | TV_RUN_COMPLETE_ONLY)

/* Exit reasons, returned in x1 by TV_HC_VCPU_RUN. */
enum tv_exit_reason {
	TV_EXIT_NONE = 0,     /* TV_RUN_COMPLETE_ONLY: the guest did not run */
	TV_EXIT_MMIO = 1,     /* x2 = IPA, x3 = data (writes), x4 = TV_MMIO_* */
	TV_EXIT_MEM_FAULT = 2, /* x2 = IPA of the page, x3 = 1 for a write */
	TV_EXIT_HVC = 3,      /* x2..x6 = guest x0..x4 (HVC or SMC not handled at EL2) */
	TV_EXIT_SYSTEM_EVENT = 4, /* x2 = TV_SYSTEM_* */
	TV_EXIT_WFI = 5,      /* the guest waits; x2 = counter value its timer fires at, or 0 */
	TV_EXIT_IRQ = 6,      /* a physical interrupt for the host arrived */
	/* x2 = ESR_EL2, x3 = ELR (0 if protected), x4 = FAR, x5 = TV_ERROR_* */
	TV_EXIT_GUEST_ERROR = 7,
	TV_EXIT_CPU_OFF = 8,  /* the vCPU called PSCI CPU_OFF */
	/* x2 = IPA, x3 = ESR_EL2: a data access outside RAM without a valid syndrome */
	TV_EXIT_MMIO_NISV = 9,
	TV_EXIT_LAST = TV_EXIT_MMIO_NISV,
};

/* TV_EXIT_GUEST_ERROR x5: why the vCPU cannot go on. */
enum tv_guest_error {
	TV_ERROR_FAULT = 0,   /* a fault it cannot continue from (x2..x4 describe it) */
	TV_ERROR_AARCH32 = 1, /* it entered AArch32 state: stopped for good (powered off) */
};

/* TV_EXIT_MMIO x4 fields. */
#define TV_MMIO_SIZE_SHIFT 0 /* log2 of the access size, 0..3 */
#define TV_MMIO_SIZE_MASK 0x3u
#define TV_MMIO_WRITE (1u << 2)
#define TV_MMIO_REG_SHIFT 8 /* guest register, 31 for xzr */
#define TV_MMIO_REG_MASK 0x1fu

enum tv_system_event {
	TV_SYSTEM_OFF = 1,
	TV_SYSTEM_RESET = 2,
};

/*
 * PSTATE bits a guest context may hold (TV_REG_PSTATE, vCPU states, snapshots): NZCV,
 * TCO, DIT, UAO, PAN, SS, IL, ALLINT, SSBS, BTYPE, DAIF, and a mode that is EL1h, EL1t or
 * EL0t: never EL2, never AArch32.
 */
#define TV_PSTATE_ALLOWED 0xf3f03fcfull

static inline int tv_pstate_valid(uint64_t pstate)
{
	uint64_t mode = pstate & 0xf;

	return !(pstate & ~TV_PSTATE_ALLOWED) && (mode == 0x5 || mode == 0x4 || mode == 0x0);
}

/*
 * An SPSR_EL1 a guest context may hold: any value with M[4] clear (AArch64). A guest may
 * write others itself (an ERET with an EL2 mode is an illegal return, which the CPU
 * handles), but never an AArch32 one: the hypervisor stops a vCPU that does (docs/ABI.md).
 */
static inline int tv_spsr_el1_valid(uint64_t spsr)
{
	return !(spsr & 0x10);
}

/* Register IDs for TV_HC_VCPU_{GET,SET}_REG. */
enum tv_reg {
	TV_REG_X0 = 0, /* ..TV_REG_X0 + 30 */
	TV_REG_SP = 31, /* SP_EL1 */
	TV_REG_PC = 32,
	TV_REG_PSTATE = 33,
	TV_REG_SP_EL0 = 34,
	TV_REG_ELR_EL1 = 35,
	TV_REG_SPSR_EL1 = 36,
	TV_REG_ESR_EL1 = 37,
	TV_REG_FAR_EL1 = 38,
	TV_REG_VBAR_EL1 = 39,
	TV_REG_NR_CORE = 40,
};


/*
 * Calls a guest makes with HVC #0 (x0 = ID), handled by the hypervisor. A guest's
 * other HVCs and SMCs, PSCI excepted, reach the host as TV_EXIT_HVC.
 * Returns x0 = 0 or -TV_Exxx.
 */
#define TV_GUEST_HC_SHARE TV_HC(0x100)   /* x1 = IPA of an owned page to lend to the host */
#define TV_GUEST_HC_UNSHARE TV_HC(0x101) /* x1 = IPA of a page lent with TV_GUEST_HC_SHARE */

#endif /* ABI_HVC_H */
