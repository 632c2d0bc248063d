/* SPDX-License-Identifier: MIT */
/*
 * The host's virtqueue (host/drivers/virtqueue.c) against a device that says anything:
 * the input scripts buffers handed out and used-ring entries the "device" writes (any
 * id, any length, any index). The driver must never hand back a token it does not
 * hold, a length beyond the buffer, or the same buffer twice, and once it calls the
 * queue broken it hands back nothing more.
 */
#include <drivers/virtqueue.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define QSIZE 8

static void *mem;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtq q;
	struct vq_used *used;
	uint32_t lens[QSIZE] = { 0 };
	bool held[QSIZE] = { false }; /* buffers the device holds, by token index */
	int tokens[QSIZE];
	uint16_t dev_used = 0;

	if (!mem) {
		mem = aligned_alloc(4096, 8192);
	}
	memset(mem, 0, virtq_mem_size(QSIZE));
	if (virtq_init(&q, QSIZE, mem, (uint64_t)(uintptr_t)mem)) {
		abort();
	}
	used = (struct vq_used *)(uintptr_t)virtq_used_pa(&q);
	for (size_t i = 0; i + 6 <= size; i += 6) {
		const uint8_t *op = data + i;
		uint32_t len;
		int *t;

		switch (op[0] % 3) {
		case 0: /* the driver hands out a buffer */
			for (unsigned k = 0; k < QSIZE; k++) {
				if (!held[k]) {
					lens[k] = (uint32_t)op[1] * 16;
					if (virtq_add(&q, 0x1000 * (k + 1), lens[k], op[2] & 1, &tokens[k]) == 0) {
						held[k] = true;
					}
					break;
				}
			}
			virtq_publish(&q);
			break;
		case 1: /* the device writes a used entry: any id, any length */
			used->ring[dev_used % QSIZE] = (struct vq_used_elem){ op[1], (uint32_t)op[2] << 8 | op[3] };
			used->idx = (op[4] & 1) ? (uint16_t)(dev_used + 1 + op[5]) : (uint16_t)(dev_used + 1);
			dev_used++;
			break;
		default: /* the driver takes back what it can */
			t = virtq_get_used(&q, &len);
			if (t) {
				unsigned k = (unsigned)(t - tokens);

				if (k >= QSIZE || !held[k] || len > lens[k] || q.broken) {
					abort(); /* not ours, twice, too long, or after breaking */
				}
				held[k] = false;
			}
			break;
		}
	}
	return 0;
}
