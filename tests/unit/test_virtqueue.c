/* SPDX-License-Identifier: MIT */
/*
 * The host's split virtqueue (host/drivers/virtqueue.c) against a fake device that
 * plays the other side of the rings: buffers come back in the device's order with
 * the lengths it reports, the ring indices wrap, and a device that returns a buffer
 * twice, an unknown one, or more bytes than the buffer holds breaks the queue
 * instead of corrupting the driver.
 */
#include "test.h"

#include <drivers/virtqueue.h>

#include <stdlib.h>
#include <string.h>

struct fake_dev {
	struct virtq *q;
	uint16_t last_avail;
	uint16_t used_idx;
};

static void *mem;

static struct virtq *new_queue(uint16_t size)
{
	static struct virtq q;

	free(mem);
	mem = aligned_alloc(4096, (virtq_mem_size(size) + 4095) & ~4095ul);
	memset(mem, 0, virtq_mem_size(size));
	if (virtq_init(&q, size, mem, (uint64_t)(uintptr_t)mem)) {
		return NULL;
	}
	return &q;
}

/* The device's view goes only through the device addresses the transport is given. */
static struct vq_avail *dev_avail(struct virtq *q)
{
	return (struct vq_avail *)(uintptr_t)virtq_avail_pa(q);
}

static struct vq_used *dev_used(struct virtq *q)
{
	return (struct vq_used *)(uintptr_t)virtq_used_pa(q);
}

static struct vq_desc *dev_desc(struct virtq *q)
{
	return (struct vq_desc *)(uintptr_t)virtq_desc_pa(q);
}

/* The device takes the next available buffer; returns its descriptor index or -1. */
static int dev_take(struct fake_dev *d)
{
	struct vq_avail *a = dev_avail(d->q);

	if (a->idx == d->last_avail) {
		return -1;
	}
	return a->ring[d->last_avail++ & (d->q->size - 1)];
}

static void dev_return(struct fake_dev *d, uint32_t id, uint32_t len)
{
	struct vq_used *u = dev_used(d->q);

	u->ring[d->used_idx & (d->q->size - 1)] = (struct vq_used_elem){ id, len };
	u->idx = ++d->used_idx;
}

TEST(virtqueue, layout_and_sizes)
{
	struct virtq *q = new_queue(16);

	ASSERT_TRUE(q != NULL);
	EXPECT_EQ(virtq_desc_pa(q), (uint64_t)(uintptr_t)mem);
	EXPECT_EQ(virtq_avail_pa(q) - virtq_desc_pa(q), 16 * 16);
	EXPECT_EQ(virtq_used_pa(q) % 4, 0);
	EXPECT_EQ(virtq_used_pa(q) - virtq_desc_pa(q), 16 * 16 + 40); /* 6 + 32 rounded up to 4 */
	EXPECT_EQ(virtq_mem_size(16), 16 * 16 + 40 + 6 + 8 * 16);
	EXPECT_TRUE(new_queue(0) == NULL);
	EXPECT_TRUE(new_queue(12) == NULL);
	EXPECT_TRUE(new_queue(512) == NULL);
	EXPECT_TRUE(new_queue(VIRTQ_MAX_SIZE) != NULL);
}

TEST(virtqueue, buffers_go_round_and_come_back)
{
	struct virtq *q = new_queue(8);
	struct fake_dev d = { q, 0, 0 };
	int tokens[8];
	uint32_t len;

	ASSERT_TRUE(q != NULL);
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(virtq_add(q, 0x1000u * (unsigned)(i + 1), 100 + (uint32_t)i, i & 1, &tokens[i]), 0);
	}
	EXPECT_EQ(virtq_add(q, 0x9000, 1, false, &tokens[0]), -1); /* full */
	EXPECT_EQ(dev_take(&d), -1); /* not published yet */
	virtq_publish(q);
	EXPECT_EQ(virtq_in_flight(q), 8);
	for (int i = 0; i < 8; i++) {
		int id = dev_take(&d);

		ASSERT_TRUE(id >= 0);
		EXPECT_EQ(dev_desc(q)[id].addr, 0x1000u * (unsigned)(i + 1));
		EXPECT_EQ(dev_desc(q)[id].flags, (i & 1) ? VQ_DESC_F_WRITE : 0);
	}
	/* Returned out of order, each with its token and length. */
	EXPECT_TRUE(virtq_get_used(q, &len) == NULL);
	dev_return(&d, 5, 7);
	dev_return(&d, 2, 0);
	EXPECT_TRUE(virtq_get_used(q, &len) == &tokens[5]);
	EXPECT_EQ(len, 7);
	EXPECT_TRUE(virtq_get_used(q, &len) == &tokens[2]);
	EXPECT_EQ(len, 0);
	EXPECT_TRUE(virtq_get_used(q, &len) == NULL);
	EXPECT_EQ(virtq_in_flight(q), 6);
	EXPECT_FALSE(q->broken);
}

TEST(virtqueue, indices_wrap_over_many_rounds)
{
	struct virtq *q = new_queue(4);
	struct fake_dev d = { q, 0, 0 };
	int token;
	uint32_t len;

	ASSERT_TRUE(q != NULL);
	/* 70000 buffers through a 4-entry queue: the 16-bit indices wrap. */
	for (unsigned i = 0; i < 70000; i++) {
		int id;

		ASSERT_EQ(virtq_add(q, 0x2000, 64, true, &token), 0);
		virtq_publish(q);
		id = dev_take(&d);
		ASSERT_TRUE(id >= 0);
		dev_return(&d, (uint32_t)id, i % 65);
		ASSERT_TRUE(virtq_get_used(q, &len) == &token);
		ASSERT_EQ(len, i % 65);
	}
	EXPECT_EQ(virtq_in_flight(q), 0);
}

TEST(virtqueue, a_lying_device_breaks_the_queue)
{
	static const struct {
		uint32_t id, len;
	} lies[] = {
		{ 3, 10 },  /* a buffer the device was never given */
		{ 99, 10 }, /* no such descriptor */
		{ 0, 65 },  /* longer than the buffer */
	};
	int token;
	uint32_t len;

	for (unsigned i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		struct virtq *q = new_queue(4);
		struct fake_dev d = { q, 0, 0 };

		ASSERT_EQ(virtq_add(q, 0x3000, 64, true, &token), 0);
		virtq_publish(q);
		dev_return(&d, lies[i].id, lies[i].len);
		EXPECT_TRUE(virtq_get_used(q, &len) == NULL);
		EXPECT_TRUE(q->broken);
		EXPECT_EQ(virtq_add(q, 0x3000, 64, true, &token), -1);
	}

	/* The same buffer returned twice; and more used entries than buffers handed out. */
	struct virtq *q = new_queue(4);
	struct fake_dev d = { q, 0, 0 };

	ASSERT_EQ(virtq_add(q, 0x3000, 64, true, &token), 0);
	virtq_publish(q);
	dev_return(&d, 0, 1);
	EXPECT_TRUE(virtq_get_used(q, &len) == &token);
	dev_return(&d, 0, 1);
	EXPECT_TRUE(virtq_get_used(q, &len) == NULL);
	EXPECT_TRUE(q->broken);

	q = new_queue(4);
	d = (struct fake_dev){ q, 0, 0 };
	ASSERT_EQ(virtq_add(q, 0x3000, 64, true, &token), 0);
	virtq_publish(q);
	dev_return(&d, 0, 1);
	dev_return(&d, 1, 1);
	EXPECT_TRUE(virtq_get_used(q, &len) == NULL);
	EXPECT_TRUE(q->broken);
}
