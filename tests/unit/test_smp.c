/* SPDX-License-Identifier: MIT */
/*
 * Several CPUs, as the core sees them: the host's PSCI (host_psci.c), vCPUs claimed by
 * one CPU at a time, VMs kept alive by references, pool pages reserved per CPU.
 */
#include "test.h"

#include <arch/fake.h>
#include <hyp/arch.h>
#include <hyp/host_psci.h>
#include <hyp/hyp.h>
#include <hyp/mem_protect.h>
#include <hyp/psci.h>
#include <hyp/trap.h>
#include <hyp/vm.h>
#include <string.h>

#define RAM (8ull << 20)
#define HYP (1ull << 20)
#define IPA0 0x40000000ull
#define HOST_CODE (FAKE_RAM_BASE + HYP + 0x10000)

static void init(unsigned cpus)
{
	struct fake_config cfg = { RAM, HYP, false };

	fake_hyp_init(&cfg);
	fake_nr_cpus = cpus;
	hyp_state.finalised = true;
}

/* The host calls PSCI (SMC) with these arguments; returns x0, or -99 if not PSCI. */
static int64_t host_psci(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct cpu_context host;

	memset(&host, 0, sizeof(host));
	host.regs[0] = fn;
	host.regs[1] = a1;
	host.regs[2] = a2;
	host.regs[3] = a3;
	return host_psci_call(&host) ? (int64_t)host.regs[0] : -99;
}

TEST(smp, host_cpu_on_checks_its_arguments)
{
	uint64_t entry, context;

	init(4);
	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 4, HOST_CODE, 0), (int64_t)PSCI_RET_INVALID_PARAMETERS);
	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 0x100, HOST_CODE, 0),
		  (int64_t)PSCI_RET_INVALID_PARAMETERS);
	/* The entry must be the host's own memory: not the hypervisor's, not misaligned. */
	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 1, FAKE_RAM_BASE + 0x1000, 0),
		  (int64_t)PSCI_RET_INVALID_ADDRESS);
	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 1, HOST_CODE + 2, 0), (int64_t)PSCI_RET_INVALID_ADDRESS);
	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 1, FAKE_RAM_BASE + RAM, 0),
		  (int64_t)PSCI_RET_INVALID_ADDRESS);
	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 0, HOST_CODE, 0), (int64_t)PSCI_RET_ALREADY_ON);
	EXPECT_EQ(fake_cpu_starts, 0); /* nothing reached the firmware */

	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 1, HOST_CODE, 0xc0ffee), 0);
	EXPECT_EQ(fake_cpu_starts, 1);
	EXPECT_EQ(host_psci(PSCI_AFFINITY_INFO_64, 1, 0, 0), (int64_t)PSCI_AFF_ON_PENDING);
	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 1, HOST_CODE, 0), (int64_t)PSCI_RET_ON_PENDING);
	/* EL2 is up on it: the host gets the entry and context it asked for. */
	host_psci_cpu_up(1, &entry, &context);
	EXPECT_EQ(entry, HOST_CODE);
	EXPECT_EQ(context, 0xc0ffee);
	EXPECT_EQ(host_psci(PSCI_AFFINITY_INFO_64, 1, 0, 0), (int64_t)PSCI_AFF_ON);
	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 1, HOST_CODE, 0), (int64_t)PSCI_RET_ALREADY_ON);
	EXPECT_EQ(host_psci(PSCI_AFFINITY_INFO_64, 2, 0, 0), (int64_t)PSCI_AFF_OFF);
	EXPECT_EQ(host_psci(PSCI_AFFINITY_INFO_64, 9, 0, 0), (int64_t)PSCI_RET_INVALID_PARAMETERS);
	EXPECT_EQ(host_psci(PSCI_AFFINITY_INFO_64, 1, 1, 0), (int64_t)PSCI_RET_INVALID_PARAMETERS);
	/* SMC32: the upper halves of the arguments are not the caller's. */
	EXPECT_EQ(host_psci(PSCI_CPU_ON_32, 0xffffffff00000002ull, 0xffffffff00000000ull | HOST_CODE,
			    0),
		  0);
}

TEST(smp, host_cpu_on_firmware_failure_leaves_the_cpu_off)
{
	init(2);
	fake_cpu_start_ret = PSCI_RET_INTERNAL_FAILURE;
	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 1, HOST_CODE, 0), (int64_t)PSCI_RET_INTERNAL_FAILURE);
	EXPECT_EQ(host_psci(PSCI_AFFINITY_INFO_64, 1, 0, 0), (int64_t)PSCI_AFF_OFF);
	/* A refusal only EL2 could have caused is not passed on as the host's fault. */
	fake_cpu_start_ret = PSCI_RET_INVALID_ADDRESS;
	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 1, HOST_CODE, 0), (int64_t)PSCI_RET_INTERNAL_FAILURE);
	fake_cpu_start_ret = PSCI_RET_SUCCESS;
	EXPECT_EQ(host_psci(PSCI_CPU_ON_64, 1, HOST_CODE, 0), 0);
}

TEST(smp, host_psci_other_calls)
{
	init(2);
	EXPECT_EQ(host_psci(PSCI_VERSION, 0, 0, 0), PSCI_VERSION_1_1);
	EXPECT_EQ(host_psci(PSCI_FEATURES, PSCI_CPU_ON_64, 0, 0), 0);
	EXPECT_EQ(host_psci(PSCI_FEATURES, PSCI_AFFINITY_INFO_32, 0, 0), 0);
	EXPECT_EQ(host_psci(PSCI_FEATURES, 0x84000005u, 0, 0), (int64_t)PSCI_RET_NOT_SUPPORTED);
	EXPECT_EQ(host_psci(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0), PSCI_TOS_NOT_PRESENT_MP);
	EXPECT_EQ(host_psci(PSCI_CPU_SUSPEND_64, 0x10000, HOST_CODE, 0), 0);
	EXPECT_EQ(host_psci(PSCI_CPU_SUSPEND_64, 1ull << 30, HOST_CODE, 0),
		  (int64_t)PSCI_RET_INVALID_PARAMETERS);
	EXPECT_EQ(host_psci(0x84000005u, 0, 0, 0), -99); /* not answered: NOT_SUPPORTED */
	EXPECT_EQ(host_psci(0xc6000000u, 0, 0, 0), -99);
}

/* A vCPU is one CPU's at a time: a run or a register access elsewhere is refused. */
TEST(smp, a_vcpu_runs_on_one_cpu_at_a_time)
{
	struct tv_exit e;
	uint64_t val;
	int64_t h;
	int err;
	struct vcpu *v;

	init(2);
	h = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	ASSERT_EQ(vcpu_create((uint64_t)h, 0), 0);
	v = vcpu_from_handle((uint64_t)h, 0, &err);
	fake_cpu = 1;
	ASSERT_TRUE(vcpu_claim(v)); /* CPU 1 is in VCPU_RUN with it */
	fake_cpu = 0;
	EXPECT_FALSE(vcpu_claim(v));
	EXPECT_EQ(vcpu_run((uint64_t)h, 0, 0, 0, &e), -TV_EBUSY);
	EXPECT_EQ(vcpu_get_reg((uint64_t)h, 0, TV_REG_PC, &val), -TV_EBUSY);
	EXPECT_EQ(vcpu_set_reg((uint64_t)h, 0, TV_REG_PC, IPA0), -TV_EBUSY);
	fake_cpu = 1;
	vcpu_release(v);
	fake_cpu = 0;
	EXPECT_EQ(vcpu_get_reg((uint64_t)h, 0, TV_REG_PC, &val), 0);
	EXPECT_EQ(v->claimed, 0);
}

/* A VM in use on another CPU cannot be destroyed; once it is not, it can. */
TEST(smp, destroy_waits_for_no_one)
{
	int64_t h;
	int err;
	struct vm *vm;

	init(2);
	h = vm_create(0, IPA0, 16 * PAGE_SIZE, 1);
	fake_cpu = 1;
	vm = vm_get((uint64_t)h, &err);
	ASSERT_TRUE(vm != NULL);
	fake_cpu = 0;
	EXPECT_EQ(vm_destroy((uint64_t)h), -TV_EBUSY);
	EXPECT_TRUE(vm->in_use); /* untouched */
	vm_put(vm);
	EXPECT_EQ(vm_destroy((uint64_t)h), 0);
	EXPECT_TRUE(vm_get((uint64_t)h, &err) == NULL);
	EXPECT_EQ(err, -TV_ESTALE);
}

/* Pages one CPU reserved are not another's to take. */
TEST(smp, pool_reservations_are_per_cpu)
{
	struct page_pool pool;
	static uint8_t mem[4 * 4096] __attribute__((aligned(4096)));
	void *p;

	init(2);
	pool_init(&pool, mem, sizeof(mem));
	fake_cpu = 1;
	ASSERT_EQ(pool_reserve(&pool, 3), 0);
	EXPECT_EQ(pool_reserve(&pool, 2), -TV_ENOMEM); /* one left unreserved */
	fake_cpu = 0;
	EXPECT_TRUE((p = pool_alloc(&pool)) != NULL);
	EXPECT_TRUE(pool_alloc(&pool) == NULL); /* the rest is CPU 1's */
	fake_cpu = 1;
	EXPECT_TRUE(pool_alloc(&pool) != NULL);
	EXPECT_TRUE(pool_alloc(&pool) != NULL);
	pool_unreserve(&pool);
	EXPECT_EQ(pool.reserved, 0);
	fake_cpu = 0;
	EXPECT_TRUE(pool_alloc(&pool) != NULL); /* given back */
	pool_free(&pool, p);
	EXPECT_EQ(pool_free_pages(&pool), 1);
	fake_cpu = 0;
}
