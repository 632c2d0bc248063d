/* SPDX-License-Identifier: MIT */
/*
 * The device-tree parser (lib/fdt.c) on trees built here: lookups by path with
 * and without unit addresses, properties, and corrupt trees. Every blob handed to
 * the parser is a heap copy of exactly the size it is said to have, so that any
 * read past it is caught by AddressSanitizer.
 */
#include "test.h"

#include <lib/fdt.h>

#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a tiny FDT builder: header, empty reservation map, structure, strings ---- */

#define FDT_HDR_SIZE 40u
#define FDT_RSV_SIZE 16u
#define TOK_BEGIN    1u
#define TOK_END_NODE 2u
#define TOK_PROP     3u
#define TOK_NOP	     4u
#define TOK_END	     9u

struct fdtb {
	uint8_t st[4096];
	uint32_t st_len;
	char str[1024];
	uint32_t str_len;
	uint8_t blob[8192];
	uint32_t size;
};

static void be32_at(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put32(struct fdtb *b, uint32_t v)
{
	be32_at(b->st + b->st_len, v);
	b->st_len += 4;
}

static void put_bytes(struct fdtb *b, const void *p, uint32_t n)
{
	memcpy(b->st + b->st_len, p, n);
	b->st_len += n;
	while (b->st_len & 3) {
		b->st[b->st_len++] = 0;
	}
}

static uint32_t string_off(struct fdtb *b, const char *name)
{
	uint32_t off = b->str_len;

	/* Reuse a name already in the block, as dtc does. */
	for (uint32_t i = 0; i < b->str_len; i += (uint32_t)strlen(b->str + i) + 1) {
		if (!strcmp(b->str + i, name)) {
			return i;
		}
	}
	memcpy(b->str + off, name, strlen(name) + 1);
	b->str_len += (uint32_t)strlen(name) + 1;
	return off;
}

static void begin(struct fdtb *b, const char *name)
{
	put32(b, TOK_BEGIN);
	put_bytes(b, name, (uint32_t)strlen(name) + 1);
}

static void end(struct fdtb *b)
{
	put32(b, TOK_END_NODE);
}

static void prop(struct fdtb *b, const char *name, const void *val, uint32_t len)
{
	put32(b, TOK_PROP);
	put32(b, len);
	put32(b, string_off(b, name));
	put_bytes(b, val, len);
}

static void prop_str(struct fdtb *b, const char *name, const char *s)
{
	prop(b, name, s, (uint32_t)strlen(s) + 1);
}

static void prop_u32(struct fdtb *b, const char *name, uint32_t v)
{
	uint8_t c[4];

	be32_at(c, v);
	prop(b, name, c, 4);
}

/* Lays the blob out: header, reservation map, structure block (with FDT_END), strings. */
static void finish(struct fdtb *b)
{
	uint32_t off_struct = FDT_HDR_SIZE + FDT_RSV_SIZE;
	uint32_t off_strings;

	put32(b, TOK_END);
	off_strings = off_struct + b->st_len;
	b->size = off_strings + b->str_len;
	memset(b->blob, 0, sizeof(b->blob));
	be32_at(b->blob + 0, FDT_MAGIC);
	be32_at(b->blob + 4, b->size);
	be32_at(b->blob + 8, off_struct);
	be32_at(b->blob + 12, off_strings);
	be32_at(b->blob + 16, FDT_HDR_SIZE);
	be32_at(b->blob + 20, 17);
	be32_at(b->blob + 24, 16);
	be32_at(b->blob + 28, 0);
	be32_at(b->blob + 32, b->str_len);
	be32_at(b->blob + 36, b->st_len);
	memcpy(b->blob + off_struct, b->st, b->st_len);
	memcpy(b->blob + off_strings, b->str, b->str_len);
}

static struct fdtb B;

/* A tree shaped like QEMU virt's, small. */
static void build_tree(void)
{
	static const uint8_t reg[16] = { 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0 };

	memset(&B, 0, sizeof(B));
	begin(&B, "");
	prop_u32(&B, "#address-cells", 2);
	prop_u32(&B, "#size-cells", 2);
	prop_str(&B, "compatible", "linux,dummy-virt");
	begin(&B, "chosen");
	prop_str(&B, "bootargs", "host-mte=off test=boot");
	prop(&B, "empty", "", 0);
	end(&B);
	begin(&B, "memory@40000000");
	prop_str(&B, "device_type", "memory");
	prop(&B, "reg", reg, sizeof(reg));
	end(&B);
	begin(&B, "soc");
	begin(&B, "serial");
	prop_str(&B, "compatible", "arm,pl011");
	end(&B);
	begin(&B, "uart@9000000");
	prop_u32(&B, "reg", 0x09000000);
	end(&B);
	prop_str(&B, "late", "after children");
	end(&B);
	end(&B);
	finish(&B);
}

/* An exact-size heap copy of the first n bytes of p (freed by the next call). */
static const uint8_t *exact(const void *p, size_t n)
{
	static uint8_t *copy;

	free(copy);
	copy = malloc(n ? n : 1);
	memcpy(copy, p, n);
	return copy;
}

static int init_exact(struct fdt *fdt, const struct fdtb *b)
{
	return fdt_init(fdt, exact(b->blob, b->size), b->size);
}

static const char *prop_string(const struct fdt *fdt, const char *path, const char *name)
{
	uint32_t len = 0;
	const char *v = fdt_get_prop(fdt, fdt_find_node(fdt, path), name, &len);

	return v && len && v[len - 1] == '\0' ? v : NULL;
}

/* ---- lookups ---- */

TEST(fdt, header_fields)
{
	struct fdt fdt;

	build_tree();
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	EXPECT_EQ(fdt.size, B.size);
	EXPECT_EQ(fdt.off_struct, FDT_HDR_SIZE + FDT_RSV_SIZE);
	EXPECT_EQ(fdt.size_struct, B.st_len);
	EXPECT_EQ(fdt.off_strings, FDT_HDR_SIZE + FDT_RSV_SIZE + B.st_len);
	EXPECT_EQ(fdt.size_strings, B.str_len);
	/* A buffer larger than the tree is fine. */
	EXPECT_EQ(fdt_init(&fdt, B.blob, sizeof(B.blob)), 0);
	EXPECT_EQ(fdt.size, B.size);
}

TEST(fdt, finds_root_and_top_level_nodes)
{
	struct fdt fdt;
	int root, chosen;

	build_tree();
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	root = fdt_find_node(&fdt, "/");
	EXPECT_EQ(root, 0);
	chosen = fdt_find_node(&fdt, "/chosen");
	EXPECT_TRUE(chosen > 0);
	EXPECT_EQ(fdt_be32(fdt.blob + fdt.off_struct + (uint32_t)chosen), TOK_BEGIN);
	EXPECT_EQ(strcmp((const char *)fdt.blob + fdt.off_struct + chosen + 4, "chosen"), 0);
	EXPECT_EQ(strcmp(prop_string(&fdt, "/chosen", "bootargs"), "host-mte=off test=boot"), 0);
	EXPECT_EQ(strcmp(prop_string(&fdt, "/", "compatible"), "linux,dummy-virt"), 0);
	EXPECT_EQ(fdt_find_node(&fdt, "/nothing"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/chosen/nothing"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/chose"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/chosenx"), -1);
}

TEST(fdt, unit_addresses)
{
	struct fdt fdt;
	int mem;

	build_tree();
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	mem = fdt_find_node(&fdt, "/memory");
	EXPECT_TRUE(mem > 0);
	EXPECT_EQ(fdt_find_node(&fdt, "/memory@40000000"), mem);
	EXPECT_EQ(strcmp(prop_string(&fdt, "/memory", "device_type"), "memory"), 0);
	/* A unit address in the path must be the node's. */
	EXPECT_EQ(fdt_find_node(&fdt, "/memory@0"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/memory@4"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/memory@400000000"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/memory@"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/mem"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/memor"), -1);
	/* A node without one is not matched by a path that has one. */
	EXPECT_EQ(fdt_find_node(&fdt, "/chosen@0"), -1);
}

TEST(fdt, nested_paths)
{
	struct fdt fdt;
	int soc, serial, uart;

	build_tree();
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	soc = fdt_find_node(&fdt, "/soc");
	serial = fdt_find_node(&fdt, "/soc/serial");
	uart = fdt_find_node(&fdt, "/soc/uart");
	EXPECT_TRUE(soc > 0 && serial > soc && uart > serial);
	EXPECT_EQ(fdt_find_node(&fdt, "/soc/uart@9000000"), uart);
	EXPECT_EQ(strcmp(prop_string(&fdt, "/soc/serial", "compatible"), "arm,pl011"), 0);
	/* Only at its own place in the tree. */
	EXPECT_EQ(fdt_find_node(&fdt, "/serial"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/chosen/serial"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/soc/serial/serial"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/soc/chosen"), -1);
	/* Repeated and trailing slashes are separators; a relative path is refused. */
	EXPECT_EQ(fdt_find_node(&fdt, "//soc//serial/"), serial);
	EXPECT_EQ(fdt_find_node(&fdt, "//"), 0);
	EXPECT_EQ(fdt_find_node(&fdt, "soc"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, ""), -1);
}

TEST(fdt, properties)
{
	struct fdt fdt;
	uint32_t len = 99;
	const uint8_t *reg;
	int root, soc, chosen;

	build_tree();
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	root = fdt_find_node(&fdt, "/");
	soc = fdt_find_node(&fdt, "/soc");
	chosen = fdt_find_node(&fdt, "/chosen");
	reg = fdt_get_prop(&fdt, fdt_find_node(&fdt, "/memory"), "reg", &len);
	ASSERT_TRUE(reg != NULL);
	EXPECT_EQ(len, 16);
	EXPECT_EQ(fdt_read_cells(reg, 2), 0x40000000ull);
	EXPECT_EQ(fdt_read_cells(reg + 8, 2), 0x08000000ull);
	EXPECT_EQ(fdt_read_cells(reg + 4, 1), 0x40000000ull);
	reg = fdt_get_prop(&fdt, root, "#size-cells", &len);
	ASSERT_TRUE(reg != NULL);
	EXPECT_EQ(len, 4);
	EXPECT_EQ(fdt_be32(reg), 2);
	/* An empty property is there, with length 0. */
	len = 99;
	EXPECT_TRUE(fdt_get_prop(&fdt, chosen, "empty", &len) != NULL);
	EXPECT_EQ(len, 0);
	/* Names match whole. */
	EXPECT_TRUE(fdt_get_prop(&fdt, chosen, "boot", &len) == NULL);
	EXPECT_TRUE(fdt_get_prop(&fdt, chosen, "bootargsx", &len) == NULL);
	EXPECT_TRUE(fdt_get_prop(&fdt, chosen, "", &len) == NULL);
	/* A node's properties only, not its children's, before or after them. */
	EXPECT_TRUE(fdt_get_prop(&fdt, soc, "compatible", &len) == NULL);
	EXPECT_TRUE(fdt_get_prop(&fdt, soc, "reg", &len) == NULL);
	EXPECT_EQ(strcmp(prop_string(&fdt, "/soc", "late"), "after children"), 0);
	EXPECT_TRUE(fdt_get_prop(&fdt, root, "bootargs", &len) == NULL);
	EXPECT_EQ(strcmp(prop_string(&fdt, "/", "compatible"), "linux,dummy-virt"), 0);
	/* Not a node. */
	EXPECT_TRUE(fdt_get_prop(&fdt, -1, "reg", &len) == NULL);
	EXPECT_TRUE(fdt_get_prop(&fdt, chosen + 4, "bootargs", &len) == NULL);
	EXPECT_TRUE(fdt_get_prop(&fdt, 1 << 30, "bootargs", &len) == NULL);
}

TEST(fdt, nop_tokens_are_skipped)
{
	struct fdt fdt;

	memset(&B, 0, sizeof(B));
	put32(&B, TOK_NOP);
	begin(&B, "");
	put32(&B, TOK_NOP);
	begin(&B, "a");
	put32(&B, TOK_NOP);
	prop_str(&B, "p", "v");
	put32(&B, TOK_NOP);
	end(&B);
	put32(&B, TOK_NOP);
	begin(&B, "b@1");
	end(&B);
	end(&B);
	finish(&B);
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	EXPECT_EQ(fdt_find_node(&fdt, "/"), 4);
	EXPECT_EQ(strcmp(prop_string(&fdt, "/a", "p"), "v"), 0);
	EXPECT_TRUE(fdt_find_node(&fdt, "/b") > 0);
}

/* ---- corrupt trees ---- */

TEST(fdt, header_validation)
{
	struct fdt fdt;
	struct {
		unsigned off;
		uint32_t val;
	} bad[] = {
		{ 0, 0xd00dfeee },  /* magic */
		{ 0, 0xedfe0dd0 },  /* magic, byte-swapped */
		{ 4, 0 },	    /* totalsize: then every block is past it */
		{ 20, 16 },	    /* version */
		{ 20, 0 },	    /* version */
		{ 8, 0x10000 },	    /* structure past the blob */
		{ 8, 58 },	    /* structure misaligned */
		{ 36, 0x10000 },    /* structure size past the blob */
		{ 36, 0xffffffff }, /* structure size wrapping */
		{ 12, 0x10000 },    /* strings past the blob */
		{ 32, 0xfffffff0 }, /* strings size wrapping */
	};

	build_tree();
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t copy[sizeof(B.blob)];

		memcpy(copy, B.blob, B.size);
		be32_at(copy + bad[i].off, bad[i].val);
		EXPECT_EQ(fdt_init(&fdt, exact(copy, B.size), B.size), -1);
	}
	/* totalsize beyond the buffer, and buffers too short for a header. */
	EXPECT_EQ(fdt_init(&fdt, exact(B.blob, B.size - 1), B.size - 1), -1);
	EXPECT_EQ(fdt_init(&fdt, exact(B.blob, 39), 39), -1);
	EXPECT_EQ(fdt_init(&fdt, exact(B.blob, 0), 0), -1);
	EXPECT_EQ(init_exact(&fdt, &B), 0);
}

/* Replaces the structure block with `words`, keeping the strings. */
static void raw_struct(const uint32_t *words, unsigned n)
{
	char str[sizeof(B.str)];
	uint32_t str_len = B.str_len;

	memcpy(str, B.str, sizeof(str));
	memset(&B, 0, sizeof(B));
	memcpy(B.str, str, sizeof(str));
	B.str_len = str_len;
	for (unsigned i = 0; i < n; i++) {
		put32(&B, words[i]);
	}
	finish(&B);
}

/* Makes the structure block end `cut` bytes earlier, and the blob with it. */
static void cut_struct(uint32_t cut)
{
	uint32_t off_strings = FDT_HDR_SIZE + FDT_RSV_SIZE + B.st_len - cut;

	memmove(B.blob + off_strings, B.blob + off_strings + cut, B.str_len);
	B.st_len -= cut;
	B.size -= cut;
	be32_at(B.blob + 4, B.size);
	be32_at(B.blob + 12, off_strings);
	be32_at(B.blob + 36, B.st_len);
}

TEST(fdt, unterminated_and_truncated_structures)
{
	struct fdt fdt;
	uint32_t len;

	/* A node name running to the end of the structure block (no NUL, no FDT_END). */
	memset(&B, 0, sizeof(B));
	put32(&B, TOK_BEGIN);
	memcpy(B.st + B.st_len, "abcdefgh", 8);
	B.st_len += 8;
	finish(&B);
	cut_struct(4);
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	EXPECT_EQ(fdt_find_node(&fdt, "/"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/abcdefgh"), -1);
	EXPECT_TRUE(fdt_get_prop(&fdt, 0, "x", &len) == NULL);

	/* Every truncation of a good tree: never a crash, never a node past the cut. */
	build_tree();
	for (uint32_t cut = 4; cut < B.st_len; cut += 4) {
		build_tree();
		cut_struct(cut);
		ASSERT_EQ(init_exact(&fdt, &B), 0);
		int node = fdt_find_node(&fdt, "/soc/uart");

		EXPECT_TRUE(node < (int)fdt.size_struct);
		fdt_get_prop(&fdt, node, "reg", &len);
		fdt_get_prop(&fdt, fdt_find_node(&fdt, "/chosen"), "bootargs", &len);
		fdt_find_node(&fdt, "/memory@40000000");
	}
	/* Cut right after the last property: the tree never closes. */
	build_tree();
	cut_struct(12);
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	EXPECT_TRUE(fdt_find_node(&fdt, "/soc/uart") > 0);
	EXPECT_EQ(fdt_find_node(&fdt, "/nothing"), -1);
}

TEST(fdt, bad_tokens)
{
	struct fdt fdt;
	uint32_t len;
	static const uint32_t unknown[] = { TOK_BEGIN, 0, 7, TOK_END_NODE };
	static const uint32_t end_first[] = { TOK_END_NODE, TOK_BEGIN, 0, TOK_END_NODE };
	static const uint32_t end_early[] = { TOK_BEGIN, 0,	     TOK_END,
					      TOK_BEGIN, 0x61000000, TOK_END_NODE };

	build_tree();
	raw_struct(unknown, ARRAY_SIZE(unknown));
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	EXPECT_EQ(fdt_find_node(&fdt, "/"), 0);
	EXPECT_EQ(fdt_find_node(&fdt, "/a"), -1);
	EXPECT_TRUE(fdt_get_prop(&fdt, 0, "bootargs", &len) == NULL);
	raw_struct(end_first, ARRAY_SIZE(end_first));
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	EXPECT_EQ(fdt_find_node(&fdt, "/"), -1);
	raw_struct(end_early, ARRAY_SIZE(end_early));
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	EXPECT_EQ(fdt_find_node(&fdt, "/a"), -1);
}

TEST(fdt, bad_properties)
{
	struct fdt fdt;
	uint32_t len = 0;
	int chosen;
	uint32_t prop_at;

	build_tree();
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	chosen = fdt_find_node(&fdt, "/chosen");
	prop_at = FDT_HDR_SIZE + FDT_RSV_SIZE + (uint32_t)chosen + 12; /* BEGIN "chosen\0" */
	ASSERT_EQ(fdt_be32(B.blob + prop_at), TOK_PROP);

	/* A length running past the structure block, by a byte, a word, and by far. */
	uint32_t fits = B.st_len - ((uint32_t)chosen + 12) - 12; /* the most that fits */
	const uint32_t lens[] = { fits + 1, fits + 4, 0x7fffffff, 0xfffffff4, 0xffffffff };
	for (unsigned i = 0; i < ARRAY_SIZE(lens); i++) {
		uint8_t copy[sizeof(B.blob)];

		memcpy(copy, B.blob, B.size);
		be32_at(copy + prop_at + 4, lens[i]);
		ASSERT_EQ(fdt_init(&fdt, exact(copy, B.size), B.size), 0);
		EXPECT_TRUE(fdt_get_prop(&fdt, chosen, "bootargs", &len) == NULL);
		EXPECT_EQ(fdt_find_node(&fdt, "/memory"), -1);
	}

	/* A name offset past the strings block. */
	{
		uint8_t copy[sizeof(B.blob)];

		memcpy(copy, B.blob, B.size);
		be32_at(copy + prop_at + 8, B.str_len);
		ASSERT_EQ(fdt_init(&fdt, exact(copy, B.size), B.size), 0);
		EXPECT_TRUE(fdt_get_prop(&fdt, chosen, "bootargs", &len) == NULL);
		be32_at(copy + prop_at + 8, 0xffffffff);
		ASSERT_EQ(fdt_init(&fdt, exact(copy, B.size), B.size), 0);
		EXPECT_TRUE(fdt_get_prop(&fdt, chosen, "bootargs", &len) == NULL);
	}

	/* A strings block that ends inside the last name ("late"): it is unterminated. */
	build_tree();
	ASSERT_EQ(memcmp(B.blob + B.size - 5, "late", 5), 0);
	B.size -= 2;
	be32_at(B.blob + 4, B.size);
	be32_at(B.blob + 32, B.str_len - 2);
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	EXPECT_TRUE(fdt_get_prop(&fdt, fdt_find_node(&fdt, "/soc"), "late", &len) == NULL);
	EXPECT_TRUE(fdt_get_prop(&fdt, fdt_find_node(&fdt, "/soc"), "lat", &len) == NULL);
	EXPECT_TRUE(fdt_get_prop(&fdt, fdt_find_node(&fdt, "/soc"), "la", &len) == NULL);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

TEST(fdt, random_corruption_never_crashes)
{
	static const char *const paths[] = { "/",	  "/chosen",	 "/memory",
					     "/soc/uart", "/soc/serial", "/a/b/c" };
	static const char *const names[] = { "bootargs", "reg", "compatible", "late", "" };
	unsigned parsed = 0, found = 0;

	for (unsigned round = 0; round < 20000; round++) {
		uint8_t copy[sizeof(B.blob)];
		struct fdt fdt;
		unsigned flips = 1 + (unsigned)(rnd() % 4);

		build_tree();
		memcpy(copy, B.blob, B.size);
		for (unsigned f = 0; f < flips; f++) {
			/* Header fields half of the time: they steer everything else. */
			uint32_t at = rnd() % 2 ? (uint32_t)(rnd() % FDT_HDR_SIZE)
						: (uint32_t)(rnd() % B.size);

			copy[at] =
			    rnd() % 3 ? (uint8_t)rnd() : copy[at] ^ (uint8_t)(1u << (rnd() % 8));
		}
		if (fdt_init(&fdt, exact(copy, B.size), B.size)) {
			continue;
		}
		parsed++;
		for (unsigned p = 0; p < ARRAY_SIZE(paths); p++) {
			int node = fdt_find_node(&fdt, paths[p]);
			uint32_t len = 0;
			const uint8_t *v;

			EXPECT_TRUE(node < (int)fdt.size_struct);
			for (unsigned n = 0; n < ARRAY_SIZE(names); n++) {
				v = fdt_get_prop(&fdt, node, names[n], &len);
				if (v) {
					/* A value always lies inside the structure block. */
					EXPECT_TRUE(v >= fdt.blob + fdt.off_struct);
					EXPECT_TRUE(v + len <=
						    fdt.blob + fdt.off_struct + fdt.size_struct);
					found++;
				}
			}
		}
	}
	/* Most corruptions leave a header that parses: the walks did run. */
	EXPECT_TRUE(parsed > 5000);
	EXPECT_TRUE(found > 5000);
}

/*
 * next_token()'s FDT_PROP check `*off > size_struct - 12` once wrapped for a structure
 * block of 4..11 bytes, so a property's length word was read past the block: here past
 * the blob (AddressSanitizer: heap-buffer-overflow).
 */
TEST(fdt, property_token_in_a_tiny_structure_block)
{
	struct fdt fdt;
	uint8_t blob[FDT_HDR_SIZE + 4];

	memset(blob, 0, sizeof(blob));
	be32_at(blob + 0, FDT_MAGIC);
	be32_at(blob + 4, sizeof(blob));
	be32_at(blob + 8, FDT_HDR_SIZE);  /* structure: the last 4 bytes */
	be32_at(blob + 12, FDT_HDR_SIZE); /* strings: empty */
	be32_at(blob + 20, 17);
	be32_at(blob + 36, 4);
	be32_at(blob + FDT_HDR_SIZE, TOK_PROP);
	ASSERT_EQ(fdt_init(&fdt, exact(blob, sizeof(blob)), sizeof(blob)), 0);
	EXPECT_EQ(fdt_find_node(&fdt, "/x"), -1);
}

/*
 * A component without '@' matches a name with a unit address even when a later
 * component has one: component_matches() once looked for '@' in the whole rest of
 * the path, so "/intc/its@8080000" did not find /intc@8000000/its@8080000.
 */
TEST(fdt, unit_address_in_a_later_component)
{
	struct fdt fdt;

	memset(&B, 0, sizeof(B));
	begin(&B, "");
	begin(&B, "intc@8000000");
	begin(&B, "its@8080000");
	prop_str(&B, "compatible", "arm,gic-v3-its");
	end(&B);
	end(&B);
	end(&B);
	finish(&B);
	ASSERT_EQ(init_exact(&fdt, &B), 0);
	EXPECT_TRUE(fdt_find_node(&fdt, "/intc@8000000/its@8080000") > 0);
	EXPECT_TRUE(fdt_find_node(&fdt, "/intc/its") > 0);
	EXPECT_TRUE(fdt_find_node(&fdt, "/intc/its@8080000") > 0);
	/* A unit address given must still be the node's. */
	EXPECT_EQ(fdt_find_node(&fdt, "/intc@9000000/its"), -1);
	EXPECT_EQ(fdt_find_node(&fdt, "/intc/its@9080000"), -1);
}

/* ---- searching by "compatible" and by alias ---- */

/* Two PL011s (a list of two strings each), an SMMU, aliases naming the UARTs. */
static void build_device_tree(struct fdtb *b)
{
	static const char pl011[] = "arm,pl011\0arm,primecell";

	memset(b, 0, sizeof(*b));
	begin(b, "");
	begin(b, "aliases");
	prop_str(b, "serial0", "/pl011@9000000");
	prop_str(b, "serial1", "/pl011@9040000");
	prop(b, "broken", "pl011@9040000", 13); /* not NUL-terminated, not absolute */
	end(b);
	begin(b, "pl011@9000000");
	prop(b, "compatible", pl011, sizeof(pl011));
	end(b);
	begin(b, "smmuv3@9050000");
	prop_str(b, "compatible", "arm,smmu-v3");
	end(b);
	begin(b, "pl011@9040000");
	prop(b, "compatible", pl011, sizeof(pl011));
	end(b);
	begin(b, "fake");
	prop_str(b, "compatible", "arm,pl0111"); /* a longer name is not a match */
	end(b);
	end(b);
	finish(b);
}

static const char *node_name(const struct fdt *fdt, int node)
{
	return node < 0 ? "" : (const char *)fdt->blob + fdt->off_struct + node + 4;
}

TEST(fdt, next_compatible_walks_every_match_in_order)
{
	static struct fdtb b;
	struct fdt fdt;
	int n;

	build_device_tree(&b);
	ASSERT_EQ(init_exact(&fdt, &b), 0);
	n = fdt_next_compatible(&fdt, -1, "arm,pl011");
	EXPECT_EQ(strcmp(node_name(&fdt, n), "pl011@9000000"), 0);
	n = fdt_next_compatible(&fdt, n, "arm,pl011");
	EXPECT_EQ(strcmp(node_name(&fdt, n), "pl011@9040000"), 0);
	EXPECT_EQ(fdt_next_compatible(&fdt, n, "arm,pl011"), -1);
	/* The second string of a list matches as well. */
	EXPECT_EQ(strcmp(node_name(&fdt, fdt_next_compatible(&fdt, -1, "arm,primecell")),
			 "pl011@9000000"),
		  0);
	EXPECT_EQ(strcmp(node_name(&fdt, fdt_next_compatible(&fdt, -1, "arm,smmu-v3")),
			 "smmuv3@9050000"),
		  0);
	EXPECT_EQ(fdt_next_compatible(&fdt, -1, "arm,pl01"), -1);
	EXPECT_EQ(fdt_next_compatible(&fdt, -1, "arm,gic-v3"), -1);
	EXPECT_EQ(fdt_next_compatible(&fdt, 3, "arm,pl011"), -1); /* not a node offset */
}

TEST(fdt, aliases_resolve_to_their_nodes)
{
	static struct fdtb b;
	struct fdt fdt;

	build_device_tree(&b);
	ASSERT_EQ(init_exact(&fdt, &b), 0);
	EXPECT_EQ(strcmp(node_name(&fdt, fdt_find_alias(&fdt, "serial0")), "pl011@9000000"), 0);
	EXPECT_EQ(strcmp(node_name(&fdt, fdt_find_alias(&fdt, "serial1")), "pl011@9040000"), 0);
	EXPECT_EQ(fdt_find_alias(&fdt, "serial2"), -1);
	EXPECT_EQ(fdt_find_alias(&fdt, "broken"), -1);
}

TEST(fdt, searches_survive_truncated_trees)
{
	static struct fdtb b;
	struct fdt fdt;

	build_device_tree(&b);
	/* Every shorter structure block: the searches end, with or without a match. */
	for (uint32_t cut = 0; cut < b.st_len; cut += 4) {
		uint32_t saved = b.st_len;

		b.st_len = cut;
		finish(&b);
		b.st_len = saved;
		if (init_exact(&fdt, &b) == 0) {
			(void)fdt_next_compatible(&fdt, -1, "arm,pl011");
			(void)fdt_find_alias(&fdt, "serial1");
		}
		build_device_tree(&b);
	}
	EXPECT_EQ(init_exact(&fdt, &b), 0);
}
