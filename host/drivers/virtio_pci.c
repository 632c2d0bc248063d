/* SPDX-License-Identifier: MIT */
#include <drivers/virtio_pci.h>
#include <host/host.h>
#include <lib/string.h>

#define PCI_CAP_VENDOR 0x09
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_NOTIFY_MUL 16
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4

/* struct virtio_pci_common_cfg */
#define COMMON_DFSELECT 0x00
#define COMMON_DF 0x04
#define COMMON_GFSELECT 0x08
#define COMMON_GF 0x0c
#define COMMON_NUMQ 0x12
#define COMMON_STATUS 0x14
#define COMMON_Q_SELECT 0x16
#define COMMON_Q_SIZE 0x18
#define COMMON_Q_MSIX 0x1a
#define COMMON_Q_ENABLE 0x1c
#define COMMON_Q_NOFF 0x1e
#define COMMON_Q_DESC 0x20
#define COMMON_Q_AVAIL 0x28
#define COMMON_Q_USED 0x30

#define STATUS_ACKNOWLEDGE 1u
#define STATUS_DRIVER 2u
#define STATUS_DRIVER_OK 4u
#define STATUS_FEATURES_OK 8u
#define STATUS_NEEDS_RESET 64u
#define STATUS_FAILED 128u
#define NO_VECTOR 0xffffu

static void w8(volatile uint8_t *base, unsigned off, uint8_t v)
{
	*(volatile uint8_t *)(base + off) = v;
}

static void w16(volatile uint8_t *base, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(base + off) = v;
}

static void w32(volatile uint8_t *base, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

static void w64(volatile uint8_t *base, unsigned off, uint64_t v)
{
	w32(base, off, (uint32_t)v);
	w32(base, off + 4, (uint32_t)(v >> 32));
}

static uint8_t r8(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint8_t *)(base + off);
}

static uint16_t r16(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint16_t *)(base + off);
}

static uint32_t r32(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint32_t *)(base + off);
}

/* Where a virtio capability points: its BAR plus offset, if the BAR is assigned. */
static volatile uint8_t *cap_window(const struct pci_dev *d, unsigned cap)
{
	unsigned bar = pci_cfg_read8(d, cap + CAP_BAR);

	if (bar >= PCI_MAX_BARS || !d->bar[bar]) {
		return NULL;
	}
	return (volatile uint8_t *)(d->bar[bar] + pci_cfg_read32(d, cap + CAP_OFFSET));
}

static int find_windows(struct virtio_dev *v)
{
	for (unsigned cap = pci_find_cap(&v->pci, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(&v->pci, PCI_CAP_VENDOR, cap)) {
		volatile uint8_t *w = cap_window(&v->pci, cap);

		switch (pci_cfg_read8(&v->pci, cap + CAP_CFG_TYPE)) {
		case CFG_COMMON:
			v->common = v->common ? v->common : w;
			break;
		case CFG_NOTIFY:
			if (!v->notify) {
				v->notify = w;
				v->notify_mul = pci_cfg_read32(&v->pci, cap + CAP_NOTIFY_MUL);
			}
			break;
		case CFG_ISR:
			v->isr = v->isr ? v->isr : w;
			break;
		case CFG_DEVICE:
			v->device_cfg = v->device_cfg ? v->device_cfg : w;
			break;
		default:
			break;
		}
	}
	return v->common && v->notify && v->isr ? 0 : -1;
}

void virtio_pci_reset(struct virtio_dev *v)
{
	w8(v->common, COMMON_STATUS, 0);
	/* The reset is done when the status reads back 0. */
	while (r8(v->common, COMMON_STATUS)) {
	}
}

int virtio_pci_open(struct virtio_dev *v, unsigned type, unsigned nth, uint64_t wanted,
		    uint64_t required)
{
	uint64_t offered, need = required | VIRTIO_F_VERSION_1 | VIRTIO_F_ACCESS_PLATFORM;

	memset(v, 0, sizeof(*v));
	if (pci_find(VIRTIO_PCI_VENDOR, (uint16_t)VIRTIO_PCI_DEVICE(type), nth, &v->pci) ||
	    find_windows(v)) {
		return -1;
	}
	virtio_pci_reset(v);
	w8(v->common, COMMON_STATUS, STATUS_ACKNOWLEDGE);
	w8(v->common, COMMON_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
	w32(v->common, COMMON_DFSELECT, 0);
	offered = r32(v->common, COMMON_DF);
	w32(v->common, COMMON_DFSELECT, 1);
	offered |= (uint64_t)r32(v->common, COMMON_DF) << 32;
	if ((offered & need) != need) {
		host_log("virtio device %02x.%x offers features 0x%lx, not 0x%lx", v->pci.dev, v->pci.fn,
			 offered, need);
		w8(v->common, COMMON_STATUS, STATUS_FAILED);
		return -1;
	}
	v->features = (offered & wanted) | need;
	w32(v->common, COMMON_GFSELECT, 0);
	w32(v->common, COMMON_GF, (uint32_t)v->features);
	w32(v->common, COMMON_GFSELECT, 1);
	w32(v->common, COMMON_GF, (uint32_t)(v->features >> 32));
	w8(v->common, COMMON_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
	if (!(r8(v->common, COMMON_STATUS) & STATUS_FEATURES_OK)) {
		host_log("virtio device %02x.%x refused features 0x%lx", v->pci.dev, v->pci.fn,
			 v->features);
		return -1;
	}
	return 0;
}

int virtio_pci_setup_queue(struct virtio_dev *v, unsigned idx, struct virtq *q, uint16_t max)
{
	uint16_t size;
	size_t bytes;
	void *mem;

	if (idx >= VIRTIO_PCI_MAX_QUEUES || idx >= r16(v->common, COMMON_NUMQ)) {
		return -1;
	}
	w16(v->common, COMMON_Q_SELECT, (uint16_t)idx);
	size = r16(v->common, COMMON_Q_SIZE);
	if (size > max) {
		size = max;
	}
	while (size & (size - 1)) {
		size &= (uint16_t)(size - 1); /* the largest power of two below */
	}
	bytes = virtq_mem_size(size);
	mem = alloc_pages((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!size || !mem || virtq_init(q, size, mem, (uint64_t)mem)) {
		return -1;
	}
	w16(v->common, COMMON_Q_SIZE, size);
	w16(v->common, COMMON_Q_MSIX, NO_VECTOR);
	w64(v->common, COMMON_Q_DESC, virtq_desc_pa(q));
	w64(v->common, COMMON_Q_AVAIL, virtq_avail_pa(q));
	w64(v->common, COMMON_Q_USED, virtq_used_pa(q));
	v->queue_notify[idx] =
		(volatile uint16_t *)(v->notify + (unsigned)r16(v->common, COMMON_Q_NOFF) * v->notify_mul);
	w16(v->common, COMMON_Q_ENABLE, 1);
	return 0;
}

void virtio_pci_ready(struct virtio_dev *v)
{
	w8(v->common, COMMON_STATUS,
	   STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
}

void virtio_pci_notify(struct virtio_dev *v, unsigned idx)
{
	__asm__ volatile("dsb st" ::: "memory"); /* the rings before the doorbell */
	*v->queue_notify[idx] = (uint16_t)idx;
}

uint8_t virtio_pci_isr(struct virtio_dev *v)
{
	return r8(v->isr, 0);
}

bool virtio_pci_failed(const struct virtio_dev *v)
{
	return r8(v->common, COMMON_STATUS) & (STATUS_NEEDS_RESET | STATUS_FAILED);
}
