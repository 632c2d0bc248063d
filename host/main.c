/* SPDX-License-Identifier: MIT */
/*
 * The host: brought up by the hypervisor at EL1, it is the VMM that runs guests
 * and the driver of the integration tests.
 *   test=NAME        run one host test (test=list lists them)
 *   guest=ADDR:SIZE  run the guest ELF the CLI loaded there (host/images.c, vmm/)
 */
#include <abi/boot.h>
#include <host/devices.h>
#include <host/host.h>
#include <host/link.h>
#include <host/smp.h>
#include <host/test.h>
#include <host/vmm.h>

static bool finalised;

void host_finalise(void)
{
	if (!finalised) {
		if (tv_hvc(TV_HC_FINALISE, 0, 0, 0, 0, 0, 0, NULL)) {
			host_panic("TV_HC_FINALISE failed");
		}
		finalised = true;
	}
}

static uint64_t current_el(void)
{
	uint64_t el;

	__asm__ volatile("mrs %0, CurrentEL" : "=r"(el));
	return el >> 2;
}

void host_main(uint64_t dtb, uint64_t boot_flags)
{
	struct hvc_res r;
	const char *test;

	console_init();
	/*
	 * RAM is mapped Tagged whenever the hardware has MTE, even when the host may not
	 * use it: that is what a malicious host would do, and EL2's HCR_EL2.ATA = 0 is
	 * what must stop it (ID registers may be hidden, so ask the hypervisor).
	 */
	if (tv_hvc(TV_HC_FEATURES, 0, 0, 0, 0, 0, 0, &r)) {
		host_panic("TV_HC_FEATURES failed");
	}
	mmu_init(r.x[1] & TV_FEAT_MTE);
	bootargs_init(dtb);
	mem_init();
	images_init();
	irq_init();
	smp_init(dtb);
	if (link_init(dtb)) {
		host_log("no link device: snapshots, migration and the exit status cannot leave "
			 "the machine");
	}
	if (tv_hvc(TV_HC_VERSION, 0, 0, 0, 0, 0, 0, &r) || r.x[1] >> 16 != TV_ABI_MAJOR) {
		host_panic("hypervisor ABI 0x%lx, host built for %u.x", r.x[1], TV_ABI_MAJOR);
	}
	host_log("EL%lu host up: ABI %lu.%lu, %zu MiB free, MTE %s, %u CPU%s", current_el(),
		 r.x[1] >> 16, r.x[1] & 0xffff, free_page_count() >> 8,
		 (boot_flags & TV_BOOT_HOST_MTE) ? "on" : "off", smp_nr_cpus(),
		 smp_nr_cpus() == 1 ? "" : "s");

	test = bootarg("test");
	if (test) {
		run_host_test(test);
	}
	host_exit(vmm_main());
}
