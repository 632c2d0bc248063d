/* SPDX-License-Identifier: MIT */
/*
 * A malicious host with a DMA engine: the machine's devices write wherever they are
 * told, so the host tells them to write into the hypervisor and into guests. Every
 * PCIe device sits behind the SMMU the hypervisor owns, whose stage 2 is the host's:
 * each such DMA faults there (reported by TV_HC_IOMMU_INFO), the target is unchanged,
 * and the devices that could write memory without an IOMMU (fw_cfg's DMA register,
 * virtio-mmio, the GIC's LPI tables) are not the host's to program at all.
 *
 * The engine is a virtio-rng (the machine has one in host-test runs): it fills any
 * buffer it is handed with random bytes.
 */
#include "service.h"

#include <drivers/virtio_pci.h>

#define VIRTIO_ID_RNG 4
#define EC(esr) ((esr) >> 26)
#define FSC(esr) ((esr)&0x3f)

struct rng {
	struct virtio_dev dev;
	struct virtq q;
};

static int rng_open(struct rng *r)
{
	if (virtio_pci_open(&r->dev, VIRTIO_ID_RNG, 0, 0, 0) ||
	    virtio_pci_setup_queue(&r->dev, 0, &r->q, 4)) {
		return -1;
	}
	virtio_pci_ready(&r->dev);
	return 0;
}

/*
 * Has the device write `len` random bytes at pa. Returns the bytes it wrote, or -1 if
 * it gave up (its DMA faulted: the device then needs a reset, done here).
 */
static int64_t rng_dma(struct rng *r, uint64_t pa, uint32_t len)
{
	uint64_t until = read_cntpct() + read_cntfrq(); /* a second at most */
	uint32_t got;
	int token;

	if (virtq_add(&r->q, pa, len, true, &token)) {
		return -1;
	}
	virtq_publish(&r->q);
	virtio_pci_notify(&r->dev, 0);
	while (read_cntpct() < until) {
		if (virtq_get_used(&r->q, &got)) {
			return got;
		}
		if (virtio_pci_failed(&r->dev)) {
			break;
		}
	}
	virtio_pci_reset(&r->dev);
	rng_open(r); /* a fresh start for the next transfer */
	return -1;
}

struct iommu_info {
	uint64_t faults, device, addr, kind;
};

static struct iommu_info iommu_info(void)
{
	struct hvc_res r;

	tv_hvc(TV_HC_IOMMU_INFO, 0, 0, 0, 0, 0, 0, &r);
	return (struct iommu_info){ r.x[1], r.x[2], r.x[3], r.x[4] };
}

/*
 * DMA of 64 bytes at pa must fault at the IOMMU: reported as writes by the engine into
 * that buffer. (QEMU's device may still call the transfer done: its writes were
 * dropped at the SMMU, which is what hardware does with a faulting transaction.)
 */
static void expect_dma_refused(struct rng *r, uint64_t pa)
{
	struct iommu_info before = iommu_info(), after;

	(void)rng_dma(r, pa, 64);
	after = iommu_info();
	HT_EXPECT_TRUE(after.faults > before.faults);
	HT_EXPECT_TRUE(after.addr >= pa && after.addr < pa + 64);
	HT_EXPECT_EQ(after.device, pci_rid(&r->dev.pci));
	HT_EXPECT_TRUE(after.kind & TV_IOMMU_WRITE);
	HT_EXPECT_EQ(after.kind & 0xff, 0x10); /* a stage-2 translation fault */
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i]) {
			return false;
		}
	}
	return true;
}

HOST_TEST(dma_reaches_host_pages)
{
	static struct rng r;
	uint8_t *page = alloc_pages(1);
	uint64_t faults = iommu_info().faults;

	HT_EXPECT_EQ(rng_open(&r), 0);
	HT_EXPECT_EQ(rng_dma(&r, (uint64_t)page + 64, 256), 256);
	HT_EXPECT_TRUE(!all_zero(page + 64, 256));
	HT_EXPECT_TRUE(all_zero(page, 64)); /* exactly where it was told */
	HT_EXPECT_TRUE(all_zero(page + 320, PAGE_SIZE - 320));
	HT_EXPECT_EQ(iommu_info().faults, faults);
}

HOST_TEST(dma_cannot_reach_the_hypervisor)
{
	static struct rng r;
	/* Its code, its page metadata and pools, its last page. */
	uint64_t targets[] = { hyp_base, hyp_base + 0x1000, hyp_base + hyp_size / 2,
			       hyp_base + hyp_size - PAGE_SIZE };

	HT_EXPECT_EQ(rng_open(&r), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(targets); i++) {
		expect_dma_refused(&r, targets[i]);
	}
	/* The hypervisor's image, data and invariants are as they were; it answers. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VERSION, 0, 0, 0, 0, 0, 0, NULL), 0);
}

static void dma_cannot_reach_guest(uint32_t flags)
{
	static struct rng r;
	struct service s;
	uint64_t data_page;

	HT_EXPECT_EQ(rng_open(&r), 0);
	HT_EXPECT_EQ(service_start(&s, 0, flags), 0);
	data_page = s.g.page_pa[(s.base - GUEST_RAM_IPA) / PAGE_SIZE];
	HT_EXPECT_NE(data_page, 0);
	expect_dma_refused(&r, data_page);
	expect_dma_refused(&r, data_page + PAGE_SIZE - 64);
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
	/* The guest checks every word it wrote. */
	HT_EXPECT_EQ(service_finish(&s), TV_STATUS_OK);
	HT_EXPECT_TRUE(service_verified(&s));
	guest_destroy(&s.g);
}

HOST_TEST(dma_cannot_reach_guest_pages)
{
	dma_cannot_reach_guest(0);
}

HOST_TEST(dma_cannot_reach_protected_guest_pages)
{
	dma_cannot_reach_guest(TV_VM_PROTECTED);
}

/*
 * The SMMU caches translations: a page the engine has just written into leaves the
 * host when it is donated, and the very next DMA to it must fault (its SMMU TLB entry
 * was invalidated with the CPU's); back with the host, it works again.
 */
HOST_TEST(dma_follows_ownership_changes)
{
	static struct rng r;
	uint64_t page = (uint64_t)alloc_pages(1);
	int64_t vm;

	host_finalise();
	HT_EXPECT_EQ(rng_open(&r), 0);
	vm = tv_hvc(TV_HC_VM_CREATE, 0, GUEST_RAM_IPA, 1ull << 20, 1, 0, 0, NULL);
	HT_EXPECT_TRUE(vm > 0);
	for (int round = 0; round < 3; round++) {
		HT_EXPECT_EQ(rng_dma(&r, page, 128), 128);
		HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_DONATE, (uint64_t)vm, page, GUEST_RAM_IPA, TV_DONATE_ZERO,
				    0, 0, NULL),
			     0);
		expect_dma_refused(&r, page);
		HT_EXPECT_EQ(tv_hvc(TV_HC_MEM_RECLAIM, (uint64_t)vm, GUEST_RAM_IPA, 0, 0, 0, 0, NULL), 0);
		/* Reclaimed: the host's again, zeroed by the donation, untouched by the DMA. */
		HT_EXPECT_TRUE(all_zero((const uint8_t *)page, PAGE_SIZE));
	}
	HT_EXPECT_EQ(rng_dma(&r, page, 128), 128);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VM_DESTROY, (uint64_t)vm, 0, 0, 0, 0, 0, NULL), 0);
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
}

/* Without VIRTIO_F_ACCESS_PLATFORM a device would bypass the IOMMU: it must refuse. */
HOST_TEST(dma_devices_insist_on_the_iommu)
{
	static struct rng r;
	volatile uint8_t *c;

	HT_EXPECT_EQ(rng_open(&r), 0);
	c = r.dev.common;
	virtio_pci_reset(&r.dev);
	c[0x14] = 1 | 2;                      /* ACKNOWLEDGE | DRIVER */
	*(volatile uint32_t *)(c + 0x08) = 1; /* driver features 63:32 */
	*(volatile uint32_t *)(c + 0x0c) = 1; /* VERSION_1 only, not ACCESS_PLATFORM */
	*(volatile uint32_t *)(c + 0x08) = 0;
	*(volatile uint32_t *)(c + 0x0c) = 0;
	c[0x14] = 1 | 2 | 8;                  /* FEATURES_OK: refused */
	HT_EXPECT_EQ(c[0x14] & 8, 0);
	virtio_pci_reset(&r.dev);
}

static void expect_no_access(uint64_t pa)
{
	struct fault_record f;
	uint64_t v;

	HT_EXPECT_TRUE(probe_read64(pa, &v, &f));
	HT_EXPECT_EQ(EC(f.esr), 0x25);
	HT_EXPECT_EQ(FSC(f.esr), 0x10);
	HT_EXPECT_TRUE(probe_write64(pa, 0, &f));
	HT_EXPECT_EQ(EC(f.esr), 0x25);
}

HOST_TEST(host_cannot_reach_dma_capable_devices)
{
	/* QEMU virt: fw_cfg (its DMA register at +0x10), virtio-mmio, the SMMU, the
	 * hypervisor's console. */
	static const uint64_t denied[] = { 0x09020000, 0x09020010, 0x0a000000, 0x0a003e00,
					   0x09050000, 0x09060000, 0x09040000 };
	static struct rng r;

	for (unsigned i = 0; i < ARRAY_SIZE(denied); i++) {
		expect_no_access(denied[i]);
	}
	HT_EXPECT_EQ(rng_open(&r), 0); /* the PCIe bridge is the host's */
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
}

#define GICR_CTLR 0x080a0000ul
#define GICR_TYPER 0x080a0008ul
#define GICR_PROPBASER 0x080a0070ul
#define GICR_PENDBASER 0x080a0078ul

/*
 * No ITS, and LPIs kept off at every redistributor: none can be pointed at tables in
 * memory (QEMU's GIC implements LPIs even without an ITS; EL2 emulates RD_base).
 */
HOST_TEST(gic_cannot_be_pointed_at_memory)
{
	volatile uint64_t *propbase = (volatile uint64_t *)GICR_PROPBASER;
	volatile uint64_t *pendbase = (volatile uint64_t *)GICR_PENDBASER;

	/* The distributor may say LPIs exist; no redistributor will take them. */
	HT_EXPECT_EQ(*(volatile uint64_t *)GICR_TYPER & 1, 0); /* PLPIS */
	HT_EXPECT_EQ(*(volatile uint64_t *)GICR_TYPER & 8, 0); /* DirectLPI */
	*propbase = hyp_base | 0x13;
	*pendbase = (hyp_base + PAGE_SIZE) | (1ull << 62);
	*(volatile uint32_t *)GICR_CTLR = 1; /* EnableLPIs */
	HT_EXPECT_EQ(*(volatile uint32_t *)GICR_CTLR & 1, 0);
	HT_EXPECT_EQ(*propbase, 0);
	HT_EXPECT_EQ(*pendbase, 0);
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
}
