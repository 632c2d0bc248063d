/* SPDX-License-Identifier: MIT */
#include <host/host.h>
#include <host/vmm.h>

int vmm_main(void)
{
	if (!bootarg("guest")) {
		host_log("no guest given: nothing to run");
		return TV_STATUS_OK;
	}
	host_log("guests are not supported yet");
	return TV_STATUS_HYP_ERROR;
}
