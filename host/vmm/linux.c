/* SPDX-License-Identifier: MIT */
/*
 * Booting Linux as a guest, by the arm64 boot protocol (Documentation/arch/arm64/
 * booting.rst): the Image at a 2 MiB-aligned base plus its text_offset, the DTB
 * the VMM generates and the initramfs placed in RAM above it, x0 = the DTB's
 * address, MMU and caches off, EL1h with interrupts masked.
 *   kernel=PATH [initrd=PATH] [cmdline=ARGS, %XX-encoded]
 */
#include <host/vmm.h>
#include <lib/linux_dt.h>
#include <lib/string.h>

#define IMAGE_MAGIC 0x644d5241u /* "ARM\x64" at offset 56 */
#define DTB_MAX (64u << 10)
#define SZ_2M (2ul << 20)

struct image_header {
	uint32_t code0, code1;
	uint64_t text_offset;
	uint64_t image_size;
	uint64_t flags;
	uint64_t res2, res3, res4;
	uint32_t magic;
	uint32_t res5;
};
_Static_assert(sizeof(struct image_header) == 64, "arm64 Image header");

/* Decodes %XX escapes (the CLI's way of carrying spaces through boot arguments). */
static void percent_decode(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++) {
		unsigned v;

		if (in[0] == '%' && in[1] && in[2]) {
			char hex[3] = { in[1], in[2], 0 };

			v = 0;
			for (int i = 0; i < 2; i++) {
				char c = hex[i] | 0x20;

				v = v * 16 + (unsigned)(c >= 'a' ? c - 'a' + 10 : c - '0');
			}
			out[n++] = (char)v;
			in += 2;
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int linux_load(struct guest *g, const char *kernel, const char *initrd, const char *cmdline)
{
	static char args[1024];
	static uint8_t dtb[DTB_MAX] __attribute__((aligned(8)));
	struct image_header h;
	struct linux_dt_config cfg;
	uint64_t ksize, isize = 0, text_offset, end, initrd_ipa = 0, dtb_ipa;
	uint8_t *image = read_host_file(kernel, &ksize), *rd = NULL;
	int dt_size;

	if (!image) {
		return -1;
	}
	memcpy(&h, image, sizeof(h));
	if (ksize < sizeof(h) || h.magic != IMAGE_MAGIC) {
		host_log("%s is not an arm64 Linux Image (no \"ARM\\x64\" magic)", kernel);
		return -1;
	}
	if (h.flags & 1) {
		host_log("%s is a big-endian kernel", kernel);
		return -1;
	}
	/* Before 3.17 the header had no size: the protocol says 0x80000 then. */
	text_offset = h.image_size ? h.text_offset : 0x80000;
	end = GUEST_RAM_IPA + text_offset + (h.image_size ? h.image_size : ksize);
	if (end > GUEST_RAM_IPA + g->ram_size - DTB_MAX) {
		host_log("the kernel (%lu bytes) does not fit in %lu MiB of guest RAM", ksize,
			 g->ram_size >> 20);
		return -1;
	}
	if (guest_write_initial(g, GUEST_RAM_IPA + text_offset, image, ksize)) {
		return -1;
	}
	free_pages(image, (ksize + PAGE_SIZE - 1) / PAGE_SIZE);

	/* The DTB in the last 2 MiB of RAM, the initramfs below it, above the kernel. */
	dtb_ipa = GUEST_RAM_IPA + g->ram_size - SZ_2M;
	if (initrd) {
		rd = read_host_file(initrd, &isize);
		if (!rd) {
			return -1;
		}
		initrd_ipa = (dtb_ipa - isize) & ~(SZ_2M - 1);
		if (initrd_ipa < align_up(end, SZ_2M)) {
			host_log("kernel and initramfs (%lu bytes) do not fit in %lu MiB of guest RAM",
				 isize, g->ram_size >> 20);
			return -1;
		}
		if (guest_write_initial(g, initrd_ipa, rd, isize)) {
			return -1;
		}
		free_pages(rd, (isize + PAGE_SIZE - 1) / PAGE_SIZE);
	}
	/* panic=-1: a kernel panic ends the run (status 2, a reset) instead of hanging it. */
	percent_decode(cmdline ? cmdline : "console=ttyAMA0 panic=-1", args, sizeof(args));
	linux_dt_config_virt(&cfg);
	cfg.ram_base = GUEST_RAM_IPA;
	cfg.ram_size = g->ram_size;
	cfg.nr_vcpus = g->nr_vcpus;
	cfg.bootargs = args;
	cfg.initrd_start = initrd_ipa;
	cfg.initrd_end = initrd ? initrd_ipa + isize : 0;
	cfg.mte = g->vm_flags & TV_VM_MTE;
	dt_size = linux_dt_build(dtb, sizeof(dtb), &cfg);
	if (dt_size < 0) {
		host_log("cannot build the guest's device tree: %d", dt_size);
		return -1;
	}
	if (guest_write_initial(g, dtb_ipa, dtb, (uint64_t)dt_size) || guest_donate_staged(g)) {
		return -1;
	}
	host_log("Linux: Image at 0x%lx (%lu KiB), initramfs at 0x%lx (%lu KiB), DTB at 0x%lx, "
		 "\"%s\"",
		 GUEST_RAM_IPA + text_offset, ksize >> 10, initrd_ipa, isize >> 10, dtb_ipa, args);
	if (tv_hvc(TV_HC_VCPU_SET_REG, (uint64_t)g->handle, 0, TV_REG_PC,
		   GUEST_RAM_IPA + text_offset, 0, 0, NULL) ||
	    tv_hvc(TV_HC_VCPU_SET_REG, (uint64_t)g->handle, 0, TV_REG_X0, dtb_ipa, 0, 0, NULL)) {
		return -1;
	}
	return 0;
}
