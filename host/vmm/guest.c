/* SPDX-License-Identifier: MIT */
/*
 * A guest as the VMM sees it: a VM, its pages, its vCPUs. Pages are populated
 * lazily: the image's pages at load, every other page on the guest's first touch
 * (TV_EXIT_MEM_FAULT), zeroed by the hypervisor as it donates them.
 */
#include <abi/guest.h>
#include <host/devices.h>
#include <host/vmm.h>
#include <lib/string.h>

int guest_create(struct guest *g, uint32_t vm_flags, uint64_t ram_size, unsigned nr_vcpus)
{
	uint64_t table_pages;
	int64_t h;

	g->vm_flags = vm_flags;
	g->ram_size = ram_size;
	g->nr_pages = ram_size / PAGE_SIZE;
	table_pages = (g->nr_pages * sizeof(uint64_t) + PAGE_SIZE - 1) / PAGE_SIZE;
	g->page_pa = alloc_pages(table_pages);
	if (!g->page_pa) {
		host_log("no memory for the guest's page table");
		return -1;
	}
	h = tv_hvc(TV_HC_VM_CREATE, vm_flags, GUEST_RAM_IPA, ram_size, nr_vcpus, 0, 0, NULL);
	if (h < 0) {
		host_log("TV_HC_VM_CREATE failed: %ld", h);
		return -1;
	}
	g->handle = h;
	for (unsigned v = 0; v < nr_vcpus; v++) {
		/* vCPU 0 boots; the others wait for its PSCI CPU_ON, as on the machine. */
		uint64_t flags = v ? TV_VCPU_CREATE_OFF : 0;

		if (tv_hvc(TV_HC_VCPU_CREATE, (uint64_t)h, flags, 0, 0, 0, 0, NULL) != v) {
			host_log("TV_HC_VCPU_CREATE failed");
			return -1;
		}
		g->vcpu[v] = (struct vcpu_state){ .waiting = v != 0 };
	}
	g->nr_vcpus = nr_vcpus;
	return 0;
}

void guest_destroy(struct guest *g)
{
	swap_release(g);
	if (g->handle > 0) {
		tv_hvc(TV_HC_VM_DESTROY, (uint64_t)g->handle, 0, 0, 0, 0, 0, NULL);
		g->handle = 0;
	}
	for (uint64_t i = 0; g->page_pa && i < g->nr_pages; i++) {
		if (g->page_pa[i]) {
			free_pages((void *)(g->page_pa[i] & PAGE_MASK), 1);
		}
	}
	if (g->page_pa) {
		free_pages(g->page_pa, (g->nr_pages * sizeof(uint64_t) + PAGE_SIZE - 1) / PAGE_SIZE);
		g->page_pa = NULL;
	}
}

int guest_write_initial(struct guest *g, uint64_t ipa, const void *data, uint64_t len)
{
	const uint8_t *src = data;

	while (len) {
		uint64_t idx = (ipa - GUEST_RAM_IPA) / PAGE_SIZE, off = ipa % PAGE_SIZE;
		uint64_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;

		if (g->page_pa[idx] && !(g->page_pa[idx] & PAGE_STAGED)) {
			host_log("guest page 0x%lx is already the guest's", ipa & PAGE_MASK);
			return -1;
		}
		if (!g->page_pa[idx]) {
			void *p = alloc_pages(1);

			if (!p) {
				host_log("out of memory loading the guest");
				return -1;
			}
			g->page_pa[idx] = (uint64_t)p | PAGE_STAGED;
		}
		memcpy((uint8_t *)(g->page_pa[idx] & PAGE_MASK) + off, src, n);
		src += n;
		ipa += n;
		len -= n;
	}
	return 0;
}

int guest_donate_staged(struct guest *g)
{
	for (uint64_t i = 0; i < g->nr_pages; i++) {
		if (g->page_pa[i] & PAGE_STAGED) {
			uint64_t pa = g->page_pa[i] & PAGE_MASK;
			int64_t r = tv_hvc(TV_HC_MEM_DONATE, (uint64_t)g->handle, pa,
					   GUEST_RAM_IPA + i * PAGE_SIZE, 0, 0, 0, NULL);

			if (r) {
				host_log("TV_HC_MEM_DONATE failed: %ld", r);
				return -1;
			}
			g->page_pa[i] = pa;
			if (g->swap) {
				g->swap->resident++;
			}
		}
	}
	return 0;
}

/* Emulates an MMIO access; sets how the next run completes it. */
/* Emulates the access; returns true if the guest should stop for now (a request). */
static bool mmio(struct guest *g, struct vcpu_state *vc, const struct hvc_res *r)
{
	uint64_t ipa = r->x[2], data = r->x[3], info = r->x[4];
	unsigned size = 1u << (info & TV_MMIO_SIZE_MASK);
	bool write = info & TV_MMIO_WRITE;
	int ret = -1;

	if (ipa >= GUEST_UART_IPA && ipa < GUEST_UART_IPA + PAGE_SIZE) {
		ret = pl011_access(g, ipa - GUEST_UART_IPA, size, write, &data);
	} else if (ipa >= TV_DOORBELL_IPA && ipa < TV_DOORBELL_IPA + PAGE_SIZE) {
		ret = g->doorbell ? g->doorbell(g, ipa - TV_DOORBELL_IPA, size, write, &data) : -1;
	} else if (ipa >= PCI_ECAM_BASE && ipa < PCI_ECAM_BASE + PCI_ECAM_SIZE) {
		ret = pci_ecam_access(&g->pci, ipa, size, write, &data);
	} else {
		ret = vgic_mmio(g, ipa, size, write, &data);
	}
	if (g->trace_mmio) {
		host_log("guest %u: MMIO %s 0x%lx size %u data 0x%lx%s", g->id, write ? "write" : "read",
			 ipa, size, data, ret ? " (no device: abort)" : "");
	}
	if (ret < 0) {
		/* No device there: an external abort, as on the machine itself. */
		vc->run_flags = TV_RUN_INJECT_DABT;
	} else if (!write) {
		vc->run_flags = TV_RUN_MMIO_READ;
		vc->run_value = data;
	}
	return ret > 0;
}

static uint64_t get_reg(struct guest *g, unsigned v, uint64_t reg)
{
	struct hvc_res q;

	return tv_hvc(TV_HC_VCPU_GET_REG, (uint64_t)g->handle, v, reg, 0, 0, 0, &q) ? 0 : q.x[1];
}

static void report_crash(struct guest *g, unsigned v, const struct hvc_res *r)
{
	host_log("guest %u vCPU %u crashed: ESR_EL2 0x%lx ELR 0x%lx FAR 0x%lx%s", g->id, v, r->x[2],
		 r->x[3], r->x[4],
		 r->x[5] == TV_ERROR_AARCH32
		     ? " (it entered AArch32 state, which guests may not use)"
		     : "");
	/* The guest's own view of its last exception, unless it is protected. */
	if (!(g->vm_flags & TV_VM_PROTECTED)) {
		host_log("guest %u vCPU %u last exception: ESR_EL1 0x%lx ELR_EL1 0x%lx FAR_EL1 0x%lx "
			 "(VBAR_EL1 0x%lx)",
			 g->id, v, get_reg(g, v, TV_REG_ESR_EL1), get_reg(g, v, TV_REG_ELR_EL1),
			 get_reg(g, v, TV_REG_FAR_EL1), get_reg(g, v, TV_REG_VBAR_EL1));
	}
}

void guest_end(struct guest *g, int status)
{
	bool first;

	spin_lock(&g->lock);
	first = !g->done;
	if (first) {
		pl011_flush(g);
		g->status = status;
		__atomic_store_n(&g->done, true, __ATOMIC_RELEASE);
	}
	spin_unlock(&g->lock);
	if (first) {
		vmm_guest_ended(g);
	}
}

static enum run_result guest_done(struct guest *g, int status)
{
	guest_end(g, status);
	return RUN_DONE;
}

/* What the VMM's devices do with an exit; true: the vCPU stops for now (a request). */
static bool handle_mmio(struct guest *g, struct vcpu_state *vc, const struct hvc_res *r)
{
	bool stop;

	spin_lock(&g->lock);
	stop = mmio(g, vc, r);
	spin_unlock(&g->lock);
	return stop;
}

enum run_result guest_run_vcpu(struct guest *g, unsigned v)
{
	struct vcpu_state *vc = &g->vcpu[v];
	struct hvc_res r;
	int err;
	bool stop;

	vc->waiting = false;
	for (;;) {
		int64_t ret = tv_hvc(TV_HC_VCPU_RUN, (uint64_t)g->handle, v, vc->run_flags,
				     vc->run_value, 0, 0, &r);

		vc->run_flags = 0;
		if (ret) {
			host_log("guest %u vCPU %u: TV_HC_VCPU_RUN failed: %ld", g->id, v, ret);
			return guest_done(g, TV_STATUS_HYP_ERROR);
		}
		if (r.x[1] < ARRAY_SIZE(g->nr_exits)) {
			__atomic_fetch_add(&g->nr_exits[r.x[1]], 1, __ATOMIC_RELAXED);
		}
		switch (r.x[1]) {
		case TV_EXIT_MMIO:
			if (handle_mmio(g, vc, &r)) {
				return RUN_YIELD;
			}
			break;
		case TV_EXIT_MEM_FAULT:
			spin_lock(&g->lock);
			err = swap_fault_in(g, r.x[2]);
			spin_unlock(&g->lock);
			if (err) {
				return guest_done(g, TV_STATUS_HYP_ERROR);
			}
			break;
		case TV_EXIT_HVC:
			vc->run_flags = TV_RUN_HVC_RET;
			vc->run_value = (uint64_t)-1; /* SMCCC NOT_SUPPORTED */
			spin_lock(&g->lock);
			stop = g->vmm_call && g->vmm_call(g, v, &r.x[2], &vc->run_value);
			spin_unlock(&g->lock);
			if (stop) {
				return RUN_YIELD;
			}
			break;
		case TV_EXIT_SYSTEM_EVENT:
			return guest_done(g, r.x[2] == TV_SYSTEM_RESET ? TV_STATUS_RESET : TV_STATUS_OK);
		case TV_EXIT_CPU_OFF:
			if (r.x[2]) {
				return guest_done(g, TV_STATUS_OK); /* the last vCPU on turned off */
			}
			vc->waiting = true; /* until CPU_ON rings its doorbell */
			vc->wait_until = 0;
			return RUN_WAIT;
		case TV_EXIT_WFI:
			if (!g->vgic.present) {
				return RUN_YIELD; /* no interrupt can come: it just goes on */
			}
			vc->waiting = true;
			vc->wait_until = r.x[2];
			return RUN_WAIT;
		case TV_EXIT_IRQ:
			irq_ack_all();
			return RUN_YIELD;
		case TV_EXIT_GUEST_ERROR:
			report_crash(g, v, &r);
			return guest_done(g, TV_STATUS_GUEST_CRASH);
		case TV_EXIT_MMIO_NISV:
			/*
			 * No device model can emulate an access it does not know (LDP, writeback):
			 * the VM ends, as KVM's default for KVM_EXIT_ARM_NISV (docs/ABI.md;
			 * TV_RUN_INJECT_DABT would give the guest an abort instead, as QEMU does).
			 */
			host_log("guest %u vCPU %u crashed: MMIO at IPA 0x%lx without a valid "
				 "syndrome (ESR_EL2 0x%lx): the VMM cannot emulate it",
				 g->id, v, r.x[2], r.x[3]);
			return guest_done(g, TV_STATUS_GUEST_CRASH);
		default:
			host_log("guest %u: unknown exit %lu", g->id, r.x[1]);
			return guest_done(g, TV_STATUS_HYP_ERROR);
		}
	}
}
