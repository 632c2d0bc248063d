/* SPDX-License-Identifier: MIT */
/*
 * Semihosting from Linux userspace: HLT #0xF000 with each semihosting operation in x0
 * and a parameter block that would create /tmp/tagvisor-semihost-user on the machine
 * running QEMU (or run a command there, or end QEMU with status 77). Without
 * semihosting, HLT is undefined at EL0: the kernel sends SIGILL each time, and this
 * program steps over the HLT and counts it.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile unsigned sigills;

static void on_sigill(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)sig;
	(void)si;
	sigills++;
	uc->uc_mcontext.pc += 4; /* past the HLT */
}

static uint64_t hlt(uint64_t op, const void *block)
{
	register uint64_t x0 __asm__("x0") = op;
	register const void *x1 __asm__("x1") = block;

	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	return x0;
}

int main(void)
{
	static const char path[] = "/tmp/tagvisor-semihost-user";
	static const char cmd[] = "touch /tmp/tagvisor-semihost-user";
	static const unsigned ops[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x09, 0x0a, 0x0c,
					0x0e, 0x10, 0x11, 0x12, 0x13, 0x15, 0x16, 0x18, 0x20, 0x30 };
	char buf[64] = "semihosting reached the machine running QEMU\n";
	uint64_t open_block[3] = { (uint64_t)path, 4, sizeof(path) - 1 };
	uint64_t system_block[2] = { (uint64_t)cmd, sizeof(cmd) - 1 };
	uint64_t exit_block[2] = { 0x20026, 77 };
	uint64_t buf_block[3] = { 2, (uint64_t)buf, 45 };
	struct sigaction sa;
	unsigned n = sizeof(ops) / sizeof(ops[0]);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGILL, &sa, NULL);
	for (unsigned i = 0; i < n; i++) {
		const void *block = ops[i] == 0x01 || ops[i] == 0x0e ? (const void *)open_block
				    : ops[i] == 0x12			 ? (const void *)system_block
				    : ops[i] == 0x18 || ops[i] == 0x20	 ? (const void *)exit_block
				    : ops[i] == 0x04			 ? (const void *)buf
									 : (const void *)buf_block;

		hlt(ops[i], block);
	}
	printf("semihost_user: %u operations, %u SIGILL%s\n", n, sigills,
	       sigills == n ? ": PASS" : ": FAIL");
	return sigills == n ? 0 : 1;
}
