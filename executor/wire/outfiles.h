#pragma once
/* A verdict's bytes as files: its stdout, stderr and collected files written
 * under a directory (`judgebox show --files-to DIR`), so nobody decodes
 * base64 by hand. */
#include "err.h"
#include "judgebox.pb-c.h"

/* Write v's stdout and stderr as 'stdout' and 'stderr' in the directory
 * dirfd, each collected file that came back as 'files/PATH' (PATH relative to
 * /box), and the interactor's verdict the same way under 'interactor/'.
 * A path that would leave its directory (.., an empty component) is refused;
 * nothing is followed through a symlink. Files written before a failure stay. */
int out_write_verdict(int dirfd, const Judgebox__Verdict *v, struct jb_err *err);

/* Open (making it when missing) the directory 'name' under dirfd. */
int out_open_dir(int dirfd, const char *name, struct jb_err *err);
