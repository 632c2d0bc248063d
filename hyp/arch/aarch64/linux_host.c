/* SPDX-License-Identifier: MIT */
/*
 * A Linux kernel as the host (tagvisor run --linux-host). QEMU's generic loader put an
 * arm64 Image where the bare-metal host goes, and the initramfs at the top of RAM. The
 * hypervisor gives the kernel a device tree of its own, written from what the host's
 * stage 2 maps and nothing else: RAM without the hypervisor's memory, the GICv3, the
 * physical timer, the guests' PL011, the PCIe host bridge (without the SMMU, which is
 * EL2's, and without any iommu-map: the SMMU's stage 2 is the host's own), PSCI by SMC.
 * The same stage 2, page ownership and MTE policy hold as for the bare-metal host.
 */
#include <abi/boot.h>
#include <arch/linux_host.h>
#include <arch/platform.h>
#include <arch/sysreg.h>
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <hyp/mem_protect.h>
#include <lib/fdt.h>
#include <lib/fdt_write.h>
#include <lib/linux_dt.h>
#include <lib/linux_image.h>
#include <lib/string.h>

#define DT_MAX	    (64u << 10)
#define CMDLINE_MAX 2048 /* Linux's COMMAND_LINE_SIZE on arm64 */
#define CACHE_LINE  64

bool linux_host_image_present(void)
{
	const struct linux_image_header *h = (const void *)TV_HOST_LOAD_ADDR;

	return h->magic == LINUX_IMAGE_MAGIC;
}

/* Linux reads its tree with the MMU and caches off: clean our writes to the PoC. */
static void clean_to_poc(uint64_t start, uint64_t size)
{
	for (uint64_t a = start & ~(uint64_t)(CACHE_LINE - 1); a < start + size; a += CACHE_LINE) {
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	}
	dsb(sy);
}

/* Where the tree goes: after QEMU's, below the hypervisor (the host's first RAM range). */
static uint64_t dt_place(void)
{
	uint64_t qemu_dt = memmap.ram_base;
	uint64_t end =
	    qemu_dt + ((fdt_be32((const uint8_t *)qemu_dt + 4) + 0xffffull) & ~0xffffull);

	if (end + DT_MAX > memmap.hyp_base) {
		hyp_panic("no room for the Linux host's device tree below 0x%lx", memmap.hyp_base);
	}
	return end;
}

static void check_boot(const struct linux_host_boot *b)
{
	const struct linux_image_header *h = (const void *)TV_HOST_LOAD_ADDR;
	uint64_t ram_end = memmap.ram_base + memmap.ram_size;
	uint64_t hyp_end = memmap.hyp_base + memmap.hyp_size;

	/* The CLI placed these (not the host): a bad layout is a broken boot, said at once. */
	if (h->text_offset || (h->flags & 1)) {
		hyp_panic("the Linux host Image needs text_offset 0 and little-endian");
	}
	if (!b->initrd_size || b->initrd_base < hyp_end || b->initrd_size > ram_end ||
	    b->initrd_base > ram_end - b->initrd_size ||
	    b->initrd_base < TV_HOST_LOAD_ADDR + h->image_size) {
		hyp_panic("the Linux host's initramfs (host-initrd=0x%lx:0x%lx) is not in host RAM "
			  "above its kernel",
			  b->initrd_base, b->initrd_size);
	}
	if (b->cmdline_len >= CMDLINE_MAX) {
		hyp_panic("the Linux host's command line is longer than %u bytes", CMDLINE_MAX - 1);
	}
}

uint64_t linux_host_prepare(const struct linux_host_boot *b)
{
	static char cmdline[CMDLINE_MAX];
	uint64_t hyp_end = memmap.hyp_base + memmap.hyp_size, dt = dt_place();
	struct linux_dt_config cfg;
	int size;

	check_boot(b);
	memcpy(cmdline, b->cmdline, b->cmdline_len);
	cmdline[b->cmdline_len] = '\0';

	linux_dt_config_virt(&cfg);
	cfg.ram_base = memmap.ram_base;
	cfg.ram_size = memmap.hyp_base - memmap.ram_base;
	cfg.ram2_base = hyp_end;
	cfg.ram2_size = memmap.ram_base + memmap.ram_size - hyp_end;
	cfg.nr_vcpus = platform.nr_cpus;
	cfg.gicr_base = platform.gicr_base;
	cfg.bootargs = cmdline;
	cfg.initrd_start = b->initrd_base;
	cfg.initrd_end = b->initrd_base + b->initrd_size;
	cfg.mte = hyp_state.host_mte;
	cfg.psci_smc = true;
	cfg.phys_timer = true;
	if (platform.uart_base) {
		cfg.uart_base = platform.uart_base;
		cfg.uart_size = platform.uart_size;
		cfg.uart_spi = platform.uart_spi;
	}
	if (platform.pcie.ecam_size && platform.pcie.mem_size) {
		cfg.pcie = (struct linux_dt_pcie){
			.ecam_base = platform.pcie.ecam_base,
			.ecam_size = platform.pcie.ecam_size,
			.bus_first = platform.pcie.bus_first,
			.bus_last = platform.pcie.bus_last,
			.mem_cpu = platform.pcie.mem_cpu,
			.mem_pci = platform.pcie.mem_pci,
			.mem_size = platform.pcie.mem_size,
			.intx_spi = LINUX_DT_PCIE_SPI,
		};
	}
	size = linux_dt_build((void *)dt, DT_MAX, &cfg);
	if (size < 0) {
		hyp_panic("cannot write the Linux host's device tree: %s", fdtw_strerror(size));
	}
	clean_to_poc(dt, (uint64_t)size);
	hyp_log("Linux host: Image %lu KiB, initramfs %lu KiB at 0x%lx, device tree at 0x%lx",
		((const struct linux_image_header *)TV_HOST_LOAD_ADDR)->image_size >> 10,
		b->initrd_size >> 10, b->initrd_base, dt);
	return dt;
}
