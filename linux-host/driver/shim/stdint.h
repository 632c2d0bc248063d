/* SPDX-License-Identifier: GPL-2.0 */
/* The fixed-width types the shared ABI headers (include/abi/) use, from the kernel's. */
#include <linux/types.h>
