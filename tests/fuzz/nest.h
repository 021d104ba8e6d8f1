#pragma once
/* Shared by the fuzz targets: an input wrapped in thousands of levels of one
 * message field, so deep nesting is fuzzed from small inputs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

/* data as the innermost of depth messages, each field `field` of the next
 * (malloc'ed, *ret_len bytes): 10,000 levels from a small input. */
static inline uint8_t *fuzz_nest(const uint8_t *data, size_t size, uint32_t field, size_t depth,
				 size_t *ret_len)
{
	size_t cap = size + depth * 16, start = cap - size;
	uint8_t *buf = malloc(cap ? cap : 1);

	if (!buf)
		return NULL;
	memcpy(buf + start, data, size);
	for (size_t i = 0; i < depth; i++) {
		uint8_t hdr[20];
		size_t h = job_varint((uint64_t) field << 3 | 2, hdr);
		h += job_varint(cap - start, hdr + h);
		start -= h;
		memcpy(buf + start, hdr, h);
	}
	memmove(buf, buf + start, cap - start);
	*ret_len = cap - start;
	return buf;
}

/* The depth an input asks for with its first byte: 2 to 17, or 10,000 to
 * 16,000. */
static inline size_t fuzz_depth(const uint8_t *data, size_t size)
{
	uint8_t b = size ? data[0] : 0;
	return b >= 0xf0 ? 10000 + (b & 15) * 400 : 2 + (b & 15);
}
