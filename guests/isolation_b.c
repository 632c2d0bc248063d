/* SPDX-License-Identifier: MIT */
#include "isolation.h"

void guest_main(void)
{
	isolation_main(2, 1);
}
