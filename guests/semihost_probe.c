/* SPDX-License-Identifier: MIT */
/*
 * Semihosting from a guest. QEMU run with -semihosting carries out HLT #0xF000 for
 * the code that executes it: files opened, read and written on the machine running
 * QEMU, a shell command run there (SYS_SYSTEM), QEMU's exit status set (SYS_EXIT).
 * Here every operation is tried, at EL1 and at EL0, with arguments that would leave
 * a trace (files under /tmp, a command that creates one, exit status 77). On
 * hardware without halting debug, and under tagvisor, each must be an UNDEF taken
 * by the guest at the HLT, and nothing happens outside.
 */
#include "el0.h"
#include "guest.h"

#include <lib/string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define EL0_DATA (MMU_EL0_BASE + 0x1000)
#define EL0_STACK (MMU_EL0_BASE + 0x10000)
#define PROBE_FILE "/tmp/tagvisor-semihost-probe"
#define SYSTEM_CMD "touch /tmp/tagvisor-semihost-system"

/* The parameter blocks (pointers to strings and buffers in EL0_DATA as well). */
struct blocks {
	uint64_t open[3], close[1], write[3], read[3], seek[2], flen[1], istty[1], remove[2];
	uint64_t system[2], cmdline[2], heapinfo[1], exit[2], elapsed[1];
	char path[64], cmd[64], text[64], buf[64], writec;
};

static const struct {
	const char *name;
	unsigned op;
	size_t block; /* offset of the block in struct blocks; SIZE_MAX: x1 = 0 */
} ops[] = {
	{ "SYS_OPEN", 0x01, offsetof(struct blocks, open) },
	{ "SYS_CLOSE", 0x02, offsetof(struct blocks, close) },
	{ "SYS_WRITEC", 0x03, offsetof(struct blocks, writec) },
	{ "SYS_WRITE0", 0x04, offsetof(struct blocks, text) },
	{ "SYS_WRITE", 0x05, offsetof(struct blocks, write) },
	{ "SYS_READ", 0x06, offsetof(struct blocks, read) },
	{ "SYS_READC", 0x07, SIZE_MAX },
	{ "SYS_ISTTY", 0x09, offsetof(struct blocks, istty) },
	{ "SYS_SEEK", 0x0a, offsetof(struct blocks, seek) },
	{ "SYS_FLEN", 0x0c, offsetof(struct blocks, flen) },
	{ "SYS_REMOVE", 0x0e, offsetof(struct blocks, remove) },
	{ "SYS_CLOCK", 0x10, SIZE_MAX },
	{ "SYS_TIME", 0x11, SIZE_MAX },
	{ "SYS_SYSTEM", 0x12, offsetof(struct blocks, system) },
	{ "SYS_ERRNO", 0x13, SIZE_MAX },
	{ "SYS_GET_CMDLINE", 0x15, offsetof(struct blocks, cmdline) },
	{ "SYS_HEAPINFO", 0x16, offsetof(struct blocks, heapinfo) },
	{ "SYS_EXIT", 0x18, offsetof(struct blocks, exit) },
	{ "SYS_EXIT_EXTENDED", 0x20, offsetof(struct blocks, exit) },
	{ "SYS_ELAPSED", 0x30, offsetof(struct blocks, elapsed) },
};

static void fill_blocks(struct blocks *b)
{
	uint64_t base = (uint64_t)b;

	memset(b, 0, sizeof(*b));
	memcpy(b->path, PROBE_FILE, sizeof(PROBE_FILE));
	memcpy(b->cmd, SYSTEM_CMD, sizeof(SYSTEM_CMD));
	memcpy(b->text, "semihosting reached the machine running QEMU\n", 46);
	b->writec = 'X';
	b->open[0] = base + offsetof(struct blocks, path);
	b->open[1] = 4; /* "w" */
	b->open[2] = sizeof(PROBE_FILE) - 1;
	b->close[0] = 3;
	b->write[0] = 2; /* stderr, were there one */
	b->write[1] = base + offsetof(struct blocks, text);
	b->write[2] = 45;
	b->read[0] = 3;
	b->read[1] = base + offsetof(struct blocks, buf);
	b->read[2] = sizeof(b->buf);
	b->seek[0] = 3;
	b->istty[0] = 1;
	b->flen[0] = 3;
	b->remove[0] = base + offsetof(struct blocks, path);
	b->remove[1] = sizeof(PROBE_FILE) - 1;
	b->system[0] = base + offsetof(struct blocks, cmd);
	b->system[1] = sizeof(SYSTEM_CMD) - 1;
	b->cmdline[0] = base + offsetof(struct blocks, buf);
	b->cmdline[1] = sizeof(b->buf);
	b->heapinfo[0] = base + offsetof(struct blocks, buf);
	b->exit[0] = 0x20026; /* ADP_Stopped_ApplicationExit */
	b->exit[1] = 77;
	b->elapsed[0] = base + offsetof(struct blocks, buf);
}

/* EL0: x0 = operation, x1 = block; HLT, then back to EL1. */
extern const char el0_semihost[], el0_semihost_end[];
__asm__(".pushsection .text\n"
	"	.balign 16\n"
	"el0_semihost:\n"
	"	hlt	#0xf000\n"
	"	svc	#0\n"
	"el0_semihost_end:\n"
	".popsection\n");

static uint64_t el1_hlt(uint64_t op, uint64_t block)
{
	register uint64_t x0 __asm__("x0") = op;
	register uint64_t x1 __asm__("x1") = block;

	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	return x0;
}

static unsigned report(const char *el, const char *name, const struct trap_record *r,
		       uint64_t hlt_pc, uint64_t x0)
{
	if (!r->hit) {
		printf("%s %s: no exception (x0 = 0x%lx): semihosting is reachable\n", el, name, x0);
		return 0;
	}
	printf("%s %s: ESR 0x%lx%s\n", el, name, r->esr,
	       r->elr == hlt_pc ? ", at the HLT" : ", not at the HLT");
	return r->esr == 0x2000000 && r->elr == hlt_pc;
}

void guest_main(void)
{
	struct blocks *el1 = (struct blocks *)(RAM_BASE + (40ul << 20));
	struct blocks *el0 = (struct blocks *)EL0_DATA;
	unsigned undef = 0, n = 0;
	uint64_t code;

	mmu_enable();
	fill_blocks(el1);
	fill_blocks(el0);
	code = el0_install(el0_semihost, el0_semihost_end);
	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
		struct trap_record r;
		uint64_t blk = ops[i].block == SIZE_MAX ? 0 : (uint64_t)el1 + ops[i].block;
		uint64_t pc, x0;

		/* The HLT is the first instruction of el1_hlt once inlined: find it by trapping. */
		trap_expect(&r);
		x0 = el1_hlt(ops[i].op, blk);
		trap_expect_none();
		pc = r.elr;
		if (r.hit) {
			pc = *(uint32_t *)r.elr == 0xd45e0000u ? r.elr : 0; /* HLT #0xF000 */
		}
		undef += report("EL1", ops[i].name, &r, pc, x0);
		n++;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
		struct trap_record r;
		struct el0_regs regs = { { ops[i].op,
					   ops[i].block == SIZE_MAX ? 0 : (uint64_t)el0 + ops[i].block,
					   0, 0 },
					 0, 0 };

		trap_expect(&r);
		el0_run(code, EL0_STACK, 0 /* EL0t */, &regs);
		trap_expect_none();
		undef += report("EL0", ops[i].name, &r, code, regs.x[0]);
		n++;
	}
	printf("semihost_probe: %u operations tried at EL1 and EL0, %u took UNDEF at the HLT\n", n,
	       undef);
}
