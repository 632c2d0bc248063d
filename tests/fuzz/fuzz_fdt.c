/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target of the device-tree parser (lib/fdt.c): the whole input is a
 * blob. If it parses, nodes are looked up by several paths (fixed ones, and one
 * taken from the input so that any name can be asked for), their properties read,
 * and every result checked to lie inside the blob's structure block. libFuzzer's
 * buffer is exactly `size` bytes, so AddressSanitizer sees any read past it.
 * Built and run by tests/fuzz/run.sh; -DFUZZ_SEEDS builds a program writing seeds.
 */
#include <lib/fdt.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const paths[] = {
	"/",	     "/chosen",	  "/memory", "/memory@40000000", "/soc/uart@9000000",
	"/soc/uart", "/intc/its", "//a//b/", "/a/b/c/d/e/f",	 "relative",
};
static const char *const names[] = { "bootargs", "reg", "compatible", "#address-cells", "" };

/* Reads properties of node (any offset); each value must lie in the structure block. */
static void check_props(const struct fdt *fdt, int node, const char *extra_name)
{
	uint32_t len;
	const uint8_t *v;
	const uint8_t *lo = fdt->blob + fdt->off_struct, *hi = lo + fdt->size_struct;
	unsigned sum = 0;

	for (unsigned i = 0; i <= sizeof(names) / sizeof(names[0]); i++) {
		const char *name = i < sizeof(names) / sizeof(names[0]) ? names[i] : extra_name;

		len = 0;
		v = fdt_get_prop(fdt, node, name, &len);
		if (!v) {
			continue;
		}
		if (v < lo + 12 || v > hi || len > (uint32_t)(hi - v)) {
			abort();
		}
		/* Touch the value, so that a bad pointer is a crash, not a silent pass. */
		for (uint32_t b = 0; b < len; b++) {
			sum += v[b];
		}
	}
	(void)sum;
}

/* A node found by path: the offset of a BEGIN_NODE token inside the structure block. */
static void check_node(const struct fdt *fdt, int node, const char *extra_name)
{
	if (node < 0) {
		return;
	}
	if ((uint32_t)node > fdt->size_struct - 4 || fdt->size_struct < 4 ||
	    fdt_be32(fdt->blob + fdt->off_struct + node) != 1) {
		abort();
	}
	check_props(fdt, node, extra_name);
}

/* Parses blob (exactly size bytes) and walks it; aborts on any inconsistency. */
static void parse(const uint8_t *data, size_t size)
{
	struct fdt fdt;
	char path[48], name[24];
	size_t n = 0;

	if (fdt_init(&fdt, data, size)) {
		return;
	}
	if (fdt.size > size || fdt.off_struct > fdt.size ||
	    fdt.size_struct > fdt.size - fdt.off_struct || fdt.off_strings > fdt.size ||
	    fdt.size_strings > fdt.size - fdt.off_strings) {
		abort(); /* fdt_init accepted blocks outside the blob */
	}
	/* A path and a property name from the bytes after the header. */
	path[n++] = '/';
	for (size_t i = 40; i < size && n + 1 < sizeof(path) && data[i]; i++) {
		path[n++] = (char)data[i];
	}
	path[n] = '\0';
	n = 0;
	for (size_t i = size; i-- > 40 && n + 1 < sizeof(name) && data[i];) {
		name[n++] = (char)data[i];
	}
	name[n] = '\0';

	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		check_node(&fdt, fdt_find_node(&fdt, paths[i]), name);
	}
	check_node(&fdt, fdt_find_node(&fdt, path), name);
	/* An arbitrary offset: refused unless it happens to hold a node. */
	check_props(&fdt, (int)(fdt.size_struct / 2) & ~3, name);
	check_props(&fdt, -1, name);
}

/*
 * The input as the contents of the blocks rather than a whole blob: byte 0 is the
 * length of the strings block, the rest up to it the strings, the remainder the
 * structure block, laid out after a header that is always valid, with the
 * structure block last. Random headers rarely describe blocks consistently; this
 * sends every input through the token walk, right up to the end of the buffer.
 */
static void parse_blocks(const uint8_t *data, size_t size)
{
	size_t str_len, st_len, off_struct, total;
	uint8_t *blob;

	if (size < 1) {
		return;
	}
	str_len = data[0] < size - 1 ? data[0] : size - 1;
	st_len = size - 1 - str_len;
	off_struct = (40 + str_len + 3) & ~(size_t)3;
	total = off_struct + st_len;
	blob = calloc(1, total);
	if (!blob) {
		abort();
	}
	blob[0] = 0xd0, blob[1] = 0x0d, blob[2] = 0xfe, blob[3] = 0xed;
	for (unsigned i = 0; i < 4; i++) {
		blob[4 + i] = (uint8_t)(total >> (24 - 8 * i));
		blob[8 + i] = (uint8_t)(off_struct >> (24 - 8 * i));
		blob[12 + i] = (uint8_t)(40u >> (24 - 8 * i));
		blob[32 + i] = (uint8_t)(str_len >> (24 - 8 * i));
		blob[36 + i] = (uint8_t)(st_len >> (24 - 8 * i));
	}
	blob[23] = 17; /* version */
	memcpy(blob + 40, data + 1, str_len);
	memcpy(blob + off_struct, data + 1 + str_len, st_len);
	parse(blob, total);
	free(blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse(data, size);
	parse_blocks(data, size);
	return 0;
}

#ifdef FUZZ_SEEDS
/* Writes a few small valid trees into DIR, so that fuzzing starts from structure. */
#include <stdio.h>

static uint8_t st[1024], str[256], blob[2048];
static uint32_t st_len, str_len;

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void word(uint32_t v)
{
	be32(st + st_len, v);
	st_len += 4;
}

static void bytes(const void *p, uint32_t n)
{
	memcpy(st + st_len, p, n);
	st_len += n;
	while (st_len & 3) {
		st[st_len++] = 0;
	}
}

static void node(const char *name)
{
	word(1);
	bytes(name, (uint32_t)strlen(name) + 1);
}

static void prop(const char *name, const void *v, uint32_t len)
{
	word(3);
	word(len);
	word(str_len);
	memcpy(str + str_len, name, strlen(name) + 1);
	str_len += (uint32_t)strlen(name) + 1;
	bytes(v, len);
}

/* Writes the tree built so far; strings_first puts the structure block at the end. */
static int emit(const char *dir, const char *file, bool strings_first)
{
	char path[4096];
	uint32_t off_struct, off_strings, total;
	FILE *f;

	word(9);
	if (strings_first) {
		off_strings = 56;
		off_struct = (off_strings + str_len + 3) & ~3u;
		total = off_struct + st_len;
	} else {
		off_struct = 56;
		off_strings = off_struct + st_len;
		total = off_strings + str_len;
	}
	memset(blob, 0, sizeof(blob));
	be32(blob, FDT_MAGIC);
	be32(blob + 4, total);
	be32(blob + 8, off_struct);
	be32(blob + 12, off_strings);
	be32(blob + 16, 40);
	be32(blob + 20, 17);
	be32(blob + 24, 16);
	be32(blob + 32, str_len);
	be32(blob + 36, st_len);
	memcpy(blob + off_struct, st, st_len);
	memcpy(blob + off_strings, str, str_len);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "wb");
	if (!f || fwrite(blob, 1, total, f) != total || fclose(f)) {
		perror(path);
		return 1;
	}
	st_len = str_len = 0;
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t reg[16] = { 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0 };
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	node("");
	prop("#address-cells", "\0\0\0\2", 4);
	node("chosen");
	prop("bootargs", "host-mte=off", 13);
	word(2);
	node("memory@40000000");
	prop("device_type", "memory", 7);
	prop("reg", reg, sizeof(reg));
	word(2);
	node("soc");
	node("uart@9000000");
	prop("compatible", "arm,pl011", 10);
	word(2);
	word(2);
	word(2);
	bad |= emit(argv[1], "virt", false);

	node("");
	word(4);
	node("intc@8000000");
	node("its@8080000");
	prop("empty", "", 0);
	word(2);
	word(2);
	word(2);
	bad |= emit(argv[1], "nested", false);

	node("");
	prop("bootargs", "x", 2);
	word(2);
	bad |= emit(argv[1], "strings-first", true);
	return bad;
}
#endif
