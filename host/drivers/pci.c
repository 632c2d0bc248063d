/* SPDX-License-Identifier: MIT */
#include <drivers/pci.h>
#include <host/host.h>
#include <lib/fdt.h>
#include <lib/string.h>

#define PCI_VENDOR_ID 0x00
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST (1u << 4)
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_PIN 0x3d
#define BAR_IO 1u
#define BAR_MEM64 (2u << 1)

static struct {
	uint64_t ecam, ecam_size;
	uint64_t win_base, win_end, win_next; /* the 32-bit memory window, bump-allocated */
	const uint8_t *imap;                  /* interrupt-map: INTx to GIC SPIs */
	uint32_t imap_len, imap_mask[4];
} bridge;

static volatile uint8_t *cfg_of(unsigned dev, unsigned fn)
{
	return (volatile uint8_t *)(bridge.ecam + ((uint64_t)dev << 15 | (uint64_t)fn << 12));
}

uint8_t pci_cfg_read8(const struct pci_dev *d, unsigned off)
{
	return *(volatile uint8_t *)(d->cfg + off);
}

uint16_t pci_cfg_read16(const struct pci_dev *d, unsigned off)
{
	return *(volatile uint16_t *)(d->cfg + off);
}

uint32_t pci_cfg_read32(const struct pci_dev *d, unsigned off)
{
	return *(volatile uint32_t *)(d->cfg + off);
}

void pci_cfg_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(d->cfg + off) = v;
}

void pci_cfg_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(d->cfg + off) = v;
}

int pci_init(uint64_t dtb)
{
	struct fdt fdt;
	uint32_t len;
	const uint8_t *p;
	int node;

	if (fdt_init(&fdt, (const void *)dtb, 0x200000) ||
	    (node = fdt_next_compatible(&fdt, -1, "pci-host-ecam-generic")) < 0) {
		return -1;
	}
	p = fdt_get_prop(&fdt, node, "reg", &len);
	if (!p || len < 16) {
		return -1;
	}
	bridge.ecam = fdt_read_cells(p, 2);
	bridge.ecam_size = fdt_read_cells(p + 8, 2);
	/* ranges: (flags, PCI address 2 cells, CPU address 2 cells, size 2 cells) each. */
	p = fdt_get_prop(&fdt, node, "ranges", &len);
	for (uint32_t off = 0; p && off + 28 <= len; off += 28) {
		uint64_t cpu = fdt_read_cells(p + off + 12, 2), size = fdt_read_cells(p + off + 20, 2);

		if (((fdt_be32(p + off) >> 24) & 3) == 2 && !bridge.win_base) {
			bridge.win_base = bridge.win_next = cpu;
			bridge.win_end = cpu + size;
		}
	}
	p = fdt_get_prop(&fdt, node, "interrupt-map-mask", &len);
	if (p && len == 16) {
		for (unsigned i = 0; i < 4; i++) {
			bridge.imap_mask[i] = fdt_be32(p + 4 * i);
		}
		bridge.imap = fdt_get_prop(&fdt, node, "interrupt-map", &bridge.imap_len);
	}
	return bridge.ecam && bridge.win_base ? 0 : -1;
}

/*
 * The GIC interrupt of a function's INTx pin, from the bridge's interrupt-map: entries
 * of (PCI address 3 cells, pin, GIC phandle, GIC address 2 cells, SPI type, number,
 * flags), matched under interrupt-map-mask.
 */
static unsigned intx_irq(unsigned dev, unsigned fn, unsigned pin)
{
	uint32_t key[4] = { (uint32_t)(dev << 11 | fn << 8), 0, 0, pin };

	for (uint32_t off = 0; bridge.imap && off + 40 <= bridge.imap_len; off += 40) {
		bool hit = true;

		for (unsigned i = 0; i < 4; i++) {
			hit &= (fdt_be32(bridge.imap + off + 4 * i) & bridge.imap_mask[i]) ==
			       (key[i] & bridge.imap_mask[i]);
		}
		if (hit && fdt_be32(bridge.imap + off + 28) == 0) { /* GIC_SPI */
			return 32 + fdt_be32(bridge.imap + off + 32);
		}
	}
	return 0;
}

/* Sizes and places the memory BARs of a function; I/O BARs are left off. */
static int assign_bars(struct pci_dev *d)
{
	for (unsigned i = 0; i < PCI_MAX_BARS; i++) {
		unsigned off = PCI_BAR0 + 4 * i;
		uint32_t orig = pci_cfg_read32(d, off), lo;
		bool is64 = (orig & 7) == BAR_MEM64;
		uint64_t size, mask;

		if (orig & BAR_IO) {
			continue;
		}
		pci_cfg_write32(d, off, 0xffffffffu);
		lo = pci_cfg_read32(d, off) & ~0xfu;
		mask = lo;
		if (is64) {
			pci_cfg_write32(d, off + 4, 0xffffffffu);
			mask |= (uint64_t)pci_cfg_read32(d, off + 4) << 32;
		}
		/* No writable address bits: the BAR is not implemented. */
		size = !mask ? 0 : is64 ? ~mask + 1 : (uint32_t)(~lo + 1);
		if (size) {
			uint64_t at = (bridge.win_next + size - 1) & ~(size - 1);

			if (at + size > bridge.win_end || (!is64 && at + size > 1ull << 32)) {
				host_log("pci %02x.%x: BAR %u of 0x%lx bytes does not fit", d->dev, d->fn, i,
					 size);
				return -1;
			}
			bridge.win_next = at + size;
			d->bar[i] = at;
			d->bar_size[i] = size;
		}
		pci_cfg_write32(d, off, (uint32_t)d->bar[i]);
		if (is64) {
			pci_cfg_write32(d, off + 4, (uint32_t)(d->bar[i] >> 32));
			i++;
		}
	}
	return 0;
}

int pci_find(uint16_t vendor, uint16_t device, unsigned nth, struct pci_dev *d)
{
	if (!bridge.ecam) {
		return -1;
	}
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			volatile uint8_t *cfg = cfg_of(dev, fn);
			uint32_t id = *(volatile uint32_t *)(cfg + PCI_VENDOR_ID);

			if ((id & 0xffff) == 0xffff) {
				if (fn == 0) {
					break; /* no device in this slot */
				}
				continue;
			}
			if ((id & 0xffff) == vendor && id >> 16 == device && nth-- == 0) {
				memset(d, 0, sizeof(*d));
				*d = (struct pci_dev){ (uint8_t)dev, (uint8_t)fn, vendor, device, cfg,
						       { 0 }, { 0 }, 0 };
				pci_cfg_write16(d, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE);
				if (assign_bars(d)) {
					return -1;
				}
				d->irq = intx_irq(dev, fn, pci_cfg_read8(d, PCI_INTERRUPT_PIN));
				pci_cfg_write16(d, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
				return 0;
			}
			if (fn == 0 && !(*(volatile uint8_t *)(cfg + PCI_HEADER_TYPE) & 0x80)) {
				break; /* single-function device */
			}
		}
	}
	return -1;
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned from)
{
	unsigned off;

	if (!(pci_cfg_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
		return 0;
	}
	off = from ? pci_cfg_read8(d, from + 1) : pci_cfg_read8(d, PCI_CAP_PTR);
	/* At most 48 capabilities fit in 256 bytes: a loop in the list ends too. */
	for (unsigned n = 0; off >= 0x40 && off < 0x100 && n < 48; n++) {
		if (pci_cfg_read8(d, off) == id) {
			return off;
		}
		off = pci_cfg_read8(d, off + 1) & ~3u;
	}
	return 0;
}
