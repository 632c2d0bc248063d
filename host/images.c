/* SPDX-License-Identifier: MIT */
/*
 * Images (guest ELFs, Linux kernels and initramfs) reach the host the way firmware
 * images reach a real machine's memory: QEMU's generic loader puts each one at an
 * address the CLI chose, before the machine starts, and the boot arguments say
 * where ("guest=0x7f000000:0x1a2b"). Their pages are taken out of the allocator at
 * boot, handed out by host_image(), and given back with free_pages() once loaded.
 */
#include <host/host.h>
#include <lib/string.h>

static const char *const image_keys[] = { "guest", "kernel", "initrd" };

static bool parse_hex(const char **s, uint64_t *v)
{
	const char *p = *s;

	if (p[0] != '0' || (p[1] | 0x20) != 'x' || !p[2]) {
		return false;
	}
	*v = 0;
	for (p += 2; *p && *p != ':'; p++) {
		char c = (char)(*p | 0x20);
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
						    : 16u;

		if (d == 16 || *v >> 60) {
			return false;
		}
		*v = *v << 4 | d;
	}
	*s = p;
	return true;
}

/* "ADDR:SIZE", both hex: a page-aligned address and a size of at least one byte. */
static bool parse_spec(const char *spec, uint64_t *addr, uint64_t *size)
{
	const char *p = spec;

	return spec && parse_hex(&p, addr) && *p++ == ':' && parse_hex(&p, size) && !*p && *size &&
	       !(*addr & (PAGE_SIZE - 1)) && *addr + *size > *addr;
}

static uint64_t pages_of(uint64_t size)
{
	return (size + PAGE_SIZE - 1) / PAGE_SIZE;
}

void images_init(void)
{
	for (unsigned k = 0; k < ARRAY_SIZE(image_keys); k++) {
		const char *spec;

		for (unsigned n = 0; (spec = bootarg_nth(image_keys[k], n)) != NULL; n++) {
			uint64_t addr, size;

			if (!parse_spec(spec, &addr, &size) || mem_reserve(addr, pages_of(size))) {
				host_panic("bad image %s=%s: not ADDR:SIZE in free host memory",
					   image_keys[k], spec);
			}
		}
	}
}

uint8_t *host_image(const char *spec, uint64_t *size)
{
	uint64_t addr;

	if (!parse_spec(spec, &addr, size)) {
		host_log("no image at '%s'", spec ? spec : "");
		return NULL;
	}
	return (uint8_t *)addr;
}
