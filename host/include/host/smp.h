/* SPDX-License-Identifier: MIT */
/*
 * The host's CPUs. CPU 0 boots and brings the others up with PSCI CPU_ON (which EL2
 * stands between: each enters the hypervisor first); each then waits for work that
 * CPU 0 hands it: one function to run, after which it waits again.
 */
#ifndef HOST_SMP_H
#define HOST_SMP_H

#include <lib/spinlock.h>
#include <stdbool.h>
#include <stdint.h>

#define HOST_MAX_CPUS 8

/* PSCI as the host calls it (SMC). */
#define PSCI_FN_CPU_ON 0xc4000003ul
#define PSCI_FN_CPU_OFF 0x84000002ul
#define PSCI_FN_AFFINITY_INFO 0xc4000004ul
#define PSCI_FN_CPU_SUSPEND 0xc4000001ul
#define PSCI_FN_FEATURES 0x8400000aul
#define PSCI_FN_MIGRATE_INFO_TYPE 0x84000006ul
#define PSCI_FN_VERSION 0x84000000ul
int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

/* Starts every CPU the device tree lists; returns how many run (at least 1). */
unsigned smp_init(uint64_t dtb);
unsigned smp_nr_cpus(void);
/* The index of the CPU this runs on (0 boots). */
unsigned smp_this_cpu(void);
uint64_t smp_cpu_mpidr(unsigned cpu);

/* Hands fn(arg) to an idle CPU (not 0). -1 if it is busy, off or does not exist. */
int smp_run_on(unsigned cpu, void (*fn)(void *), void *arg);
/* Waits until the CPU is idle again. */
void smp_join(unsigned cpu);
/* Runs fn(cpu index, arg) on every CPU at once, CPU 0 included, and waits for all. */
void smp_run_all(void (*fn)(unsigned cpu, void *), void *arg);

/* A CPU that is off for the host (after CPU_OFF) can be started again with this. */
int smp_restart(unsigned cpu);
/* The entry point of every secondary (start.S), for tests that call CPU_ON themselves. */
void _secondary_start(void);

#endif
