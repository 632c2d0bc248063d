/* SPDX-License-Identifier: MIT */
/*
 * A flattened device tree writer over a caller's buffer: no allocation, no libc. It
 * writes a version 17 blob (the version Linux expects; last compatible version 16) with
 * an empty memory reservation block, big-endian throughout.
 *
 *	struct fdt_writer w;
 *	fdtw_init(&w, buf, sizeof(buf));
 *	fdtw_begin_node(&w, "");		the root: always first, named ""
 *	fdtw_prop_u32(&w, "#address-cells", 2);	properties before subnodes
 *	fdtw_begin_node(&w, "memory@40000000");
 *	...
 *	fdtw_end_node(&w);
 *	fdtw_end_node(&w);			closes the root
 *	int size = fdtw_finish(&w);		the blob's size, or an error
 *
 * Errors are sticky: once a call fails, every later call (fdtw_finish included) returns
 * the same error and writes nothing, so a tree may be written without checking each call
 * and only fdtw_finish checked. Nothing is ever written outside the buffer.
 *
 * While the tree is written, the structure block grows up from the start of the buffer
 * and the strings block down from its end; fdtw_finish moves the strings down behind the
 * structure, so the whole buffer is usable and the blob is as small as it can be.
 */
#ifndef LIB_FDT_WRITE_H
#define LIB_FDT_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Errors, negative as every function returns them:
 * NOSPACE the buffer is too small;
 * STATE   a call out of order: unbalanced nodes, no root or a second one, a property after
 *         a subnode, anything after fdtw_finish;
 * NAME    a node or property name that is empty, too long or has characters the device
 *         tree spec does not allow;
 * ARG     a NULL pointer, or a value larger than a blob can be.
 */
#define FDTW_ERR_NOSPACE -1
#define FDTW_ERR_STATE	 -2
#define FDTW_ERR_NAME	 -3
#define FDTW_ERR_ARG	 -4

/* The device tree spec's limit for a property name and for a node name before its '@'. */
#define FDTW_MAX_NAME 31
/* A node name with its unit address ("name@unit-address"). */
#define FDTW_MAX_NODE_NAME 63

struct fdt_writer {
	uint8_t *buf;
	uint32_t size;	       /* usable bytes of buf */
	uint32_t struct_end;   /* end of the structure block written so far */
	uint32_t strings_size; /* bytes of the strings block, at the end of buf */
	uint32_t depth;	       /* open nodes */
	int err;	       /* the first error, or 0 */
	bool root_done;	       /* the root node has been opened (and maybe closed) */
	bool has_subnode;      /* the current node has a subnode: no more properties */
	bool finished;
};

/* Starts a blob in buf (size bytes, any alignment). Returns 0 or FDTW_ERR_*. */
int fdtw_init(struct fdt_writer *w, void *buf, size_t size);

/* Opens a node: the root ("") first, then subnodes ("name" or "name@unit-address"). */
int fdtw_begin_node(struct fdt_writer *w, const char *name);
/* Closes the innermost open node. */
int fdtw_end_node(struct fdt_writer *w);

/* A property of the open node with len bytes of data (data may be NULL when len is 0). */
int fdtw_prop(struct fdt_writer *w, const char *name, const void *data, size_t len);
/* A property without a value ("interrupt-controller", "ranges"). */
int fdtw_prop_empty(struct fdt_writer *w, const char *name);
/* One big-endian cell. */
int fdtw_prop_u32(struct fdt_writer *w, const char *name, uint32_t v);
/* Two cells, high first. */
int fdtw_prop_u64(struct fdt_writer *w, const char *name, uint64_t v);
/* n cells (n may be 0: an empty property). */
int fdtw_prop_cells(struct fdt_writer *w, const char *name, const uint32_t *cells, size_t n);
/* A NUL-terminated string. */
int fdtw_prop_string(struct fdt_writer *w, const char *name, const char *s);
/* A string list: the n strings, each with its NUL ("arm,pl011\0arm,primecell\0"). */
int fdtw_prop_strings(struct fdt_writer *w, const char *name, const char *const *strs, size_t n);

/*
 * Ends the blob: every node must be closed. Returns its total size (> 0), or FDTW_ERR_*.
 * The blob starts at the beginning of the buffer; the bytes after it are unspecified.
 */
int fdtw_finish(struct fdt_writer *w);

/* A short description of an FDTW_ERR_* value, for messages. */
const char *fdtw_strerror(int err);

#endif
