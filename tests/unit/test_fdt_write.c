/* SPDX-License-Identifier: MIT */
/*
 * The device-tree writer (lib/fdt_write.c) and the tree of Linux guests
 * (lib/linux_dt.c): trees are written, then read back with the parser of lib/fdt.c
 * from a heap copy of exactly their size (AddressSanitizer catches any read past it);
 * every buffer size from 0 up must give the tree or FDTW_ERR_NOSPACE, never a write
 * outside the buffer; and the real dtc must accept the Linux tree without a warning.
 */
#define _GNU_SOURCE
#include "test.h"

#include <lib/fdt.h>
#include <lib/fdt_write.h>
#include <lib/linux_dt.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- reading back ------------------------------------------------------------------------ */

/* A parsed heap copy of a blob, exactly its size. */
struct tree {
	uint8_t *copy;
	struct fdt fdt;
};

static bool tree_open(struct tree *t, const void *blob, int size)
{
	t->copy = NULL;
	if (size <= 0) {
		return false;
	}
	t->copy = malloc((size_t)size);
	memcpy(t->copy, blob, (size_t)size);
	return fdt_init(&t->fdt, t->copy, (size_t)size) == 0;
}

static void tree_close(struct tree *t)
{
	free(t->copy);
	t->copy = NULL;
}

static const uint8_t *prop(const struct tree *t, const char *path, const char *name, uint32_t *len)
{
	int node = fdt_find_node(&t->fdt, path);

	*len = 0;
	if (node < 0) {
		return NULL;
	}
	return fdt_get_prop(&t->fdt, node, name, len);
}

static bool has_node(const struct tree *t, const char *path)
{
	return fdt_find_node(&t->fdt, path) >= 0;
}

static bool has_prop(const struct tree *t, const char *path, const char *name)
{
	uint32_t len;

	return prop(t, path, name, &len) != NULL;
}

/* The property holds exactly these bytes. */
static bool prop_is(const struct tree *t, const char *path, const char *name, const void *want,
		    uint32_t want_len)
{
	uint32_t len;
	const uint8_t *p = prop(t, path, name, &len);

	if (!p || len != want_len || (want_len && memcmp(p, want, want_len))) {
		fprintf(stderr, "  property %s %s: %s\n", path, name,
			p ? "wrong value" : "missing");
		return false;
	}
	return true;
}

static bool prop_is_string(const struct tree *t, const char *path, const char *name, const char *s)
{
	return prop_is(t, path, name, s, (uint32_t)strlen(s) + 1);
}

/* A string list given as one literal with embedded NULs: pass sizeof(literal). */
static bool prop_is_list(const struct tree *t, const char *path, const char *name, const char *list,
			 size_t size)
{
	return prop_is(t, path, name, list, (uint32_t)size);
}

static bool prop_is_cells(const struct tree *t, const char *path, const char *name,
			  const uint32_t *cells, size_t n)
{
	uint8_t be[64];

	for (size_t i = 0; i < n; i++) {
		be[4 * i] = (uint8_t)(cells[i] >> 24);
		be[4 * i + 1] = (uint8_t)(cells[i] >> 16);
		be[4 * i + 2] = (uint8_t)(cells[i] >> 8);
		be[4 * i + 3] = (uint8_t)cells[i];
	}
	return prop_is(t, path, name, be, (uint32_t)(4 * n));
}

static bool prop_is_u32(const struct tree *t, const char *path, const char *name, uint32_t v)
{
	return prop_is_cells(t, path, name, &v, 1);
}

static bool prop_is_u64(const struct tree *t, const char *path, const char *name, uint64_t v)
{
	uint32_t cells[2] = { (uint32_t)(v >> 32), (uint32_t)v };

	return prop_is_cells(t, path, name, cells, 2);
}

/* ---- the writer on a sample tree ---------------------------------------------------------- */

static const char *const sample_list[] = { "vendor,first", "second", "" };
static const uint32_t sample_cells[] = { 0, 0x12345678, 0xffffffffu };

/* Every kind of property, nesting three deep; per-call results ignored: errors are sticky. */
static int write_sample(struct fdt_writer *w)
{
	fdtw_begin_node(w, "");
	fdtw_prop_u32(w, "#address-cells", 2);
	fdtw_prop_u32(w, "#size-cells", 1);
	fdtw_prop_string(w, "compatible", "tagvisor,test");
	fdtw_begin_node(w, "dev@1000");
	fdtw_prop_strings(w, "compatible", sample_list, ARRAY_SIZE(sample_list));
	fdtw_prop_cells(w, "reg", sample_cells, ARRAY_SIZE(sample_cells));
	fdtw_prop_u64(w, "big", 0x0123456789abcdefull);
	fdtw_prop_empty(w, "flag");
	fdtw_prop(w, "bytes", "\x01\x02\x03\x04\x05", 5); /* not a multiple of 4: padded */
	fdtw_prop_cells(w, "no-cells", NULL, 0);
	fdtw_prop_strings(w, "no-strings", NULL, 0);
	fdtw_begin_node(w, "child");
	fdtw_begin_node(w, "grandchild@0");
	fdtw_prop_u32(w, "reg", 7);
	fdtw_end_node(w);
	fdtw_end_node(w);
	fdtw_end_node(w);
	fdtw_begin_node(w, "empty");
	fdtw_end_node(w);
	fdtw_end_node(w);
	return fdtw_finish(w);
}

TEST(fdt_write, sample_tree_reads_back)
{
	static uint8_t buf[4096];
	struct fdt_writer w;
	struct tree t;

	ASSERT_EQ(fdtw_init(&w, buf, sizeof(buf)), 0);
	int size = write_sample(&w);

	ASSERT_TRUE(size > 0);
	ASSERT_TRUE(tree_open(&t, buf, size));
	EXPECT_TRUE(prop_is_u32(&t, "/", "#address-cells", 2));
	EXPECT_TRUE(prop_is_u32(&t, "/", "#size-cells", 1));
	EXPECT_TRUE(prop_is_string(&t, "/", "compatible", "tagvisor,test"));
	EXPECT_TRUE(prop_is_list(&t, "/dev@1000", "compatible", "vendor,first\0second\0",
				 sizeof("vendor,first\0second\0")));
	EXPECT_TRUE(prop_is_cells(&t, "/dev", "reg", sample_cells, ARRAY_SIZE(sample_cells)));
	EXPECT_TRUE(prop_is_u64(&t, "/dev", "big", 0x0123456789abcdefull));
	EXPECT_TRUE(prop_is(&t, "/dev", "flag", NULL, 0));
	EXPECT_TRUE(prop_is(&t, "/dev", "bytes", "\x01\x02\x03\x04\x05", 5));
	EXPECT_TRUE(prop_is(&t, "/dev", "no-cells", NULL, 0));
	EXPECT_TRUE(prop_is(&t, "/dev", "no-strings", NULL, 0));
	EXPECT_TRUE(prop_is_u32(&t, "/dev@1000/child/grandchild@0", "reg", 7));
	EXPECT_TRUE(has_node(&t, "/empty"));
	/* Properties belong to their node only. */
	EXPECT_FALSE(has_prop(&t, "/dev/child", "reg"));
	EXPECT_FALSE(has_prop(&t, "/", "reg"));
	EXPECT_FALSE(has_node(&t, "/child"));
	tree_close(&t);
}

static uint32_t be32(const uint8_t *p)
{
	return fdt_be32(p);
}

TEST(fdt_write, header_and_blocks)
{
	static uint8_t buf[4096];
	struct fdt_writer w;

	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(fdtw_init(&w, buf, sizeof(buf)), 0);
	int size = write_sample(&w);

	ASSERT_TRUE(size > 0);
	uint32_t off_struct = be32(buf + 8), off_strings = be32(buf + 12);
	uint32_t size_strings = be32(buf + 32), size_struct = be32(buf + 36);

	EXPECT_EQ(be32(buf), FDT_MAGIC);
	EXPECT_EQ(be32(buf + 4), (uint32_t)size);
	EXPECT_EQ(be32(buf + 16), 40); /* off_mem_rsvmap, right after the header */
	EXPECT_EQ(be32(buf + 20), 17); /* version */
	EXPECT_EQ(be32(buf + 24), 16); /* last_comp_version */
	EXPECT_EQ(be32(buf + 28), 0);  /* boot_cpuid_phys */
	/* An empty reservation map: just the terminating (0, 0) entry. */
	for (int i = 40; i < 56; i++) {
		EXPECT_EQ(buf[i], 0);
	}
	EXPECT_EQ(off_struct, 56);
	EXPECT_EQ(off_strings, off_struct + size_struct);
	EXPECT_EQ(off_strings + size_strings, (uint32_t)size);
	EXPECT_EQ(size_struct % 4, 0);
	EXPECT_EQ(be32(buf + off_struct), 1);			/* FDT_BEGIN_NODE, the root */
	EXPECT_EQ(be32(buf + off_struct + 4), 0);		/* its empty name, padded */
	EXPECT_EQ(be32(buf + off_struct + size_struct - 4), 9); /* FDT_END */
	EXPECT_EQ(be32(buf + off_struct + size_struct - 8), 2); /* the root's FDT_END_NODE */
	EXPECT_EQ(buf[size - 1], 0);				/* the last name's NUL */
	/* The padding after "bytes" (5 bytes) is zero: find its value and look past it. */
	const uint8_t *v = memmem(buf + off_struct, size_struct, "\x01\x02\x03\x04\x05", 5);

	ASSERT_TRUE(v != NULL);
	EXPECT_EQ(v[5] | v[6] | v[7], 0);
}

/* Occurrences of name, as a whole string, in the strings block. */
static int count_string(const uint8_t *blob, const char *name)
{
	const char *s = (const char *)blob + be32(blob + 12);
	uint32_t size = be32(blob + 32);
	int n = 0;

	for (uint32_t i = 0; i < size; i += (uint32_t)strlen(s + i) + 1) {
		n += !strcmp(s + i, name);
	}
	return n;
}

TEST(fdt_write, strings_deduplicated)
{
	static uint8_t buf[4096];
	struct fdt_writer w;

	ASSERT_EQ(fdtw_init(&w, buf, sizeof(buf)), 0);
	fdtw_begin_node(&w, "");
	fdtw_prop_u32(&w, "#size-cells", 1);
	for (int i = 0; i < 3; i++) {
		char name[8] = "n@0";

		name[2] = (char)('0' + i);
		fdtw_begin_node(&w, name);
		fdtw_prop_u32(&w, "reg", (uint32_t)i);
		fdtw_prop_string(&w, "compatible", "x");
		/* A suffix of "#size-cells": may share its bytes. */
		fdtw_prop_u32(&w, "size-cells", 0);
		fdtw_end_node(&w);
	}
	fdtw_end_node(&w);
	int size = fdtw_finish(&w);

	ASSERT_TRUE(size > 0);
	EXPECT_EQ(count_string(buf, "reg"), 1);
	EXPECT_EQ(count_string(buf, "compatible"), 1);
	EXPECT_EQ(be32(buf + 32), sizeof("#size-cells") + sizeof("reg") + sizeof("compatible"));

	struct tree t;

	ASSERT_TRUE(tree_open(&t, buf, size));
	EXPECT_TRUE(prop_is_u32(&t, "/", "#size-cells", 1));
	EXPECT_TRUE(prop_is_u32(&t, "/n@2", "size-cells", 0));
	EXPECT_TRUE(prop_is_u32(&t, "/n@2", "reg", 2));
	EXPECT_TRUE(prop_is_string(&t, "/n@1", "compatible", "x"));
	tree_close(&t);
}

TEST(fdt_write, calls_out_of_order)
{
	static uint8_t buf[1024];
	struct fdt_writer w;

	/* Before the root: no property, no end. */
	fdtw_init(&w, buf, sizeof(buf));
	EXPECT_EQ(fdtw_prop_u32(&w, "a", 1), FDTW_ERR_STATE);
	fdtw_init(&w, buf, sizeof(buf));
	EXPECT_EQ(fdtw_end_node(&w), FDTW_ERR_STATE);
	fdtw_init(&w, buf, sizeof(buf));
	EXPECT_EQ(fdtw_finish(&w), FDTW_ERR_STATE);

	/* One root only, and nothing after it but fdtw_finish. */
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	EXPECT_EQ(fdtw_end_node(&w), 0);
	EXPECT_EQ(fdtw_begin_node(&w, ""), FDTW_ERR_STATE);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_end_node(&w);
	EXPECT_EQ(fdtw_prop_u32(&w, "a", 1), FDTW_ERR_STATE);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_end_node(&w);
	EXPECT_EQ(fdtw_end_node(&w), FDTW_ERR_STATE);

	/* Unbalanced: a node left open. */
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_begin_node(&w, "a");
	fdtw_end_node(&w);
	EXPECT_EQ(fdtw_finish(&w), FDTW_ERR_STATE);

	/* Properties before subnodes, in the node and in its parent after it. */
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_begin_node(&w, "a");
	fdtw_end_node(&w);
	EXPECT_EQ(fdtw_prop_u32(&w, "late", 1), FDTW_ERR_STATE);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_begin_node(&w, "a");
	EXPECT_EQ(fdtw_prop_u32(&w, "early", 1), 0); /* a's own, before a's subnodes */
	fdtw_begin_node(&w, "b");
	fdtw_end_node(&w);
	EXPECT_EQ(fdtw_prop_u32(&w, "late", 1), FDTW_ERR_STATE);

	/* Nothing after fdtw_finish, not even a second fdtw_finish. */
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_end_node(&w);
	EXPECT_TRUE(fdtw_finish(&w) > 0);
	EXPECT_EQ(fdtw_finish(&w), FDTW_ERR_STATE);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_end_node(&w);
	fdtw_finish(&w);
	EXPECT_EQ(fdtw_begin_node(&w, ""), FDTW_ERR_STATE);
}

/* The result of naming one node (after the root) or one property of the root. */
static int try_node_name(const char *name)
{
	static uint8_t buf[1024];
	struct fdt_writer w;

	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	return fdtw_begin_node(&w, name);
}

static int try_prop_name(const char *name)
{
	static uint8_t buf[1024];
	struct fdt_writer w;

	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	return fdtw_prop_u32(&w, name, 0);
}

TEST(fdt_write, names)
{
	static uint8_t buf[1024];
	struct fdt_writer w;
	char name[80];

	/* The root is "", and only the root. */
	fdtw_init(&w, buf, sizeof(buf));
	EXPECT_EQ(fdtw_begin_node(&w, "root"), FDTW_ERR_NAME);
	EXPECT_EQ(try_node_name(""), FDTW_ERR_NAME);

	EXPECT_EQ(try_node_name("memory@40000000"), 0);
	EXPECT_EQ(try_node_name("a,b.c_d+e-f"), 0);
	EXPECT_EQ(try_node_name("cpu@0,1"), 0);
	EXPECT_EQ(try_node_name("a b"), FDTW_ERR_NAME);
	EXPECT_EQ(try_node_name("a/b"), FDTW_ERR_NAME);
	EXPECT_EQ(try_node_name("a@"), FDTW_ERR_NAME);
	EXPECT_EQ(try_node_name("@1"), FDTW_ERR_NAME);
	EXPECT_EQ(try_node_name("a@1@2"), FDTW_ERR_NAME);
	EXPECT_EQ(try_node_name("a#"), FDTW_ERR_NAME);

	/* 31 characters before '@', 63 in all. */
	memset(name, 'n', 31);
	name[31] = '\0';
	EXPECT_EQ(try_node_name(name), 0);
	name[31] = 'n';
	name[32] = '\0';
	EXPECT_EQ(try_node_name(name), FDTW_ERR_NAME);
	memset(name, 'n', 31);
	name[31] = '@';
	memset(name + 32, '1', 31);
	name[63] = '\0';
	EXPECT_EQ(try_node_name(name), 0);
	name[63] = '1';
	name[64] = '\0';
	EXPECT_EQ(try_node_name(name), FDTW_ERR_NAME);

	EXPECT_EQ(try_prop_name("#address-cells"), 0);
	EXPECT_EQ(try_prop_name("linux,initrd-start"), 0);
	EXPECT_EQ(try_prop_name("device_type"), 0);
	EXPECT_EQ(try_prop_name("what?"), 0);
	EXPECT_EQ(try_prop_name(""), FDTW_ERR_NAME);
	EXPECT_EQ(try_prop_name("a b"), FDTW_ERR_NAME);
	EXPECT_EQ(try_prop_name("a@b"), FDTW_ERR_NAME);
	memset(name, 'p', 31);
	name[31] = '\0';
	EXPECT_EQ(try_prop_name(name), 0);
	name[31] = 'p';
	name[32] = '\0';
	EXPECT_EQ(try_prop_name(name), FDTW_ERR_NAME);
}

TEST(fdt_write, bad_arguments)
{
	static uint8_t buf[1024];
	struct fdt_writer w;
	const char *with_null[] = { "a", NULL };

	EXPECT_EQ(fdtw_init(NULL, buf, sizeof(buf)), FDTW_ERR_ARG);
	EXPECT_EQ(fdtw_init(&w, NULL, sizeof(buf)), FDTW_ERR_ARG);
	EXPECT_EQ(fdtw_begin_node(&w, ""), FDTW_ERR_ARG);
	EXPECT_EQ(fdtw_finish(&w), FDTW_ERR_ARG);

	fdtw_init(&w, buf, sizeof(buf));
	EXPECT_EQ(fdtw_begin_node(&w, NULL), FDTW_ERR_ARG);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	EXPECT_EQ(fdtw_prop(&w, NULL, "x", 1), FDTW_ERR_ARG);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	EXPECT_EQ(fdtw_prop(&w, "p", NULL, 1), FDTW_ERR_ARG);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	EXPECT_EQ(fdtw_prop_cells(&w, "p", NULL, 2), FDTW_ERR_ARG);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	EXPECT_EQ(fdtw_prop_strings(&w, "p", with_null, 2), FDTW_ERR_ARG);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	EXPECT_EQ(fdtw_prop_string(&w, "p", NULL), FDTW_ERR_ARG);
	/* A value larger than any blob: refused before any arithmetic on it. */
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	EXPECT_EQ(fdtw_prop(&w, "p", buf, (size_t)1 << 40), FDTW_ERR_ARG);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	EXPECT_EQ(fdtw_prop_cells(&w, "p", (const uint32_t *)buf, (size_t)1 << 40), FDTW_ERR_ARG);

	EXPECT_TRUE(strlen(fdtw_strerror(FDTW_ERR_NOSPACE)) > 0);
	EXPECT_TRUE(strcmp(fdtw_strerror(FDTW_ERR_NOSPACE), fdtw_strerror(FDTW_ERR_NAME)) != 0);
}

TEST(fdt_write, errors_are_sticky)
{
	static uint8_t buf[1024];
	struct fdt_writer w;

	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	EXPECT_EQ(fdtw_prop_u32(&w, "bad name", 1), FDTW_ERR_NAME);
	/* Valid calls after the error fail with it, and write nothing. */
	uint32_t end = w.struct_end, strings = w.strings_size;

	EXPECT_EQ(fdtw_prop_u32(&w, "good", 1), FDTW_ERR_NAME);
	EXPECT_EQ(fdtw_begin_node(&w, "n"), FDTW_ERR_NAME);
	EXPECT_EQ(fdtw_end_node(&w), FDTW_ERR_NAME);
	EXPECT_EQ(fdtw_finish(&w), FDTW_ERR_NAME);
	EXPECT_EQ(w.struct_end, end);
	EXPECT_EQ(w.strings_size, strings);

	/* The first error is the one kept. */
	fdtw_init(&w, buf, 60);
	fdtw_begin_node(&w, "");
	EXPECT_EQ(fdtw_begin_node(&w, "long-enough-not-to-fit"), FDTW_ERR_NOSPACE);
	EXPECT_EQ(fdtw_end_node(&w), FDTW_ERR_NOSPACE);
	EXPECT_EQ(fdtw_prop_u32(&w, "bad name", 1), FDTW_ERR_NOSPACE);
	EXPECT_EQ(fdtw_finish(&w), FDTW_ERR_NOSPACE);
}

/*
 * Every buffer size from 0 to past what the tree needs, each an exact-size heap buffer:
 * the tree, byte for byte, from the size it needs on, FDTW_ERR_NOSPACE below it, and
 * never a write outside the buffer (AddressSanitizer).
 */
static void every_size(int (*build)(void *buf, size_t size), const char *what)
{
	static uint8_t ref[8192];
	int need = build(ref, sizeof(ref));
	int bad = 0;

	ASSERT_TRUE(need > 0);
	for (size_t size = 0; size <= (size_t)need + 64; size++) {
		uint8_t *buf = malloc(size ? size : 1);
		int r = build(buf, size);
		int ok = size >= (size_t)need ? r == need && !memcmp(buf, ref, (size_t)need)
					      : r == FDTW_ERR_NOSPACE;

		if (!ok && bad++ < 5) {
			fprintf(stderr, "  %s in %zu bytes: %d (needs %d)\n", what, size, r, need);
		}
		free(buf);
	}
	EXPECT_EQ(bad, 0);
}

static int build_sample(void *buf, size_t size)
{
	struct fdt_writer w;

	fdtw_init(&w, buf, size);
	return write_sample(&w);
}

TEST(fdt_write, every_buffer_size)
{
	every_size(build_sample, "sample tree");
}

/* ---- the Linux guest's tree --------------------------------------------------------------- */

#define RAM_BASE     0x40000000ull
#define RAM_SIZE     0x20000000ull
#define INITRD_START 0x48000000ull
#define INITRD_END   0x4817a3c1ull
#define BOOTARGS     "console=ttyAMA0 panic=-1 tagvisor.snapshot"

static void typical_config(struct linux_dt_config *cfg)
{
	linux_dt_config_virt(cfg);
	cfg->ram_base = RAM_BASE;
	cfg->ram_size = RAM_SIZE;
	cfg->nr_vcpus = 2;
	cfg->bootargs = BOOTARGS;
	cfg->initrd_start = INITRD_START;
	cfg->initrd_end = INITRD_END;
	cfg->mte = true;
}

static int build_linux(void *buf, size_t size)
{
	struct linux_dt_config cfg;

	typical_config(&cfg);
	return linux_dt_build(buf, size, &cfg);
}

/* The phandle a property refers to is the node's own. */
static bool phandle_of(const struct tree *t, const char *path, uint32_t *ph)
{
	uint32_t len;
	const uint8_t *p = prop(t, path, "phandle", &len);

	if (!p || len != 4) {
		return false;
	}
	*ph = be32(p);
	return *ph != 0 && *ph != 0xffffffffu;
}

TEST(linux_dt, every_property)
{
	static uint8_t buf[8192];
	struct tree t;
	uint32_t gic, clk;
	int size = build_linux(buf, sizeof(buf));

	ASSERT_TRUE(size > 0);
	ASSERT_TRUE(tree_open(&t, buf, size));

	/* The root. */
	ASSERT_TRUE(phandle_of(&t, "/intc@8000000", &gic));
	EXPECT_TRUE(prop_is_u32(&t, "/", "interrupt-parent", gic));
	EXPECT_TRUE(prop_is_u32(&t, "/", "#address-cells", 2));
	EXPECT_TRUE(prop_is_u32(&t, "/", "#size-cells", 2));
	EXPECT_TRUE(prop_is_string(&t, "/", "compatible", "linux,dummy-virt"));
	EXPECT_TRUE(prop_is_string(&t, "/", "model", "linux,dummy-virt"));

	/* PSCI: 0.2 and later, by HVC, without the 0.1 function-ID properties. */
	EXPECT_TRUE(prop_is_list(&t, "/psci", "compatible", "arm,psci-1.0\0arm,psci-0.2\0arm,psci",
				 sizeof("arm,psci-1.0\0arm,psci-0.2\0arm,psci")));
	EXPECT_TRUE(prop_is_string(&t, "/psci", "method", "hvc"));
	EXPECT_FALSE(has_prop(&t, "/psci", "cpu_on"));

	/* RAM. */
	const uint32_t mem_reg[] = { 0, 0x40000000, 0, 0x20000000 };

	EXPECT_TRUE(prop_is_string(&t, "/memory@40000000", "device_type", "memory"));
	EXPECT_TRUE(prop_is_cells(&t, "/memory@40000000", "reg", mem_reg, 4));

	/* CPUs: MPIDR 0 and 1, brought up with PSCI. */
	EXPECT_TRUE(prop_is_u32(&t, "/cpus", "#address-cells", 1));
	EXPECT_TRUE(prop_is_u32(&t, "/cpus", "#size-cells", 0));
	for (uint32_t i = 0; i < 2; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/cpus/cpu@%x", i);
		EXPECT_TRUE(prop_is_string(&t, path, "device_type", "cpu"));
		EXPECT_TRUE(prop_is_string(&t, path, "compatible", "arm,arm-v8"));
		EXPECT_TRUE(prop_is_u32(&t, path, "reg", i));
		EXPECT_TRUE(prop_is_string(&t, path, "enable-method", "psci"));
	}
	EXPECT_FALSE(has_node(&t, "/cpus/cpu@2"));

	/* GICv3: distributor, and 2 vCPUs' redistributors of 128 KiB. */
	const uint32_t gic_reg[] = { 0, 0x08000000, 0, 0x10000, 0, 0x080a0000, 0, 0x40000 };

	EXPECT_TRUE(prop_is_string(&t, "/intc@8000000", "compatible", "arm,gic-v3"));
	EXPECT_TRUE(prop_is_cells(&t, "/intc@8000000", "reg", gic_reg, 8));
	EXPECT_TRUE(prop_is_u32(&t, "/intc@8000000", "#interrupt-cells", 3));
	EXPECT_TRUE(prop_is(&t, "/intc@8000000", "interrupt-controller", NULL, 0));
	EXPECT_TRUE(prop_is_u32(&t, "/intc@8000000", "#redistributor-regions", 1));
	EXPECT_TRUE(prop_is_u32(&t, "/intc@8000000", "#address-cells", 2));
	EXPECT_TRUE(prop_is_u32(&t, "/intc@8000000", "#size-cells", 2));
	EXPECT_TRUE(prop_is(&t, "/intc@8000000", "ranges", NULL, 0));

	/* PL011: SPI 1 level high, both clocks the 24 MHz fixed clock. */
	const uint32_t uart_reg[] = { 0, 0x09000000, 0, 0x1000 };
	const uint32_t uart_irq[] = { 0, 1, 4 };

	ASSERT_TRUE(phandle_of(&t, "/apb-pclk", &clk));
	EXPECT_NE(clk, gic);
	const uint32_t clocks[] = { clk, clk };

	EXPECT_TRUE(prop_is_list(&t, "/pl011@9000000", "compatible", "arm,pl011\0arm,primecell",
				 sizeof("arm,pl011\0arm,primecell")));
	EXPECT_TRUE(prop_is_cells(&t, "/pl011@9000000", "reg", uart_reg, 4));
	EXPECT_TRUE(prop_is_cells(&t, "/pl011@9000000", "interrupts", uart_irq, 3));
	EXPECT_TRUE(prop_is_cells(&t, "/pl011@9000000", "clocks", clocks, 2));
	EXPECT_TRUE(prop_is_list(&t, "/pl011@9000000", "clock-names", "uartclk\0apb_pclk",
				 sizeof("uartclk\0apb_pclk")));
	EXPECT_TRUE(prop_is_string(&t, "/apb-pclk", "compatible", "fixed-clock"));
	EXPECT_TRUE(prop_is_u32(&t, "/apb-pclk", "#clock-cells", 0));
	EXPECT_TRUE(prop_is_u32(&t, "/apb-pclk", "clock-frequency", 24000000));
	EXPECT_TRUE(prop_is_string(&t, "/apb-pclk", "clock-output-names", "clk24mhz"));

	/* The architected timer: PPIs 13, 14, 11, 10, level high, as QEMU's GICv3 tree. */
	const uint32_t timer_irqs[] = { 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4 };

	EXPECT_TRUE(prop_is_list(&t, "/timer", "compatible", "arm,armv8-timer\0arm,armv7-timer",
				 sizeof("arm,armv8-timer\0arm,armv7-timer")));
	EXPECT_TRUE(prop_is_cells(&t, "/timer", "interrupts", timer_irqs, 12));
	EXPECT_TRUE(prop_is(&t, "/timer", "always-on", NULL, 0));

	/* /chosen and the console alias. */
	EXPECT_TRUE(prop_is_string(&t, "/chosen", "bootargs", BOOTARGS));
	EXPECT_TRUE(prop_is_string(&t, "/chosen", "stdout-path", "/pl011@9000000"));
	EXPECT_TRUE(prop_is_u64(&t, "/chosen", "linux,initrd-start", INITRD_START));
	EXPECT_TRUE(prop_is_u64(&t, "/chosen", "linux,initrd-end", INITRD_END));
	EXPECT_TRUE(prop_is_string(&t, "/aliases", "serial0", "/pl011@9000000"));

	/* Nothing about MTE: Linux finds it in the ID registers. No property name has it. */
	const uint8_t *names = buf + be32(buf + 12);

	EXPECT_TRUE(memmem(buf, (size_t)size, "mte", 3) == NULL);
	EXPECT_TRUE(memmem(names, be32(buf + 32), "tag", 3) == NULL);
	tree_close(&t);
}

/* The PMU and the PCIe host bridge, as QEMU's virt tree has them, when the config says so. */
TEST(linux_dt, pmu_and_pcie)
{
	static uint8_t buf[8192];
	struct linux_dt_config cfg;
	struct tree t;
	uint32_t gic, len;
	const uint32_t pmu_irq[] = { 1, 7, 4 };
	const uint32_t reg[] = { 0x40, 0x10000000, 0, 0x10000000 };
	const uint32_t ranges[] = { 0x1000000, 0, 0, 0, 0x3eff0000, 0, 0x10000,
				    0x2000000, 0, 0x10000000, 0, 0x10000000, 0, 0x2eff0000 };
	const uint32_t mask[] = { 0x1800, 0, 0, 7 };
	const uint8_t *map;
	int size;

	typical_config(&cfg);
	size = linux_dt_build(buf, sizeof(buf), &cfg);
	ASSERT_TRUE(tree_open(&t, buf, size));
	EXPECT_FALSE(has_node(&t, "/pmu"));
	EXPECT_FALSE(has_node(&t, "/pcie@10000000"));
	tree_close(&t);

	cfg.pmu = true;
	linux_dt_pcie_virt(&cfg.pcie);
	size = linux_dt_build(buf, sizeof(buf), &cfg);
	ASSERT_TRUE(tree_open(&t, buf, size));
	ASSERT_TRUE(phandle_of(&t, "/intc@8000000", &gic));
	EXPECT_TRUE(prop_is_string(&t, "/pmu", "compatible", "arm,armv8-pmuv3"));
	EXPECT_TRUE(prop_is_cells(&t, "/pmu", "interrupts", pmu_irq, 3));
	EXPECT_TRUE(prop_is_string(&t, "/pcie@10000000", "compatible", "pci-host-ecam-generic"));
	EXPECT_TRUE(prop_is_string(&t, "/pcie@10000000", "device_type", "pci"));
	EXPECT_TRUE(prop_is_cells(&t, "/pcie@10000000", "reg", reg, 4));
	EXPECT_TRUE(prop_is_cells(&t, "/pcie@10000000", "ranges", ranges, 14));
	EXPECT_TRUE(prop_is_cells(&t, "/pcie@10000000", "interrupt-map-mask", mask, 4));
	EXPECT_TRUE(prop_is_u32(&t, "/pcie@10000000", "#address-cells", 3));
	EXPECT_TRUE(prop_is_u32(&t, "/pcie@10000000", "#interrupt-cells", 1));
	EXPECT_TRUE(prop_is(&t, "/pcie@10000000", "dma-coherent", NULL, 0));
	/* 16 entries: slot, pin -> the GIC, SPI 3 + (slot + pin - 1) % 4, level high. */
	map = prop(&t, "/pcie@10000000", "interrupt-map", &len);
	ASSERT_TRUE(map != NULL);
	ASSERT_EQ(len, 16 * 40);
	for (unsigned e = 0; e < 16; e++) {
		const uint8_t *m = map + 40 * e;
		unsigned slot = e / 4, pin = e % 4 + 1;

		EXPECT_EQ(be32(m), slot << 11);
		EXPECT_EQ(be32(m + 12), pin);
		EXPECT_EQ(be32(m + 16), gic);
		EXPECT_EQ(be32(m + 28), 0); /* GIC_SPI */
		EXPECT_EQ(be32(m + 32), 3 + (slot + pin - 1) % 4);
		EXPECT_EQ(be32(m + 36), 4);
	}
	tree_close(&t);
}

TEST(linux_dt, no_initrd_no_bootargs)
{
	static uint8_t buf[8192];
	struct linux_dt_config cfg;
	struct tree t;

	typical_config(&cfg);
	cfg.bootargs = NULL;
	cfg.initrd_start = 0;
	cfg.initrd_end = 0;
	int size = linux_dt_build(buf, sizeof(buf), &cfg);

	ASSERT_TRUE(tree_open(&t, buf, size));
	EXPECT_FALSE(has_prop(&t, "/chosen", "bootargs"));
	EXPECT_FALSE(has_prop(&t, "/chosen", "linux,initrd-start"));
	EXPECT_FALSE(has_prop(&t, "/chosen", "linux,initrd-end"));
	EXPECT_TRUE(prop_is_string(&t, "/chosen", "stdout-path", "/pl011@9000000"));
	tree_close(&t);

	/* Empty bootargs are still bootargs. */
	cfg.bootargs = "";
	size = linux_dt_build(buf, sizeof(buf), &cfg);
	ASSERT_TRUE(tree_open(&t, buf, size));
	EXPECT_TRUE(prop_is_string(&t, "/chosen", "bootargs", ""));
	tree_close(&t);
}

TEST(linux_dt, layout_from_config)
{
	static uint8_t buf[8192];
	struct linux_dt_config cfg;
	struct tree t;

	typical_config(&cfg);
	cfg.nr_vcpus = LINUX_DT_MAX_VCPUS;
	cfg.ram_base = 0x880000000ull; /* above 4 GiB: both cells used */
	cfg.ram_size = 0x100000000ull;
	cfg.uart_base = 0x1c090000;
	cfg.uart_spi = 5;
	cfg.uart_clock_hz = 1000000;
	int size = linux_dt_build(buf, sizeof(buf), &cfg);

	ASSERT_TRUE(tree_open(&t, buf, size));
	const uint32_t mem_reg[] = { 0x8, 0x80000000, 0x1, 0 };
	const uint32_t gic_reg[] = { 0, 0x08000000, 0, 0x10000, 0, 0x080a0000, 0, 16 * 0x20000 };
	const uint32_t uart_irq[] = { 0, 5, 4 };

	EXPECT_TRUE(prop_is_cells(&t, "/memory@880000000", "reg", mem_reg, 4));
	EXPECT_TRUE(prop_is_cells(&t, "/intc@8000000", "reg", gic_reg, 8));
	EXPECT_TRUE(prop_is_u32(&t, "/cpus/cpu@f", "reg", 15));
	EXPECT_TRUE(prop_is_u32(&t, "/cpus/cpu@a", "reg", 10));
	EXPECT_FALSE(has_node(&t, "/cpus/cpu@10"));
	EXPECT_TRUE(prop_is_cells(&t, "/pl011@1c090000", "interrupts", uart_irq, 3));
	EXPECT_TRUE(prop_is_u32(&t, "/apb-pclk", "clock-frequency", 1000000));
	EXPECT_TRUE(prop_is_string(&t, "/chosen", "stdout-path", "/pl011@1c090000"));
	EXPECT_TRUE(prop_is_string(&t, "/aliases", "serial0", "/pl011@1c090000"));
	tree_close(&t);

	/* One vCPU. */
	cfg.nr_vcpus = 1;
	size = linux_dt_build(buf, sizeof(buf), &cfg);
	ASSERT_TRUE(tree_open(&t, buf, size));
	EXPECT_TRUE(prop_is_u32(&t, "/cpus/cpu@0", "reg", 0));
	EXPECT_FALSE(has_node(&t, "/cpus/cpu@1"));
	tree_close(&t);
}

TEST(linux_dt, mte_changes_nothing)
{
	static uint8_t on[8192], off[8192];
	struct linux_dt_config cfg;

	typical_config(&cfg);
	cfg.mte = true;
	int a = linux_dt_build(on, sizeof(on), &cfg);

	cfg.mte = false;
	int b = linux_dt_build(off, sizeof(off), &cfg);

	ASSERT_TRUE(a > 0);
	EXPECT_EQ(a, b);
	EXPECT_EQ(memcmp(on, off, (size_t)a), 0);
}

TEST(linux_dt, bad_configs)
{
	static uint8_t buf[8192];
	struct linux_dt_config cfg;

	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), NULL), FDTW_ERR_ARG);
	typical_config(&cfg);
	cfg.ram_size = 0;
	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), &cfg), FDTW_ERR_ARG);
	typical_config(&cfg);
	cfg.ram_base = ~0ull - 0xfff;
	cfg.ram_size = 0x2000;
	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), &cfg), FDTW_ERR_ARG);
	typical_config(&cfg);
	cfg.nr_vcpus = 0;
	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), &cfg), FDTW_ERR_ARG);
	cfg.nr_vcpus = LINUX_DT_MAX_VCPUS + 1;
	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), &cfg), FDTW_ERR_ARG);
	typical_config(&cfg);
	cfg.initrd_end = cfg.initrd_start;
	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), &cfg), FDTW_ERR_ARG);
	typical_config(&cfg);
	cfg.initrd_start = 0;
	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), &cfg), FDTW_ERR_ARG);
	EXPECT_EQ(linux_dt_build(NULL, 8192, &cfg), FDTW_ERR_ARG);
}

TEST(linux_dt, every_buffer_size)
{
	every_size(build_linux, "Linux tree");
}

/* Runs cmd; returns its exit status, or -1 if it could not run. */
static int run(const char *cmd)
{
	int st = system(cmd);

	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	static char text[65536];
	size_t n;

	if (!f) {
		return NULL;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

/*
 * The real dtc decompiles the tree without an error or a warning (its checks cover
 * phandle references, interrupt providers, unit addresses against reg), and says what
 * this file says it holds. Skipped where dtc is not installed.
 */
TEST(linux_dt, dtc_accepts_it)
{
	static uint8_t buf[8192];
	char dir[] = "/tmp/tv-fdtw-XXXXXX", cmd[512], path[256];
	int size = build_linux(buf, sizeof(buf));

	ASSERT_TRUE(size > 0);
	if (run("command -v dtc >/dev/null 2>&1") != 0) {
		fprintf(stderr, "  linux_dt.dtc_accepts_it: dtc not installed, skipped\n");
		return;
	}
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/guest.dtb", dir);
	FILE *f = fopen(path, "wb");

	ASSERT_TRUE(f != NULL);
	EXPECT_EQ(fwrite(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o %s/guest.dts %s/guest.dtb 2>%s/err", dir,
		 dir, dir);
	EXPECT_EQ(run(cmd), 0);

	snprintf(path, sizeof(path), "%s/err", dir);
	const char *err = read_file(path);

	EXPECT_TRUE(err != NULL && err[0] == '\0');
	if (err && err[0]) {
		fprintf(stderr, "  dtc: %s", err);
	}
	snprintf(path, sizeof(path), "%s/guest.dts", dir);
	const char *dts = read_file(path);

	ASSERT_TRUE(dts != NULL);
	static const char *const want[] = {
		"compatible = \"linux,dummy-virt\";",
		"interrupt-parent = <0x01>;",
		"compatible = \"arm,psci-1.0\\0arm,psci-0.2\\0arm,psci\";",
		"reg = <0x00 0x40000000 0x00 0x20000000>;",
		"cpu@1 {",
		"enable-method = \"psci\";",
		"reg = <0x00 0x8000000 0x00 0x10000 0x00 0x80a0000 0x00 0x40000>;",
		"interrupts = <0x00 0x01 0x04>;",
		"clock-names = \"uartclk\\0apb_pclk\";",
		"clock-frequency = <0x16e3600>;",
		"interrupts = <0x01 0x0d 0x04 0x01 0x0e 0x04 0x01 0x0b 0x04 0x01 0x0a 0x04>;",
		"bootargs = \"" BOOTARGS "\";",
		"stdout-path = \"/pl011@9000000\";",
		"linux,initrd-start = <0x00 0x48000000>;",
		"linux,initrd-end = <0x00 0x4817a3c1>;",
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		if (!strstr(dts, want[i])) {
			fprintf(stderr, "  dtc's output lacks: %s\n", want[i]);
			EXPECT_TRUE(false);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}

/* ---- the Linux host's tree (tagvisor's Linux host: written by the hypervisor) ---- */

#define HOST_RAM2 0x42000000ull

static void host_config(struct linux_dt_config *cfg)
{
	linux_dt_config_virt(cfg);
	cfg->ram_base = RAM_BASE;
	cfg->ram_size = 0x200000;
	cfg->ram2_base = HOST_RAM2;
	cfg->ram2_size = 0x3e000000;
	cfg->bootargs = "console=ttyAMA0 arm64.nomte";
	cfg->initrd_start = INITRD_START;
	cfg->initrd_end = INITRD_END;
	cfg->psci_smc = true;
	cfg->phys_timer = true;
	cfg->pcie = (struct linux_dt_pcie){ .ecam_base = 0x3f000000,
					    .ecam_size = 0x1000000,
					    .bus_first = 0,
					    .bus_last = 15,
					    .mem_cpu = 0x10000000,
					    .mem_pci = 0x10000000,
					    .mem_size = 0x2eff0000,
					    .intx_spi = LINUX_DT_PCIE_SPI };
}

static int build_host(void *buf, size_t size)
{
	struct linux_dt_config cfg;

	host_config(&cfg);
	return linux_dt_build(buf, size, &cfg);
}

TEST(linux_dt, host_tree)
{
	static uint8_t buf[8192];
	struct tree t;
	uint32_t gic;
	int size = build_host(buf, sizeof(buf));

	ASSERT_TRUE(size > 0);
	ASSERT_TRUE(tree_open(&t, buf, size));
	ASSERT_TRUE(phandle_of(&t, "/intc@8000000", &gic));

	/* PSCI by SMC (EL2 answers it); RAM in two ranges, around the hypervisor's. */
	EXPECT_TRUE(prop_is_string(&t, "/psci", "method", "smc"));
	const uint32_t mem_reg[] = { 0, 0x40000000, 0, 0x200000, 0, 0x42000000, 0, 0x3e000000 };

	EXPECT_TRUE(prop_is_cells(&t, "/memory@40000000", "reg", mem_reg, 8));

	/* The physical timers only: Linux at EL1 then uses the EL1 physical timer. */
	const uint32_t timer_irqs[] = { 1, 13, 4, 1, 14, 4 };

	EXPECT_TRUE(prop_is_cells(&t, "/timer", "interrupts", timer_irqs, 6));

	/* The PCIe host bridge: ECAM, one 32-bit window, INTx swizzled onto SPIs 3..6. */
	const char *pcie = "/pcie@10000000"; /* named by its memory window, as QEMU names it */
	const uint32_t ecam[] = { 0, 0x3f000000, 0, 0x1000000 };
	const uint32_t ranges[] = { 0x02000000, 0, 0x10000000, 0, 0x10000000, 0, 0x2eff0000 };
	const uint32_t bus[] = { 0, 15 };
	const uint32_t mask[] = { 0x1800, 0, 0, 7 };
	uint32_t len;
	const uint8_t *map = prop(&t, pcie, "interrupt-map", &len);

	EXPECT_TRUE(prop_is_string(&t, pcie, "compatible", "pci-host-ecam-generic"));
	EXPECT_TRUE(prop_is_string(&t, pcie, "device_type", "pci"));
	EXPECT_TRUE(prop_is_cells(&t, pcie, "reg", ecam, 4));
	EXPECT_TRUE(prop_is_cells(&t, pcie, "ranges", ranges, 7));
	EXPECT_TRUE(prop_is_cells(&t, pcie, "bus-range", bus, 2));
	EXPECT_TRUE(prop_is_cells(&t, pcie, "interrupt-map-mask", mask, 4));
	EXPECT_TRUE(prop_is_u32(&t, pcie, "#address-cells", 3));
	EXPECT_TRUE(prop_is_u32(&t, pcie, "#size-cells", 2));
	EXPECT_TRUE(prop_is_u32(&t, pcie, "#interrupt-cells", 1));
	EXPECT_TRUE(prop_is(&t, pcie, "dma-coherent", NULL, 0));
	ASSERT_TRUE(map != NULL);
	ASSERT_EQ(len, 16 * 10 * 4);
	for (uint32_t i = 0; i < 16; i++) {
		const uint8_t *e = map + i * 40;
		uint32_t slot = i / 4, pin = i % 4;

		EXPECT_EQ(be32(e), slot << 11);
		EXPECT_EQ(be32(e + 12), pin + 1);
		EXPECT_EQ(be32(e + 16), gic);
		EXPECT_EQ(be32(e + 28), 0);			/* SPI */
		EXPECT_EQ(be32(e + 32), 3 + (slot + pin) % 4); /* QEMU virt's swizzle */
		EXPECT_EQ(be32(e + 36), 4);
	}
	/* What EL2 keeps for itself is not in the tree: no SMMU, no IOMMU or MSI map. */
	EXPECT_FALSE(has_prop(&t, pcie, "iommu-map"));
	EXPECT_FALSE(has_prop(&t, pcie, "msi-map"));
	EXPECT_TRUE(memmem(buf, (size_t)size, "smmu", 4) == NULL);
	EXPECT_TRUE(prop_is_string(&t, "/chosen", "bootargs", "console=ttyAMA0 arm64.nomte"));
	tree_close(&t);
}

TEST(linux_dt, host_bad_configs)
{
	static uint8_t buf[8192];
	struct linux_dt_config cfg;

	host_config(&cfg);
	cfg.ram2_base = RAM_BASE + 0x100000; /* overlaps the first range */
	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), &cfg), FDTW_ERR_ARG);
	host_config(&cfg);
	cfg.pcie.mem_size = 0;
	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), &cfg), FDTW_ERR_ARG);
	host_config(&cfg);
	cfg.pcie.mem_pci = 0xf0000000; /* beyond 4 GiB at its end: not a 32-bit window */
	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), &cfg), FDTW_ERR_ARG);
	host_config(&cfg);
	cfg.pcie.bus_first = 2;
	cfg.pcie.bus_last = 1;
	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), &cfg), FDTW_ERR_ARG);
	host_config(&cfg);
	cfg.pcie.bus_last = 256;
	EXPECT_EQ(linux_dt_build(buf, sizeof(buf), &cfg), FDTW_ERR_ARG);
	/* No second range and no PCIe: a guest's tree. */
	host_config(&cfg);
	cfg.ram2_size = 0;
	cfg.pcie.ecam_size = 0;
	EXPECT_TRUE(linux_dt_build(buf, sizeof(buf), &cfg) > 0);
}

TEST(linux_dt, host_every_buffer_size)
{
	every_size(build_host, "Linux host tree");
}

/* dtc (where installed) reads the host's tree without an error or a warning. */
TEST(linux_dt, dtc_accepts_host_tree)
{
	static uint8_t buf[8192];
	char dir[] = "/tmp/tv-fdtw-XXXXXX", cmd[512], path[256];
	int size = build_host(buf, sizeof(buf));

	ASSERT_TRUE(size > 0);
	if (run("command -v dtc >/dev/null 2>&1") != 0) {
		fprintf(stderr, "  linux_dt.dtc_accepts_host_tree: dtc not installed, skipped\n");
		return;
	}
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/host.dtb", dir);
	FILE *f = fopen(path, "wb");

	ASSERT_TRUE(f != NULL);
	EXPECT_EQ(fwrite(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o %s/host.dts %s/host.dtb 2>%s/err", dir, dir,
		 dir);
	EXPECT_EQ(run(cmd), 0);
	snprintf(path, sizeof(path), "%s/err", dir);
	const char *err = read_file(path);

	EXPECT_TRUE(err != NULL && err[0] == '\0');
	if (err && err[0]) {
		fprintf(stderr, "  dtc: %s", err);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}
