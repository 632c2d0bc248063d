/* SPDX-License-Identifier: MIT */
/*
 * Booting a kernel as a guest, as QEMU's virt machine does (docs/LINUX.md): an arm64
 * Image by the arm64 boot protocol (Documentation/arch/arm64/booting.rst: at a 2 MiB-
 * aligned base plus its text_offset), a raw binary at RAM + 0x80000, or an ELF file by
 * its program headers; the DTB the VMM generates and the initramfs near the top of RAM,
 * x0 = the DTB's address, MMU and caches off, EL1h with interrupts masked.
 *   kernel=ADDR:SIZE [initrd=ADDR:SIZE] [cmdline=ARGS, %XX-encoded] (host/images.c)
 */
#include <host/vmm.h>
#include <lib/linux_dt.h>
#include <lib/linux_image.h>
#include <lib/string.h>

#define DTB_MAX (64u << 10)

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

static const char *kind_name(enum linux_kernel_kind kind)
{
	if (kind == LINUX_KERNEL_IMAGE) {
		return "Image";
	}
	return kind == LINUX_KERNEL_RAW ? "raw binary" : "ELF";
}

/* Stages the kernel and places everything; sets *entry. */
static int stage_kernel(struct guest *g, const char *path, const uint8_t *image, uint64_t ksize,
			uint64_t isize, struct linux_layout *at, uint64_t *entry)
{
	int err;

	if (linux_kernel_kind(image, ksize) == LINUX_KERNEL_ELF) {
		uint64_t end;

		if (guest_stage_elf(g, image, ksize, entry, &end)) {
			return -1;
		}
		err = linux_layout_place(GUEST_RAM_IPA, g->ram_size, GUEST_RAM_IPA, end, isize, at);
		at->kind = LINUX_KERNEL_ELF;
	} else {
		err = linux_image_layout(image, ksize, GUEST_RAM_IPA, g->ram_size, isize, at);
		*entry = at->kernel;
		if (!err && guest_write_initial(g, at->kernel, image, ksize)) {
			return -1;
		}
	}
	if (err) {
		host_log("%s: %s (%lu MiB of RAM)", path, linux_image_strerror(err),
			 g->ram_size >> 20);
		return -1;
	}
	return 0;
}

int linux_load(struct guest *g, const char *kernel, const char *initrd, const char *cmdline)
{
	static char args[1024];
	static uint8_t dtb[DTB_MAX] __attribute__((aligned(8)));
	struct linux_dt_config cfg;
	struct linux_layout at;
	struct hvc_res features;
	uint64_t ksize, isize = 0, entry;
	uint8_t *image = host_image(kernel, &ksize), *rd = NULL;
	int dt_size;

	if (!image || (initrd && !(rd = host_image(initrd, &isize)))) {
		return -1;
	}
	if (stage_kernel(g, kernel, image, ksize, isize, &at, &entry) ||
	    (rd && guest_write_initial(g, at.initrd, rd, isize))) {
		return -1;
	}
	free_pages(image, (ksize + PAGE_SIZE - 1) / PAGE_SIZE);
	if (rd) {
		free_pages(rd, (isize + PAGE_SIZE - 1) / PAGE_SIZE);
	}
	/* panic=-1: a kernel panic ends the run (status 2, a reset) instead of hanging it. */
	percent_decode(cmdline ? cmdline : "console=ttyAMA0 panic=-1", args, sizeof(args));
	linux_dt_config_virt(&cfg);
	cfg.ram_base = GUEST_RAM_IPA;
	cfg.ram_size = g->ram_size;
	cfg.nr_vcpus = g->nr_vcpus;
	cfg.bootargs = args;
	cfg.initrd_start = at.initrd;
	cfg.initrd_end = rd ? at.initrd + isize : 0;
	cfg.mte = g->vm_flags & TV_VM_MTE;
	cfg.pmu = !tv_hvc(TV_HC_FEATURES, 0, 0, 0, 0, 0, 0, &features) &&
		  (features.x[1] & TV_FEAT_PMU);
	if (g->pci.present) {
		linux_dt_pcie_virt(&cfg.pcie);
	}
	dt_size = linux_dt_build(dtb, sizeof(dtb), &cfg);
	if (dt_size < 0) {
		host_log("cannot build the guest's device tree: %d", dt_size);
		return -1;
	}
	if (guest_write_initial(g, at.dtb, dtb, (uint64_t)dt_size) || guest_donate_staged(g)) {
		return -1;
	}
	host_log("kernel: %s at 0x%lx (%lu KiB), entry 0x%lx, initramfs at 0x%lx (%lu KiB), "
		 "DTB at 0x%lx, \"%s\"",
		 kind_name(at.kind), at.kernel, ksize >> 10, entry, at.initrd, isize >> 10, at.dtb,
		 args);
	if (tv_hvc(TV_HC_VCPU_SET_REG, (uint64_t)g->handle, 0, TV_REG_PC, entry, 0, 0, NULL) ||
	    tv_hvc(TV_HC_VCPU_SET_REG, (uint64_t)g->handle, 0, TV_REG_X0, at.dtb, 0, 0, NULL)) {
		return -1;
	}
	return 0;
}
