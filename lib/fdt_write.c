/* SPDX-License-Identifier: MIT */
#include <lib/fdt_write.h>
#include <lib/string.h>

#define FDT_MAGIC_VALUE	      0xd00dfeedu
#define FDT_VERSION	      17u
#define FDT_LAST_COMP_VERSION 16u
#define FDT_HEADER_SIZE	      40u
#define FDT_RSVMAP_SIZE	      16u /* one entry: the terminating (0, 0) */
#define FDT_STRUCT_OFF	      (FDT_HEADER_SIZE + FDT_RSVMAP_SIZE)

#define TOK_BEGIN_NODE 1u
#define TOK_END_NODE   2u
#define TOK_PROP       3u
#define TOK_END	       9u

/* The blob's size is returned as an int, and its header holds 32-bit sizes. */
#define FDTW_MAX_SIZE 0x7fffffffu

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t align4(uint64_t v)
{
	return (v + 3) & ~(uint64_t)3;
}

/* Records the first error; every later call returns it. */
static int fail(struct fdt_writer *w, int err)
{
	if (!w->err) {
		w->err = err;
	}
	return w->err;
}

/* 0 if the writer may take another call. */
static int usable(struct fdt_writer *w)
{
	if (w->err) {
		return w->err;
	}
	return w->finished ? fail(w, FDTW_ERR_STATE) : 0;
}

/* Free bytes between the structure block (growing up) and the strings (growing down). */
static uint64_t room(const struct fdt_writer *w)
{
	return (uint64_t)w->size - w->strings_size - w->struct_end;
}

static bool is_name_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == ',' || c == '.' || c == '_' || c == '+' || c == '-';
}

/* Property names: the spec's characters, '?' and '#' included ("#address-cells"). */
static bool prop_name_ok(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		if (i == FDTW_MAX_NAME ||
		    !(is_name_char(name[i]) || name[i] == '?' || name[i] == '#')) {
			return false;
		}
	}
	return i > 0;
}

/* Node names: "name" or "name@unit-address", name 1..31 characters, 63 in all. */
static bool node_name_ok(const char *name)
{
	size_t i, at = 0;

	for (i = 0; name[i]; i++) {
		if (i == FDTW_MAX_NODE_NAME) {
			return false;
		}
		if (name[i] == '@') {
			if (at || i == 0) {
				return false;
			}
			at = i;
		} else if (!is_name_char(name[i])) {
			return false;
		}
	}
	if (at) {
		return at <= FDTW_MAX_NAME && name[at + 1];
	}
	return i > 0 && i <= FDTW_MAX_NAME;
}

int fdtw_init(struct fdt_writer *w, void *buf, size_t size)
{
	if (!w) {
		return FDTW_ERR_ARG;
	}
	memset(w, 0, sizeof(*w));
	if (!buf) {
		return fail(w, FDTW_ERR_ARG);
	}
	w->buf = buf;
	w->size = size > FDTW_MAX_SIZE ? FDTW_MAX_SIZE : (uint32_t)size;
	if (w->size < FDT_STRUCT_OFF) {
		return fail(w, FDTW_ERR_NOSPACE);
	}
	/* The header is written by fdtw_finish; the reservation map is just its terminator. */
	memset(w->buf, 0, FDT_STRUCT_OFF);
	w->struct_end = FDT_STRUCT_OFF;
	return 0;
}

int fdtw_begin_node(struct fdt_writer *w, const char *name)
{
	int err = usable(w);

	if (err) {
		return err;
	}
	if (!name) {
		return fail(w, FDTW_ERR_ARG);
	}
	if (w->depth == 0) {
		/* One root, and nothing outside it. */
		if (w->root_done) {
			return fail(w, FDTW_ERR_STATE);
		}
		if (name[0]) {
			return fail(w, FDTW_ERR_NAME);
		}
	} else if (!node_name_ok(name)) {
		return fail(w, FDTW_ERR_NAME);
	}

	size_t len = strlen(name);
	uint64_t need = 4 + align4(len + 1);

	if (need > room(w)) {
		return fail(w, FDTW_ERR_NOSPACE);
	}
	uint8_t *p = w->buf + w->struct_end;

	put_be32(p, TOK_BEGIN_NODE);
	memset(p + 4, 0, (size_t)need - 4);
	memcpy(p + 4, name, len);
	w->struct_end += (uint32_t)need;
	w->depth++;
	w->root_done = true;
	w->has_subnode = false;
	return 0;
}

int fdtw_end_node(struct fdt_writer *w)
{
	int err = usable(w);

	if (err) {
		return err;
	}
	if (w->depth == 0) {
		return fail(w, FDTW_ERR_STATE);
	}
	if (room(w) < 4) {
		return fail(w, FDTW_ERR_NOSPACE);
	}
	put_be32(w->buf + w->struct_end, TOK_END_NODE);
	w->struct_end += 4;
	w->depth--;
	/* Back in the parent, which now has a subnode: its properties must come first. */
	w->has_subnode = true;
	return 0;
}

/*
 * Distance from the end of the buffer to a copy of name in the strings block, or 0 if
 * there is none. Any NUL-terminated match will do, a suffix of a longer name included
 * ("cells" inside "#address-cells"), as dtc does. The block ends with a NUL, so strcmp
 * never reads past it.
 */
static uint32_t find_string(const struct fdt_writer *w, const char *name, size_t len)
{
	const char *block = (const char *)w->buf + w->size - w->strings_size;

	for (uint32_t i = 0; (uint64_t)i + len + 1 <= w->strings_size; i++) {
		if (!strcmp(block + i, name)) {
			return w->strings_size - i;
		}
	}
	return 0;
}

/*
 * Writes a property's header and padding and returns where its len bytes of data go, or
 * NULL with the error recorded. Its name offset is stored for now as the distance from
 * the end of the buffer; fdtw_finish turns it into an offset in the strings block.
 */
static uint8_t *prop_begin(struct fdt_writer *w, const char *name, uint64_t len)
{
	if (usable(w)) {
		return NULL;
	}
	if (!name) {
		fail(w, FDTW_ERR_ARG);
		return NULL;
	}
	if (!prop_name_ok(name)) {
		fail(w, FDTW_ERR_NAME);
		return NULL;
	}
	if (w->depth == 0 || w->has_subnode) {
		fail(w, FDTW_ERR_STATE);
		return NULL;
	}
	if (len > FDTW_MAX_SIZE) {
		fail(w, FDTW_ERR_ARG);
		return NULL;
	}

	size_t name_len = strlen(name);
	uint32_t dist = find_string(w, name, name_len);
	uint64_t need = 12 + align4(len);

	if (need + (dist ? 0 : name_len + 1) > room(w)) {
		fail(w, FDTW_ERR_NOSPACE);
		return NULL;
	}
	if (!dist) {
		w->strings_size += (uint32_t)name_len + 1;
		memcpy(w->buf + w->size - w->strings_size, name, name_len + 1);
		dist = w->strings_size;
	}

	uint8_t *p = w->buf + w->struct_end;

	put_be32(p, TOK_PROP);
	put_be32(p + 4, (uint32_t)len);
	put_be32(p + 8, dist);
	/* Zero the padding after the value. */
	memset(p + 12 + len, 0, (size_t)(align4(len) - len));
	w->struct_end += (uint32_t)need;
	return p + 12;
}

int fdtw_prop(struct fdt_writer *w, const char *name, const void *data, size_t len)
{
	if (!w) {
		return FDTW_ERR_ARG;
	}
	if (len && !data) {
		return usable(w) ? w->err : fail(w, FDTW_ERR_ARG);
	}
	uint8_t *p = prop_begin(w, name, len);

	if (!p) {
		return w->err;
	}
	if (len) {
		memcpy(p, data, len);
	}
	return 0;
}

int fdtw_prop_empty(struct fdt_writer *w, const char *name)
{
	return fdtw_prop(w, name, NULL, 0);
}

int fdtw_prop_cells(struct fdt_writer *w, const char *name, const uint32_t *cells, size_t n)
{
	if (!w) {
		return FDTW_ERR_ARG;
	}
	if (n && !cells) {
		return usable(w) ? w->err : fail(w, FDTW_ERR_ARG);
	}
	uint8_t *p =
	    prop_begin(w, name, n > FDTW_MAX_SIZE / 4 ? (uint64_t)FDTW_MAX_SIZE + 1 : n * 4);

	if (!p) {
		return w->err;
	}
	for (size_t i = 0; i < n; i++) {
		put_be32(p + 4 * i, cells[i]);
	}
	return 0;
}

int fdtw_prop_u32(struct fdt_writer *w, const char *name, uint32_t v)
{
	return fdtw_prop_cells(w, name, &v, 1);
}

int fdtw_prop_u64(struct fdt_writer *w, const char *name, uint64_t v)
{
	uint32_t cells[2] = { (uint32_t)(v >> 32), (uint32_t)v };

	return fdtw_prop_cells(w, name, cells, 2);
}

int fdtw_prop_string(struct fdt_writer *w, const char *name, const char *s)
{
	return fdtw_prop_strings(w, name, &s, 1);
}

int fdtw_prop_strings(struct fdt_writer *w, const char *name, const char *const *strs, size_t n)
{
	uint64_t total = 0;

	if (!w) {
		return FDTW_ERR_ARG;
	}
	if (n && !strs) {
		return usable(w) ? w->err : fail(w, FDTW_ERR_ARG);
	}
	for (size_t i = 0; i < n; i++) {
		if (!strs[i]) {
			return usable(w) ? w->err : fail(w, FDTW_ERR_ARG);
		}
		total += strlen(strs[i]) + 1;
		if (total > FDTW_MAX_SIZE) {
			break; /* prop_begin refuses it */
		}
	}

	uint8_t *p = prop_begin(w, name, total);

	if (!p) {
		return w->err;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(strs[i]) + 1;

		memcpy(p, strs[i], len);
		p += len;
	}
	return 0;
}

/* Turns every property's name distance (see prop_begin) into a strings-block offset. */
static void fix_name_offsets(struct fdt_writer *w)
{
	uint32_t off = FDT_STRUCT_OFF;

	while (off < w->struct_end) {
		uint32_t tok = get_be32(w->buf + off);

		if (tok == TOK_BEGIN_NODE) {
			off += 4;
			while (w->buf[off]) {
				off++;
			}
			off = (uint32_t)align4(off + 1);
		} else if (tok == TOK_PROP) {
			uint32_t len = get_be32(w->buf + off + 4);
			uint32_t dist = get_be32(w->buf + off + 8);

			put_be32(w->buf + off + 8, w->strings_size - dist);
			off += 12 + (uint32_t)align4(len);
		} else {
			off += 4; /* TOK_END_NODE, TOK_END */
		}
	}
}

int fdtw_finish(struct fdt_writer *w)
{
	if (!w) {
		return FDTW_ERR_ARG;
	}
	int err = usable(w);

	if (err) {
		return err;
	}
	if (!w->root_done || w->depth) {
		return fail(w, FDTW_ERR_STATE);
	}
	if (room(w) < 4) {
		return fail(w, FDTW_ERR_NOSPACE);
	}
	put_be32(w->buf + w->struct_end, TOK_END);
	w->struct_end += 4;
	fix_name_offsets(w);

	/* Strings down behind the structure block: forward, as the target is below the source. */
	uint8_t *dst = w->buf + w->struct_end;
	const uint8_t *src = w->buf + w->size - w->strings_size;

	for (uint32_t i = 0; i < w->strings_size; i++) {
		dst[i] = src[i];
	}

	uint32_t total = w->struct_end + w->strings_size;
	uint8_t *h = w->buf;

	put_be32(h + 0, FDT_MAGIC_VALUE);
	put_be32(h + 4, total);
	put_be32(h + 8, FDT_STRUCT_OFF);		  /* off_dt_struct */
	put_be32(h + 12, w->struct_end);		  /* off_dt_strings */
	put_be32(h + 16, FDT_HEADER_SIZE);		  /* off_mem_rsvmap */
	put_be32(h + 20, FDT_VERSION);			  /* version */
	put_be32(h + 24, FDT_LAST_COMP_VERSION);	  /* last_comp_version */
	put_be32(h + 28, 0);				  /* boot_cpuid_phys */
	put_be32(h + 32, w->strings_size);		  /* size_dt_strings */
	put_be32(h + 36, w->struct_end - FDT_STRUCT_OFF); /* size_dt_struct */
	w->finished = true;
	return (int)total;
}

const char *fdtw_strerror(int err)
{
	switch (err) {
	case 0:
		return "no error";
	case FDTW_ERR_NOSPACE:
		return "device tree buffer too small";
	case FDTW_ERR_STATE:
		return "device tree calls out of order";
	case FDTW_ERR_NAME:
		return "bad device tree node or property name";
	case FDTW_ERR_ARG:
		return "bad device tree writer argument";
	default:
		return "unknown device tree writer error";
	}
}
