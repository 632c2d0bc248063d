/* SPDX-License-Identifier: MIT */
/*
 * The host's end of the link (include/abi/link.h): messages to and from the CLI over
 * the virtio console, and the snapshot/migration streams carried in them.
 */
#ifndef HOST_LINK_H
#define HOST_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Finds the link device and says hello. 0, or -1 if the machine has none. */
int link_init(uint64_t dtb);
bool link_up(void);

/* Sends one message (header and payload), and pushes it out. */
void link_send(uint32_t type, const void *payload, uint32_t len);
/* Waits until everything sent has left the machine. */
void link_flush(void);

/*
 * ---- an outgoing stream (TV_LINK_STREAM_*): a snap_writer's write function ----
 * Begins one, once the CLI says it can take it: 0, or -1 with `why` set.
 */
int link_out_begin(uint32_t kind, char *why, size_t cap);
int link_out_write(void *ctx, const void *buf, size_t len);
/* Ends it and waits for the CLI's verdict: 0, or its errno with `why` set. */
int link_out_end(char *why, size_t cap);
void link_out_abort(void);

/* ---- the incoming stream: a snap_reader's read function ---- */
int link_in_read(void *ctx, void *buf, size_t len);
/* After link_in_read failed: the errno the CLI gave (0: the stream ended) and why. */
int link_in_error(char *why, size_t cap);
/* The host's verdict on the incoming stream, for the CLI to pass to its sender. */
void link_send_verdict(int32_t err, const char *text);

#endif
