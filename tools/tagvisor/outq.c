/* SPDX-License-Identifier: MIT */
#include "outq.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void outq_push(struct outq *q, const void *p, size_t n)
{
	if (!n) {
		return;
	}
	if (q->off + q->len + n > q->cap) {
		/* Move what is pending to the front, and grow if that is not enough. */
		memmove(q->buf, q->buf + q->off, q->len);
		q->off = 0;
		if (q->len + n > q->cap) {
			size_t cap = q->cap ? q->cap : 65536;
			uint8_t *b;

			while (cap < q->len + n) {
				cap *= 2;
			}
			b = realloc(q->buf, cap);
			if (!b) {
				fprintf(stderr, "tagvisor: out of memory\n");
				exit(4);
			}
			q->buf = b;
			q->cap = cap;
		}
	}
	memcpy(q->buf + q->off + q->len, p, n);
	q->len += n;
}

int outq_flush(int fd, struct outq *q)
{
	while (q->len) {
		ssize_t n = write(fd, q->buf + q->off, q->len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && errno == EAGAIN) {
			return 0;
		}
		if (n <= 0) {
			return -1;
		}
		q->off += (size_t)n;
		q->len -= (size_t)n;
	}
	q->off = 0;
	return 0;
}

void outq_clear(struct outq *q)
{
	q->off = q->len = 0;
}

void outq_free(struct outq *q)
{
	free(q->buf);
	*q = (struct outq){ 0 };
}
