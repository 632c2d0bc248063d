/* SPDX-License-Identifier: MIT */
#include <drivers/virtqueue.h>
#include <lib/string.h>

#if defined(__aarch64__)
/* The device may run on another CPU (QEMU's threads): order our stores and its loads. */
#define wmb() __asm__ volatile("dmb ishst" ::: "memory")
#define rmb() __asm__ volatile("dmb ishld" ::: "memory")
#else
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static size_t avail_offset(uint16_t size)
{
	return (size_t)size * sizeof(struct vq_desc);
}

static size_t used_offset(uint16_t size)
{
	/* flags, idx, ring[size], used_event; the used ring is 4-byte aligned. */
	return align_up(avail_offset(size) + 6 + 2 * (size_t)size, 4);
}

size_t virtq_mem_size(uint16_t size)
{
	return used_offset(size) + 6 + 8 * (size_t)size;
}

int virtq_init(struct virtq *q, uint16_t size, void *mem, uint64_t mem_pa)
{
	uint8_t *base = mem;

	if (!size || size > VIRTQ_MAX_SIZE || (size & (size - 1))) {
		return -1;
	}
	memset(q, 0, sizeof(*q));
	q->size = size;
	q->desc = mem;
	q->avail = (struct vq_avail *)(void *)(base + avail_offset(size));
	q->used = (struct vq_used *)(void *)(base + used_offset(size));
	q->nr_free = size;
	for (uint16_t i = 0; i < size; i++) {
		q->next_free[i] = (uint16_t)(i + 1);
	}
	/* The device addresses: the areas at the same offsets from mem_pa. */
	q->desc_pa = mem_pa;
	return 0;
}

uint64_t virtq_desc_pa(const struct virtq *q)
{
	return q->desc_pa;
}

uint64_t virtq_avail_pa(const struct virtq *q)
{
	return q->desc_pa + avail_offset(q->size);
}

uint64_t virtq_used_pa(const struct virtq *q)
{
	return q->desc_pa + used_offset(q->size);
}

int virtq_add(struct virtq *q, uint64_t pa, uint32_t len, bool device_writes, void *token)
{
	uint16_t head;

	if (!q->nr_free || !token || q->broken) {
		return -1;
	}
	head = q->free_head;
	q->free_head = q->next_free[head];
	q->nr_free--;
	q->desc[head] = (struct vq_desc){ pa, len, device_writes ? VQ_DESC_F_WRITE : 0, 0 };
	q->token[head] = token;
	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	q->avail_idx++;
	return 0;
}

void virtq_publish(struct virtq *q)
{
	wmb(); /* descriptors and ring entries before the index that exposes them */
	__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELAXED);
}

void *virtq_get_used(struct virtq *q, uint32_t *len)
{
	uint16_t used_idx = __atomic_load_n(&q->used->idx, __ATOMIC_RELAXED);
	struct vq_used_elem e;
	void *token;

	if (q->broken || used_idx == q->last_used) {
		return NULL;
	}
	rmb(); /* the entry after the index that announced it */
	e = q->used->ring[q->last_used & (q->size - 1)];
	/* More used entries than buffers handed out, an unknown id, or an overlong length. */
	if ((uint16_t)(used_idx - q->last_used) > virtq_in_flight(q) || e.id >= q->size ||
	    !q->token[e.id] || e.len > q->desc[e.id].len) {
		q->broken = true;
		return NULL;
	}
	q->last_used++;
	token = q->token[e.id];
	q->token[e.id] = NULL;
	q->next_free[e.id] = q->free_head;
	q->free_head = (uint16_t)e.id;
	q->nr_free++;
	*len = e.len;
	return token;
}
