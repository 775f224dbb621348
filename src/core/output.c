/* Opening a file the user named as output: never replaces one without --force, never
 * writes to a device, a directory or anything but a regular file, and one writer at a time.
 *
 * Two runs given the same -o --force truncated each other's rows away and interleaved the
 * rest, and both said they succeeded. The output is therefore locked (flock, held until
 * the writer exits) before anything in it changes: --force truncates only once the lock is
 * ours, and the second writer is refused with TB_EXIT_BUSY instead of waiting (a run can
 * take an hour; a script should decide, not hang). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tinyben/util.h"
#include "tinyben/verb.h"

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int tb_output_claim(const char *path, bool force, int *out, bool *created)
{
	/* A writer that renames a whole document over the path (report -o) leaves us a lock
	 * on the old file: lock again the file the path names now. */
	for (int attempt = 0; attempt < 16; attempt++) {
		struct stat st;
		if (stat(path, &st) == 0) {
			if (!S_ISREG(st.st_mode)) {
				tb_error("%s: not a regular file; refusing to write results there",
					 path);
				return -EINVAL;
			}
			if (!force) {
				tb_error("%s: already exists (use --force to replace it)", path);
				return -EEXIST;
			}
		}
		bool made = true;
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST && force) {
			made = false;
			/* O_NONBLOCK: a FIFO put there since the stat() must not hang us. */
			fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
			if (fd < 0 && errno == EACCES) /* write-only to us: reading back is a nicety */
				fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		}
		if (fd < 0) {
			int err = errno;
			if (err == EEXIST)
				tb_error("%s: already exists (use --force to replace it)", path);
			else
				tb_error("%s: cannot create: %s", path, strerror(err));
			return -err;
		}
		struct stat fst;
		if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
			close(fd);
			tb_error("%s: not a regular file; refusing to write results there", path);
			return -EINVAL;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int err = errno;
			if (err == EWOULDBLOCK || err == EINTR) {
				close(fd);
				tb_error("%s: another tinyben is writing this file now; nothing was "
					 "changed (wait for it to end, or choose another output)",
					 path);
				return -EBUSY;
			}
			/* A file system without locks (ENOLCK, EOPNOTSUPP): write unlocked, as
			 * any tool does there. */
		}
		struct stat now;
		if (stat(path, &now) == 0 && same_file(&now, &fst)) {
			*out = fd;
			if (created)
				*created = made;
			return 0;
		}
		close(fd);
	}
	tb_error("%s: keeps being replaced by another writer; nothing was changed", path);
	return -EBUSY;
}

int tb_output_open_fd(const char *path, bool force, int *out)
{
	bool created;
	int rc = tb_output_claim(path, force, out, &created);
	if (rc < 0)
		return rc;
	/* Truncated only now that the lock is held: a refused writer changed nothing. */
	if (!created && ftruncate(*out, 0) != 0) {
		int err = errno;
		close(*out);
		tb_error("%s: cannot truncate: %s", path, strerror(err));
		return -err;
	}
	return 0;
}

int tb_output_exit_code(int rc)
{
	return rc == -EBUSY ? TB_EXIT_BUSY : TB_EXIT_USAGE;
}

const char *tb_write_strerror(int err)
{
	/* strerror(EFBIG) says "File too large", which reads like a property of the data. */
	if (err == EFBIG)
		return "File too large (EFBIG: the file size limit, ulimit -f, was reached)";
	return strerror(err);
}
