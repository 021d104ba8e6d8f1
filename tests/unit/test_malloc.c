/* executor/musl/malloc.c, the musl build's allocator, under other names so
 * that it runs beside the libc's own: contents survive realloc and reuse,
 * blocks are aligned and as big as asked, calloc zeroes reused blocks, a
 * size overflow fails, and a random mix of sizes never overlaps blocks. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"

#define malloc		   mm_malloc
#define free		   mm_free
#define calloc		   mm_calloc
#define realloc		   mm_realloc
#define aligned_alloc	   mm_aligned_alloc
#define posix_memalign	   mm_posix_memalign
#define memalign	   mm_memalign
#define malloc_usable_size mm_malloc_usable_size
void *mm_malloc(size_t n);
void mm_free(void *p);
void *mm_calloc(size_t a, size_t b);
void *mm_realloc(void *p, size_t n);
void *mm_aligned_alloc(size_t align, size_t n);
int mm_posix_memalign(void **ret, size_t align, size_t n);
void *mm_memalign(size_t align, size_t n);
size_t mm_malloc_usable_size(void *p);
#include "../../executor/musl/malloc.c"
#undef malloc
#undef free
#undef calloc
#undef realloc
#undef aligned_alloc
#undef posix_memalign
#undef memalign
#undef malloc_usable_size

#define SLOTS 512

struct slot {
	unsigned char *p;
	size_t n;
	unsigned char tag;
};

static bool intact(const struct slot *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->p[i] != (unsigned char) (s->tag + i))
			return false;
	return true;
}

static void fill(struct slot *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->p[i] = (unsigned char) (s->tag + i);
}

static size_t random_size(uint64_t *rng)
{
	uint64_t r = t_xorshift(rng);
	switch (r % 8) {
	case 0:
		return 0;
	case 1:
		return (size_t) (r >> 8) % 300000; /* past the biggest class */
	default:
		return (size_t) (r >> 8) % 2000;
	}
}

/* Allocate, grow, shrink and free at random; every live block must keep
 * its own bytes. */
static void check_mix(void)
{
	static struct slot s[SLOTS];
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	bool good = true, aligned = true, big_enough = true;
	for (int round = 0; round < 20000 && good; round++) {
		struct slot *x = &s[t_xorshift(&rng) % SLOTS];
		if (x->p && !intact(x))
			good = false;
		size_t n = random_size(&rng);
		if (!x->p || t_xorshift(&rng) % 3 == 0) {
			mm_free(x->p);
			x->p = mm_malloc(n);
		} else {
			x->p = mm_realloc(x->p, n);
			size_t keep = x->n < n ? x->n : n;
			x->n = keep; /* realloc kept the old prefix */
			if (!intact(x))
				good = false;
		}
		if (!x->p) {
			good = false;
			break;
		}
		aligned = aligned && ((uintptr_t) x->p & 15) == 0;
		big_enough = big_enough && mm_malloc_usable_size(x->p) >= n;
		x->n = n;
		x->tag = (unsigned char) round;
		fill(x);
	}
	for (size_t i = 0; i < SLOTS; i++) {
		if (s[i].p && !intact(&s[i]))
			good = false;
		mm_free(s[i].p);
		s[i].p = NULL;
	}
	ok(good, "20000 random malloc/realloc/free: every block keeps its bytes");
	ok(aligned, "... every block is 16-byte aligned");
	ok(big_enough, "... malloc_usable_size is at least the size asked");
}

static void check_calloc(void)
{
	unsigned char *p = mm_malloc(100);
	memset(p, 0xab, 100);
	mm_free(p);
	unsigned char *q = mm_calloc(10, 10); /* the same class: likely the same block */
	bool zero = q != NULL;
	for (int i = 0; zero && i < 100; i++)
		zero = q[i] == 0;
	ok(zero, "calloc of a reused block is all zero");
	mm_free(q);
	errno = 0;
	ok(mm_calloc(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM, "calloc overflow: NULL, ENOMEM");
	errno = 0;
	ok(mm_malloc(SIZE_MAX - 100) == NULL && errno == ENOMEM, "malloc(SIZE_MAX - 100): NULL");
}

static void check_big_and_aligned(void)
{
	size_t n = 1 << 20;
	unsigned char *p = mm_malloc(n);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char) (i * 7);
	p = mm_realloc(p, 16 << 20); /* mremap */
	bool kept = p != NULL;
	for (size_t i = 0; kept && i < n; i++)
		kept = p[i] == (unsigned char) (i * 7);
	ok(kept, "a 1 MiB block grown to 16 MiB keeps its bytes");
	p[(16 << 20) - 1] = 1; /* and all of it is there */
	mm_free(p);
	static const size_t aligns[] = {16, 64, 4096, 65536};
	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		void *a = NULL;
		int r = mm_posix_memalign(&a, aligns[i], 1000);
		ok(r == 0 && ((uintptr_t) a & (aligns[i] - 1)) == 0 &&
			   mm_malloc_usable_size(a) >= 1000,
		   "posix_memalign(%zu, 1000) is aligned and big enough", aligns[i]);
		memset(a, 1, 1000);
		mm_free(a);
	}
	ok(mm_aligned_alloc(24, 10) == NULL && errno == EINVAL, "aligned_alloc(24): EINVAL");
	ok(mm_realloc(NULL, 10) != NULL, "realloc(NULL, n) allocates");
}

int main(void)
{
	check_mix();
	check_calloc();
	check_big_and_aligned();
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}
