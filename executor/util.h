#pragma once
/* Cleanup attributes and small helpers shared by every module. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **) p);
}
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void) close(*fd); /* nothing useful to do on a failed close */
		errno = saved;
	}
}
static inline void fclosep(FILE **f)
{
	if (*f)
		(void) fclose(*f);
}
/* SIGKILL and reap a child this scope owns. */
static inline void pid_killp(pid_t *pid)
{
	if (*pid > 0) {
		(void) kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, __WALL) < 0 && errno == EINTR)
			;
	}
}

#define _cleanup_free_	 _cleanup_(freep)
#define _cleanup_close_	 _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership on: returns the value and resets the variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p = (p);                                                            \
		(p) = NULL;                                                                        \
		_p;                                                                                \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_fd;                                                                               \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Write all of buf, retrying on EINTR and short writes. Returns 0 or -errno. */
int jb_write_all(int fd, const void *buf, size_t len);
/* Read exactly len bytes; returns len, a shorter count at EOF, or -errno. */
ssize_t jb_read_full(int fd, void *buf, size_t len);
/* Monotonic clock in microseconds. */
unsigned long long jb_now_us(void);
