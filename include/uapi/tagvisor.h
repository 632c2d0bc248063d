/* SPDX-License-Identifier: MIT */
/*
 * /dev/tagvisor: the Linux host's interface to the hypervisor (tagvisor.ko), at the
 * level KVM offers and, where it costs nothing, with KVM's names, numbers and
 * semantics. docs/LINUX-HOST-API.md documents every ioctl as KVM's api.rst does.
 * Shared by the module and userspace (Linux types only).
 *
 *   fd = open("/dev/tagvisor")
 *   vm = ioctl(fd, TAGVISOR_CREATE_VM, type)
 *        ioctl(vm, TAGVISOR_ENABLE_CAP, { TAGVISOR_CAP_ARM_MTE })   before any vCPU
 *        ioctl(vm, TAGVISOR_SET_USER_MEMORY_REGION, { slot 0: the VM's RAM })
 *   vcpu = ioctl(vm, TAGVISOR_CREATE_VCPU, 0)
 *   run = mmap(vcpu, TAGVISOR_GET_VCPU_MMAP_SIZE)
 *        ioctl(vcpu, TAGVISOR_RUN) ... run->exit_reason
 */
#ifndef UAPI_TAGVISOR_H
#define UAPI_TAGVISOR_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define TAGVISOR_API_VERSION 1
#define TAGVISOR_IO	     0xAF /* KVM's is 0xAE */

/* ---- /dev/tagvisor ---- */
#define TAGVISOR_GET_API_VERSION    _IO(TAGVISOR_IO, 0x00)
#define TAGVISOR_CREATE_VM	    _IO(TAGVISOR_IO, 0x01) /* arg: TAGVISOR_VM_TYPE_* */
#define TAGVISOR_CHECK_EXTENSION    _IO(TAGVISOR_IO, 0x03) /* arg: TAGVISOR_CAP_*; also on VMs */
#define TAGVISOR_GET_VCPU_MMAP_SIZE _IO(TAGVISOR_IO, 0x04) /* bytes of struct tagvisor_run */
/* The hypervisor's self-check (TV_HC_CHECK): 0, or the number of violations. */
#define TAGVISOR_HYP_CHECK _IO(TAGVISOR_IO, 0x05)

/* TAGVISOR_CREATE_VM types, or'ed. */
#define TAGVISOR_VM_TYPE_GIC	   (1u << 0)  /* a GICv3 CPU interface and virtual timer per vCPU */
#define TAGVISOR_VM_TYPE_PROTECTED (1u << 31) /* as pKVM's KVM_VM_TYPE_ARM_PROTECTED */

/* Capabilities (CHECK_EXTENSION, ENABLE_CAP): KVM's numbers; tagvisor's from 0x1000. */
#define TAGVISOR_CAP_NR_VCPUS	  9
#define TAGVISOR_CAP_NR_MEMSLOTS  10
#define TAGVISOR_CAP_MAX_VCPUS	  66
#define TAGVISOR_CAP_ARM_MTE	  205
#define TAGVISOR_CAP_PROTECTED_VM 0x1000
#define TAGVISOR_CAP_ARM_MTE_ASYM 0x1001 /* asymmetric tag-check faults (FEAT_MTE3) */
#define TAGVISOR_CAP_HOST_MTE	  0x1002 /* the host itself may use tags */
#define TAGVISOR_CAP_MAX_VMS	  0x1003

/* ---- VM file descriptors ---- */
#define TAGVISOR_CREATE_VCPU   _IO(TAGVISOR_IO, 0x41) /* arg: the vCPU id, 0, 1, ... in order */
#define TAGVISOR_GET_DIRTY_LOG _IOW(TAGVISOR_IO, 0x42, struct tagvisor_dirty_log)
#define TAGVISOR_SET_USER_MEMORY_REGION                                                            \
	_IOW(TAGVISOR_IO, 0x46, struct tagvisor_userspace_memory_region)
#define TAGVISOR_ENABLE_CAP	   _IOW(TAGVISOR_IO, 0xa3, struct tagvisor_enable_cap)
#define TAGVISOR_ARM_MTE_COPY_TAGS _IOR(TAGVISOR_IO, 0xb4, struct tagvisor_arm_copy_mte_tags)
#define TAGVISOR_RECLAIM_PAGE	   _IOWR(TAGVISOR_IO, 0xc0, struct tagvisor_page_tags)
#define TAGVISOR_RESTORE_PAGE	   _IOW(TAGVISOR_IO, 0xc1, struct tagvisor_page_tags)

struct tagvisor_userspace_memory_region {
	__u32 slot; /* 0: the VM's one RAM range */
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size; /* 0 deletes the slot (before the first vCPU) */
	__u64 userspace_addr;
};
#define TAGVISOR_MEM_LOG_DIRTY_PAGES (1u << 0)

struct tagvisor_dirty_log {
	__u32 slot;
	__u32 padding1;
	union {
		void *dirty_bitmap; /* a bit per page of the slot, in __u64 words */
		__u64 padding2;
	};
};

struct tagvisor_enable_cap {
	__u32 cap;
	__u32 flags;
	__u64 args[4];
	__u8 pad[64];
};

/* As struct kvm_arm_copy_mte_tags: one tag per byte (bits 3:0) for each 16 bytes. */
struct tagvisor_arm_copy_mte_tags {
	__u64 guest_ipa;
	__u64 length;
	void *addr;
	__u64 flags;
	__u64 reserved[2];
};
#define TAGVISOR_ARM_TAGS_TO_GUEST   0
#define TAGVISOR_ARM_TAGS_FROM_GUEST 1

/*
 * A page taken back from the guest (RECLAIM: its data is in the VMM's memory again,
 * its tags compressed here) or given back (RESTORE, with those tags).
 */
struct tagvisor_page_tags {
	__u64 guest_ipa;
	__u64 tags;	 /* user address of the compressed tags (docs/TAGCODEC.md) */
	__u32 tags_size; /* RECLAIM: the buffer's size, at least TAGVISOR_PAGE_TAGS_MAX */
	__u32 tags_len;	 /* RECLAIM: out, bytes written; RESTORE: in, 0 for none */
};
#define TAGVISOR_PAGE_TAGS_MAX 129

/* ---- vCPU file descriptors ---- */
#define TAGVISOR_RUN	     _IO(TAGVISOR_IO, 0x80)
#define TAGVISOR_GET_ONE_REG _IOW(TAGVISOR_IO, 0xab, struct tagvisor_one_reg)
#define TAGVISOR_SET_ONE_REG _IOW(TAGVISOR_IO, 0xac, struct tagvisor_one_reg)
/* struct tv_vcpu_state and struct tv_vgic_state of include/abi/snapshot.h. */
#define TAGVISOR_GET_VCPU_STATE _IOR(TAGVISOR_IO, 0xd0, __u8[1088])
#define TAGVISOR_SET_VCPU_STATE _IOW(TAGVISOR_IO, 0xd1, __u8[1088])
#define TAGVISOR_GET_VGIC_STATE _IOR(TAGVISOR_IO, 0xd2, __u8[240])
#define TAGVISOR_SET_VGIC_STATE _IOW(TAGVISOR_IO, 0xd3, __u8[240])
#define TAGVISOR_IRQ_LINE	_IOW(TAGVISOR_IO, 0xd4, struct tagvisor_irq_line)

struct tagvisor_one_reg {
	__u64 id;   /* enum tv_reg of include/abi/hvc.h: x0..x30, SP_EL1, PC, PSTATE, ... */
	__u64 addr; /* user address of a __u64 */
};

struct tagvisor_irq_line {
	__u32 intid;
	__u32 flags; /* TV_IRQ_ENABLED, TV_IRQ_LEVEL, TV_IRQ_EDGE of include/abi/hvc.h */
	__u32 priority;
	__u32 padding;
};

/* Exit reasons: KVM's numbers where KVM has the exit, tagvisor's from 0x100. */
#define TAGVISOR_EXIT_UNKNOWN	   0
#define TAGVISOR_EXIT_HYPERCALL	   3 /* an HVC or SMC the hypervisor passes on */
#define TAGVISOR_EXIT_MMIO	   6
#define TAGVISOR_EXIT_INTR	   10	 /* a signal is pending: TAGVISOR_RUN returned -EINTR */
#define TAGVISOR_EXIT_SYSTEM_EVENT 24	 /* PSCI SYSTEM_OFF or SYSTEM_RESET */
#define TAGVISOR_EXIT_ARM_NISV	   28	 /* MMIO without a valid syndrome: the next run aborts it */
#define TAGVISOR_EXIT_MEMORY_FAULT 39	 /* a RAM page the kernel cannot give the guest itself */
#define TAGVISOR_EXIT_WFI	   0x100 /* the guest waits with nothing pending */
#define TAGVISOR_EXIT_CPU_OFF	   0x101 /* PSCI CPU_OFF */
#define TAGVISOR_EXIT_GUEST_ERROR  0x102 /* a fault the guest cannot continue from */

#define TAGVISOR_SYSTEM_EVENT_SHUTDOWN 1
#define TAGVISOR_SYSTEM_EVENT_RESET    2

#define TAGVISOR_MEMORY_FAULT_RECLAIMED (1ull << 0) /* taken with RECLAIM: RESTORE it */

/* The vCPU's page shared with userspace (mmap of the vCPU fd at offset 0). */
struct tagvisor_run {
	/* in */
	__u8 immediate_exit; /* complete the pending exit, return -EINTR without running */
	__u8 padding1[7];
	/* out */
	__u32 exit_reason;
	__u32 padding2;
	union {
		/* TAGVISOR_EXIT_MMIO: for a read, fill data before the next run. */
		struct {
			__u64 phys_addr;
			__u8 data[8];
			__u32 len;
			__u8 is_write;
			__u8 abort; /* in: no device there: the access gets an external abort */
			__u8 padding[2];
		} mmio;
		/* TAGVISOR_EXIT_HYPERCALL: the guest's x0..x4; ret (in, preset to -1) is its x0. */
		struct {
			__u64 args[5];
			__u64 ret;
		} hypercall;
		struct {
			__u32 type; /* TAGVISOR_SYSTEM_EVENT_* */
			__u32 ndata;
			__u64 data[16];
		} system_event;
		struct {
			__u64 flags; /* TAGVISOR_MEMORY_FAULT_* */
			__u64 gpa;
			__u64 size;
		} memory_fault;
		/* TAGVISOR_EXIT_WFI: the counter (CNTPCT) value its timer fires at, 0: none. */
		struct {
			__u64 deadline;
		} wfi;
		struct {
			__u64 esr, elr, far; /* ESR_EL2; ELR is 0 for a protected VM */
		} guest_error;
		/* TAGVISOR_EXIT_ARM_NISV (KVM's): ESR_EL2, and the IPA (its page, if protected). */
		struct {
			__u64 esr_iss;
			__u64 fault_ipa;
		} arm_nisv;
		char padding[256];
	};
};

#endif
