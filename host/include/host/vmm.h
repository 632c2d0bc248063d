/* SPDX-License-Identifier: MIT */
/* The VMM: loads guests, gives them memory, runs their vCPUs, emulates their devices. */
#ifndef HOST_VMM_H
#define HOST_VMM_H

#include <host/host.h>
#include <lib/spinlock.h>
#include <host/pci.h>
#include <host/vgic.h>

#define GUEST_RAM_IPA 0x40000000ul
#define GUEST_UART_IPA 0x09000000ul
#define VMM_MAX_GUESTS 4
#define PAGE_STAGED 1ull /* in page_pa: written by the host, not yet donated */

struct guest;

/* The guest's PL011: what it writes goes to a sink, by default the machine's console. */
#define PL011_RX_FIFO 32

struct pl011 {
	uint32_t cr, lcr_h, ibrd, fbrd, imsc, ifls;
	uint32_t ris;               /* raw interrupt status */
	uint8_t rx[PL011_RX_FIFO]; /* received bytes, for the guest to read */
	unsigned rx_head, rx_len;
	void (*sink)(struct guest *g, char c);
	char line[256]; /* line buffer when several guests share the console */
	unsigned line_len;
	bool line_buffered;
};

/*
 * Reclaim ("swap") of guest pages: at most `limit` pages are the guest's at once;
 * beyond that the VMM takes pages back (data and compressed tags) with a clock
 * algorithm over the stage-2 access flags, and restores them on the next touch.
 */
struct swap {
	uint64_t limit;    /* resident pages allowed */
	uint64_t resident; /* pages the guest has now */
	uint64_t hand;     /* clock hand: guest page index, a multiple of 64 */
	uint64_t *slot;    /* per guest page: host page holding its swapped data, or 0 */
	uint8_t *tags;     /* per guest page: TAGCODEC_MAX_SIZE + 1 bytes, [0] = length */
	uint64_t evictions, restores, stored_tag_bytes, tagged_evictions;
};

/* A vCPU as the VMM schedules it: on one host CPU, running or waiting. */
struct vcpu_state {
	unsigned cpu;        /* the host CPU that runs it (vmm_run) */
	bool waiting;        /* in WFI, or off (PSCI): tried again when its CPU wakes */
	uint64_t wait_until; /* the counter value its WFI lasts until, 0: an interrupt */
	uint64_t run_flags;  /* TV_RUN_* completing the last exit */
	uint64_t run_value;
};

/*
 * A guest. Its vCPUs run on several host CPUs at once: `lock` serialises what their
 * exits touch (the device models, the swap store, page_pa, done and status); the
 * control code (snapshots, migration) runs on CPU 0 and stops the others with
 * vmm_pause() when it needs the whole guest still. Lock order: a guest's lock, then
 * the host's page allocator (host/mem.c), then the console (host/uart.c).
 */
struct guest {
	struct spinlock lock;
	unsigned id;
	int64_t handle;
	uint32_t vm_flags; /* TV_VM_* */
	uint64_t ram_size;
	uint64_t *page_pa; /* host PA of each guest RAM page, 0 if none, | PAGE_STAGED */
	uint64_t nr_pages;
	unsigned nr_vcpus;
	struct vcpu_state vcpu[TV_MAX_VCPUS];
	struct pl011 uart;
	struct vgic vgic;  /* Linux guests: the emulated distributor (vgic.present) */
	struct pci_bus pci; /* kernel guests: the PCIe host bridge (pci.present) */
	struct swap *swap; /* NULL: every page stays resident */
	bool trace_mmio;   /* boot argument trace-mmio: log every MMIO access (debugging) */
	bool done;  /* atomic: set once, under lock */
	int status; /* TV_STATUS_* once done */
	uint32_t pause;  /* atomic: vmm_pause() wants every vCPU out of the guest */
	uint32_t parked; /* atomic: host CPUs (not 0) that stopped for the pause */
	uint32_t cpus;   /* host CPUs that run its vCPUs, a bit each (vmm_run) */
	/*
	 * A guest's HVC/SMC the hypervisor passed on (vCPU v, args = its x0..x4): sets *ret
	 * (its x0) and returns true to stop running the vCPU for now. NULL: NOT_SUPPORTED.
	 * Called with the guest's lock held, as is doorbell.
	 */
	bool (*vmm_call)(struct guest *g, unsigned v, const uint64_t args[5], uint64_t *ret);
	/*
	 * An access to the doorbell page (abi/guest.h) at `offset`: returns -1 for an
	 * abort, 0 when done, 1 when done and the guest should stop for now. NULL: no page.
	 */
	int (*doorbell)(struct guest *g, uint64_t offset, unsigned size, bool write,
			uint64_t *data);
	uint64_t nr_exits[16]; /* counted atomically */
};

/** Creates a VM with `ram_size` bytes of RAM at GUEST_RAM_IPA and `nr_vcpus` vCPUs. */
int guest_create(struct guest *g, uint32_t vm_flags, uint64_t ram_size, unsigned nr_vcpus);
/** Returns its pages to the host (the hypervisor scrubs them). */
void guest_destroy(struct guest *g);
/**
 * Copies `len` bytes to guest IPA `ipa` in pages staged for the guest: the host
 * can still write them until guest_donate_staged() gives them to the guest.
 */
int guest_write_initial(struct guest *g, uint64_t ipa, const void *data, uint64_t len);
int guest_donate_staged(struct guest *g);
/** Loads an ELF image (already in host memory): segments, entry point. */
int guest_load_elf(struct guest *g, const uint8_t *elf, uint64_t size);
/**
 * Stages an ELF image's segments (guest_write_initial) without donating them; sets
 * *entry and *end (the end of the highest segment).
 */
int guest_stage_elf(struct guest *g, const uint8_t *elf, uint64_t size, uint64_t *entry,
		    uint64_t *end);

enum run_result {
	RUN_YIELD, /* its slice ended or the VMM wants the CPU: run it again soon */
	RUN_WAIT,  /* it waits for an interrupt or for PSCI CPU_ON (vcpu_state.waiting) */
	RUN_DONE,  /* the guest ended (g->status) */
};
/** Runs one vCPU until it waits, is preempted, or the guest ends. */
enum run_result guest_run_vcpu(struct guest *g, unsigned v);
/** Ends the guest with `status` (the first ending counts) and stops its other vCPUs. */
void guest_end(struct guest *g, int status);
/**
 * Runs the guests' vCPUs on every host CPU (vCPU k of all of them on CPU k mod CPUs),
 * until all guests have ended. Returns the combined TV_STATUS_*.
 */
int vmm_run(struct guest *guests, unsigned n);
/** On CPU 0: stops every vCPU of g that runs elsewhere, until vmm_resume(). */
void vmm_pause(struct guest *g);
void vmm_resume(struct guest *g);
/** Makes CPU 0 look at the control requests soon (from any CPU). */
void vmm_poke_control(void);
/** guest_end(): the guest's vCPUs on other CPUs leave the guest. */
void vmm_guest_ended(struct guest *g);

/** Limits the guest to `limit` resident pages (>= 16). Refused for protected guests. */
int swap_enable(struct guest *g, uint64_t limit);
/** Gives the guest the page at `ipa`: restored if it was swapped out, else zeroed. */
int swap_fault_in(struct guest *g, uint64_t ipa);
void swap_release(struct guest *g);

/**
 * Loads a kernel (an arm64 Image, a raw binary or an ELF file) and its initramfs with a
 * generated device tree (linux.c).
 */
int linux_load(struct guest *g, const char *kernel, const char *initrd, const char *cmdline);

/* Device models. */
void pl011_init(struct pl011 *u, bool line_buffered);
/* Returns 0, or -1 if the access is not one the device has. */
int pl011_access(struct guest *g, uint64_t off, unsigned size, bool write, uint64_t *data);
void pl011_flush(struct guest *g);
/* Moves bytes typed on the machine's console into the guest's receive FIFO; true if any. */
bool pl011_poll_input(struct guest *g);

/* Images embedded in the host (host/guest_images.S). */
extern const uint8_t service_elf[], service_elf_end[];
extern const uint8_t side_doors_elf[], side_doors_elf_end[];

/* Runs the guest(s) the boot arguments name; returns the run's TV_STATUS_*. */
int vmm_main(void);

#endif
