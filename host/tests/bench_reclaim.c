/* SPDX-License-Identifier: MIT */
/*
 * Benchmarks of reclaim: the tag codec on classes of tag pages (size and
 * instructions per page, next to raw storage and the mtecomp baseline), and the
 * evict + restore round trip of an MTE page against a non-MTE page. Run by
 * `make bench` under -icount shift=0; the results are also checked.
 */
#include <host/test.h>
#include <host/vmm.h>
#include <lib/tagcodec.h>
#include <lib/tagpattern.h>

#define CODEC_PAGES 512
#define RECLAIM_PAGES 512

static uint64_t ticks_to_insns(uint64_t ticks)
{
	return ticks * 1000000000ull / read_cntfrq();
}

static void bench_class(enum tagpattern_class cls)
{
	static uint8_t packed[CODEC_PAGES][TAGCODEC_PACKED_SIZE];
	static uint8_t enc[CODEC_PAGES][TAGCODEC_MAX_SIZE];
	static size_t len[CODEC_PAGES];
	uint8_t back[TAGCODEC_PACKED_SIZE];
	uint64_t size = 0, base = 0, t0, t_enc, t_dec;
	unsigned bad = 0;

	for (unsigned i = 0; i < CODEC_PAGES; i++) {
		tagpattern_generate(cls, 1000 + i, packed[i]);
		base += tagpattern_mtecomp_baseline_size(packed[i]);
	}
	t0 = read_cntpct();
	for (unsigned i = 0; i < CODEC_PAGES; i++) {
		len[i] = tagcodec_encode(packed[i], enc[i]);
	}
	t_enc = read_cntpct() - t0;
	t0 = read_cntpct();
	for (unsigned i = 0; i < CODEC_PAGES; i++) {
		bad += tagcodec_decode(enc[i], len[i], back) != 0;
	}
	t_dec = read_cntpct() - t0;
	for (unsigned i = 0; i < CODEC_PAGES; i++) {
		size += len[i];
		bad += tagcodec_decode(enc[i], len[i], back) != 0;
		for (unsigned b = 0; b < TAGCODEC_PACKED_SIZE; b++) {
			bad += back[b] != packed[i][b];
		}
	}
	HT_EXPECT_EQ(bad, 0);
	/* Never larger than the baseline, but for one byte on incompressible pages. */
	HT_EXPECT_TRUE(size <= base + CODEC_PAGES);
	host_printf("bench: codec_%s_bytes_x100 %lu\n", tagpattern_class_name(cls),
		    size * 100 / CODEC_PAGES);
	host_printf("bench: codec_%s_baseline_x100 %lu\n", tagpattern_class_name(cls),
		    base * 100 / CODEC_PAGES);
	host_printf("bench: codec_%s_encode %lu\n", tagpattern_class_name(cls),
		    ticks_to_insns(t_enc) / CODEC_PAGES);
	host_printf("bench: codec_%s_decode %lu\n", tagpattern_class_name(cls),
		    ticks_to_insns(t_dec) / CODEC_PAGES);
}

/*
 * Evict + restore of RECLAIM_PAGES pages with tags of class cls (MTE VMs); per page.
 * *kept_x100: the tag bytes the host was handed per page, times 100.
 */
static uint64_t reclaim_round_trip(uint32_t flags, enum tagpattern_class cls, uint64_t *kept_x100)
{
	int64_t h;
	uint8_t *pages = alloc_pages(RECLAIM_PAGES);
	uint8_t *store = alloc_pages(RECLAIM_PAGES * TAGCODEC_MAX_SIZE / PAGE_SIZE + 1);
	uint8_t *bytes = alloc_pages(1);
	uint64_t len[RECLAIM_PAGES], t0, t1, kept = 0;
	unsigned failed = 0;

	host_finalise();
	h = tv_hvc(TV_HC_VM_CREATE, flags, GUEST_RAM_IPA, RECLAIM_PAGES * PAGE_SIZE, 1, 0, 0, NULL);
	for (unsigned i = 0; i < RECLAIM_PAGES; i++) {
		uint64_t ipa = GUEST_RAM_IPA + i * PAGE_SIZE;
		uint8_t packed[TAGCODEC_PACKED_SIZE];

		failed += tv_hvc(TV_HC_MEM_DONATE, (uint64_t)h, (uint64_t)pages + i * PAGE_SIZE, ipa,
				 TV_DONATE_ZERO, 0, 0, NULL) != 0;
		if (flags & TV_VM_MTE) {
			tagpattern_generate(cls, i, packed);
			for (unsigned g = 0; g < 256; g++) {
				bytes[g] = (uint8_t)tagpattern_get(packed, g);
			}
			failed += tv_hvc(TV_HC_MTE_COPY_TAGS, (uint64_t)h, ipa, PAGE_SIZE,
					 (uint64_t)bytes, TV_TAGS_TO_GUEST, 0, NULL) != PAGE_SIZE;
		}
	}
	t0 = read_cntpct();
	for (unsigned i = 0; i < RECLAIM_PAGES; i++) {
		struct hvc_res r;

		failed += tv_hvc(TV_HC_MEM_RECLAIM, (uint64_t)h, GUEST_RAM_IPA + i * PAGE_SIZE,
				 (uint64_t)store + i * TAGCODEC_MAX_SIZE, TAGCODEC_MAX_SIZE, 0, 0,
				 &r) != 0;
		len[i] = r.x[2];
	}
	for (unsigned i = 0; i < RECLAIM_PAGES; i++) {
		bool tagged = flags & TV_VM_MTE;

		failed += tv_hvc(TV_HC_MEM_DONATE, (uint64_t)h, (uint64_t)pages + i * PAGE_SIZE,
				 GUEST_RAM_IPA + i * PAGE_SIZE, tagged ? TV_DONATE_TAGS : 0,
				 (uint64_t)store + i * TAGCODEC_MAX_SIZE, len[i], NULL) != 0;
	}
	t1 = read_cntpct();
	HT_EXPECT_EQ(failed, 0);
	for (unsigned i = 0; i < RECLAIM_PAGES; i++) {
		kept += len[i];
	}
	*kept_x100 = kept * 100 / RECLAIM_PAGES;
	if (flags & TV_VM_MTE) {
		/* The tags came back: spot-check the last page. */
		uint8_t packed[TAGCODEC_PACKED_SIZE];

		tagpattern_generate(cls, RECLAIM_PAGES - 1, packed);
		HT_EXPECT_EQ(tv_hvc(TV_HC_MTE_COPY_TAGS, (uint64_t)h,
				    GUEST_RAM_IPA + (RECLAIM_PAGES - 1) * PAGE_SIZE, PAGE_SIZE,
				    (uint64_t)bytes, TV_TAGS_FROM_GUEST, 0, NULL),
			     PAGE_SIZE);
		for (unsigned g = 0; g < 256; g++) {
			HT_EXPECT_EQ(bytes[g], tagpattern_get(packed, g));
		}
	}
	/* Page ownership still adds up across metadata and every stage 2. */
	HT_EXPECT_EQ(tv_hvc(TV_HC_CHECK, 0, 0, 0, 0, 0, 0, NULL), 0);
	HT_EXPECT_EQ(tv_hvc(TV_HC_VM_DESTROY, (uint64_t)h, 0, 0, 0, 0, 0, NULL), 0);
	return ticks_to_insns(t1 - t0) / RECLAIM_PAGES;
}

HOST_TEST(bench_reclaim)
{
	uint64_t kept, plain = reclaim_round_trip(0, TAGPATTERN_ZERO, &kept);

	HT_EXPECT_EQ(kept, 0);
	for (int c = 0; c < TAGPATTERN_NR_CLASSES; c++) {
		uint64_t mte = reclaim_round_trip(TV_VM_MTE, (enum tagpattern_class)c, &kept);
		const char *name = tagpattern_class_name((enum tagpattern_class)c);

		bench_class((enum tagpattern_class)c);
		host_printf("bench: reclaim_round_trip_mte_%s %lu\n", name, mte);
		host_printf("bench: reclaim_ratio_%s_x100 %lu\n", name, mte * 100 / plain);
		host_printf("bench: reclaim_%s_tag_bytes_x100 %lu\n", name, kept);
	}
	host_printf("bench: reclaim_round_trip_plain %lu\n", plain);
}
