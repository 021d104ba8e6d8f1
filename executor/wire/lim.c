#include "lim.h"

#include <ctype.h>
#include <stdlib.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

/* The documented defaults for a limit given as 0 (contract, "Defaults for 0"). */
#define DEF_CPU_MS     UINT64_C(10000)
#define DEF_MEMORY     (256 * MIB)
#define DEF_PROCESSES  64u
#define DEF_OUTPUT     (16 * MIB)
#define DEF_OPEN_FILES 256u
#define DEF_BOX	       (64 * MIB)

static uint64_t host_half_ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || page <= 0)
		return 0; /* unknown: the caller's floor applies */
	return (uint64_t) pages * (uint64_t) page / 2;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void lim_ceilings_default(struct lim *ret)
{
	/* Half the RAM, but never below the defaults: out of the box every
	 * default job must be accepted (contract, Trust). */
	uint64_t half = host_half_ram_bytes();
	*ret = (struct lim){
		.cpu_time_ms = 3600 * UINT64_C(1000),
		.wall_time_ms = 7200 * UINT64_C(1000),
		.memory_bytes = max_u64(half, DEF_MEMORY),
		.processes = 1024,
		.output_bytes = GIB,
		.file_size_bytes = 4 * GIB,
		.stack_bytes = max_u64(half, DEF_MEMORY),
		.open_files = 65536,
		.box_bytes = max_u64(half, DEF_BOX),
	};
}

/* A ceiling of 0 means the operator set none. */
static uint64_t ceiling(uint64_t c)
{
	return c ? c : UINT64_MAX;
}

/* One limit: the given value checked against its ceiling, or the default
 * (plain or derived) lowered to the ceiling. */
static int resolve_one(const char *field, uint64_t given, uint64_t def, uint64_t ceil,
		       uint64_t *ret, struct jb_err *err)
{
	ceil = ceiling(ceil);
	if (given == 0) {
		*ret = min_u64(def, ceil);
		return 0;
	}
	if (given > ceil)
		return jb_invalid(err, "limits.%s: %llu is above the ceiling %llu", field,
				  (unsigned long long) given, (unsigned long long) ceil);
	*ret = given;
	return 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int lim_resolve(const Judgebox__Limits *in, const struct lim *ceil, struct lim *ret,
		struct jb_err *err)
{
	static const Judgebox__Limits zero = JUDGEBOX__LIMITS__INIT;
	struct lim defceil, l = {0};
	uint64_t v = 0;
	int r;

	if (!in)
		in = &zero;
	if (!ceil) {
		lim_ceilings_default(&defceil);
		ceil = &defceil;
	}
#define ONE(f, def)                                                                                \
	do {                                                                                       \
		r = resolve_one(#f, in->f, (def), ceil->f, &v, err);                               \
		if (r < 0)                                                                         \
			return r;                                                                  \
		l.f = v;                                                                           \
	} while (0)
	/* Order matters: wall derives from cpu, stack from memory, file size from box. */
	ONE(cpu_time_ms, DEF_CPU_MS);
	ONE(wall_time_ms, sat_add(sat_add(l.cpu_time_ms, l.cpu_time_ms), 1000));
	ONE(memory_bytes, DEF_MEMORY);
	ONE(processes, DEF_PROCESSES);
	ONE(output_bytes, DEF_OUTPUT);
	ONE(box_bytes, DEF_BOX);
	ONE(file_size_bytes, l.box_bytes);
	ONE(stack_bytes, l.memory_bytes);
	ONE(open_files, DEF_OPEN_FILES);
#undef ONE
	*ret = l;
	return 0;
}

void lim_to_proto(const struct lim *l, Judgebox__Limits *ret)
{
	judgebox__limits__init(ret);
	ret->cpu_time_ms = l->cpu_time_ms;
	ret->wall_time_ms = l->wall_time_ms;
	ret->memory_bytes = l->memory_bytes;
	ret->processes = l->processes;
	ret->output_bytes = l->output_bytes;
	ret->file_size_bytes = l->file_size_bytes;
	ret->stack_bytes = l->stack_bytes;
	ret->open_files = l->open_files;
	ret->box_bytes = l->box_bytes;
}

/* "12" or "12.345": the integer part and the fraction as num/den. At most 18
 * fraction digits are kept exactly; any non-zero digit after them rounds the
 * fraction up by one unit, so rounding up stays correct. Returns the end, or
 * NULL on junk or overflow (*ret_overflow tells which). */
struct decimal {
	uint64_t ip, num, den;
	bool sticky; /* non-zero digits beyond the kept ones */
};

static const char *parse_decimal(const char *s, struct decimal *d, bool *ret_overflow)
{
	*d = (struct decimal){.den = 1};
	*ret_overflow = false;
	if (*s < '0' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned digit = (unsigned) (*s - '0');
		if (d->ip > (UINT64_MAX - digit) / 10) {
			*ret_overflow = true;
			return NULL;
		}
		d->ip = d->ip * 10 + digit;
	}
	if (*s != '.')
		return s;
	s++;
	if (*s < '0' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (d->den < UINT64_C(1000000000000000000)) {
			d->num = d->num * 10 + (uint64_t) (*s - '0');
			d->den *= 10;
		} else if (*s != '0') {
			d->sticky = true;
		}
	}
	return s;
}

/* d * mult, rounded up; false on overflow. Digits beyond the kept ones add
 * less than mult / 10^18 < 1 (mult <= 2^40), so they round up by one. */
static bool decimal_scale(const struct decimal *d, uint64_t mult, uint64_t *ret)
{
	unsigned __int128 frac = (unsigned __int128) d->num * mult;
	unsigned __int128 total = (unsigned __int128) d->ip * mult + frac / d->den;

	if (d->sticky || frac % d->den)
		total++;
	if (total > UINT64_MAX)
		return false;
	*ret = (uint64_t) total;
	return true;
}

static uint64_t size_unit(char c)
{
	switch (c) {
	case 'k':
	case 'K':
		return KIB;
	case 'm':
	case 'M':
		return MIB;
	case 'g':
	case 'G':
		return GIB;
	case 't':
	case 'T':
		return GIB * KIB;
	}
	return 0;
}

int lim_parse_size(const char *s, uint64_t *ret_bytes, struct jb_err *err)
{
	struct decimal d;
	bool overflow;
	const char *end = parse_decimal(s, &d, &overflow);
	uint64_t mult = 1;

	if (!end)
		goto bad;
	if (size_unit(*end)) {
		mult = size_unit(*end++);
		if (*end == 'i' || *end == 'I') {
			end++;
			if (*end != 'b' && *end != 'B')
				goto bad;
		}
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0')
		goto bad;
	if (!decimal_scale(&d, mult, ret_bytes)) {
		overflow = true;
		goto bad;
	}
	return 0;
bad:
	if (overflow)
		return jb_invalid(err, "size '%s' is too large", s);
	return jb_invalid(err, "invalid size '%s' (expected e.g. 4096, 64K, 256M, 1.5G)", s);
}

int lim_parse_seconds(const char *s, uint64_t *ret_ms, struct jb_err *err)
{
	struct decimal d;
	bool overflow;
	const char *end = parse_decimal(s, &d, &overflow);
	uint64_t mult = 1000;

	if (!end)
		goto bad;
	if (strcasecmp(end, "ms") == 0)
		mult = 1;
	else if (strcasecmp(end, "s") != 0 && *end != '\0')
		goto bad;
	if (!decimal_scale(&d, mult, ret_ms)) {
		overflow = true;
		goto bad;
	}
	return 0;
bad:
	if (overflow)
		return jb_invalid(err, "time '%s' is too large", s);
	return jb_invalid(err, "invalid time '%s' (expected seconds, e.g. 1, 0.5, 2.5s, 1500ms)",
			  s);
}

int lim_parse_uint(const char *s, uint64_t max, uint64_t *ret, struct jb_err *err)
{
	uint64_t v = 0;
	bool overflow = false;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned digit = (unsigned) (*p - '0');
		if (v > (UINT64_MAX - digit) / 10)
			overflow = true;
		else
			v = v * 10 + digit;
	}
	if (p == s || *p != '\0')
		return jb_invalid(err, "'%s' is not an unsigned integer", s);
	if (overflow || v > max)
		return jb_invalid(err, "'%s' is above the maximum %llu", s,
				  (unsigned long long) max);
	*ret = v;
	return 0;
}

/* Set one rlimit. Unprivileged, the hard limit cannot be raised: then the
 * host's hard limit, lower than asked, is the one that holds. */
static int set_rlimit(int resource, const char *name, rlim_t soft, rlim_t hard, struct jb_err *err)
{
	struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard}, cur;

	if (setrlimit(resource, &rl) == 0)
		return 0;
	int saved = errno;
	if (saved == EPERM && getrlimit(resource, &cur) == 0 && hard > cur.rlim_max) {
		rl.rlim_max = cur.rlim_max;
		rl.rlim_cur = soft < cur.rlim_max ? soft : cur.rlim_max;
		if (setrlimit(resource, &rl) == 0)
			return 0;
		saved = errno;
	}
	return jb_fail(err, saved, "setrlimit(%s, %llu)", name, (unsigned long long) soft);
}

int lim_apply_rlimits(const struct lim *l, bool fallback, bool init_shares_uid, struct jb_err *err)
{
	/* The supervisor enforces the exact CPU limit; this only backstops it
	 * (SIGXCPU at soft, SIGKILL at hard) should the supervisor be gone. */
	rlim_t cpu_s = (rlim_t) ((l->cpu_time_ms + 999) / 1000) + 1;
	int r;

	/* Never RLIMIT_AS: the JVM, Go and ASan reserve far more address space
	 * than they use. */
	if ((r = set_rlimit(RLIMIT_FSIZE, "RLIMIT_FSIZE", l->file_size_bytes, l->file_size_bytes,
			    err)) < 0 ||
	    (r = set_rlimit(RLIMIT_STACK, "RLIMIT_STACK", l->stack_bytes, l->stack_bytes, err)) <
		    0 ||
	    (r = set_rlimit(RLIMIT_CORE, "RLIMIT_CORE", 0, 0, err)) < 0 ||
	    (r = set_rlimit(RLIMIT_CPU, "RLIMIT_CPU", cpu_s, cpu_s + 1, err)) < 0)
		return r;
	if (!fallback)
		return 0;
	/* Without cgroups these are the only memory and task bounds. NPROC
	 * counts every process of the uid in the namespace: init's too when
	 * it has no id of its own. */
	rlim_t nproc = (rlim_t) l->processes + (init_shares_uid ? 1 : 0);
	if ((r = set_rlimit(RLIMIT_DATA, "RLIMIT_DATA", l->memory_bytes, l->memory_bytes, err)) <
		    0 ||
	    (r = set_rlimit(RLIMIT_NPROC, "RLIMIT_NPROC", nproc, nproc, err)) < 0)
		return r;
	return 0;
}

int lim_apply_nofile(const struct lim *l, struct jb_err *err)
{
	return set_rlimit(RLIMIT_NOFILE, "RLIMIT_NOFILE", l->open_files, l->open_files, err);
}

int lim_parse_cpu_group(const char *s, cpu_set_t *ret, struct jb_err *err)
{
	char *end;
	errno = 0;
	unsigned long a = strtoul(s, &end, 10), b = a;
	if (end != s && *end == '-') {
		const char *p = end + 1;
		b = strtoul(p, &end, 10);
		if (end == p)
			end = (char *) s;
	}
	if (end == s || *end || errno || a > b || b >= CPU_SETSIZE || !isdigit((unsigned char) *s))
		return jb_invalid(err, "--cpus: bad CPU group '%s' (want N or N-M)", s);
	CPU_ZERO(ret);
	for (unsigned long c = a; c <= b; c++)
		CPU_SET(c, ret);
	return 0;
}
