/* SPDX-License-Identifier: MIT */
/* Guest images embedded in the host for its tests (built from guests/). */
#define STR(x) #x
#define XSTR(x) STR(x)
#define IMAGE(name)                                       \
	.section .rodata.name, "a";                       \
	.balign 16;                                       \
	.global name##_elf, name##_elf_end;               \
name##_elf:                                               \
	.incbin XSTR(GUEST_DIR/name.elf);                 \
name##_elf_end:

IMAGE(service)
IMAGE(side_doors)
