/* SPDX-License-Identifier: MIT */
/* The reference tag codec (tests/common/tagcodec_ref.c): same contract as lib/tagcodec.h. */
#ifndef TESTS_COMMON_TAGCODEC_REF_H
#define TESTS_COMMON_TAGCODEC_REF_H

#include <lib/tagcodec.h>

size_t tagcodec_ref_encode(const uint8_t packed[TAGCODEC_PACKED_SIZE],
			   uint8_t out[TAGCODEC_MAX_SIZE]);
int tagcodec_ref_decode(const uint8_t *in, size_t len, uint8_t packed[TAGCODEC_PACKED_SIZE]);

#endif
