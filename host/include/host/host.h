/* SPDX-License-Identifier: MIT */
/* The host kernel (EL1): console, exit, memory, exceptions, hypercalls. */
#ifndef HOST_HOST_H
#define HOST_HOST_H

#include <abi/hvc.h>
#include <abi/status.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ul
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* ---- log (the hypervisor's console, the CLI's stderr) and exit (over the link) ---- */
void console_init(void);
/* One line prefixed "tagvisor-host: ". */
void host_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Raw text, no prefix. */
void host_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void host_exit(int status);
/* Reports a broken host invariant and ends the run with TV_STATUS_HYP_ERROR. */
_Noreturn void host_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- boot arguments (/chosen/bootargs) ---- */
void bootargs_init(uint64_t dtb);
/* The value of "key=value", or NULL; a bare "key" gives "". */
const char *bootarg(const char *key);
/* The n-th value of a key given several times, or NULL. */
const char *bootarg_nth(const char *key, unsigned n);
/* The value as a number (decimal, 0x hex, K/M/G suffix), or `def`. */
uint64_t bootarg_u64(const char *key, uint64_t def);

/* ---- memory ---- */
void mmu_init(bool tagged);
void mem_init(void);
/* Zeroed page-aligned pages from the host's free memory, or NULL. */
void *alloc_pages(size_t n);
/* The same, without zeroing, for pages about to be overwritten or zeroed by EL2. */
void *alloc_pages_raw(size_t n);
void free_pages(void *p, size_t n);
/* Takes n pages at pa out of the free memory (they hold something). 0, or -1 if not free. */
int mem_reserve(uint64_t pa, uint64_t n);
size_t free_page_count(void);
extern uint64_t hyp_base, hyp_size, ram_base, ram_size;

/* ---- images the CLI loaded into host memory (host/images.c) ---- */
/* Reserves the pages of every image the boot arguments name. */
void images_init(void);
/* The image a boot argument value ("ADDR:SIZE") names, or NULL; free_pages() it when done. */
uint8_t *host_image(const char *spec, uint64_t *size);

/* ---- exceptions ---- */
struct exc_frame {
	uint64_t x[31];
	uint64_t elr;
	uint64_t spsr;
	uint64_t pad;
};

/* A synchronous exception the code expects: recorded and stepped over, not fatal. */
struct fault_record {
	bool hit;
	uint64_t esr;
	uint64_t far;
	uint64_t elr;
};
void fault_expect(struct fault_record *rec);
void fault_expect_none(void);
/* One access that may fault; returns whether it did (details in *f). */
bool probe_read64(uint64_t addr, uint64_t *val, struct fault_record *f);
bool probe_write64(uint64_t addr, uint64_t val, struct fault_record *f);

/* ---- hypercalls ---- */
struct hvc_res {
	uint64_t x[8];
};
int64_t hvc_call(uint64_t id, const uint64_t args[6], uint64_t res[8]);

static inline int64_t tv_hvc(unsigned n, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			     uint64_t a5, uint64_t a6, struct hvc_res *res)
{
	uint64_t args[6] = { a1, a2, a3, a4, a5, a6 };
	struct hvc_res dummy;

	return hvc_call(TV_HC(n), args, (res ? res : &dummy)->x);
}

/* Ends the setup phase once (TV_HC_FINALISE). */
void host_finalise(void);

/* ---- time: the generic counter; with -icount shift=0 one tick is one instruction ---- */
static inline uint64_t read_cntpct(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(v));
	return v;
}

static inline uint64_t read_cntfrq(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

/* Counter ticks in nanoseconds, without overflow for any uptime a test sees. */
static inline uint64_t ticks_to_ns(uint64_t ticks)
{
	uint64_t f = read_cntfrq();

	return ticks / f * 1000000000ull + ticks % f * 1000000000ull / f;
}

#endif
