/* SPDX-License-Identifier: MIT */
/*
 * A read-only flattened device tree parser. Every offset and length read from
 * the blob is checked against its header, so a corrupt tree gives an error,
 * never an out-of-bounds read.
 */
#ifndef LIB_FDT_H
#define LIB_FDT_H

#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu

struct fdt {
	const uint8_t *blob;
	uint32_t size;
	uint32_t off_struct;
	uint32_t size_struct;
	uint32_t off_strings;
	uint32_t size_strings;
};

/* Returns 0, or -1 if the blob (at most max_size bytes) is not a valid tree. */
int fdt_init(struct fdt *fdt, const void *blob, size_t max_size);

/*
 * Finds a node by absolute path ("/", "/chosen", "/memory"). A path component
 * without '@' also matches a node name with a unit address ("memory@40000000").
 * Returns the node's offset in the structure block, or -1.
 */
int fdt_find_node(const struct fdt *fdt, const char *path);

/* Returns the property's value and sets *len, or NULL if the node has no such property. */
const void *fdt_get_prop(const struct fdt *fdt, int node, const char *name, uint32_t *len);

/*
 * Returns the first node after the node at offset `after` (-1: from the start) whose
 * "compatible" property lists `compat`, or -1 if there is none.
 */
int fdt_next_compatible(const struct fdt *fdt, int after, const char *compat);

/* Resolves an entry of /aliases ("serial1") to its node, or -1. */
int fdt_find_alias(const struct fdt *fdt, const char *alias);

/* Reads a big-endian cell. */
static inline uint32_t fdt_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Reads a value of `cells` (1 or 2) big-endian cells. */
static inline uint64_t fdt_read_cells(const void *p, unsigned cells)
{
	const uint8_t *b = p;

	return cells == 2 ? (uint64_t)fdt_be32(b) << 32 | fdt_be32(b + 4) : fdt_be32(b);
}

#endif
