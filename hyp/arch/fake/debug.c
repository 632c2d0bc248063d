/* SPDX-License-Identifier: MIT */
/* The fake arch's debug registers: owned by the host or by the vCPU arch_debug_take() gave them to.
 */
#include <arch/fake.h>
#include <hyp/debug.h>
#include <hyp/vm.h>

struct debug_state fake_debug_hw;
static const struct vcpu *owner;

void fake_debug_reset(void)
{
	owner = NULL;
	fake_debug_hw = (struct debug_state){ .oslk = 1 };
}

void arch_debug_take(struct vcpu *vcpu)
{
	fake_debug_hw = vcpu->debug;
	owner = vcpu;
}

unsigned arch_debug_brps(void)
{
	return 6; /* as QEMU's max CPU */
}

unsigned arch_debug_wrps(void)
{
	return 4;
}

bool arch_debug_loaded(const struct vcpu *vcpu)
{
	return owner == vcpu;
}

void arch_debug_set_oslk(bool locked)
{
	fake_debug_hw.oslk = locked;
}
