#include "outfiles.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int out_open_dir(int dirfd, const char *name, struct jb_err *err)
{
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return jb_fail(err, errno, "make the directory '%s'", name);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return jb_fail(err, errno, "open the directory '%s'", name);
	return fd;
}

static int write_file(int dirfd, const char *name, const ProtobufCBinaryData *b, struct jb_err *err)
{
	_cleanup_close_ int fd =
		openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return jb_fail(err, errno, "create '%s'", name);
	int r = jb_write_all(fd, b->data, b->len);
	return r < 0 ? jb_fail(err, -r, "write '%s'", name) : 0;
}

/* A collected file's path relative to /box, checked component by component:
 * the verdict may come from anywhere, and its paths must stay below dir. */
static int relative_path(const char *path, char *out, size_t size, struct jb_err *err)
{
	if (!strncmp(path, "/box/", 5))
		path += 5;
	if (strlen(path) >= size)
		return jb_fail(err, ENAMETOOLONG, "files: path '%s'", path);
	strcpy(out, path);
	for (char *c = out, *end; *c; c = end + 1) {
		end = strchrnul(c, '/');
		size_t n = (size_t) (end - c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return jb_fail(err, EINVAL, "files: path '%s' leaves its directory", path);
		if (!*end)
			break;
	}
	return out[0] ? 0 : jb_fail(err, EINVAL, "files: an empty path");
}

/* Make the parents of rel under dirfd and write the file in the last one. */
static int write_at_path(int dirfd, char *rel, const ProtobufCBinaryData *b, struct jb_err *err)
{
	_cleanup_close_ int dir = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (dir < 0)
		return jb_fail(err, errno, "duplicate a directory descriptor");
	char *c = rel;
	for (char *slash; (slash = strchr(c, '/')); c = slash + 1) {
		*slash = '\0';
		int sub = out_open_dir(dir, c, err);
		*slash = '/';
		if (sub < 0)
			return sub;
		close(dir);
		dir = sub;
	}
	return write_file(dir, c, b, err);
}

static int write_collected(int dirfd, const Judgebox__Verdict *v, struct jb_err *err)
{
	if (v->n_files == 0)
		return 0;
	_cleanup_close_ int files = out_open_dir(dirfd, "files", err);
	if (files < 0)
		return files;
	for (size_t i = 0; i < v->n_files; i++) {
		const Judgebox__File *f = v->files[i];
		char rel[4096];
		if (f->error && f->error[0])
			continue; /* nothing came back: the JSON says why */
		int r = relative_path(f->path, rel, sizeof(rel), err);
		if (r < 0 || (r = write_at_path(files, rel, &f->content, err)) < 0)
			return r;
	}
	return 0;
}

int out_write_verdict(int dirfd, const Judgebox__Verdict *v, struct jb_err *err)
{
	int r;
	if ((r = write_file(dirfd, "stdout", &v->stdout, err)) < 0 ||
	    (r = write_file(dirfd, "stderr", &v->stderr, err)) < 0 ||
	    (r = write_collected(dirfd, v, err)) < 0)
		return r;
	if (!v->interactor)
		return 0;
	_cleanup_close_ int sub = out_open_dir(dirfd, "interactor", err);
	if (sub < 0)
		return sub;
	/* one level only: interactors do not nest (the decoder bounds it) */
	Judgebox__Verdict flat = *v->interactor;
	flat.interactor = NULL;
	return out_write_verdict(sub, &flat, err);
}
