/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target of the hypervisor core's host interface: the core and the fake
 * arch, built natively. Each input starts a fresh small hypervisor (fake_hyp_init)
 * and is read as a sequence of host hypercalls run through handle_host_hcall(),
 * exactly as the host reaches it. Arguments are decoded from the bytes with a
 * bias toward values that mean something in the current state: live and stale
 * handles, host and hypervisor pages, IPAs in VM RAM, edge values. When a call
 * runs a vCPU, the fake guest takes its traps from the following bytes, so exit
 * decoding, PSCI, system-register emulation and guest page sharing are fuzzed too.
 *
 * It aborts (a crash for libFuzzer) on: any sanitizer report, a hypervisor panic
 * (BUG_ON), a result that docs/ABI.md does not allow for the call, a register the
 * ABI says is preserved that changed, broken ownership invariants after the
 * sequence, or a page not back with the host after every VM is destroyed.
 *
 * Input: byte 0 configures (bit 0 MTE, bit 1 a tiny stage-2 pool, bit 2 no
 * FEAT_IDST, bit 3 finalise first); then operations:
 *   0x00-0xbf  a hypercall: the ID from a table, then six argument selectors
 *   0xc0-0xdf  a hypercall numbered 8 + (op - 0xc0), then six argument selectors
 *   0xe0-0xef  a hypercall with a raw 32-bit function ID and six selectors
 *   0xf0-0xf7  check the invariants now
 *   0xf8-0xfb  the host writes bytes into one of its pages (tag buffers)
 *   0xfc-0xff  the host writes a valid compressed tag page into one of its pages
 * An argument selector's top 3 bits pick a kind, the rest (and maybe more bytes)
 * the value; see arg(). The guest's traps are read the same way; see fuzz_guest().
 *
 * Built and run by tests/fuzz/run.sh. -DFUZZ_SEEDS builds a program writing seeds.
 * -DFUZZ_TRACE logs every call and guest trap (to replay a crash: build with it and run
 * the target on the crash file).
 */
#include <abi/guest.h>
#include <abi/hvc.h>
#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/hyp.h>
#include <hyp/mem_protect.h>
#include <hyp/psci.h>
#include <hyp/trap.h>
#include <hyp/vm.h>
#include <lib/tagcodec.h>

#include "../common/hcall_outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAM		  (4ull << 20)
#define HYP_BIG		  (512ull << 10)
#define HYP_TINY	  (96ull << 10) /* about 20 pool pages: ENOMEM is reachable */
#define IPA0		  0x40000000ull
#define VM_PAGES	  32
#define MAX_OPS		  200
#define MAX_TRAPS_PER_RUN 12

static const unsigned call_ids[] = {
	TV_HC_VERSION,
	TV_HC_FEATURES,
	TV_HC_MEM_INFO,
	TV_HC_CHECK,
	TV_HC_SELFTEST,
	TV_HC_FINALISE,
	TV_HC_VM_CREATE,
	TV_HC_VM_DESTROY,
	TV_HC_VCPU_CREATE,
	TV_HC_VCPU_RUN,
	TV_HC_VCPU_GET_REG,
	TV_HC_VCPU_SET_REG,
	TV_HC_MEM_DONATE,
	TV_HC_MEM_SHARE,
	TV_HC_MEM_UNSHARE,
	TV_HC_MEM_RECLAIM,
	TV_HC_MEM_AGE,
	TV_HC_MTE_COPY_TAGS,
	22,
	23,
	29,
	TV_HC_DIRTY_LOG,
};

/* ---- the input ---- */

static const uint8_t *in;
static size_t in_left;

static uint8_t u8(void)
{
	if (!in_left) {
		return 0;
	}
	in_left--;
	return *in++;
}

static uint64_t uN(unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v |= (uint64_t)u8() << (8 * i);
	}
	return v;
}

/* ---- state the arguments are drawn from ---- */

static uint64_t hyp_size;
static uint64_t wanted_flags; /* the TV_RUN_* completing the last vCPU exit */
static uint64_t live[16], stale[16];
static unsigned nlive, nstale;

static uint64_t host_page(uint8_t i)
{
	uint64_t first = FAKE_RAM_BASE + hyp_size, n = (RAM - hyp_size) / PAGE_SIZE;

	return first + (i % n) * PAGE_SIZE;
}

static const uint64_t edges[32] = {
	0,
	1,
	2,
	3,
	4,
	7,
	8,
	31,
	32,
	33,
	40,
	63,
	64,
	65,
	128,
	129,
	PAGE_SIZE,
	PAGE_SIZE + 1,
	0x7fffffff,
	0x80000000,
	0xffffffff,
	1ull << 32,
	(1ull << 39) - PAGE_SIZE,
	1ull << 39,
	INT64_MAX,
	1ull << 63,
	~0ull - PAGE_SIZE + 1,
	~0ull,
	(uint64_t)-TV_EINVAL,
	TV_HC(0),
	PSCI_SYSTEM_OFF,
	0x5555555555555555ull,
};

/* One argument, from a selector byte (and the bytes after it, for some kinds). */
static uint64_t arg(void)
{
	uint8_t sel = u8(), lo = sel & 0x1f;

	switch (sel >> 5) {
	case 0:
		return lo;
	case 1:
		return nlive ? live[lo % nlive] : 1u << 4 | (lo & 7);
	case 2: /* stale, or malformed: bits above 31, a slot past the table */
		if (lo >= 0x18) {
			return wanted_flags; /* or the completion the last exit wants */
		}
		if (lo & 1) {
			return nstale ? stale[lo % nstale] : 2u << 4;
		}
		return (nlive ? live[lo % nlive] : 0x10) | (lo & 2 ? 1ull << (32 + lo / 4) : 8);
	case 3: { /* a host page, maybe not at its start */
		uint64_t pa = host_page(u8());

		return lo & 1 ? pa + u8() * 16ull : pa + (lo & 0x1e) * 0x100ull * (lo >> 4);
	}
	case 4: { /* an IPA in (or just past) the VMs' RAM */
		uint64_t ipa = IPA0 + (u8() % (VM_PAGES + 4)) * PAGE_SIZE;

		return lo & 1 ? ipa + u8() : ipa;
	}
	case 5: { /* hypervisor memory, the edges of RAM, devices */
		const uint64_t other[8] = { FAKE_RAM_BASE,
					    FAKE_RAM_BASE + hyp_size - PAGE_SIZE,
					    FAKE_RAM_BASE + RAM - PAGE_SIZE,
					    FAKE_RAM_BASE + RAM,
					    FAKE_RAM_BASE - PAGE_SIZE,
					    0x09000000,
					    0,
					    FAKE_RAM_BASE + PAGE_SIZE * (lo >> 3) };

		return other[lo & 7];
	}
	case 6:
		return edges[lo];
	default:
		return uN(8);
	}
}

/* ---- the guest ---- */

static unsigned traps_this_run;

static uint64_t guest_ipa(uint8_t b)
{
	if (b < 0xc0) {
		return IPA0 + (b % (VM_PAGES + 4)) * PAGE_SIZE;
	}
	return b < 0xe0 ? 0x09000000ull + (b & 0x1f) * PAGE_SIZE : uN(6) & ~0xfffull;
}

static bool fuzz_guest(struct vcpu *v, struct trap_info *t, void *unused)
{
	static const uint64_t fns[] = { PSCI_VERSION,	     PSCI_FEATURES,	PSCI_CPU_OFF,
					PSCI_SYSTEM_OFF,     PSCI_SYSTEM_RESET, TV_GUEST_HC_SHARE,
					TV_GUEST_HC_UNSHARE, SMCCC_VERSION,	PSCI_CPU_ON_64,
					0xc2000000,	     TV_VMM_CALL_FIRST, TV_VMM_CALL_LAST,
					0x4b000000 };
	static const uint32_t encs[] = {
		ENC_ID_AA64PFR0_EL1,  ENC_ID_AA64PFR1_EL1,    ENC_ID_AA64PFR2_EL1,
		ENC_ID_AA64ISAR1_EL1, ENC_ID_AA64ZFR0_EL1,    ENC_GMID_EL1,
		ENC_GCR_EL1,	      ENC_RGSR_EL1,	      ENC_TFSR_EL1,
		ENC_TFSRE0_EL1,	      SYS_ENC(2, 0, 0, 2, 2), SYS_ENC(3, 3, 9, 12, 0)
	};
	uint8_t b = u8(), x;
	uint64_t ipa, ec;

	(void)unused;
	if (b < 0x30 || ++traps_this_run > MAX_TRAPS_PER_RUN) {
		return false; /* an interrupt for the host */
	}
	ipa = guest_ipa(u8());
	t->hpfar = (ipa >> PAGE_SHIFT) << 4;
	t->far = (b & 1 ? 0xffff000000000000ull : 0) | (uN(2) & 0xfff);
	switch (b % 9) {
	case 0: /* HVC or SMC */
		x = u8();
		v->ctxt.regs[0] = x < 0xf0 ? fns[x % (sizeof(fns) / sizeof(fns[0]))] : uN(4);
		v->ctxt.regs[1] = x & 1 ? ipa : arg();
		ec = b & 0x10 ? EC_SMC64 : EC_HVC64;
		t->esr = ec << ESR_EC_SHIFT | ESR_IL;
		break;
	case 1: /* a data abort, any syndrome */
		t->esr = (uint64_t)EC_DABT_LOW << ESR_EC_SHIFT | ESR_IL | (uN(4) & 0x1ffffff);
		break;
	case 2: /* a load or store with a valid syndrome */
		x = u8();
		t->esr = (uint64_t)EC_DABT_LOW << ESR_EC_SHIFT | ESR_IL | ESR_DABT_ISV |
			 (uint64_t)(x & 3) << 22 | (x & 4 ? ESR_DABT_SSE : 0) |
			 (uint64_t)(u8() & 0x1f) << 16 | (x & 8 ? ESR_DABT_SF : 0) |
			 (x & 0x10 ? ESR_DABT_WNR : 0) | (x & 0x20 ? ESR_ABT_S1PTW : 0) |
			 (x & 0x40 ? FSC_TRANS_L0 + (x >> 7) * 3 : u8() & 0x3f);
		break;
	case 3: /* an instruction abort */
		t->esr = (uint64_t)EC_IABT_LOW << ESR_EC_SHIFT | ESR_IL | (u8() & 0x3f);
		break;
	case 4: /* a system register */
		x = u8();
		t->esr = (uint64_t)EC_SYS64 << ESR_EC_SHIFT | ESR_IL |
			 (x < 0xe0 ? encs[(x >> 1) % (sizeof(encs) / sizeof(encs[0]))]
				   : (uint32_t)uN(3) & ESR_SYS_ENC_MASK) |
			 (uint64_t)(u8() & 0x1f) << 5 | (x & 1 ? ESR_SYS_READ : 0);
		break;
	case 5:
		t->esr = (uint64_t)EC_WFX << ESR_EC_SHIFT | ESR_IL;
		break;
	case 6: /* an access-flag fault */
		t->esr = (uint64_t)EC_DABT_LOW << ESR_EC_SHIFT | ESR_IL | (FSC_ACCESS_L0 + 3);
		break;
	case 7: /* any syndrome at all */
		t->esr = uN(4);
		break;
	default: { /* the guest changes registers and mode, then asks PSCI its version */
		static const uint64_t modes[] = { PSR_MODE_EL0T, PSR_MODE_EL1T, PSR_MODE_EL1H };

		x = u8();
		v->ctxt.regs[x % 31] = arg();
		v->ctxt.pstate =
		    modes[x % 3] | (x & 0x80 ? PSR_DAIF : 0) | (x & 0x40 ? PSR_PAN : 0);
		v->ctxt.sys[CTX_VBAR_EL1] = IPA0 + (x & 0x30) * 0x100;
		v->ctxt.regs[0] = PSCI_VERSION;
		t->esr = (uint64_t)EC_HVC64 << ESR_EC_SHIFT | ESR_IL;
		break;
	}
	}
#ifdef FUZZ_TRACE
	fprintf(stderr, "  guest trap: esr %llx far %llx ipa %llx\n", (unsigned long long)t->esr,
		(unsigned long long)t->far, (unsigned long long)ipa);
#endif
	return true;
}

static _Noreturn void fail(const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "fuzz_hcall: %s (0x%llx, 0x%llx)\n", what, (unsigned long long)a,
		(unsigned long long)b);
	abort();
}

/* ---- running the sequence ---- */

static struct cpu_context host;

static void hypercall(uint64_t x0)
{
	uint64_t a[7] = { x0 };
	uint32_t id = (uint32_t)x0;
	unsigned n = TV_HC_IS_OURS(id) ? TV_HC_NUM(id) : TV_HC_NR;
	bool finalised = hyp_state.finalised;
	int64_t ret;

	for (unsigned i = 1; i < 7; i++) {
		a[i] = arg();
	}
	for (unsigned r = 0; r < 31; r++) {
		host.regs[r] = r < 7 ? a[r] : 0xca11ab1e00000000ull | r;
	}
	host.pc = 0x42000000;
	host.pstate = PSR_MODE_EL1H;
	traps_this_run = 0;
	handle_host_hcall(&host);
	ret = (int64_t)host.regs[0];
#ifdef FUZZ_TRACE
	fprintf(stderr, "call %u (%llx %llx %llx %llx %llx %llx) -> %lld, x1 %llx x2 %llx\n", n,
		(unsigned long long)a[1], (unsigned long long)a[2], (unsigned long long)a[3],
		(unsigned long long)a[4], (unsigned long long)a[5], (unsigned long long)a[6],
		(long long)ret, (unsigned long long)host.regs[1], (unsigned long long)host.regs[2]);
#endif
	for (unsigned r = 7; r < 31; r++) {
		if (host.regs[r] != (0xca11ab1e00000000ull | r)) {
			fail("a preserved register changed", n, r);
		}
	}
	if (host.pc != 0x42000000 || host.pstate != PSR_MODE_EL1H) {
		fail("the host's pc or pstate changed", n, host.pc);
	}
	if (!hcall_outcome_allowed(n, ret, finalised, host.regs[1], host.regs[2], a[3])) {
		fail("an outcome the ABI does not allow", x0, (uint64_t)ret);
	}
	if (n == TV_HC_VCPU_RUN && ret == 0) {
		int err;
		struct vcpu *v = vcpu_from_handle(a[1], a[2], &err);

		wanted_flags = !v				 ? 0
			       : v->pending == PENDING_MMIO_READ ? TV_RUN_MMIO_READ
			       : v->pending == PENDING_HVC	 ? TV_RUN_HVC_RET
								 : 0;
	}
	if (n == TV_HC_VM_CREATE && ret > 0 && finalised) {
		live[nlive++ % 16] = (uint64_t)ret;
		nlive = nlive > 16 ? 16 : nlive;
	}
	if (n == TV_HC_VM_DESTROY && ret == 0) {
		stale[nstale++ % 16] = a[1];
		nstale = nstale > 16 ? 16 : nstale;
	}
}

/* The host writes into its own page, as a VMM preparing a tag buffer would. */
static void host_write(bool encoded)
{
	uint64_t pa = host_page(u8());
	unsigned off = u8() * 8u;
	uint8_t buf[TAGCODEC_MAX_SIZE];
	size_t len;

	if (encoded) {
		uint8_t packed[TAGCODEC_PACKED_SIZE];

		for (unsigned i = 0; i < sizeof(packed); i++) {
			packed[i] = i < 8 ? u8() : packed[i % 8];
		}
		len = tagcodec_encode(packed, buf);
	} else {
		len = u8() % (sizeof(buf) + 1);
		for (size_t i = 0; i < len; i++) {
			buf[i] = u8();
		}
	}
	/* Only into memory the host can see, and within its page. */
	if (page_state_of(pa, OWNER_HOST) == PS_NOPAGE || off + len > PAGE_SIZE) {
		return;
	}
	memcpy((uint8_t *)hyp_va(pa_init(pa)) + off, buf, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_config cfg;
	uint8_t config;
	unsigned bad;

	in = data;
	in_left = size;
	config = u8();
	hyp_size = config & 2 ? HYP_TINY : HYP_BIG;
	cfg = (struct fake_config){ RAM, hyp_size, config & 1 };
	fake_hyp_init(&cfg);
	fake_idst = !(config & 4);
	fake_set_guest(fuzz_guest, NULL);
	memset(&host, 0, sizeof(host));
	nlive = nstale = 0;
	wanted_flags = 0;
	if (config & 8) {
		hyp_state.finalised = true;
	}

	for (unsigned op = 0; op < MAX_OPS && in_left; op++) {
		uint8_t b = u8();

		if (b < 0xc0) {
			hypercall(TV_HC(call_ids[b % (sizeof(call_ids) / sizeof(call_ids[0]))]));
		} else if (b < 0xe0) {
			/* Every number of the setup and run bands, calls added since included. */
			hypercall(TV_HC(TV_HC_SETUP_FIRST + (b - 0xc0u)));
		} else if (b < 0xf0) {
			hypercall(uN(b & 1 ? 8 : 4));
		} else if (b < 0xf8) {
			bad = check_invariants();
			if (bad) {
				fail("invariants broken during the sequence", bad, op);
			}
		} else {
			host_write(b >= 0xfc);
		}
	}

	bad = check_invariants();
	if (bad) {
		fail("invariants broken after the sequence", bad, 0);
	}
	/* Tearing every VM down gives every page back to the host. */
	for (unsigned i = 0; i < TV_MAX_VMS; i++) {
		if (vms[i].in_use && vm_destroy(vm_handle(&vms[i]))) {
			fail("a live VM could not be destroyed", i, 0);
		}
	}
	for (uint64_t pa = FAKE_RAM_BASE + hyp_size; pa < FAKE_RAM_BASE + RAM; pa += PAGE_SIZE) {
		if (page_state_of(pa, OWNER_HOST) != PS_OWNED) {
			fail("a page did not come back to the host", pa, 0);
		}
	}
	bad = check_invariants();
	if (bad) {
		fail("invariants broken after teardown", bad, 0);
	}
	return 0;
}

#ifdef FUZZ_SEEDS
/* Writes hand-made sequences into DIR: the fuzzer starts from calls that succeed. */
static uint8_t seed[4096];
static size_t seed_len;

static void put(uint8_t b)
{
	seed[seed_len++] = b;
}

static void put64(uint64_t v)
{
	put(0xe0);
	for (unsigned i = 0; i < 8; i++) {
		put((uint8_t)(v >> (8 * i)));
	}
}

static void call(unsigned n)
{
	for (unsigned i = 0; i < sizeof(call_ids) / sizeof(call_ids[0]); i++) {
		if (call_ids[i] == n) {
			put((uint8_t)i);
			return;
		}
	}
	abort();
}

#define SMALL(v)	 put((uint8_t)(v))
#define LIVE(i)		 put((uint8_t)(0x20 | (i)))
#define HOST_PAGE_ARG(i) (put(0x60), put((uint8_t)(i)))
#define IPA_ARG(i)	 (put(0x80), put((uint8_t)(i)))

static int emit(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(seed, 1, seed_len, f) != seed_len || fclose(f)) {
		perror(path);
		return 1;
	}
	seed_len = 0;
	return 0;
}

static void vm_with_pages(uint8_t flags)
{
	call(TV_HC_VM_CREATE);
	SMALL(flags);
	put64(IPA0);
	put64(VM_PAGES * PAGE_SIZE);
	SMALL(2);
	SMALL(0);
	SMALL(0);
	call(TV_HC_VCPU_CREATE);
	LIVE(0);
	for (unsigned i = 0; i < 5; i++) {
		SMALL(0);
	}
	for (unsigned p = 0; p < 3; p++) {
		call(TV_HC_MEM_DONATE);
		LIVE(0);
		HOST_PAGE_ARG(p);
		IPA_ARG(p);
		SMALL(p & 1);
		SMALL(0);
		SMALL(0);
	}
	call(TV_HC_MEM_SHARE);
	LIVE(0);
	HOST_PAGE_ARG(9);
	IPA_ARG(9);
	SMALL(0);
	SMALL(0);
	SMALL(0);
}

static void run(uint8_t flags, uint8_t value)
{
	call(TV_HC_VCPU_RUN);
	LIVE(0);
	SMALL(0);
	SMALL(flags);
	SMALL(value);
	SMALL(0);
	SMALL(0);
}

/* A guest trap of `kind` (fuzz_guest()'s switch) at the IPA chosen by ipa_byte. */
static void gtrap(unsigned kind, uint8_t ipa_byte)
{
	put((uint8_t)(0x30 + (kind + 6) % 9)); /* 0x30 is 3 mod 9 */
	put(ipa_byte);
	put(0); /* FAR bits 11:0 */
	put(0);
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	/* VM life cycle with MTE: pages, runs with MMIO, HVC, PSCI, sysregs, then teardown. */
	put(0x09);
	vm_with_pages(TV_VM_MTE);
	run(0, 0);
	gtrap(2, 0xc0); /* STRH w5 to a device */
	put(0x40 | 0x10 | 1);
	put(5);
	run(0, 0);
	gtrap(4, 0); /* MRS x2, GMID_EL1 */
	put(11);
	put(2);
	gtrap(0, 1); /* HVC: the guest shares its page 1 */
	put(5);
	gtrap(0, 0); /* HVC: PSCI_VERSION */
	put(0);
	SMALL(0);
	gtrap(2, 0xc1); /* LDRSW x7 from a device */
	put(0x40 | 8 | 4 | 2);
	put(7);
	run(TV_RUN_MMIO_READ, 0x1f);
	put(0); /* then an interrupt */
	call(TV_HC_MEM_AGE);
	LIVE(0);
	IPA_ARG(0);
	SMALL(16);
	SMALL(0);
	SMALL(0);
	SMALL(0);
	call(TV_HC_MEM_RECLAIM);
	LIVE(0);
	IPA_ARG(0);
	HOST_PAGE_ARG(20);
	put64(PAGE_SIZE);
	SMALL(0);
	SMALL(0);
	call(TV_HC_MTE_COPY_TAGS);
	LIVE(0);
	IPA_ARG(2);
	put64(PAGE_SIZE);
	HOST_PAGE_ARG(21);
	SMALL(TV_TAGS_FROM_GUEST);
	SMALL(0);
	put(0xf0);
	call(TV_HC_VM_DESTROY);
	LIVE(0);
	for (unsigned i = 0; i < 5; i++) {
		SMALL(0);
	}
	bad |= emit(argv[1], "lifecycle-mte");

	/* A protected VM on a tiny pool: it runs, faults on RAM, and is sealed. */
	put(0x0a);
	vm_with_pages(TV_VM_PROTECTED);
	run(0, 0);
	gtrap(1, 12); /* a write translation fault on RAM page 12 */
	put(0x47);
	put(0);
	put(0);
	put(0);
	call(TV_HC_VCPU_GET_REG);
	LIVE(0);
	SMALL(0);
	SMALL(1);
	SMALL(0);
	SMALL(0);
	SMALL(0);
	bad |= emit(argv[1], "protected-tiny-pool");

	/* The setup phase: selftest, then finalise, then a VM that powers off. */
	put(0x00);
	call(TV_HC_SELFTEST);
	HOST_PAGE_ARG(0);
	SMALL(4);
	SMALL(0);
	SMALL(0);
	SMALL(0);
	SMALL(0);
	call(TV_HC_FINALISE);
	for (unsigned i = 0; i < 6; i++) {
		SMALL(0);
	}
	vm_with_pages(0);
	run(0, 0);
	gtrap(0, 0); /* HVC: PSCI SYSTEM_OFF */
	put(4);
	SMALL(0);
	run(0, 0);
	bad |= emit(argv[1], "setup-then-run");

	/* A VM without MTE: registers, sysreg emulation, HVC to the host, aborts, CPU_OFF. */
	put(0x08);
	vm_with_pages(0);
	call(TV_HC_VCPU_SET_REG);
	LIVE(0);
	SMALL(0);
	SMALL(3);
	put64(0x1234);
	SMALL(0);
	SMALL(0);
	call(TV_HC_VCPU_SET_REG);
	LIVE(0);
	SMALL(0);
	put64(TV_REG_VBAR_EL1);
	put64(IPA0 + 0x800);
	SMALL(0);
	SMALL(0);
	call(TV_HC_VCPU_GET_REG);
	LIVE(0);
	SMALL(0);
	SMALL(3);
	SMALL(0);
	SMALL(0);
	SMALL(0);
	run(0, 0);
	gtrap(4, 0); /* MRS x2, GMID_EL1: the trapped syndrome injected */
	put(11);
	put(2);
	gtrap(4, 0); /* MRS x3, GCR_EL1: UNDEF */
	put(13);
	put(3);
	gtrap(4, 0); /* MSR MDSCR_EL1, x4: ignored */
	put(20);
	put(4);
	gtrap(4, 0); /* MRS x4, ID_AA64PFR1_EL1 */
	put(3);
	put(4);
	gtrap(0, 0); /* HVC 0xc2000000: to the host */
	put(9);
	call(TV_HC_VCPU_RUN); /* with the completion the exit wants */
	LIVE(0);
	SMALL(0);
	put(0x5f);
	SMALL(9);
	SMALL(0);
	SMALL(0);
	gtrap(8, 0); /* to EL0 */
	put(0x00);
	SMALL(1);
	gtrap(2, 0xc2); /* LDRB w9 from a device, at EL0 */
	put(0x40);
	put(9);
	run(TV_RUN_INJECT_DABT, 0);
	gtrap(0, 0); /* HVC: PSCI CPU_OFF */
	put(2);
	SMALL(0);
	run(0, 0);
	bad |= emit(argv[1], "sysregs-hvc-dabt-off");

	/* A tagged donation from an encoding the host wrote. */
	put(0x09);
	vm_with_pages(TV_VM_MTE);
	put(0xfc);
	put(30);
	put(0);
	for (unsigned i = 0; i < 8; i++) {
		put((uint8_t)(i * 0x11));
	}
	call(TV_HC_MEM_DONATE);
	LIVE(0);
	HOST_PAGE_ARG(31);
	IPA_ARG(20);
	SMALL(TV_DONATE_TAGS);
	HOST_PAGE_ARG(30);
	put(0xc0 | 15); /* 129 bytes */
	bad |= emit(argv[1], "tagged-donate");
	return bad;
}
#endif
