/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 in front of QEMU virt's PCIe root complex, owned by the hypervisor:
 * the host never maps its registers. Every stream (PCI requester ID) on bus 0 is
 * translated by the host's own stage-2 table, the very table the CPU uses for the
 * host, so a device the host drives can reach exactly the pages the host owns, and
 * every ownership change applies to DMA as it applies to the CPU: when a page
 * leaves the host its SMMU TLB entries are invalidated with it (smmu_tlbi_*, called
 * from the TLB maintenance for VMID 0). Streams beyond bus 0 do not exist in the
 * table and abort. Faults are recorded in the event queue and reported on the
 * hypervisor's console by smmu_drain_events().
 */
#include <arch/platform.h>
#include <arch/sysreg.h>
#include <hyp/arch.h>
#include <hyp/log.h>
#include <hyp/mem_protect.h>
#include <hyp/smmuv3.h>
#include <lib/string.h>

#define IDR0 0x00
#define IDR0_S2P (1u << 0)
#define IDR0_TTF_SHIFT 2
#define IDR0_ST_LEVEL_SHIFT 27
#define IDR1 0x04
#define IDR1_SIDSIZE_MASK 0x3fu
#define IDR5 0x14
#define IDR5_OAS_MASK 0x7u
#define IDR5_GRAN4K (1u << 4)
#define CR0 0x20
#define CR0ACK 0x24
#define CR0_SMMUEN (1u << 0)
#define CR0_EVTQEN (1u << 2)
#define CR0_CMDQEN (1u << 3)
#define CR1 0x28
#define CR2 0x2c
#define GBPA 0x44
#define GBPA_ABORT (1u << 20)
#define GBPA_UPDATE (1u << 31)
#define GERROR 0x60
#define GERRORN 0x64
#define STRTAB_BASE 0x80
#define STRTAB_BASE_CFG 0x88
#define CMDQ_BASE 0x90
#define CMDQ_PROD 0x98
#define CMDQ_CONS 0x9c
#define CMDQ_CONS_ERR_SHIFT 24
#define EVENTQ_BASE 0xa0
#define EVENTQ_PROD 0x100a8
#define EVENTQ_CONS 0x100ac
#define Q_BASE_RWA (1ull << 62) /* read/write allocate hint: the queues are cacheable */
/* CR1: tables and queues inner-shareable write-back. */
#define CR1_WB_ISH (3u << 10 | 1u << 8 | 1u << 6 | 3u << 4 | 1u << 2 | 1u << 0)

#define SID_BITS 8 /* bus 0: the only PCIe bus of the machine */
#define NR_STES (1u << SID_BITS)
#define CMDQ_LOG2 5
#define EVTQ_LOG2 8 /* 256 records of 32 bytes */
#define LOG_PER_DRAIN 4
#define POLL_LIMIT 1000000

static volatile uint8_t *regs;
static uint64_t *ste_table; /* NR_STES entries */
static uint64_t *cmdq, *evtq;
static uint32_t cmd_prod;
static uint64_t nr_faults;
static struct smmu_event last_fault;

static uint32_t rd32(uint32_t off)
{
	return *(volatile uint32_t *)(regs + off);
}

static void wr32(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(regs + off) = v;
}

static void wr64(uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(regs + off) = v;
}

/* Index and wrap bit of a queue pointer: log2 bits of index, then the wrap bit. */
static uint32_t q_next(uint32_t p, unsigned log2)
{
	return (p + 1) & ((2u << log2) - 1);
}

static bool q_empty(uint32_t prod, uint32_t cons)
{
	return prod == cons;
}

static void set_cr0(uint32_t v)
{
	wr32(CR0, v);
	for (unsigned i = 0; i < POLL_LIMIT && rd32(CR0ACK) != v; i++) {
	}
	if (rd32(CR0ACK) != v) {
		hyp_panic("SMMU does not acknowledge CR0 0x%x", v);
	}
}

static void cmdq_push(const uint64_t c[SMMU_CMD_DWORDS])
{
	uint64_t *slot = &cmdq[(cmd_prod & ((1u << CMDQ_LOG2) - 1)) * SMMU_CMD_DWORDS];

	slot[0] = c[0];
	slot[1] = c[1];
	cmd_prod = q_next(cmd_prod, CMDQ_LOG2);
}

/*
 * Issues one command and a CMD_SYNC after it, and waits until the SMMU has consumed
 * both: when this returns, the command's effect (an invalidation) is complete.
 */
static void smmu_cmd(const uint64_t c[SMMU_CMD_DWORDS])
{
	uint64_t sync[SMMU_CMD_DWORDS];
	uint32_t cons = 0;

	cmdq_push(c);
	smmu_cmd_sync(sync);
	cmdq_push(sync);
	dsb(ishst); /* the commands, and the page tables they refer to, before the doorbell */
	wr32(CMDQ_PROD, cmd_prod);
	for (unsigned i = 0; i < POLL_LIMIT; i++) {
		cons = rd32(CMDQ_CONS);
		if ((cons & ((2u << CMDQ_LOG2) - 1)) == cmd_prod) {
			break;
		}
	}
	if ((cons >> CMDQ_CONS_ERR_SHIFT) & 0x7f) {
		hyp_panic("SMMU command error 0x%x", (cons >> CMDQ_CONS_ERR_SHIFT) & 0x7f);
	}
	if ((cons & ((2u << CMDQ_LOG2) - 1)) != cmd_prod) {
		hyp_panic("SMMU command queue stuck");
	}
}

void smmu_tlbi_ipa(uint64_t ipa)
{
	uint64_t c[SMMU_CMD_DWORDS];

	if (regs) {
		smmu_cmd_tlbi_s2_ipa(c, 0, ipa);
		smmu_cmd(c);
	}
}

void smmu_tlbi_all(void)
{
	uint64_t c[SMMU_CMD_DWORDS];

	if (regs) {
		smmu_cmd_tlbi_s12_vmall(c, 0);
		smmu_cmd(c);
	}
}

void smmu_reserve(uint64_t (*carve_aligned)(uint64_t size, uint64_t align))
{
	if (platform.smmu_base) {
		ste_table = (uint64_t *)carve_aligned(NR_STES * SMMU_STE_DWORDS * 8, 64 * 1024);
		cmdq = (uint64_t *)carve_aligned(PAGE_SIZE, PAGE_SIZE);
		evtq = (uint64_t *)carve_aligned((32u << EVTQ_LOG2), PAGE_SIZE);
	}
}

void smmu_init(void)
{
	uint32_t idr0, idr1, idr5, parange;
	struct smmu_s2_cfg cfg;
	uint64_t c[SMMU_CMD_DWORDS];

	if (!platform.smmu_base) {
		return;
	}
	regs = (volatile uint8_t *)platform.smmu_base;
	idr0 = rd32(IDR0);
	idr1 = rd32(IDR1);
	idr5 = rd32(IDR5);
	if (!(idr0 & IDR0_S2P) || !((idr0 >> IDR0_TTF_SHIFT) & 2) || !(idr5 & IDR5_GRAN4K) ||
	    (idr1 & IDR1_SIDSIZE_MASK) < SID_BITS) {
		/* Without stage 2 the host's devices could not be confined: refuse to boot. */
		hyp_panic("the SMMU lacks stage-2 translation (IDR0 0x%x IDR5 0x%x): run QEMU with "
			  "-global arm-smmuv3.stage=2",
			  idr0, idr5);
	}
	/* Aborting DMA while the SMMU is being set up; then off, to program it. */
	wr32(GBPA, GBPA_ABORT | GBPA_UPDATE);
	for (unsigned i = 0; i < POLL_LIMIT && (rd32(GBPA) & GBPA_UPDATE); i++) {
	}
	set_cr0(0);

	parange = (uint32_t)(read_sysreg(id_aa64mmfr0_el1) & 0xf);
	cfg = (struct smmu_s2_cfg){ pa_addr(hyp_pa(host_s2.root)), 0, PGT_IA_BITS,
				    (uint8_t)MIN(MIN(parange, idr5 & IDR5_OAS_MASK), 5u) };
	for (unsigned sid = 0; sid < NR_STES; sid++) {
		smmu_ste_s2(&ste_table[sid * SMMU_STE_DWORDS], &cfg);
	}
	wr32(CR1, CR1_WB_ISH);
	wr32(CR2, 0);
	wr64(STRTAB_BASE, Q_BASE_RWA | pa_addr(hyp_pa(ste_table)));
	wr32(STRTAB_BASE_CFG, SID_BITS); /* linear table of 2^SID_BITS entries */
	wr64(CMDQ_BASE, Q_BASE_RWA | pa_addr(hyp_pa(cmdq)) | CMDQ_LOG2);
	wr32(CMDQ_PROD, 0);
	wr32(CMDQ_CONS, 0);
	wr64(EVENTQ_BASE, Q_BASE_RWA | pa_addr(hyp_pa(evtq)) | EVTQ_LOG2);
	wr32(EVENTQ_PROD, 0);
	wr32(EVENTQ_CONS, 0);
	cmd_prod = 0;
	dsb(ish);
	set_cr0(CR0_CMDQEN | CR0_EVTQEN);
	smmu_cmd_cfgi_all(c);
	smmu_cmd(c);
	smmu_cmd_tlbi_nsnh_all(c);
	smmu_cmd(c);
	smmu_cmd_tlbi_s12_vmall(c, 0);
	smmu_cmd(c);
	set_cr0(CR0_CMDQEN | CR0_EVTQEN | CR0_SMMUEN);
}

unsigned smmu_drain_events(void)
{
	uint32_t prod, cons;
	unsigned n = 0;

	if (!regs) {
		return 0;
	}
	prod = rd32(EVENTQ_PROD) & ((2u << EVTQ_LOG2) - 1);
	cons = rd32(EVENTQ_CONS) & ((2u << EVTQ_LOG2) - 1);
	while (!q_empty(prod, cons)) {
		const uint64_t *rec = &evtq[(cons & ((1u << EVTQ_LOG2) - 1)) * SMMU_EVT_DWORDS];
		struct smmu_event e;

		smmu_event_decode(rec, &e);
		if (n < LOG_PER_DRAIN) {
			hyp_log("DMA refused: device %02x:%02x.%x %s at 0x%lx (%s)", e.sid >> 8,
				(e.sid >> 3) & 0x1f, e.sid & 7, e.write ? "write" : "read", e.addr,
				smmu_event_name(e.type));
		}
		last_fault = e;
		nr_faults++;
		n++;
		cons = q_next(cons, EVTQ_LOG2);
		wr32(EVENTQ_CONS, cons);
	}
	if (n > LOG_PER_DRAIN) {
		hyp_log("DMA refused: %u more faults", n - LOG_PER_DRAIN);
	}
	/* Errors are active while GERROR and GERRORN differ: report, then acknowledge. */
	if (rd32(GERROR) ^ rd32(GERRORN)) {
		hyp_log("SMMU global error 0x%x (e.g. event queue overflow: faults were lost)",
			rd32(GERROR) ^ rd32(GERRORN));
		wr32(GERRORN, rd32(GERROR));
	}
	return n;
}

uint64_t smmu_fault_count(const struct smmu_event **last)
{
	*last = &last_fault;
	return nr_faults;
}
