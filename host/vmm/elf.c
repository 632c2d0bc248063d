/* SPDX-License-Identifier: MIT */
/*
 * An ELF64 loader for guests. The file is untrusted: every header field is
 * checked against the file and the guest's RAM before anything is copied.
 */
#include <host/vmm.h>
#include <lib/string.h>

#define PT_LOAD 1
#define EM_AARCH64 183

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF header");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF program header");

static bool in_ram(const struct guest *g, uint64_t ipa, uint64_t len)
{
	return ipa >= GUEST_RAM_IPA && len <= g->ram_size && ipa - GUEST_RAM_IPA <= g->ram_size - len;
}

int guest_stage_elf(struct guest *g, const uint8_t *elf, uint64_t size, uint64_t *entry,
		    uint64_t *end)
{
	const struct elf64_ehdr *eh = (const void *)elf;
	bool entry_ok = false;

	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != 2 ||
	    eh->ident[5] != 1 || eh->machine != EM_AARCH64 || eh->type != 2) {
		host_log("guest image is not a little-endian AArch64 ELF64 executable");
		return -1;
	}
	if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > size ||
	    (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff) {
		host_log("guest ELF: program headers outside the file");
		return -1;
	}
	*end = GUEST_RAM_IPA;
	for (unsigned i = 0; i < eh->phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, elf + eh->phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || !ph.memsz) {
			continue;
		}
		if (ph.filesz > ph.memsz || ph.offset > size || ph.filesz > size - ph.offset) {
			host_log("guest ELF: segment %u outside the file", i);
			return -1;
		}
		if (!in_ram(g, ph.paddr, ph.memsz)) {
			host_log("guest ELF: segment %u at 0x%lx+0x%lx is outside guest RAM", i, ph.paddr,
				 ph.memsz);
			return -1;
		}
		/* Only the file bytes are copied: the rest of memsz is zero on first touch. */
		if (ph.filesz && guest_write_initial(g, ph.paddr, elf + ph.offset, ph.filesz)) {
			return -1;
		}
		if (eh->entry >= ph.paddr && eh->entry - ph.paddr < ph.memsz) {
			entry_ok = true;
		}
		if (ph.paddr + ph.memsz > *end) {
			*end = ph.paddr + ph.memsz;
		}
	}
	if (!entry_ok) {
		host_log("guest ELF: entry point 0x%lx is in no loaded segment", eh->entry);
		return -1;
	}
	*entry = eh->entry;
	return 0;
}

int guest_load_elf(struct guest *g, const uint8_t *elf, uint64_t size)
{
	uint64_t entry, end;

	if (guest_stage_elf(g, elf, size, &entry, &end) || guest_donate_staged(g)) {
		return -1;
	}
	return (int)tv_hvc(TV_HC_VCPU_SET_REG, (uint64_t)g->handle, 0, TV_REG_PC, entry, 0, 0,
			   NULL);
}
