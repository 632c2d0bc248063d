/* SPDX-License-Identifier: MIT */
/*
 * The link: how the host reaches the world outside the machine. It is a byte
 * stream over the host's virtio console (a virtio-serial PCI device behind the
 * SMMU) to the tagvisor CLI, which stands for the world: it writes snapshot files
 * (to a temporary file, verified, then renamed), reads them back for a restore,
 * relays migration streams to and from TCP peers, and learns the run's exit status
 * here. No guest can reach the device. docs/ABI.md, "The link", describes it.
 *
 * The stream is a sequence of messages: a header, then `len` payload bytes.
 * All integers are little-endian.
 */
#ifndef ABI_LINK_H
#define ABI_LINK_H

#include <stdint.h>

#define TV_LINK_VERSION 1u
#define TV_LINK_MAX_PAYLOAD 65536u

struct tv_link_hdr {
	uint32_t type; /* enum tv_link_type */
	uint32_t len;  /* payload bytes, at most TV_LINK_MAX_PAYLOAD */
};
_Static_assert(sizeof(struct tv_link_hdr) == 8, "link header layout");

enum tv_link_type {
	/* host -> CLI */
	TV_LINK_HELLO = 1,      /* u32 TV_LINK_VERSION: the host is up and may be sent streams */
	TV_LINK_STATUS = 2,     /* u32 TV_STATUS_*: how the run ended; the machine powers off next */
	TV_LINK_OUT_BEGIN = 3,  /* u32 TV_LINK_STREAM_*: a stream starts; the CLI answers RESULT */
	TV_LINK_OUT_DATA = 4,   /* bytes of the outgoing stream */
	TV_LINK_OUT_END = 5,    /* it is complete: the CLI commits it and answers TV_LINK_RESULT */
	TV_LINK_OUT_ABORT = 6,  /* it is abandoned: the CLI discards what it has */
	TV_LINK_VERDICT = 7,    /* struct tv_link_result: the host's verdict on the incoming stream */
	TV_LINK_CONSOLE = 8,    /* bytes of the guests' console, for the CLI's stdout (a Linux
				 * host's VMM: the machine's PL011 is that host's own console) */
	/* CLI -> host */
	TV_LINK_IN_DATA = 16,   /* bytes of the incoming stream (a restore, an incoming migration) */
	TV_LINK_IN_END = 17,    /* struct tv_link_result: the incoming stream ended (err 0: at its end) */
	TV_LINK_RESULT = 18,    /* struct tv_link_result: the answer to OUT_BEGIN or OUT_END */
};

/* What an outgoing stream is for (TV_LINK_OUT_BEGIN). */
#define TV_LINK_STREAM_SNAPSHOT 1u  /* to the --snapshot file */
#define TV_LINK_STREAM_MIGRATION 2u /* to the --migrate-to peer */

/*
 * TV_LINK_RESULT, TV_LINK_IN_END, TV_LINK_VERDICT: 0 or a Linux errno (ENOSPC, EPIPE,
 * ECONNRESET, ETIMEDOUT, ...), then a message for the log (not NUL-terminated;
 * the rest of the payload).
 */
struct tv_link_result {
	int32_t err;
	char text[];
};

#endif
