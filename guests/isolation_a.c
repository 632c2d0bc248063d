/* SPDX-License-Identifier: MIT */
#include "isolation.h"

void guest_main(void)
{
	isolation_main(1, 2);
}
