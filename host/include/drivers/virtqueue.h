/* SPDX-License-Identifier: MIT */
/*
 * A split virtqueue (virtio 1.x, section 2.7) as a driver sees it: buffers of one
 * descriptor each, handed to the device through the available ring and returned
 * through the used ring. Plain memory and barriers, no device registers, so it is
 * unit-tested natively against a fake device (tests/unit/test_virtqueue.c). The
 * device's answers (used-ring entries) are checked: an entry naming a buffer that
 * is not the device's, or claiming more bytes than the buffer holds, is refused.
 */
#ifndef DRIVERS_VIRTQUEUE_H
#define DRIVERS_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE 256

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

#define VQ_DESC_F_WRITE 2 /* the device writes the buffer */

struct vq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct vq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vq_used {
	uint16_t flags;
	uint16_t idx;
	struct vq_used_elem ring[];
};

struct virtq {
	uint16_t size; /* entries, a power of two <= VIRTQ_MAX_SIZE */
	struct vq_desc *desc;
	struct vq_avail *avail;
	struct vq_used *used;
	uint16_t avail_idx; /* our copy of avail->idx */
	uint16_t last_used; /* used->idx consumed so far */
	uint16_t nr_free;
	uint16_t free_head;
	uint16_t next_free[VIRTQ_MAX_SIZE];
	void *token[VIRTQ_MAX_SIZE]; /* the caller's cookie of each buffer the device holds */
	bool broken;                 /* the device returned something impossible */
	uint64_t desc_pa;            /* device address of the descriptor table (the rings follow) */
};

/* Bytes of memory a queue of `size` entries needs (descriptors, then the rings). */
size_t virtq_mem_size(uint16_t size);

/*
 * Lays out a queue over `mem` (virtq_mem_size() bytes, 4 KiB aligned, zeroed) whose
 * device address is `mem_pa`. Returns 0, or -1 for a size that is 0, above
 * VIRTQ_MAX_SIZE or not a power of two.
 */
int virtq_init(struct virtq *q, uint16_t size, void *mem, uint64_t mem_pa);

/* Device addresses of the three areas, for the transport's queue registers. */
uint64_t virtq_desc_pa(const struct virtq *q);
uint64_t virtq_avail_pa(const struct virtq *q);
uint64_t virtq_used_pa(const struct virtq *q);

/*
 * Hands the buffer [pa, pa + len) to the device (device_writes: for it to fill).
 * `token` (not NULL) comes back with it. Returns 0, or -1 if the queue is full.
 * The device sees it after virtq_publish().
 */
int virtq_add(struct virtq *q, uint64_t pa, uint32_t len, bool device_writes, void *token);
/* Makes the buffers added so far visible to the device (then notify it). */
void virtq_publish(struct virtq *q);

/*
 * Takes back the next buffer the device is done with: returns its token and sets
 * *len (bytes the device wrote), or NULL if there is none. A used entry that names
 * no buffer the device holds, or a length beyond the buffer, marks the queue
 * broken and returns NULL from then on.
 */
void *virtq_get_used(struct virtq *q, uint32_t *len);

/* Buffers the device holds now. */
static inline unsigned virtq_in_flight(const struct virtq *q)
{
	return (unsigned)(q->size - q->nr_free);
}

#endif
