/* SPDX-License-Identifier: MIT */
#include <lib/fdt.h>
#include <lib/string.h>
#include <stdbool.h>

#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u

int fdt_init(struct fdt *fdt, const void *blob, size_t max_size)
{
	const uint8_t *b = blob;

	if (max_size < 40 || fdt_be32(b) != FDT_MAGIC) {
		return -1;
	}
	uint32_t total = fdt_be32(b + 4);
	uint32_t off_struct = fdt_be32(b + 8);
	uint32_t off_strings = fdt_be32(b + 12);
	uint32_t version = fdt_be32(b + 20);
	uint32_t size_strings = fdt_be32(b + 32);
	uint32_t size_struct = fdt_be32(b + 36);

	if (total > max_size || version < 17 || off_struct > total || size_struct > total - off_struct ||
	    off_strings > total || size_strings > total - off_strings || (off_struct & 3)) {
		return -1;
	}
	*fdt = (struct fdt){ b, total, off_struct, size_struct, off_strings, size_strings };
	return 0;
}

/* Reads the token at structure offset *off, or FDT_END if it would run off the block. */
static uint32_t token_at(const struct fdt *fdt, uint32_t off)
{
	if (fdt->size_struct < 4 || off > fdt->size_struct - 4) {
		return FDT_END;
	}
	return fdt_be32(fdt->blob + fdt->off_struct + off);
}

/* Length of a NUL-terminated string inside the structure block, or -1 if unterminated. */
static int name_len(const struct fdt *fdt, uint32_t off)
{
	const char *s = (const char *)fdt->blob + fdt->off_struct;

	for (uint32_t i = off; i < fdt->size_struct; i++) {
		if (!s[i]) {
			return (int)(i - off);
		}
	}
	return -1;
}

static uint32_t align4(uint32_t v)
{
	return (v + 3) & ~3u;
}

/*
 * Steps over the token at *off. For FDT_BEGIN_NODE sets *name and *nlen, for FDT_PROP
 * sets *prop_off to the property header. Returns the token, or FDT_END on error.
 */
static uint32_t next_token(const struct fdt *fdt, uint32_t *off, const char **name, int *nlen,
			   uint32_t *prop_off)
{
	uint32_t tok = token_at(fdt, *off);

	switch (tok) {
	case FDT_BEGIN_NODE: {
		int n = name_len(fdt, *off + 4);

		if (n < 0) {
			return FDT_END;
		}
		*name = (const char *)fdt->blob + fdt->off_struct + *off + 4;
		*nlen = n;
		*off = align4(*off + 4 + (uint32_t)n + 1);
		return tok;
	}
	case FDT_PROP: {
		/* Size first: size_struct - 12 wraps for a block shorter than a property header. */
		if (fdt->size_struct < 12 || *off > fdt->size_struct - 12) {
			return FDT_END;
		}
		uint32_t len = fdt_be32(fdt->blob + fdt->off_struct + *off + 4);

		if (len > fdt->size_struct - *off - 12) {
			return FDT_END;
		}
		*prop_off = *off;
		*off = align4(*off + 12 + len);
		return tok;
	}
	case FDT_END_NODE:
	case FDT_NOP:
		*off += 4;
		return tok;
	default:
		return FDT_END;
	}
}

static bool component_matches(const char *name, int nlen, const char *comp, int clen)
{
	if (nlen == clen && !strncmp(name, comp, (size_t)clen)) {
		return true;
	}
	/* "memory" matches "memory@40000000" unless this component (not a later one) has one. */
	for (int i = 0; i < clen; i++) {
		if (comp[i] == '@') {
			return false;
		}
	}
	return nlen > clen && name[clen] == '@' && !strncmp(name, comp, (size_t)clen);
}

int fdt_find_node(const struct fdt *fdt, const char *path)
{
	uint32_t off = 0, prop;
	const char *name;
	int nlen, depth = 0, matched = 0;

	if (path[0] != '/') {
		return -1;
	}
	while (*path == '/') {
		path++;
	}
	for (;;) {
		uint32_t at = off;
		uint32_t tok = next_token(fdt, &off, &name, &nlen, &prop);

		if (tok == FDT_END) {
			return -1;
		}
		if (tok == FDT_BEGIN_NODE) {
			depth++;
			if (depth == 1) {
				matched = 1; /* the root node */
			} else if (depth == matched + 1) {
				int clen = 0;

				while (path[clen] && path[clen] != '/') {
					clen++;
				}
				if (component_matches(name, nlen, path, clen)) {
					matched = depth;
					path += clen;
					while (*path == '/') {
						path++;
					}
				}
			}
			if (depth == matched && !*path) {
				return (int)at;
			}
		} else if (tok == FDT_END_NODE) {
			if (depth == matched) {
				return -1; /* left the deepest matched node without finding the rest */
			}
			depth--;
		}
	}
}

const void *fdt_get_prop(const struct fdt *fdt, int node, const char *name, uint32_t *len)
{
	uint32_t off = (uint32_t)node, prop;
	const char *nname;
	int nlen, depth = 0;

	if (node < 0 || token_at(fdt, off) != FDT_BEGIN_NODE) {
		return NULL;
	}
	for (;;) {
		uint32_t tok = next_token(fdt, &off, &nname, &nlen, &prop);

		if (tok == FDT_END) {
			return NULL;
		}
		if (tok == FDT_BEGIN_NODE) {
			depth++;
		} else if (tok == FDT_END_NODE) {
			if (--depth == 0) {
				return NULL;
			}
		} else if (tok == FDT_PROP && depth == 1) {
			const uint8_t *p = fdt->blob + fdt->off_struct + prop;
			uint32_t plen = fdt_be32(p + 4), nameoff = fdt_be32(p + 8);

			if (nameoff >= fdt->size_strings) {
				return NULL;
			}
			const char *pname = (const char *)fdt->blob + fdt->off_strings + nameoff;
			size_t max = fdt->size_strings - nameoff, i = 0;

			while (i < max && pname[i] == name[i] && name[i]) {
				i++;
			}
			if (i < max && pname[i] == '\0' && name[i] == '\0') {
				*len = plen;
				return p + 12;
			}
		}
	}
}

/* Whether a "compatible" value (NUL-separated strings) lists `compat`. */
static bool compat_lists(const char *v, uint32_t len, const char *compat)
{
	size_t n = strlen(compat);

	for (uint32_t i = 0; i < len;) {
		uint32_t j = i;

		while (j < len && v[j]) {
			j++;
		}
		if (j - i == n && !strncmp(v + i, compat, n)) {
			return true;
		}
		i = j + 1;
	}
	return false;
}

int fdt_next_compatible(const struct fdt *fdt, int after, const char *compat)
{
	uint32_t off = 0, prop;
	const char *name;
	int nlen;

	if (after >= 0) {
		off = (uint32_t)after;
		if (next_token(fdt, &off, &name, &nlen, &prop) != FDT_BEGIN_NODE) {
			return -1;
		}
	}
	for (;;) {
		uint32_t at = off;
		uint32_t tok = next_token(fdt, &off, &name, &nlen, &prop);

		if (tok == FDT_END) {
			return -1;
		}
		if (tok == FDT_BEGIN_NODE) {
			uint32_t len;
			const char *v = fdt_get_prop(fdt, (int)at, "compatible", &len);

			if (v && compat_lists(v, len, compat)) {
				return (int)at;
			}
		}
	}
}

int fdt_find_alias(const struct fdt *fdt, const char *alias)
{
	uint32_t len;
	const char *path = fdt_get_prop(fdt, fdt_find_node(fdt, "/aliases"), alias, &len);

	/* The value is a NUL-terminated absolute path. */
	if (!path || len < 2 || path[len - 1] != '\0' || path[0] != '/') {
		return -1;
	}
	return fdt_find_node(fdt, path);
}
