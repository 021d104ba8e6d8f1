#pragma once
/* The kernel's process events (netlink proc connector, root only), to learn
 * how every process of a job ended, not only those init reaps itself: the
 * contract's "a task died of SIGXFSZ" includes a compiler's `as` reaped by
 * gcc. Each job's tree is followed from its init through fork events. */
#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

struct procev;

/* Subscribe. -EPERM without CAP_NET_ADMIN (an unprivileged supervisor):
 * the caller goes on without it. */
int procev_open(struct procev **ret, struct jb_err *err);
void procev_free(struct procev *p);
int procev_fd(const struct procev *p);

/* Follow root and every process it forks from now on, under token. */
void procev_track(struct procev *p, pid_t root, unsigned token);
/* Forget token's processes (its job ended). */
void procev_untrack(struct procev *p, unsigned token);

/* Read what is queued; for each followed process that died of SIGXFSZ call
 * on_xfsz(opaque, token). Returns 0, or -ENOBUFS when events were lost (the
 * socket overflowed: a fork storm). */
int procev_read(struct procev *p, void (*on_xfsz)(void *opaque, unsigned token), void *opaque);
