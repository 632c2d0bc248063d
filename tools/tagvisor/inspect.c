/* SPDX-License-Identifier: MIT */
/*
 * tagvisor inspect: what a snapshot or migration stream holds (docs/SNAPSHOT.md).
 *
 * The stream is read once, front to back, through lib/snapshot.c's reader, so a pipe
 * works as well as a file and the tool checks exactly what a restoring host checks.
 * What it prints comes out as the records arrive: if the stream is refused halfway,
 * what was read before stays on the screen, followed by the reason.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <abi/hvc.h>
#include <abi/status.h>
#include <errno.h>
#include <getopt.h>
#include <lib/snapshot.h>
#include <lib/tagcodec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void inspect_usage(FILE *f)
{
	fprintf(f,
		"usage: tagvisor inspect [options] FILE\n"
		"\n"
		"Prints what a tagvisor snapshot or migration stream holds: its kind, format\n"
		"version and creation time, the VM's configuration, each round of memory (pages,\n"
		"zero pages, compressed tag bytes), the totals with the tag compression ratio,\n"
		"every vCPU's PC, PSTATE and MTE registers, and the device state. FILE '-' reads\n"
		"standard input.\n"
		"\n"
		"The whole stream is always read and every checksum and rule checked, as a\n"
		"restore would; a stream that breaks any of them is refused with the reason.\n"
		"\n"
		"options:\n"
		"  --verify        end with a verdict line: 'verified: OK' or 'corrupt: REASON'\n"
		"  -r, --records   also list every record (number, type, length, checksum)\n"
		"  -h, --help      this text\n"
		"\n"
		"exit status: 0 the stream is whole and valid; 1 usage error, a file that cannot\n"
		"be read, or a stream that is corrupt, truncated or of another format version.\n");
}

static const char *mode_name(uint64_t pstate)
{
	switch (pstate & 0x1f) {
	case 0x5:
		return "EL1h";
	case 0x4:
		return "EL1t";
	case 0x0:
		return "EL0t";
	default:
		return "?";
	}
}

static void print_size(uint64_t bytes)
{
	if (bytes >= (1ull << 30) && !(bytes & ((1ull << 30) - 1))) {
		printf("%llu GiB", (unsigned long long)(bytes >> 30));
	} else if (bytes >= (1ull << 20) && !(bytes & ((1ull << 20) - 1))) {
		printf("%llu MiB", (unsigned long long)(bytes >> 20));
	} else {
		printf("%llu KiB", (unsigned long long)(bytes >> 10));
	}
}

static void print_vcpu(const struct tv_snap_vcpu *v)
{
	const struct tv_vcpu_state *s = &v->state;

	printf("vcpu %u:     %s pc 0x%llx pstate 0x%llx (%s, TCO %u)\n", v->index,
	       s->flags & TV_VCPU_STATE_OFF ? "off" : "on ", (unsigned long long)s->pc,
	       (unsigned long long)s->pstate, mode_name(s->pstate),
	       (unsigned)(s->pstate >> 25) & 1);
	printf("            sctlr_el1 0x%llx tcr_el1 0x%llx vbar_el1 0x%llx sp_el1 0x%llx\n",
	       (unsigned long long)s->sctlr_el1, (unsigned long long)s->tcr_el1,
	       (unsigned long long)s->vbar_el1, (unsigned long long)s->sp_el1);
	printf("            gcr_el1 0x%llx rgsr_el1 0x%llx tfsr_el1 0x%llx tfsre0_el1 0x%llx\n",
	       (unsigned long long)s->gcr_el1, (unsigned long long)s->rgsr_el1,
	       (unsigned long long)s->tfsr_el1, (unsigned long long)s->tfsre0_el1);
}

static void print_totals(const struct snap_reader *r)
{
	bool mte = r->config.vm_flags & TV_VM_MTE;
	uint64_t data_pages = r->pages - r->zero_pages;

	printf("pages:      %llu in %u round%s: %llu zero, %llu with non-zero tags\n",
	       (unsigned long long)r->pages, r->rounds, r->rounds == 1 ? "" : "s",
	       (unsigned long long)r->zero_pages, (unsigned long long)r->tagged_pages);
	if (mte && r->pages) {
		/* Every page of an MTE VM carries its tags; raw storage is 128 B a page. */
		uint64_t raw = r->pages * TAGCODEC_PACKED_SIZE;

		printf("tags:       %llu compressed bytes for %llu pages, %.2f%% of raw storage "
		       "(%llu B, %u B a page)\n",
		       (unsigned long long)r->tag_bytes, (unsigned long long)r->pages,
		       100.0 * (double)r->tag_bytes / (double)raw, (unsigned long long)raw,
		       TAGCODEC_PACKED_SIZE);
	} else {
		printf("tags:       none (%s)\n", mte ? "no pages" : "the VM has no MTE");
	}
	printf("data:       %llu bytes (%llu pages not zero)\n",
	       (unsigned long long)data_pages * 4096, (unsigned long long)data_pages);
}

/* Reads and prints the stream; 0 if it is whole and valid, -1 with r->error set. */
static int inspect_stream(struct snap_reader *r, uint8_t *payload, bool records)
{
	uint64_t round_zero = 0;
	uint32_t len;
	int type;

	if (snap_read_header(r)) {
		return -1;
	}
	printf("kind:       %s\n",
	       r->header.kind == TV_SNAP_KIND_SNAPSHOT ? "snapshot" : "migration");
	printf("version:    %u\n", r->header.version);
	printf("created:    %llu.%09llu s (the source's guest-visible time)\n",
	       (unsigned long long)(r->header.created_ns / 1000000000ull),
	       (unsigned long long)(r->header.created_ns % 1000000000ull));
	for (;;) {
		uint32_t n = r->seq;

		type = snap_read_record(r, payload, &len);
		if (type < 0) {
			return -1;
		}
		if (records) {
			uint32_t crc = crc32c(0, payload, len);

			char label[24];

			snprintf(label, sizeof(label), "record %u:", n);
			printf("%-12s%s, %u bytes, checksum 0x%08x\n", label,
			       snap_type_name(type ? (uint32_t)type : TV_SNAP_END), len, crc);
		}
		if (type == 0) {
			const struct tv_snap_end *e = (const void *)payload;

			print_totals(r);
			printf(
			    "stream:     %llu bytes, %u records with END, stream checksum 0x%08x\n",
			    (unsigned long long)r->bytes, e->records + 1, e->stream_crc);
			return 0;
		}
		if (type == TV_SNAP_CONFIG) {
			const struct tv_snap_config *c = &r->config;

			printf("config:     RAM 0x%llx-0x%llx (", (unsigned long long)c->ram_ipa,
			       (unsigned long long)(c->ram_ipa + c->ram_size));
			print_size(c->ram_size);
			printf("), MTE %s, %u vCPU%s\n", c->vm_flags & TV_VM_MTE ? "on" : "off",
			       c->nr_vcpus, c->nr_vcpus == 1 ? "" : "s");
		} else if (type == TV_SNAP_PAGES) {
			struct snap_page_iter it;
			struct tv_snap_page page;

			snap_pages_begin(&it, payload, len);
			while (snap_pages_next(&it, &page, NULL, NULL)) {
				round_zero += !!(page.flags & TV_SNAP_PAGE_ZERO);
			}
		} else if (type == TV_SNAP_ROUND_END) {
			const struct tv_snap_round_end *e = (const void *)payload;

			char label[24];

			snprintf(label, sizeof(label), "round %u:", e->round);
			printf("%-12s%u pages (%llu zero), %llu tag bytes\n", label, e->pages,
			       (unsigned long long)round_zero, (unsigned long long)e->tag_bytes);
			round_zero = 0;
		} else if (type == TV_SNAP_VCPU) {
			print_vcpu((const void *)payload);
		} else if (type == TV_SNAP_GIC) {
			const struct tv_snap_gic *g = (const void *)payload;

			printf("gic:        ctlr 0x%x, vCPU 0: vmcr 0x%llx, SGIs enabled 0x%x "
			       "pending 0x%x, %u bytes of console input\n",
			       g->gicd_ctlr, (unsigned long long)g->cpu.vmcr, g->cpu.sgi_enabled,
			       g->cpu.sgi_pending, g->uart_rx_len);
		} else if (type == TV_SNAP_GIC_CPU) {
			const struct tv_snap_gic_cpu *g = (const void *)payload;

			printf("gic cpu %u:  vmcr 0x%llx, SGIs enabled 0x%x pending 0x%x, "
			       "PPIs/SGIs enabled 0x%x\n",
			       g->index, (unsigned long long)g->cpu.vmcr, g->cpu.sgi_enabled,
			       g->cpu.sgi_pending, g->enabled);
		} else if (type == TV_SNAP_GIC_ROUTES) {
			const struct tv_snap_gic_routes *g = (const void *)payload;

			printf("gic routes: UART (SPI 33) to %s%llu\n",
			       (g->irouter[1] >> 31 & 1) ? "any vCPU, " : "vCPU ",
			       (unsigned long long)(g->irouter[1] & 0xff));
		} else if (type == TV_SNAP_DEVICE) {
			const struct tv_snap_device *d = (const void *)payload;

			printf("device:     uart cr 0x%x lcr_h 0x%x ibrd %u fbrd %u imsc 0x%x ifls "
			       "0x%x\n",
			       d->uart_cr, d->uart_lcr_h, d->uart_ibrd, d->uart_fbrd, d->uart_imsc,
			       d->uart_ifls);
		}
	}
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option options[] = {
		{ "verify", no_argument, NULL, 'V' },
		{ "records", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct snap_reader r;
	bool verify = false, records = false, io_error;
	char io_msg[128];
	uint8_t *payload;
	const char *path;
	FILE *f;
	int c, ret;

	while ((c = getopt_long(argc, argv, "rh", options, NULL)) != -1) {
		switch (c) {
		case 'V':
			verify = true;
			break;
		case 'r':
			records = true;
			break;
		case 'h':
			inspect_usage(stdout);
			return TV_STATUS_OK;
		default:
			inspect_usage(stderr);
			return TV_STATUS_USAGE;
		}
	}
	if (optind != argc - 1) {
		inspect_usage(stderr);
		return TV_STATUS_USAGE;
	}
	path = argv[optind];
	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "tagvisor inspect: %s: %s\n", path, strerror(errno));
		return TV_STATUS_USAGE;
	}
	payload = malloc(TV_SNAP_MAX_PAYLOAD);
	if (!payload) {
		fprintf(stderr, "tagvisor inspect: out of memory\n");
		return TV_STATUS_USAGE;
	}
	memset(&r, 0, sizeof(r));
	r.read = stdio_read;
	r.ctx = f;
	printf("file:       %s\n", path);
	ret = inspect_stream(&r, payload, records);
	/* A read error looks like the end of the input to the reader: say which it was. */
	io_error = ret && ferror(f);
	if (io_error) {
		snprintf(io_msg, sizeof(io_msg), "%s", strerror(errno));
	}
	free(payload);
	if (f != stdin) {
		fclose(f);
	}
	fflush(stdout);
	if (io_error) {
		fprintf(stderr, "tagvisor inspect: %s: cannot read: %s\n", path, io_msg);
		if (verify) {
			printf("corrupt: cannot read the file (%s)\n", io_msg);
		}
		return TV_STATUS_USAGE;
	}
	if (ret) {
		if (verify) {
			printf("corrupt: %s\n", r.error);
		} else {
			fprintf(stderr, "tagvisor inspect: %s: corrupt: %s\n", path, r.error);
		}
		return TV_STATUS_USAGE;
	}
	if (verify) {
		printf("verified: OK\n");
	}
	return TV_STATUS_OK;
}
