/* A whole document as output: written beside its path, renamed into place when complete.
 *
 * A report, a corpus or an attestation report cut short (a full disk, ulimit -f, a kill)
 * looks whole to the next program that reads it. The bytes go to a temp file in the same
 * directory (the same file system, so rename() is atomic) and replace the path only after
 * fsync; until then the path holds what it held before (or, when new, an empty locked
 * placeholder that is removed on failure and on Ctrl-C). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tinyben/util.h"

static void drop(struct tb_doc *d)
{
	if (d->f)
		fclose(d->f);
	d->f = NULL;
	if (d->tmp[0]) {
		unlink(d->tmp);
		tb_tmp_forget(d->tmp);
		d->tmp[0] = '\0';
	}
	if (d->created) {
		unlink(d->final); /* ours: created empty and locked by us */
		tb_tmp_forget(d->final);
	}
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = -1;
}

int tb_doc_open(struct tb_doc *d, const char *path, bool force)
{
	memset(d, 0, sizeof(*d));
	d->path = path;
	d->lock_fd = -1;
	int rc = tb_output_claim(path, force, &d->lock_fd, &d->created);
	if (rc < 0)
		return rc;
	/* -o through a symbolic link writes the file it points to, as a plain open() would:
	 * the rename must replace the target, not the link. */
	char real[PATH_MAX];
	if (realpath(path, real) && strlen(real) < sizeof(d->final))
		snprintf(d->final, sizeof(d->final), "%s", real);
	else
		snprintf(d->final, sizeof(d->final), "%s", path);
	if (d->created)
		tb_tmp_register(d->final); /* an empty placeholder must not survive Ctrl-C */
	struct stat st;
	mode_t mode = 0666;
	if (!d->created && fstat(d->lock_fd, &st) == 0) {
		mode = st.st_mode & 07777; /* --force keeps the replaced file's mode */
	} else {
		mode_t mask = umask(0);
		umask(mask);
		mode &= ~mask;
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", d->final);
	int fd = tb_tmp_create(dirname(dir), "out", d->tmp, sizeof(d->tmp));
	if (fd < 0) {
		d->tmp[0] = '\0';
		tb_error("%s: cannot create a temporary file beside it: %s", path, strerror(-fd));
		drop(d);
		return fd;
	}
	fchmod(fd, mode);
	d->f = fdopen(fd, "w");
	if (!d->f) {
		close(fd);
		drop(d);
		return -ENOMEM;
	}
	return 0;
}

int tb_doc_commit(struct tb_doc *d)
{
	int err = 0;
	if (fflush(d->f) != 0 || ferror(d->f))
		err = errno ? errno : EIO;
	if (!err && fsync(fileno(d->f)) != 0 && errno != EINVAL)
		err = errno;
	if (fclose(d->f) != 0 && !err)
		err = errno;
	d->f = NULL;
	if (!err && rename(d->tmp, d->final) != 0)
		err = errno;
	if (err) {
		tb_error("%s: cannot write: %s; nothing was put in place", d->path,
			 tb_write_strerror(err));
		drop(d);
		return -err;
	}
	tb_tmp_forget(d->tmp);
	d->tmp[0] = '\0';
	tb_tmp_forget(d->final);
	d->created = false;
	/* The directory entry too: a power cut must not bring the old file back. */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", d->final);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	close(d->lock_fd);
	d->lock_fd = -1;
	return 0;
}

void tb_doc_abort(struct tb_doc *d)
{
	drop(d);
}
