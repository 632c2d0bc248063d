/* SPDX-License-Identifier: MIT */
/* Loading a guest ELF64 (AArch64 executable) into the VMM's copy of its RAM. */
#ifndef TVRUN_ELF_H
#define TVRUN_ELF_H

#include <stdint.h>

/*
 * Reads `path` and copies its PT_LOAD segments into ram (the guest's RAM at ram_ipa,
 * ram_size bytes), every field checked against the file and RAM first. Sets *entry.
 * 0, or -1 (said why on stderr).
 */
int elf_load(const char *path, uint8_t *ram, uint64_t ram_ipa, uint64_t ram_size, uint64_t *entry);

#endif
