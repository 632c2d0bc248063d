/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "net.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Splits "tcp:HOST:PORT" ("tcp:[v6]:PORT" too) into host and port strings. */
static int split(const char *spec, char *host, size_t hcap, char *port, size_t pcap, char *why,
		 size_t cap)
{
	const char *h, *colon;
	char *end;
	long p;

	if (strncmp(spec, "tcp:", 4)) {
		snprintf(why, cap, "'%s' is not tcp:HOST:PORT", spec);
		return -1;
	}
	h = spec + 4;
	colon = strrchr(h, ':');
	if (!colon || colon == h) {
		snprintf(why, cap, "'%s' is not tcp:HOST:PORT", spec);
		return -1;
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p < 1 || p > 65535) {
		snprintf(why, cap, "'%s': the port must be 1..65535", spec);
		return -1;
	}
	if (*h == '[' && colon[-1] == ']') {
		h++;
		snprintf(host, hcap, "%.*s", (int)(colon - 1 - h), h);
	} else {
		snprintf(host, hcap, "%.*s", (int)(colon - h), h);
	}
	snprintf(port, pcap, "%ld", p);
	return 0;
}

int net_check_spec(const char *spec, char *why, size_t cap)
{
	char host[256], port[16];

	return split(spec, host, sizeof(host), port, sizeof(port), why, cap);
}

static struct addrinfo *resolve(const char *spec, bool passive, char *why, size_t cap)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	char host[256], port[16];
	int e;

	if (split(spec, host, sizeof(host), port, sizeof(port), why, cap)) {
		return NULL;
	}
	hints.ai_flags = passive ? AI_PASSIVE : 0;
	e = getaddrinfo(host, port, &hints, &res);
	if (e) {
		snprintf(why, cap, "%s: %s", spec, gai_strerror(e));
		return NULL;
	}
	return res;
}

int net_listen(const char *spec, char *why, size_t cap)
{
	struct addrinfo *res = resolve(spec, true, why, cap), *a;
	int fd = -1, one = 1, err = 0;

	for (a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) || listen(fd, 1)) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	if (res) {
		freeaddrinfo(res);
		if (fd < 0) {
			snprintf(why, cap, "cannot listen on %s: %s", spec, strerror(err));
		}
	}
	return fd;
}

int net_connect(const char *spec, unsigned seconds, char *why, size_t cap)
{
	struct timespec until, t;
	int err = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += seconds;
	for (;;) {
		struct addrinfo *res = resolve(spec, false, why, cap), *a;

		if (!res) {
			return -1;
		}
		for (a = res; a; a = a->ai_next) {
			int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0), one = 1;

			if (fd < 0) {
				err = errno;
				continue;
			}
			if (!connect(fd, a->ai_addr, a->ai_addrlen)) {
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				freeaddrinfo(res);
				return fd;
			}
			err = errno;
			close(fd);
		}
		freeaddrinfo(res);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (err != ECONNREFUSED || t.tv_sec >= until.tv_sec) {
			break;
		}
		struct timespec nap = { 0, 100 * 1000 * 1000 };

		nanosleep(&nap, NULL);
	}
	snprintf(why, cap, "cannot connect to %s: %s", spec, strerror(err));
	return -1;
}

int net_accept(int listen_fd, char *who, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC), one = 1;

	if (fd < 0) {
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	} else if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	}
	snprintf(who, cap, "%s", host);
	return fd;
}
