/* SPDX-License-Identifier: MIT */
/*
 * A virtio 1.x device over PCI (the modern transport only, virtio spec 4.1). The
 * driver always requires VIRTIO_F_ACCESS_PLATFORM: the device's DMA goes through
 * the SMMU, which the hypervisor programs with the host's stage 2.
 */
#ifndef DRIVERS_VIRTIO_PCI_H
#define DRIVERS_VIRTIO_PCI_H

#include <drivers/pci.h>
#include <drivers/virtqueue.h>

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE(type) (0x1040 + (type))
#define VIRTIO_ID_CONSOLE 3

#define VIRTIO_PCI_MAX_QUEUES 8

#define VIRTIO_F_VERSION_1 (1ull << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ull << 33)

struct virtio_dev {
	struct pci_dev pci;
	volatile uint8_t *common, *isr, *device_cfg;
	volatile uint8_t *notify;
	uint32_t notify_mul;
	uint64_t features; /* negotiated */
	volatile uint16_t *queue_notify[VIRTIO_PCI_MAX_QUEUES]; /* each queue's doorbell */
};

/*
 * Finds the n-th virtio device of `type`, resets it and negotiates features: those
 * of `wanted` the device offers, plus VERSION_1 and ACCESS_PLATFORM, which it must
 * offer. `required`: features without which the device is refused. 0 or -1.
 */
int virtio_pci_open(struct virtio_dev *v, unsigned type, unsigned nth, uint64_t wanted,
		    uint64_t required);

/*
 * Sets up queue `idx` with at most `max` entries in memory from the host's
 * allocator. 0, or -1 if the device has no such queue.
 */
int virtio_pci_setup_queue(struct virtio_dev *v, unsigned idx, struct virtq *q, uint16_t max);

/* Tells the device the driver is ready (DRIVER_OK). */
void virtio_pci_ready(struct virtio_dev *v);

/* Tells the device queue `idx` has new buffers. */
void virtio_pci_notify(struct virtio_dev *v, unsigned idx);

/* Reads (and so clears) the interrupt status; bit 0: a queue has used buffers. */
uint8_t virtio_pci_isr(struct virtio_dev *v);

/* Whether the device gave up (DEVICE_NEEDS_RESET: it saw something it cannot do). */
bool virtio_pci_failed(const struct virtio_dev *v);

/* Resets the device: it forgets its queues and stops all DMA. */
void virtio_pci_reset(struct virtio_dev *v);

#endif
