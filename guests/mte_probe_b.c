/* SPDX-License-Identifier: MIT */
/*
 * mte_probe under another name, only on its last line: two guests that run side by
 * side print the same lines, and each summary line shows that one of them printed
 * all of its lines as on bare QEMU.
 */
#define PROBE_NAME "mte_probe_b"
#include "mte_probe.c"
