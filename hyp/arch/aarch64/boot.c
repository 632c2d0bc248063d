/* SPDX-License-Identifier: MIT */
/*
 * Boot at EL2: read the machine from the DTB, build the hypervisor's own stage 1
 * and the host's stage 2, configure EL2 for the host and drop to it at EL1.
 */
#include <abi/boot.h>
#include <abi/hvc.h>
#include <arch/lazy.h>
#include <arch/linux_host.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <arch/smp.h>
#include <arch/switch.h>
#include <arch/sysreg.h>
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <hyp/mem_protect.h>
#include <hyp/vm.h>
#include <lib/fdt.h>
#include <lib/linux_image.h>
#include <lib/string.h>

#define RAM_BASE 0x40000000ul
#define DTB_MAX_SIZE 0x200000ull  /* QEMU's tree is far smaller than the 2 MiB before us */
#define HYP_S1_POOL_PAGES 64

extern char __hyp_start[], __text_end[], __rodata_end[], __image_end[], __hyp_end[];
void enable_mmu_el2(uint64_t ttbr0, uint64_t tcr, uint64_t mair, uint64_t sctlr);
void cpu_features_init(void);
void console_init(void);
void vgic_arch_init(void);
void vgic_cpu_init(void);
void smmu_reserve(uint64_t (*carve_aligned)(uint64_t size, uint64_t align));
void smmu_init(void);

static struct linux_host_boot linux_boot;
static uint64_t image_sum;
static struct page_pool hyp_s1_pool;
static struct pgtable hyp_s1;

/* Bump allocation from the hypervisor's memory after its image, at boot only. */
static uint8_t *carve_next;

static void *carve(uint64_t size)
{
	void *p = carve_next;

	carve_next += (size + PAGE_SIZE - 1) & PAGE_MASK;
	if (carve_next > (uint8_t *)__hyp_end) {
		hyp_panic("hypervisor memory too small for %lu bytes", size);
	}
	return p;
}

/* Zeroed memory aligned to `align` (a power of two), for tables devices read. */
static uint64_t carve_aligned(uint64_t size, uint64_t align)
{
	uint64_t skip = (align - ((uint64_t)carve_next & (align - 1))) & (align - 1);
	uint8_t *p;

	carve(skip);
	p = carve(size);
	memset(p, 0, size);
	return (uint64_t)p;
}

/* Where the word `opt` (or, with want_value, "opt" followed by a value) starts, or -1. */
static int bootarg_find(const char *args, uint32_t len, const char *opt, bool want_value)
{
	size_t n = strlen(opt);

	for (uint32_t i = 0; i + n <= len; i++) {
		if ((i == 0 || args[i - 1] == ' ') && !strncmp(args + i, opt, n) &&
		    (want_value || i + n == len || args[i + n] == ' ' || args[i + n] == '\0')) {
			return (int)i;
		}
	}
	return -1;
}

static bool bootarg_is(const char *args, uint32_t len, const char *opt)
{
	return bootarg_find(args, len, opt, false) >= 0;
}

/* A hex number ("0x...", at most 64 bits); *p moves past it. False if there is none. */
static bool parse_hex(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p + 2, *digits = s;

	if (end - *p < 3 || (*p)[0] != '0' || (*p)[1] != 'x') {
		return false;
	}
	*v = 0;
	for (; s < end; s++) {
		unsigned d = *s >= '0' && *s <= '9'   ? (unsigned)(*s - '0')
			     : *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10)
						      : 16;

		if (d == 16) {
			break;
		}
		if (*v >> 60) {
			return false;
		}
		*v = *v << 4 | d;
	}
	*p = s;
	return s > digits;
}

/*
 * The arguments of a Linux host: "HYP-ARGS -- LINUX-CMDLINE" (the CLI writes them), with
 * host-initrd=ADDR:SIZE among the hypervisor's. Returns the length of the hypervisor's
 * part, which is all of `args` when there is no " -- ".
 */
static uint32_t parse_linux_args(const char *args, uint32_t len)
{
	int sep = bootarg_find(args, len, "--", false);
	int at;
	const char *p, *end = args + len;

	if (sep < 0) {
		return len;
	}
	linux_boot.cmdline = args + sep + 2 + (sep + 2 < (int)len && args[sep + 2] == ' ');
	linux_boot.cmdline_len = (uint32_t)(end - linux_boot.cmdline);
	while (linux_boot.cmdline_len && linux_boot.cmdline[linux_boot.cmdline_len - 1] == '\0') {
		linux_boot.cmdline_len--;
	}
	at = bootarg_find(args, (uint32_t)sep, "host-initrd=", true);
	if (at >= 0) {
		p = args + at + sizeof("host-initrd=") - 1;
		if (!(parse_hex(&p, end, &linux_boot.initrd_base) && p < end && *p++ == ':' &&
		      parse_hex(&p, end, &linux_boot.initrd_size))) {
			hyp_panic("host-initrd= wants ADDR:SIZE in hex");
		}
	}
	return (uint32_t)sep;
}

static void parse_dtb(void)
{
	struct fdt fdt;
	uint32_t len;
	const void *reg, *args;
	int node;

	if (fdt_init(&fdt, (const void *)RAM_BASE, DTB_MAX_SIZE)) {
		hyp_panic("no valid device tree at 0x%lx", RAM_BASE);
	}
	platform_init((const void *)RAM_BASE, DTB_MAX_SIZE);
	node = fdt_find_node(&fdt, "/memory");
	reg = node < 0 ? NULL : fdt_get_prop(&fdt, node, "reg", &len);
	if (!reg || len < 16) {
		hyp_panic("device tree has no /memory reg");
	}
	memmap.ram_base = fdt_read_cells(reg, 2);
	memmap.ram_size = fdt_read_cells((const uint8_t *)reg + 8, 2);
	if (memmap.ram_base != RAM_BASE || memmap.ram_size < 0x8000000) {
		hyp_panic("need RAM at 0x%lx of at least 128 MiB", RAM_BASE);
	}
	node = fdt_find_node(&fdt, "/chosen");
	args = node < 0 ? NULL : fdt_get_prop(&fdt, node, "bootargs", &len);
	len = args ? parse_linux_args(args, len) : 0;
	/* MTE belongs to the host unless it boots with it off, like Linux's arm64.nomte. */
	hyp_state.host_mte = arch_has_mte() && !(args && bootarg_is(args, len, "host-mte=off"));
}

/* The redistributors' RD_base frames, which EL2 emulates for the host. */
static int map_gicr_rd(uint64_t device)
{
	for (unsigned i = 0; i < platform.nr_cpus; i++) {
		uint64_t pa = platform.gicr_base + i * GICR_FRAME_SIZE;

		if (pgt_map(&hyp_s1, pa, GICR_RD_SIZE, pa, device, true)) {
			return -1;
		}
	}
	return 0;
}

/*
 * The hypervisor's stage 1: RAM Tagged and never executable, its code read-only, and
 * the two devices it drives (its console and the SMMU).
 */
static void setup_hyp_s1(void)
{
	uint64_t normal = S1_ATTR_IDX(MAIR_IDX_TAGGED) | PTE_AF | PTE_SH_INNER | S1_AP_EL2_RW;
	uint64_t device = S1_ATTR_IDX(MAIR_IDX_DEVICE) | PTE_AF | S1_AP_EL2_RW | S1_XN;
	uint64_t start = (uint64_t)__hyp_start, text_end = (uint64_t)__text_end;
	uint64_t tcr, parange = read_sysreg(id_aa64mmfr0_el1) & 0xf;

	pool_init(&hyp_s1_pool, carve(HYP_S1_POOL_PAGES * PAGE_SIZE), HYP_S1_POOL_PAGES * PAGE_SIZE);
	if (pgt_init(&hyp_s1, &hyp_s1_pool, -1) ||
	    pgt_map(&hyp_s1, memmap.ram_base, memmap.ram_size, memmap.ram_base, normal | S1_XN, false) ||
	    pgt_map(&hyp_s1, start, text_end - start, start, normal | S1_AP_RO, true) ||
	    pgt_map(&hyp_s1, text_end, (uint64_t)__rodata_end - text_end, text_end,
		    normal | S1_AP_RO | S1_XN, true) ||
	    (platform.log_uart &&
	     pgt_map(&hyp_s1, platform.log_uart, PAGE_SIZE, platform.log_uart, device, true)) ||
	    (platform.smmu_base && pgt_map(&hyp_s1, platform.smmu_base, platform.smmu_size,
					   platform.smmu_base, device, true)) ||
	    map_gicr_rd(device)) {
		hyp_panic("cannot build the hypervisor's page tables");
	}
	parange = parange > 5 ? 5 : parange; /* 48 bits at most with 4 KiB pages */
	tcr = (64 - PGT_IA_BITS) | 1ull << 8 | 1ull << 10 | 3ull << 12 | parange << 16 | 1ull << 20 |
	      1ull << 23 | 1ull << 31;
	el2_mmu = (struct el2_mmu){
		.ttbr0 = pa_addr(hyp_pa(hyp_s1.root)),
		.tcr = tcr,
		.mair = MAIR_VALUE,
		.sctlr = SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I | SCTLR_WXN |
			 (arch_has_mte() ? SCTLR_ATA : 0),
		/* VTCR_EL2.HA: the hardware sets stage-2 access flags, for aging (FEAT_HAFDBS). */
		.vtcr = (64 - PGT_IA_BITS) | 1ull << 6 | 1ull << 8 | 1ull << 10 | 3ull << 12 |
			parange << 16 | 1ull << 31 |
			((read_sysreg(id_aa64mmfr1_el1) & 0xf) ? 1ull << 21 : 0),
	};
	enable_mmu_el2(el2_mmu.ttbr0, el2_mmu.tcr, el2_mmu.mair, el2_mmu.sctlr);
}

static void setup_pools(void)
{
	uint64_t pages = memmap.ram_size >> PAGE_SHIFT;
	struct hyp_page *meta = carve(pages * sizeof(struct hyp_page));
	uint64_t pool_size;

	smmu_reserve(carve_aligned); /* its tables, before the pool takes the rest */
	pool_size = (uint64_t)__hyp_end - (uint64_t)carve_next;

	struct mem_range devices[PLATFORM_MAX_HOST_DEVICES];

	for (unsigned i = 0; i < platform.nr_host_devices; i++) {
		devices[i] = (struct mem_range){ platform.host_devices[i].base,
						 platform.host_devices[i].size };
	}
	pool_init(&s2_pool, carve(pool_size), pool_size);
	if (mem_protect_init(meta, devices, platform.nr_host_devices)) {
		hyp_panic("cannot build the host's stage 2");
	}
}

void cpu_init_el2(struct hyp_cpu *cpu)
{
	write_sysreg(vtcr_el2, el2_mmu.vtcr);
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));
	write_sysreg(SYS_ICC_SRE_EL2, 0x9); /* SRE | Enable: EL1 uses the GIC system registers */
	if ((read_sysreg(id_aa64mmfr1_el1) >> 40) & 0xf) {
		write_sysreg(SYS_HCRX_EL2, HCRX_MSCEN); /* FEAT_MOPS usable at EL1 and EL0 */
	}
	/*
	 * Fine-grained traps all at 0 (their reset value is UNKNOWN): registers of features
	 * the CPU has but nobody is given, whose "n" bits trap when 0, trap and get an UNDEF
	 * (TPIDR2_EL0 and SMPRI_EL1 of SME, for one, which CPTR_EL2.TSM does not cover).
	 */
	if ((read_sysreg(id_aa64mmfr0_el1) >> 56) & 0xf) {
		write_sysreg(SYS_HFGRTR_EL2, 0);
		write_sysreg(SYS_HFGWTR_EL2, 0);
		write_sysreg(SYS_HFGITR_EL2, 0);
		write_sysreg(SYS_HDFGRTR_EL2, 0);
		write_sysreg(SYS_HDFGWTR_EL2, 0);
	}
	isb();
	vgic_cpu_init();
	cpu->loaded = NULL;
	cpu->fp_owner = NULL;
	cpu->vcpu = NULL;
	/* Nothing of a guest's is in this CPU's PMU, debug registers or timers. */
	cpu->pmu_owner = NULL;
	cpu->debug_owner = NULL;
	cpu->host_pmcr = 0;
	cpu->guest_mdcr = 0;
	cpu->ppis_left_active = 0;
	cpu->hyp_timer_armed = false;
	cpu->has_ras = ((read_sysreg(id_aa64pfr0_el1) >> 28) & 0xf) != 0;
	pmu_arch_init(cpu);
	debug_arch_init(cpu);
}

void enter_host(struct hyp_cpu *cpu, uint64_t pc, uint64_t x0, uint64_t x1)
{
	struct cpu_context *host = &cpu->host;

	memset(host, 0, sizeof(*host));
	host->regs[0] = x0;
	host->regs[1] = x1;
	host->pc = pc;
	host->pstate = PSR_MODE_EL1H | PSR_DAIF;
	host->sys[CTX_SCTLR_EL1] = 0x30d00800; /* its reset value: MMU and caches off */
	cpu->loaded = host;
	cpu->fp_owner = host; /* whatever the registers hold, they are the host's now */
	host->fp_cpu = cpu->idx + 1;
	write_sysreg(sctlr_el1, host->sys[CTX_SCTLR_EL1]);
	load_host_el2_config(cpu);
	write_sysreg(elr_el2, host->pc);
	write_sysreg(spsr_el2, host->pstate);
	isb();
	__host_enter(host);
}

/* A checksum of the code and read-only data, for the self-check. */
static uint64_t image_checksum(void)
{
	uint64_t sum = 0;

	for (const uint64_t *p = (const uint64_t *)__hyp_start; p < (const uint64_t *)__rodata_end; p++) {
		sum = (sum ^ *p) * 0x100000001b3ull;
	}
	return sum;
}

bool arch_image_intact(void)
{
	return image_checksum() == image_sum;
}

static void boot_log(const struct hyp_cpu *cpu, const char *kind, uint64_t image_size)
{
	hyp_log("EL2 ready: RAM 0x%lx+0x%lx, hypervisor 0x%lx+0x%lx, %s, host MTE %s; %u CPUs "
		"(booted on %u); host %s %lu KiB",
		memmap.ram_base, memmap.ram_size, memmap.hyp_base, memmap.hyp_size,
		arch_has_mte() ? (arch_has_mte_asym() ? "MTE3" : "MTE2") : "no MTE",
		hyp_state.host_mte ? "on" : "off", platform.nr_cpus, cpu->idx, kind,
		image_size >> 10);
}

void hyp_boot(void)
{
	const struct tv_host_header *hdr = (const void *)TV_HOST_LOAD_ADDR;
	struct hyp_cpu *cpu;

	write_sysreg(tpidr_el2, &hyp_cpus[0]); /* until the boot CPU's index is known */
	cpu_features_init();
	memmap.hyp_base = (uint64_t)__hyp_start;
	memmap.hyp_size = (uint64_t)__hyp_end - (uint64_t)__hyp_start;
	carve_next = (uint8_t *)__image_end;
	image_sum = image_checksum();
	parse_dtb();
	cpu = smp_init();
	write_sysreg(tpidr_el2, cpu);
	console_init();
	setup_hyp_s1();
	setup_pools();
	smmu_init();
	vm_init();
	vgic_arch_init();
	cpu_init_el2(cpu);
	if (hdr->magic == TV_HOST_MAGIC) {
		boot_log(cpu, "image", hdr->image_size);
		enter_host(cpu, TV_HOST_LOAD_ADDR, memmap.ram_base /* the DTB */,
			   hyp_state.host_mte ? TV_BOOT_HOST_MTE : 0);
	}
	/*
	 * A Linux host gets the tree EL2 wrote for it and x1..x3 zero (the arm64 boot
	 * protocol), already finalised: it has no setup phase of ours, and is untrusted from
	 * its first instruction on.
	 */
	if (linux_host_image_present() && linux_boot.cmdline) {
		uint64_t dtb = linux_host_prepare(&linux_boot);

		hyp_state.finalised = true;
		boot_log(cpu, "Linux", ((const struct linux_image_header *)hdr)->image_size);
		enter_host(cpu, TV_HOST_LOAD_ADDR, dtb, 0);
	}
	hyp_panic("no host image at 0x%lx (neither the bare-metal host nor a Linux Image with "
		  "\"-- CMDLINE\" boot arguments)",
		  (uint64_t)TV_HOST_LOAD_ADDR);
}
