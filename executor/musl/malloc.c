/* The allocator of the musl build of judgebox (linked there only).
 *
 * Why not musl's own: mallocng maps a fresh group for each size class a
 * cold process touches and unmaps it again when the group empties, and a
 * single `judgebox exec` is nothing but a cold process. Measured: 0.4 ms
 * of its start (mmap, munmap and their page faults) went there.
 *
 * This one is deliberately simple. Sizes up to 64 KiB are rounded up to a
 * power of two and carved from 1 MiB chunks; a freed block goes on its
 * class's list for the next request of that class. Chunks are kept for the
 * process's life, so memory stays bounded by the peak of live blocks per
 * class. Anything bigger is its own mapping, unmapped on free and grown
 * with mremap. judgebox has no threads; a spin lock makes the functions
 * safe anyway. Every block is 16-byte aligned. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIN_SHIFT 4  /* 16 B */
#define MAX_SHIFT 16 /* 64 KiB */
#define NCLASS	  (MAX_SHIFT - MIN_SHIFT + 1)
#define CHUNK	  (1UL << 20)
#define BIG	  UINT32_MAX

/* Before every block; 16 bytes keep the block 16-byte aligned. */
struct hdr {
	uint32_t cls; /* size class, or BIG */
	uint32_t off; /* BIG: the block's offset into its mapping */
	size_t len;   /* usable bytes (BIG: the mapping's length) */
};
_Static_assert(sizeof(struct hdr) == 16, "header keeps 16-byte alignment");

struct free_block {
	struct free_block *next;
};

static struct free_block *free_list[NCLASS];
static char *chunk_cur, *chunk_end;
static int lock_word;

static void lock(void)
{
	while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
		;
}

static void unlock(void)
{
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

static struct hdr *hdr_of(void *p)
{
	return (struct hdr *) p - 1;
}

static void *big_alloc(size_t n, size_t align)
{
	size_t page = 4096, a = align > 16 ? align : 16;
	if (n > SIZE_MAX - a - sizeof(struct hdr) - page) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = (n + a + sizeof(struct hdr) + page - 1) & ~(page - 1);
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL; /* errno is ENOMEM */
	uintptr_t blk = ((uintptr_t) m + sizeof(struct hdr) + a - 1) & ~(uintptr_t) (a - 1);
	struct hdr *h = (struct hdr *) blk - 1;
	*h = (struct hdr){.cls = BIG, .off = (uint32_t) (blk - (uintptr_t) m), .len = len};
	return h + 1;
}

static void *small_alloc(unsigned cls)
{
	size_t size = (size_t) 1 << (cls + MIN_SHIFT);
	lock();
	struct free_block *b = free_list[cls];
	if (b) {
		free_list[cls] = b->next;
		unlock();
		return b;
	}
	size_t need = sizeof(struct hdr) + size;
	if ((size_t) (chunk_end - chunk_cur) < need) {
		char *c = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);
		if (c == MAP_FAILED) {
			unlock();
			return NULL;
		}
		chunk_cur = c;
		chunk_end = c + CHUNK;
	}
	struct hdr *h = (struct hdr *) chunk_cur;
	chunk_cur += need;
	unlock();
	*h = (struct hdr){.cls = cls, .len = size};
	return h + 1;
}

static unsigned class_of(size_t n)
{
	unsigned cls = 0;
	while (((size_t) 1 << (cls + MIN_SHIFT)) < n)
		cls++;
	return cls;
}

/* Not called as malloc inside this file: the compiler would take the
 * header before a block for an access outside the object malloc made. */
static void *alloc(size_t n)
{
	if (n > ((size_t) 1 << MAX_SHIFT))
		return big_alloc(n, 0);
	return small_alloc(class_of(n));
}

void *malloc(size_t n)
{
	return alloc(n);
}

void free(void *p)
{
	if (!p)
		return;
	struct hdr *h = hdr_of(p);
	if (h->cls == BIG) {
		(void) munmap((char *) p - h->off, h->len);
		return;
	}
	struct free_block *b = p;
	lock();
	b->next = free_list[h->cls];
	free_list[h->cls] = b;
	unlock();
}

void *calloc(size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b) {
		errno = ENOMEM;
		return NULL;
	}
	size_t n = a * b;
	void *p = alloc(n);
	if (p && hdr_of(p)->cls != BIG)
		memset(p, 0, n); /* a fresh mapping is zero already */
	return p;
}

size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	struct hdr *h = hdr_of(p);
	return h->cls == BIG ? h->len - h->off : h->len;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return alloc(n);
	struct hdr *h = hdr_of(p);
	size_t have = malloc_usable_size(p);
	if (n <= have && (h->cls == BIG || n > have / 2 || h->cls == 0))
		return p; /* fits, and not so much smaller that it wastes a class */
	if (h->cls == BIG && h->off == sizeof(struct hdr) && n > ((size_t) 1 << MAX_SHIFT)) {
		size_t len = (n + h->off + 4095) & ~(size_t) 4095;
		char *m = mremap(h, h->len, len, MREMAP_MAYMOVE);
		if (m == MAP_FAILED)
			return NULL;
		h = (struct hdr *) m;
		h->len = len;
		return h + 1;
	}
	void *q = alloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, have < n ? have : n);
	free(p);
	return q;
}

void *aligned_alloc(size_t align, size_t n)
{
	if (align & (align - 1)) {
		errno = EINVAL;
		return NULL;
	}
	/* Small blocks are 16-byte aligned; a stricter alignment gets its own
	 * mapping (judgebox asks for none; libraries rarely do). */
	return align <= 16 ? alloc(n) : big_alloc(n, align);
}

int posix_memalign(void **ret, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = aligned_alloc(align, n);
	if (!p)
		return ENOMEM;
	*ret = p;
	return 0;
}

void *memalign(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}
