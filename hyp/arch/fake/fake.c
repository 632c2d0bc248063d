/* SPDX-License-Identifier: MIT */
#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/hyp.h>
#include <hyp/mem_protect.h>
#include <hyp/vm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *ram;
static uint8_t *tags; /* one tag per granule, low nibble */
static struct fake_config config;
static uint64_t id_regs[64];
static fake_guest_fn guest_fn;
static void *guest_arg;
static char console[65536];
static size_t console_len;

unsigned fake_tlbi_ipa, fake_tlbi_vmid;
bool fake_idst = true;

/* What the fake host may reach besides RAM: one device page, as a UART would be. */
static const struct mem_range fake_devices = { 0x09000000, PAGE_SIZE };

void fake_hyp_init(const struct fake_config *cfg)
{
	uint64_t pages = cfg->ram_size >> PAGE_SHIFT;
	uint64_t meta_bytes = (pages * sizeof(struct hyp_page) + PAGE_SIZE - 1) & PAGE_MASK;

	free(ram);
	free(tags);
	config = *cfg;
	ram = aligned_alloc(PAGE_SIZE, cfg->ram_size);
	tags = calloc(cfg->ram_size / GRANULE_SIZE, 1);
	if (!ram || !tags || cfg->hyp_size <= meta_bytes + 16 * PAGE_SIZE) {
		fprintf(stderr, "fake_hyp_init: bad configuration\n");
		abort();
	}
	memset(ram, 0xa5, cfg->ram_size); /* stale data, so that scrubbing shows */
	fake_cache_reset(cfg->ram_size);
	memset(&hyp_state, 0, sizeof(hyp_state));
	memset(vms, 0, sizeof(vms));
	memset(id_regs, 0, sizeof(id_regs));
	fake_tlbi_ipa = fake_tlbi_vmid = 0;
	fake_ptimer_changes = 0;
	fake_pmu_reset();
	fake_debug_reset();
	fake_idst = true;
	guest_fn = NULL;
	console_len = 0;
	console[0] = '\0';

	/* The hypervisor sits at the start of fake RAM: metadata, then the stage-2 pool. */
	memmap.ram_base = FAKE_RAM_BASE;
	memmap.ram_size = cfg->ram_size;
	memmap.hyp_base = FAKE_RAM_BASE;
	memmap.hyp_size = cfg->hyp_size;
	pool_init(&s2_pool, ram + meta_bytes, cfg->hyp_size - meta_bytes);
	if (mem_protect_init((struct hyp_page *)ram, &fake_devices, 1)) {
		fprintf(stderr, "fake_hyp_init: stage-2 pool too small\n");
		abort();
	}
	vm_init();
	hyp_state.host_mte = cfg->mte;
}

void *hyp_va(phys_addr_t pa)
{
	uint64_t off = pa_addr(pa) - FAKE_RAM_BASE;

	if (pa_addr(pa) < FAKE_RAM_BASE || off >= config.ram_size) {
		fprintf(stderr, "hyp_va: 0x%llx is not fake RAM\n", (unsigned long long)pa_addr(pa));
		abort();
	}
	return ram + off;
}

phys_addr_t hyp_pa(const void *va)
{
	const uint8_t *p = va;

	if (p < ram || p >= ram + config.ram_size) {
		fprintf(stderr, "hyp_pa: %p is not in fake RAM\n", va);
		abort();
	}
	return pa_init(FAKE_RAM_BASE + (uint64_t)(p - ram));
}

void arch_tlb_inval_ipa(uint16_t vmid, uint64_t ipa)
{
	(void)vmid;
	(void)ipa;
	fake_tlbi_ipa++;
}

void arch_tlb_inval_vmid(uint16_t vmid)
{
	(void)vmid;
	fake_tlbi_vmid++;
}

bool arch_has_mte(void)
{
	return config.mte;
}

bool arch_has_mte_asym(void)
{
	return config.mte;
}

bool arch_has_mte_insns(void)
{
	return config.mte;
}

bool arch_has_nmi(void)
{
	return false;
}

bool arch_has_idst(void)
{
	return fake_idst;
}

static uint8_t *tag_ptr(uint64_t pa)
{
	hyp_va(pa_init(pa)); /* range check */
	return &tags[(pa - FAKE_RAM_BASE) / GRANULE_SIZE];
}

uint8_t fake_tag_get(uint64_t pa)
{
	return *tag_ptr(pa);
}

void fake_tag_set(uint64_t pa, uint8_t tag)
{
	*tag_ptr(pa) = tag & 0xf;
}

void arch_page_zero(phys_addr_t pa)
{
	memset(hyp_va(pa), 0, PAGE_SIZE);
	fake_cache_write(pa_addr(pa), FAKE_CACHE_DATA);
}

void arch_page_clear_tags(phys_addr_t pa)
{
	memset(tag_ptr(pa_addr(pa)), 0, TAGS_PER_PAGE);
	fake_cache_write(pa_addr(pa), FAKE_CACHE_TAGS);
}

void arch_page_zero_tagged(phys_addr_t pa)
{
	arch_page_zero(pa);
	arch_page_clear_tags(pa);
}

/* The aarch64 versions store words: an unaligned buffer must not pass the unit tests. */
static void check_aligned(const void *packed)
{
	if ((uintptr_t)packed & 7) {
		fprintf(stderr, "fake: packed tags at %p: not 8-byte aligned\n", packed);
		abort();
	}
}

void arch_page_get_tags(phys_addr_t pa, uint8_t packed[128])
{
	const uint8_t *t = tag_ptr(pa_addr(pa));

	check_aligned(packed);
	for (unsigned i = 0; i < 128; i++) {
		packed[i] = (uint8_t)(t[2 * i] | t[2 * i + 1] << 4);
	}
}

void arch_page_take_tags(phys_addr_t pa, uint8_t packed[128])
{
	arch_page_get_tags(pa, packed);
	arch_page_clear_tags(pa);
}

void arch_page_set_tags(phys_addr_t pa, const uint8_t packed[128])
{
	uint8_t *t = tag_ptr(pa_addr(pa));

	check_aligned(packed);
	for (unsigned i = 0; i < 128; i++) {
		t[2 * i] = packed[i] & 0xf;
		t[2 * i + 1] = packed[i] >> 4;
	}
	fake_cache_write(pa_addr(pa), FAKE_CACHE_TAGS);
}

void arch_tag_bytes_begin(uint8_t save[ARCH_TAG_BYTES_SAVE])
{
	memset(save, 0, ARCH_TAG_BYTES_SAVE);
}

void arch_tag_bytes_end(const uint8_t save[ARCH_TAG_BYTES_SAVE])
{
	(void)save;
}

void arch_page_tags_to_bytes(phys_addr_t pa, uint8_t *bytes)
{
	memcpy(bytes, tag_ptr(pa_addr(pa)), TAGS_PER_PAGE);
}

void arch_page_tags_from_bytes(phys_addr_t pa, const uint8_t *bytes)
{
	uint8_t *t = tag_ptr(pa_addr(pa));

	for (unsigned i = 0; i < TAGS_PER_PAGE; i++) {
		t[i] = bytes[i] & 0xf;
	}
	fake_cache_write(pa_addr(pa), FAKE_CACHE_TAGS);
}

uint64_t fake_counter;

void arch_ctxt_sync_fp(struct cpu_context *ctxt)
{
	(void)ctxt;
}

void arch_ctxt_reset(struct cpu_context *ctxt)
{
	(void)ctxt;
}

uint64_t arch_counter(void)
{
	return fake_counter;
}

void arch_page_copy(phys_addr_t dst, phys_addr_t src)
{
	memcpy(hyp_va(dst), hyp_va(src), PAGE_SIZE);
	fake_cache_write(pa_addr(dst), FAKE_CACHE_DATA);
}

bool arch_vgic_pending(void)
{
	return false;
}

void arch_vgic_refresh(struct vcpu *vcpu)
{
	vgic_flush(vcpu); /* the fake's list registers are vcpu->vgic.lr */
}

unsigned fake_ptimer_changes;

void arch_ptimer_changed(struct vcpu *vcpu)
{
	(void)vcpu;
	fake_ptimer_changes++;
}

bool arch_image_intact(void)
{
	return true;
}

uint64_t fake_iommu_faults;

uint64_t arch_iommu_faults(struct iommu_fault *last)
{
	*last = (struct iommu_fault){ 0x8, 0x10, true, 0x40201000 };
	return fake_iommu_faults;
}

void arch_console_write(const char *s, size_t n)
{
	if (console_len + n < sizeof(console)) {
		memcpy(console + console_len, s, n);
		console_len += n;
		console[console_len] = '\0';
	}
	if (getenv("FAKE_VERBOSE")) {
		fwrite(s, 1, n, stderr);
	}
}

const char *fake_console(void)
{
	return console;
}

void arch_halt(int code)
{
	fprintf(stderr, "hypervisor halted with status %d:\n%s", code, console);
	abort();
}

bool arch_ctxt_loaded(const struct cpu_context *ctxt)
{
	(void)ctxt;
	return false; /* the fake keeps every register in the context */
}

uint64_t ctxt_sys_read(struct cpu_context *ctxt, enum ctxt_sysreg reg)
{
	return ctxt->sys[reg];
}

void ctxt_sys_write(struct cpu_context *ctxt, enum ctxt_sysreg reg, uint64_t val)
{
	ctxt->sys[reg] = val;
}

static unsigned id_index(uint32_t enc)
{
	return (SYS_ENC_CRM(enc) << 3 | SYS_ENC_OP2(enc)) & 63;
}

void fake_set_id_reg(uint32_t enc, uint64_t val)
{
	id_regs[id_index(enc)] = val;
}

uint64_t arch_read_id_reg(uint32_t enc)
{
	return id_regs[id_index(enc)];
}

void fake_set_guest(fake_guest_fn fn, void *arg)
{
	guest_fn = fn;
	guest_arg = arg;
}

void arch_vcpu_run(struct vcpu *vcpu, struct tv_exit *exit)
{
	struct trap_info t;

	for (;;) {
		debug_step_done(vcpu);
		if (!guest_fn || !guest_fn(vcpu, &t, guest_arg)) {
			*exit = (struct tv_exit){ TV_EXIT_IRQ, { 0 } };
			return;
		}
		if (!handle_guest_trap(vcpu, &t, exit)) {
			return;
		}
	}
}
