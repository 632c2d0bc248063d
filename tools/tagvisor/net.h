/* SPDX-License-Identifier: MIT */
/* TCP endpoints of a migration: "tcp:HOST:PORT" (HOST a name or an address). */
#ifndef TOOLS_TAGVISOR_NET_H
#define TOOLS_TAGVISOR_NET_H

#include <stddef.h>

/* Listens on the endpoint. Returns the socket, or -1 with why set. */
int net_listen(const char *spec, char *why, size_t cap);
/* Connects, retrying for up to `seconds` while nobody listens yet. Socket or -1 with why. */
int net_connect(const char *spec, unsigned seconds, char *why, size_t cap);
/* Takes a waiting connection (non-blocking). Socket, or -1; `who` names the peer. */
int net_accept(int listen_fd, char *who, size_t cap);
/* Whether spec is "tcp:HOST:PORT" with a port 1..65535 (why says what is wrong). */
int net_check_spec(const char *spec, char *why, size_t cap);

#endif
