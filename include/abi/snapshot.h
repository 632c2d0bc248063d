/* SPDX-License-Identifier: MIT */
/*
 * The tagvisor snapshot and migration stream: one definition shared by the host
 * (which writes and reads it) and the host-native tools (inspect, migrate).
 * docs/SNAPSHOT.md describes it for users. All integers are little-endian.
 *
 *   header                      struct tv_snap_header
 *   record*                     struct tv_snap_record_hdr + payload, in this order:
 *     CONFIG                    exactly one, first
 *     PAGES, ROUND_END          any number: memory, in rounds (one round for a snapshot)
 *     VCPU                      one per vCPU, after the last round
 *     GIC                       exactly one if the VM has TV_VM_GIC, else none: vCPU 0's
 *     GIC_CPU                   one per further vCPU of a GIC VM, index order (version 3)
 *     GIC_ROUTES                exactly one for a GIC VM, after them (version 3)
 *     DEVICE                    the VMM's device state
 *     END                       last: totals and the checksum of everything before it
 *
 * Every record carries the CRC32C of its payload; END carries the CRC32C of the
 * whole stream up to END's own header; the header carries its own CRC32C.
 */
#ifndef ABI_SNAPSHOT_H
#define ABI_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#define TV_SNAP_MAGIC 0x50414e5356474154ull /* "TAGVSNAP" */
/*
 * 2: vCPU state with DISR, physical timer, debug and PMU.
 * 3: GIC VMs with several vCPUs (GIC_CPU, GIC_ROUTES). Version 2 streams are still
 *    read: they are version 3 streams without those records (one GIC vCPU, every SPI
 *    routed to vCPU 0).
 */
#define TV_SNAP_VERSION 3u
#define TV_SNAP_VERSION_OLDEST 2u /* the oldest version readers accept */

/* Stream kinds (header flags). */
#define TV_SNAP_KIND_SNAPSHOT 1u  /* a file: the guest stopped at one moment */
#define TV_SNAP_KIND_MIGRATION 2u /* live migration: memory in pre-copy rounds */

struct tv_snap_header {
	uint64_t magic;       /* TV_SNAP_MAGIC */
	uint32_t version;     /* TV_SNAP_VERSION (readers accept TV_SNAP_VERSION_OLDEST on) */
	uint32_t header_size; /* sizeof(struct tv_snap_header) */
	uint32_t kind;        /* TV_SNAP_KIND_* */
	uint32_t reserved;    /* 0 */
	uint64_t created_ns;  /* guest-visible time of the source when the stream began */
	uint32_t crc;         /* CRC32C of the header with this field 0 */
	uint32_t reserved2;   /* 0 */
};
_Static_assert(sizeof(struct tv_snap_header) == 40, "snapshot header layout");

enum tv_snap_type {
	TV_SNAP_CONFIG = 1,
	TV_SNAP_PAGES = 2,
	TV_SNAP_ROUND_END = 3,
	TV_SNAP_VCPU = 4,
	TV_SNAP_DEVICE = 5,
	TV_SNAP_END = 6,
	TV_SNAP_GIC = 7,
	TV_SNAP_GIC_CPU = 8,
	TV_SNAP_GIC_ROUTES = 9,
};
#define TV_SNAP_TYPE_LAST TV_SNAP_GIC_ROUTES

/* Largest payload a reader accepts: a PAGES record of TV_SNAP_MAX_BATCH full pages. */
#define TV_SNAP_MAX_BATCH 64
#define TV_SNAP_MAX_PAYLOAD (TV_SNAP_MAX_BATCH * (16 + 129 + 4096) + 16)

struct tv_snap_record_hdr {
	uint32_t type;   /* enum tv_snap_type */
	uint32_t length; /* payload bytes that follow, <= TV_SNAP_MAX_PAYLOAD */
	uint32_t crc;    /* CRC32C of the payload */
	uint32_t seq;    /* record number, from 0: a reordered or dropped record shows */
};
_Static_assert(sizeof(struct tv_snap_record_hdr) == 16, "record header layout");

/* CONFIG: the VM as it was created. */
struct tv_snap_config {
	uint64_t ram_ipa;
	uint64_t ram_size;
	uint32_t vm_flags; /* TV_VM_MTE; TV_VM_PROTECTED is never in a stream */
	uint32_t nr_vcpus;
	uint64_t reserved[4];
};
_Static_assert(sizeof(struct tv_snap_config) == 56, "config layout");

/*
 * PAGES: `count` (1..TV_SNAP_MAX_BATCH) page entries, each an entry header, then
 * tag_len bytes of compressed tags (docs/TAGCODEC.md; 0 for a VM without MTE), then
 * 4096 bytes of data unless TV_SNAP_PAGE_ZERO (the data are all zero).
 */
struct tv_snap_pages {
	uint32_t round; /* pre-copy round the pages belong to, from 0 */
	uint32_t count;
	uint64_t reserved;
};
_Static_assert(sizeof(struct tv_snap_pages) == 16, "pages layout");

#define TV_SNAP_PAGE_ZERO (1u << 0)

struct tv_snap_page {
	uint64_t ipa;     /* page aligned, inside the VM's RAM */
	uint16_t tag_len; /* 0..129 */
	uint16_t flags;   /* TV_SNAP_PAGE_* */
	uint32_t reserved;
};
_Static_assert(sizeof(struct tv_snap_page) == 16, "page entry layout");

/* ROUND_END: the end of a pre-copy round and what it carried. */
struct tv_snap_round_end {
	uint32_t round;
	uint32_t pages;     /* pages sent in the round */
	uint64_t tag_bytes; /* compressed tag bytes sent in the round */
};
_Static_assert(sizeof(struct tv_snap_round_end) == 16, "round end layout");

/* The EL1 physical timer a vCPU has (emulated): CNTP_CTL_EL0 (ENABLE, IMASK) and CVAL. */
struct tv_ptimer_state {
	uint64_t ctl;
	uint64_t cval;
};
_Static_assert(sizeof(struct tv_ptimer_state) == 16, "physical timer layout");

/*
 * A vCPU's breakpoints, watchpoints (16 of each architected, as many as the CPU has used),
 * claim tags and OS lock. Fields a guest cannot set (bits outside the architected ones,
 * matching at EL2, registers the CPU lacks) are cleared on restore, as hardware ignores
 * them.
 */
struct tv_debug_state {
	uint64_t bcr[16], bvr[16];
	uint64_t wcr[16], wvr[16];
	uint64_t claim; /* DBGCLAIM tags, bits 7:0 */
	uint64_t oslsr; /* OSLSR_EL1: OSLK is bit 1 */
};
_Static_assert(sizeof(struct tv_debug_state) == 528, "debug state layout");

/*
 * A vCPU's PMU registers (PMUv3: 31 event counters architected, as many as the CPU's
 * PMCR_EL0.N used). On restore the control bits a guest cannot set (N, IDCODE, the
 * filters of EL2 and EL3) and counters the CPU lacks are cleared, as hardware does.
 */
struct tv_pmu_state {
	uint64_t pmcr; /* PMCR_EL0: E, D, X, DP, LC, LP */
	uint64_t cntenset, intenset, ovsset; /* bit n: counter n; bit 31: the cycle counter */
	uint64_t selr, userenr, ccfiltr, ccntr;
	uint64_t evcntr[31];
	uint64_t evtyper[31];
};
_Static_assert(sizeof(struct tv_pmu_state) == 560, "PMU state layout");

/*
 * A vCPU's architectural state (also what TV_HC_VCPU_GET_STATE returns): general
 * registers, PSTATE (with TCO), the EL1 system registers a guest owns (with the
 * MTE ones), FP/SIMD, the guest's virtual counter at the moment of the save, and the
 * state the hypervisor switches lazily or emulates: DISR, the EL1 physical timer, the
 * debug registers and the PMU.
 */
struct tv_vcpu_state {
	uint64_t x[31];
	uint64_t pc;
	uint64_t pstate;
	uint64_t sp_el0;
	uint64_t sp_el1;
	uint64_t elr_el1;
	uint64_t spsr_el1;
	uint64_t sctlr_el1;
	uint64_t cpacr_el1;
	uint64_t ttbr0_el1;
	uint64_t ttbr1_el1;
	uint64_t tcr_el1;
	uint64_t esr_el1;
	uint64_t afsr0_el1;
	uint64_t afsr1_el1;
	uint64_t far_el1;
	uint64_t mair_el1;
	uint64_t amair_el1;
	uint64_t vbar_el1;
	uint64_t contextidr_el1;
	uint64_t tpidr_el0;
	uint64_t tpidrro_el0;
	uint64_t tpidr_el1;
	uint64_t cntkctl_el1;
	uint64_t par_el1;
	uint64_t mdscr_el1;
	uint64_t csselr_el1;
	uint64_t cntv_ctl_el0;
	uint64_t cntv_cval_el0;
	uint64_t gcr_el1;
	uint64_t rgsr_el1;
	uint64_t tfsr_el1;
	uint64_t tfsre0_el1;
	uint64_t cntvct;     /* the guest's virtual counter when the state was read */
	uint64_t fp_v[64];   /* q0..q31, low half first */
	uint64_t fpsr;
	uint64_t fpcr;
	uint64_t flags;      /* TV_VCPU_STATE_* */
	uint64_t disr_el1;   /* the deferred SError record (VDISR_EL2 while it runs) */
	struct tv_ptimer_state ptimer;
	struct tv_debug_state debug;
	struct tv_pmu_state pmu;
	uint64_t reserved[7];
};
_Static_assert(sizeof(struct tv_vcpu_state) == 2216, "vCPU state layout");
_Static_assert(offsetof(struct tv_vcpu_state, disr_el1) == 1048 &&
		   offsetof(struct tv_vcpu_state, debug) == 1072 &&
		   offsetof(struct tv_vcpu_state, pmu) == 1600 &&
		   offsetof(struct tv_vcpu_state, reserved) == 2160,
	       "vCPU state offsets");

#define TV_VCPU_STATE_OFF (1u << 0) /* the vCPU is powered off */

/* VCPU: which vCPU, then its state. */
struct tv_snap_vcpu {
	uint32_t index;
	uint32_t reserved;
	struct tv_vcpu_state state;
};
_Static_assert(sizeof(struct tv_snap_vcpu) == 2224, "vCPU record layout");

/*
 * A vCPU's GICv3 virtual CPU interface as EL2 keeps it (also what
 * TV_HC_VCPU_GET_VGIC returns): the guest's interface configuration, active
 * priorities, list registers (never linked to a physical interrupt here), and the
 * interrupt lines the VMM declared.
 */
struct tv_vgic_line {
	uint16_t intid; /* 0: unused */
	uint8_t flags;  /* TV_IRQ_* */
	uint8_t prio;
};

struct tv_vgic_state {
	uint64_t vmcr;
	uint64_t ap0r;
	uint64_t ap1r;
	uint32_t nr_lrs; /* list registers of the machine that saved it */
	uint16_t sgi_enabled, sgi_pending; /* SGIs 0..15, a bit each */
	uint64_t lr[16];
	struct tv_vgic_line lines[16];
	uint8_t sgi_prio[16];
};
_Static_assert(sizeof(struct tv_vgic_state) == 240, "vGIC state layout");

/* GIC: vCPU 0's interface, the VMM's distributor and redistributor, the PL011's input. */
struct tv_snap_gic {
	struct tv_vgic_state cpu;
	uint32_t gicd_ctlr;
	uint32_t gicr_waker;
	uint32_t group[3], enabled[3], pending[3]; /* INTIDs 0..95, 32 a word */
	uint8_t prio[96];
	uint32_t cfg[4]; /* trigger modes of INTIDs 32..95 */
	uint32_t uart_ris;
	uint32_t uart_rx_len; /* 0..32 */
	uint8_t uart_rx[32];
	uint64_t reserved[4];
};
_Static_assert(sizeof(struct tv_snap_gic) == 472, "GIC record layout");
_Static_assert(offsetof(struct tv_snap_gic, uart_rx) == 404 &&
		   offsetof(struct tv_snap_gic, reserved) == 440, "GIC record offsets");

/* GIC_CPU: a vCPU's interface and redistributor (vCPU 0's are in GIC). */
struct tv_snap_gic_cpu {
	uint32_t index; /* 1..nr_vcpus-1, each once, in order */
	uint32_t gicr_waker;
	uint32_t group, enabled, pending; /* its SGIs and PPIs, INTIDs 0..31 */
	uint8_t prio[32];
	uint32_t reserved; /* 0 */
	struct tv_vgic_state cpu;
};
_Static_assert(sizeof(struct tv_snap_gic_cpu) == 296, "GIC_CPU record layout");

/* GIC_ROUTES: GICD_IROUTER of SPIs 32..95 (Aff0 names a vCPU; bit 31 IRM: any). */
#define TV_SNAP_IROUTER_VALID 0xff80ffffffull /* Aff3, IRM, Aff2, Aff1, Aff0 */
struct tv_snap_gic_routes {
	uint64_t irouter[64];
};
_Static_assert(sizeof(struct tv_snap_gic_routes) == 512, "GIC_ROUTES record layout");

/* DEVICE: the VMM's device models (the PL011 console) and how the VMM stood. */
struct tv_snap_device {
	uint32_t uart_cr, uart_lcr_h, uart_ibrd, uart_fbrd, uart_imsc, uart_ifls;
	uint64_t reserved[4];
};
_Static_assert(sizeof(struct tv_snap_device) == 56, "device layout");

/* END: totals, and the CRC32C of every byte of the stream before END's header. */
struct tv_snap_end {
	uint32_t records; /* records before END */
	uint32_t rounds;
	uint64_t pages;     /* page entries in all rounds */
	uint64_t tag_bytes; /* compressed tag bytes in all rounds */
	uint32_t stream_crc;
	uint32_t reserved;
};
_Static_assert(sizeof(struct tv_snap_end) == 32, "end layout");

#endif
