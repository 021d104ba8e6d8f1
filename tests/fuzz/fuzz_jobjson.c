/* libFuzzer target for jobjson.c: any text either becomes a packed Job that
 * protobuf-c decodes again, or is refused as INVALID_JOB with a message, and
 * nothing leaks either way. A broken invariant traps (a crash to the fuzzer). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jobjson.h"
#include "judgebox.pb-c.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *pb = NULL;
	size_t len = 0;
	struct jb_err err = {0};
	int r = jobjson_to_pb((const char *) data, size, &pb, &len, NULL, 0, &err);
	if (r < 0) {
		CHECK(!pb && err.msg[0] && memchr(err.msg, '\0', sizeof(err.msg)));
		CHECK(err.kind == JB_ERR_INVALID || r == -ENOMEM);
		return 0;
	}
	Judgebox__Job *j = judgebox__job__unpack(NULL, len, pb);
	CHECK(j != NULL); /* what the mapping packs, protobuf-c reads back */
	judgebox__job__free_unpacked(j, NULL);
	free(pb);
	return 0;
}
