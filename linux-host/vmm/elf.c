/* SPDX-License-Identifier: MIT */
#include "elf.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *path, const char *why)
{
	fprintf(stderr, "tvrun: %s: %s\n", path, why);
	return -1;
}

/* Whether [a, a + n) lies inside [base, base + size). */
static int inside(uint64_t a, uint64_t n, uint64_t base, uint64_t size)
{
	return a >= base && n <= size && a - base <= size - n;
}

static int load(const char *path, const uint8_t *f, uint64_t len, uint8_t *ram, uint64_t ram_ipa,
		uint64_t ram_size, uint64_t *entry)
{
	Elf64_Ehdr eh;
	int entry_ok = 0;

	if (len < sizeof(eh)) {
		return fail(path, "not an ELF file");
	}
	memcpy(&eh, f, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_AARCH64 ||
	    eh.e_type != ET_EXEC) {
		return fail(path, "not a little-endian AArch64 ELF64 executable");
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !inside(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), 0, len)) {
		return fail(path, "program headers outside the file");
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, f + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz) {
			continue;
		}
		if (ph.p_filesz > ph.p_memsz || !inside(ph.p_offset, ph.p_filesz, 0, len)) {
			return fail(path, "a segment outside the file");
		}
		if (!inside(ph.p_paddr, ph.p_memsz, ram_ipa, ram_size)) {
			return fail(path, "a segment outside the guest's RAM");
		}
		/* The rest of memsz is zero: fresh anonymous memory. */
		memcpy(ram + (ph.p_paddr - ram_ipa), f + ph.p_offset, ph.p_filesz);
		entry_ok |= eh.e_entry >= ph.p_paddr && eh.e_entry - ph.p_paddr < ph.p_memsz;
	}
	if (!entry_ok) {
		return fail(path, "the entry point is in no loaded segment");
	}
	*entry = eh.e_entry;
	return 0;
}

int elf_load(const char *path, uint8_t *ram, uint64_t ram_ipa, uint64_t ram_size, uint64_t *entry)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len = -1;
	int r = -1;

	if (fp && !fseek(fp, 0, SEEK_END) && (len = ftell(fp)) > 0 && !fseek(fp, 0, SEEK_SET)) {
		buf = malloc((size_t)len);
	}
	if (!buf || fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		fail(path, "cannot read it");
	} else {
		r = load(path, buf, (uint64_t)len, ram, ram_ipa, ram_size, entry);
	}
	free(buf);
	if (fp) {
		fclose(fp);
	}
	return r;
}
