/* SPDX-License-Identifier: MIT */
#include "service.h"

#include <abi/guest.h>
#include <lib/string.h>

static struct service *services[VMM_MAX_GUESTS];

static void capture(struct guest *g, char c)
{
	struct service *s = services[g->id];

	if (s->console_len + 1 < sizeof(s->console)) {
		s->console[s->console_len++] = c;
		s->console[s->console_len] = '\0';
	}
}

static bool on_call(struct guest *g, unsigned v, const uint64_t args[5], uint64_t *ret)
{
	(void)v;
	struct service *s = services[g->id];

	if (args[0] != TV_VMM_CALL_READY) {
		return false;
	}
	s->ready = true;
	s->base = args[1];
	s->bytes = args[2];
	*ret = 0;
	return true; /* stop here: the test does its work, then resumes the guest */
}

int service_start(struct service *s, unsigned id, uint32_t vm_flags)
{
	memset(s, 0, sizeof(*s));
	services[id] = s;
	s->g.id = id;
	pl011_init(&s->g.uart, false);
	s->g.uart.sink = capture;
	s->g.vmm_call = on_call;
	host_finalise();
	if (guest_create(&s->g, vm_flags, SERVICE_MEM, 1) ||
	    guest_load_elf(&s->g, service_elf, (uint64_t)(service_elf_end - service_elf))) {
		return -1;
	}
	while (!s->ready && !s->g.done) {
		guest_run_vcpu(&s->g, 0);
	}
	return s->ready ? 0 : -1;
}

int service_finish(struct service *s)
{
	while (!s->g.done) {
		guest_run_vcpu(&s->g, 0);
	}
	return s->g.status;
}

bool service_verified(const struct service *s)
{
	return strstr(s->console, "service: 131072 words verified, 0 wrong") != NULL;
}
