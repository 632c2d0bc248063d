/* SPDX-License-Identifier: MIT */
/*
 * Snapshot and restore: a guest's memory (data and compressed tags), its vCPUs'
 * whole state (MTE registers and PSTATE.TCO included) and its devices, written
 * as the versioned, checksummed stream of <abi/snapshot.h>. Protected guests are
 * refused: the hypervisor will not hand their memory or registers to the host.
 */
#include <host/snapshot.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include <lib/tagcodec.h>

/* Every vCPU's pending exit is completed, so that its state is whole. */
int snapshot_quiesce(struct guest *g, int caller)
{
	if (g->vm_flags & TV_VM_PROTECTED) {
		host_log("a protected guest cannot be saved or migrated: the hypervisor keeps its "
			 "memory and registers from the host");
		return -1;
	}
	for (unsigned v = 0; v < g->nr_vcpus; v++) {
		struct vcpu_state *vc = &g->vcpu[v];
		struct hvc_res r;
		uint64_t flags = vc->run_flags, value = vc->run_value;
		int64_t ret;

		if ((int)v == caller) {
			flags = TV_RUN_HVC_RET;
			value = 1; /* what the restored guest's snapshot call returns */
		}
		ret = tv_hvc(TV_HC_VCPU_RUN, (uint64_t)g->handle, v, flags | TV_RUN_COMPLETE_ONLY,
			     value, 0, 0, &r);
		if (ret || r.x[1] != TV_EXIT_NONE) {
			host_log("cannot complete vCPU %u's exit: %ld", v, ret);
			return -1;
		}
		vc->run_flags = 0;
		vc->run_value = 0;
	}
	return 0;
}

static bool all_zero(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)(const void *)p;

	for (unsigned i = 0; i < PAGE_SIZE / 8; i++) {
		if (w[i]) {
			return false;
		}
	}
	return true;
}

/* Adds guest page idx to the batch (flushing it when full). */
int snapshot_send_page(struct guest *g, struct snap_writer *w, struct snap_batch *b, uint64_t idx)
{
	static uint8_t data[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	static uint8_t tags[TAGCODEC_MAX_SIZE + 7];
	uint64_t ipa = GUEST_RAM_IPA + idx * PAGE_SIZE, tag_len = 0;
	const uint8_t *src = data, *tag_src = tags;

	if (g->page_pa[idx]) {
		struct hvc_res r;
		int64_t ret = tv_hvc(TV_HC_MEM_READ, (uint64_t)g->handle, ipa, (uint64_t)data,
				     (uint64_t)tags, sizeof(tags), 0, &r);

		if (ret) {
			host_log("TV_HC_MEM_READ of 0x%lx failed: %ld", ipa, ret);
			return -1;
		}
		tag_len = r.x[1];
	} else if (g->swap && g->swap->slot[idx]) {
		/* Swapped out: the swap store has its data and tags (the quick encoding). */
		uint8_t packed[TAGCODEC_PACKED_SIZE];

		src = (const uint8_t *)g->swap->slot[idx];
		tag_src = g->swap->tags + idx * (TAGCODEC_MAX_SIZE + 1) + 1;
		tag_len = tag_src[-1];
		/* Raw there; the stream gets the smallest encoding, as for resident pages. */
		if (tag_len == TAGCODEC_MAX_SIZE && !tagcodec_decode(tag_src, tag_len, packed)) {
			tag_len = tagcodec_encode(packed, tags);
			tag_src = tags;
		}
	} else {
		return 0; /* never touched: it starts zeroed on the other side too */
	}
	snap_batch_add(b, ipa, tag_src, (uint16_t)tag_len, all_zero(src) ? NULL : src);
	return snap_batch_full(b) ? snap_batch_flush(w, b) : 0;
}

/* vCPU cpu's interface as EL2 keeps it. */
static int get_vgic(struct guest *g, unsigned cpu, struct tv_vgic_state *st)
{
	int64_t ret = tv_hvc(TV_HC_VCPU_GET_VGIC, (uint64_t)g->handle, cpu, (uint64_t)st, 0, 0, 0,
			     NULL);

	if (ret) {
		host_log("TV_HC_VCPU_GET_VGIC of vCPU %u failed: %ld", cpu, ret);
		return -1;
	}
	return 0;
}

/*
 * The GIC: vCPU 0's interface (EL2's), the VMM's distributor and vCPU 0's redistributor
 * and the console's input (GIC); every further vCPU's interface and redistributor
 * (GIC_CPU); where the SPIs go (GIC_ROUTES).
 */
static int send_gic(struct guest *g, struct snap_writer *w)
{
	static struct tv_snap_gic rec;
	static struct tv_snap_gic_cpu cpu_rec;
	static struct tv_snap_gic_routes routes;
	const struct vgic *v = &g->vgic;
	const struct vgic_redist *rd0 = &v->cpu[0];

	memset(&rec, 0, sizeof(rec));
	if (get_vgic(g, 0, &rec.cpu)) {
		return -1;
	}
	rec.gicd_ctlr = v->ctlr;
	rec.gicr_waker = rd0->waker;
	rec.group[0] = rd0->bank.group;
	rec.enabled[0] = rd0->bank.enabled;
	rec.pending[0] = rd0->bank.pending;
	for (unsigned i = 0; i < VGIC_NR_SPI_BANKS; i++) {
		rec.group[i + 1] = v->spis[i].group;
		rec.enabled[i + 1] = v->spis[i].enabled;
		rec.pending[i + 1] = v->spis[i].pending;
	}
	memcpy(rec.prio, rd0->prio, sizeof(rd0->prio));
	memcpy(rec.prio + 32, v->spi_prio, sizeof(v->spi_prio));
	memcpy(rec.cfg, v->cfg, sizeof(v->cfg));
	rec.uart_ris = g->uart.ris;
	rec.uart_rx_len = g->uart.rx_len;
	for (unsigned i = 0; i < g->uart.rx_len; i++) {
		rec.uart_rx[i] = g->uart.rx[(g->uart.rx_head + i) % PL011_RX_FIFO];
	}
	if (snap_write_record(w, TV_SNAP_GIC, &rec, sizeof(rec))) {
		return -1;
	}
	for (unsigned c = 1; c < g->nr_vcpus; c++) {
		const struct vgic_redist *rd = &v->cpu[c];

		memset(&cpu_rec, 0, sizeof(cpu_rec));
		if (get_vgic(g, c, &cpu_rec.cpu)) {
			return -1;
		}
		cpu_rec.index = c;
		cpu_rec.gicr_waker = rd->waker;
		cpu_rec.group = rd->bank.group;
		cpu_rec.enabled = rd->bank.enabled;
		cpu_rec.pending = rd->bank.pending;
		memcpy(cpu_rec.prio, rd->prio, sizeof(rd->prio));
		if (snap_write_record(w, TV_SNAP_GIC_CPU, &cpu_rec, sizeof(cpu_rec))) {
			return -1;
		}
	}
	memcpy(routes.irouter, v->irouter, sizeof(routes.irouter));
	return snap_write_record(w, TV_SNAP_GIC_ROUTES, &routes, sizeof(routes));
}

static int set_vgic(struct guest *g, unsigned cpu, const struct tv_vgic_state *st)
{
	int64_t ret = tv_hvc(TV_HC_VCPU_SET_VGIC, (uint64_t)g->handle, cpu, (uint64_t)st, 0, 0, 0,
			     NULL);

	if (ret) {
		host_log("cannot restore vCPU %u's vGIC: %ld", cpu, ret);
		return -1;
	}
	return 0;
}

static int restore_gic(struct guest *g, const struct tv_snap_gic *rec)
{
	struct vgic *v = &g->vgic;
	struct vgic_redist *rd0 = &v->cpu[0];

	if (set_vgic(g, 0, &rec->cpu)) {
		return -1;
	}
	v->ctlr = rec->gicd_ctlr;
	rd0->waker = rec->gicr_waker;
	rd0->bank = (struct vgic_irq_bank){ rec->group[0], rec->enabled[0], rec->pending[0] };
	for (unsigned i = 0; i < VGIC_NR_SPI_BANKS; i++) {
		v->spis[i] = (struct vgic_irq_bank){ rec->group[i + 1], rec->enabled[i + 1],
						     rec->pending[i + 1] };
	}
	memcpy(rd0->prio, rec->prio, sizeof(rd0->prio));
	memcpy(v->spi_prio, rec->prio + 32, sizeof(v->spi_prio));
	memcpy(v->cfg, rec->cfg, sizeof(v->cfg));
	g->uart.ris = rec->uart_ris;
	g->uart.rx_head = 0;
	g->uart.rx_len = rec->uart_rx_len;
	memcpy(g->uart.rx, rec->uart_rx, rec->uart_rx_len);
	return 0;
}

static int restore_gic_cpu(struct guest *g, const struct tv_snap_gic_cpu *rec)
{
	struct vgic_redist *rd = &g->vgic.cpu[rec->index];

	if (set_vgic(g, rec->index, &rec->cpu)) {
		return -1;
	}
	rd->waker = rec->gicr_waker;
	rd->bank = (struct vgic_irq_bank){ rec->group, rec->enabled, rec->pending };
	memcpy(rd->prio, rec->prio, sizeof(rd->prio));
	return 0;
}

/* The vCPUs and devices: written last, when the guest is stopped for good. */
int snapshot_send_state(struct guest *g, struct snap_writer *w)
{
	static struct tv_snap_vcpu rec;
	struct tv_snap_device dev = {
		g->uart.cr, g->uart.lcr_h, g->uart.ibrd, g->uart.fbrd, g->uart.imsc, g->uart.ifls,
		{ 0 },
	};

	for (unsigned v = 0; v < g->nr_vcpus; v++) {
		int64_t ret = tv_hvc(TV_HC_VCPU_GET_STATE, (uint64_t)g->handle, v,
				     (uint64_t)&rec.state, 0, 0, 0, NULL);

		if (ret) {
			host_log("TV_HC_VCPU_GET_STATE failed: %ld", ret);
			return -1;
		}
		rec.index = v;
		if (snap_write_record(w, TV_SNAP_VCPU, &rec, sizeof(rec))) {
			return -1;
		}
	}
	if (g->vgic.present && send_gic(g, w)) {
		return -1;
	}
	if (snap_write_record(w, TV_SNAP_DEVICE, &dev, sizeof(dev)) || snap_write_end(w)) {
		return -1;
	}
	return 0;
}

int snapshot_save(struct guest *g, struct snap_writer *w, int caller)
{
	static struct snap_batch batch;
	struct tv_snap_config cfg = { GUEST_RAM_IPA, g->ram_size, g->vm_flags, g->nr_vcpus, { 0 } };
	uint32_t pages_before;

	if (snapshot_quiesce(g, caller) ||
	    snap_write_header(w, TV_SNAP_KIND_SNAPSHOT, ticks_to_ns(read_cntpct())) ||
	    snap_write_record(w, TV_SNAP_CONFIG, &cfg, sizeof(cfg))) {
		return -1;
	}
	snap_batch_init(&batch, 0);
	pages_before = (uint32_t)w->pages;
	for (uint64_t idx = 0; idx < g->nr_pages; idx++) {
		if (snapshot_send_page(g, w, &batch, idx)) {
			return -1;
		}
	}
	if (snap_batch_flush(w, &batch) ||
	    snap_write_round_end(w, 0, (uint32_t)w->pages - pages_before, w->tag_bytes) ||
	    snapshot_send_state(g, w)) {
		return -1;
	}
	if (caller >= 0) {
		/* This guest goes on: its snapshot call returns 0 here. */
		tv_hvc(TV_HC_VCPU_SET_REG, (uint64_t)g->handle, (uint64_t)caller, TV_REG_X0, 0, 0, 0,
		       NULL);
	}
	return 0;
}

/* Gives the guest a page with the stream's data and tags, replacing one it had. */
static int restore_page(struct guest *g, const struct tv_snap_page *pg, const uint8_t *tags,
			const uint8_t *data)
{
	static uint8_t tag_buf[TAGCODEC_MAX_SIZE];
	uint64_t idx = (pg->ipa - GUEST_RAM_IPA) / PAGE_SIZE, flags = 0;
	uint8_t *page;
	int64_t ret;

	if (g->page_pa[idx]) {
		/* A later round sent it again: take the old copy back first. */
		struct hvc_res r;

		ret = tv_hvc(TV_HC_MEM_RECLAIM, (uint64_t)g->handle, pg->ipa, (uint64_t)tag_buf,
			     sizeof(tag_buf), 0, 0, &r);
		if (ret) {
			host_log("restore: cannot replace page 0x%lx: %ld", pg->ipa, ret);
			return -1;
		}
		page = (uint8_t *)r.x[1];
	} else {
		page = alloc_pages_raw(1);
		if (!page) {
			host_log("restore: out of memory at page 0x%lx", pg->ipa);
			return -1;
		}
	}
	if (data) {
		memcpy(page, data, PAGE_SIZE);
	} else {
		flags = TV_DONATE_ZERO;
	}
	if (pg->tag_len) {
		memcpy(tag_buf, tags, pg->tag_len);
		flags |= TV_DONATE_TAGS;
	}
	ret = tv_hvc(TV_HC_MEM_DONATE, (uint64_t)g->handle, (uint64_t)page, pg->ipa, flags,
		     (uint64_t)tag_buf, pg->tag_len, NULL);
	if (ret) {
		host_log("restore: TV_HC_MEM_DONATE of 0x%lx failed: %ld", pg->ipa, ret);
		return -1;
	}
	g->page_pa[idx] = (uint64_t)page;
	return 0;
}

/* Whether the stream's VM is the one the destination was started for; else why not. */
static bool config_expected(const struct tv_snap_config *c, const struct restore_expect *e,
			    char *why, size_t cap)
{
	if (e && e->ram_size && e->ram_size != c->ram_size) {
		fmt_snprintf(why, cap, "the stream's VM has %lu MiB of RAM, this one was started for %lu MiB",
			     c->ram_size >> 20, e->ram_size >> 20);
	} else if (e && e->mte >= 0 && !!(c->vm_flags & TV_VM_MTE) != e->mte) {
		fmt_snprintf(why, cap, "the stream's VM has MTE %s, this one was started with MTE %s",
			     (c->vm_flags & TV_VM_MTE) ? "on" : "off", e->mte ? "on" : "off");
	} else if (e && e->nr_vcpus && e->nr_vcpus != c->nr_vcpus) {
		fmt_snprintf(why, cap, "the stream's VM has %u vCPUs, this one was started for %u",
			     c->nr_vcpus, e->nr_vcpus);
	} else if (e && e->protected) {
		fmt_snprintf(why, cap, "a protected VM cannot be restored from a stream");
	} else {
		return true;
	}
	return false;
}

int snapshot_restore(struct guest *g, struct snap_reader *r, const struct restore_expect *expect)
{
	static uint8_t payload[TV_SNAP_MAX_PAYLOAD] __attribute__((aligned(16)));
	uint32_t len;
	int type;

	if (snap_read_header(r)) {
		host_log("cannot restore: %s", r->error);
		return -1;
	}
	while ((type = snap_read_record(r, payload, &len)) > 0) {
		if (type == TV_SNAP_CONFIG) {
			const struct tv_snap_config *c = (const void *)payload;

			if (!config_expected(c, expect, r->error, sizeof(r->error))) {
				host_log("cannot restore: %s", r->error);
				return -1;
			}
			if (c->ram_ipa != GUEST_RAM_IPA) {
				host_log("cannot restore: guest RAM at 0x%lx, this VMM puts it at 0x%lx",
					 c->ram_ipa, GUEST_RAM_IPA);
				return -1;
			}
			if (guest_create(g, c->vm_flags, c->ram_size, c->nr_vcpus)) {
				return -1;
			}
			if (c->vm_flags & TV_VM_GIC) {
				vgic_init(g);
				g->pci.present = true;
			}
		} else if (type == TV_SNAP_PAGES) {
			struct snap_page_iter it;
			struct tv_snap_page pg;
			const uint8_t *tags, *data;

			snap_pages_begin(&it, payload, len);
			while (snap_pages_next(&it, &pg, &tags, &data)) {
				if (restore_page(g, &pg, tags, data)) {
					return -1;
				}
			}
		} else if (type == TV_SNAP_VCPU) {
			const struct tv_snap_vcpu *v = (const void *)payload;
			int64_t ret = tv_hvc(TV_HC_VCPU_SET_STATE, (uint64_t)g->handle, v->index,
					     (uint64_t)&v->state, 0, 0, 0, NULL);

			if (ret) {
				host_log("cannot restore vCPU %u: %ld", v->index, ret);
				return -1;
			}
			g->vcpu[v->index].waiting = v->state.flags & TV_VCPU_STATE_OFF;
		} else if (type == TV_SNAP_GIC) {
			if (restore_gic(g, (const void *)payload)) {
				return -1;
			}
		} else if (type == TV_SNAP_GIC_CPU) {
			if (restore_gic_cpu(g, (const void *)payload)) {
				return -1;
			}
		} else if (type == TV_SNAP_GIC_ROUTES) {
			memcpy(g->vgic.irouter, payload, sizeof(g->vgic.irouter));
		} else if (type == TV_SNAP_DEVICE) {
			const struct tv_snap_device *d = (const void *)payload;

			g->uart.cr = d->uart_cr;
			g->uart.lcr_h = d->uart_lcr_h;
			g->uart.ibrd = d->uart_ibrd;
			g->uart.fbrd = d->uart_fbrd;
			g->uart.imsc = d->uart_imsc;
			g->uart.ifls = d->uart_ifls;
		}
	}
	if (type < 0) {
		host_log("cannot restore: %s", r->error);
		return -1;
	}
	return 0;
}
