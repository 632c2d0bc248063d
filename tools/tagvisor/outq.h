/* SPDX-License-Identifier: MIT */
/* Bytes waiting for a non-blocking file descriptor to take them. */
#ifndef TOOLS_TAGVISOR_OUTQ_H
#define TOOLS_TAGVISOR_OUTQ_H

#include <stddef.h>
#include <stdint.h>

struct outq {
	uint8_t *buf;
	size_t off, len, cap; /* pending bytes are buf[off, off + len) */
};

/* Queues n bytes (exits the program if memory runs out). */
void outq_push(struct outq *q, const void *p, size_t n);
/* Writes what the fd takes now. Returns 0, or -1 if the fd failed (the queue is kept). */
int outq_flush(int fd, struct outq *q);
static inline size_t outq_len(const struct outq *q)
{
	return q->len;
}
void outq_clear(struct outq *q);
void outq_free(struct outq *q);

#endif
