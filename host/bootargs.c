/* SPDX-License-Identifier: MIT */
/* Boot arguments, from the DTB's /chosen/bootargs (QEMU's -append). */
#include <host/host.h>
#include <lib/fdt.h>
#include <lib/string.h>

#define MAX_ARGS 32

static char args_buf[1024];
static const char *keys[MAX_ARGS], *values[MAX_ARGS];
static unsigned nr_args;

void bootargs_init(uint64_t dtb)
{
	struct fdt fdt;
	uint32_t len = 0;
	const char *args = NULL;
	int node;

	if (!fdt_init(&fdt, (const void *)dtb, 0x200000)) {
		node = fdt_find_node(&fdt, "/chosen");
		args = node < 0 ? NULL : fdt_get_prop(&fdt, node, "bootargs", &len);
	}
	if (!args) {
		return;
	}
	if (len >= sizeof(args_buf)) {
		host_panic("boot arguments longer than %zu bytes", sizeof(args_buf) - 1);
	}
	memcpy(args_buf, args, len);
	args_buf[len] = '\0';
	/* Split in place at spaces; "key=value" at the first '='. */
	for (char *p = args_buf; *p && nr_args < MAX_ARGS;) {
		while (*p == ' ') {
			*p++ = '\0';
		}
		if (!*p) {
			break;
		}
		keys[nr_args] = p;
		values[nr_args] = "";
		while (*p && *p != ' ') {
			if (*p == '=' && !*values[nr_args]) {
				*p = '\0';
				values[nr_args] = p + 1;
			}
			p++;
		}
		nr_args++;
	}
}

const char *bootarg(const char *key)
{
	for (unsigned i = nr_args; i-- > 0;) {
		if (!strcmp(keys[i], key)) {
			return values[i];
		}
	}
	return NULL;
}

const char *bootarg_nth(const char *key, unsigned n)
{
	for (unsigned i = 0; i < nr_args; i++) {
		if (!strcmp(keys[i], key) && n-- == 0) {
			return values[i];
		}
	}
	return NULL;
}

uint64_t bootarg_u64(const char *key, uint64_t def)
{
	const char *s = bootarg(key);
	uint64_t v = 0, base = 10;

	if (!s || !*s) {
		return def;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9') {
			d = (unsigned)(*s - '0');
		} else if (base == 16 && ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')) {
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		} else {
			break;
		}
		v = v * base + d;
	}
	switch (*s) {
	case 'K':
	case 'k':
		return v << 10;
	case 'M':
	case 'm':
		return v << 20;
	case 'G':
	case 'g':
		return v << 30;
	default:
		return v;
	}
}
