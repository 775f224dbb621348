/* io.uring's target file: created under --dir after a free-space check and filled with random
 * data (a sparse file reads zeros from no device at all), or a block device the user named
 * together with --allow-device. Nothing else is ever opened for writing. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "io/uring_job.h"
#include "tinyben/ctx.h"
#include "tinyben/util.h"

#define FILL_CHUNK (1u << 20)
/* Never leave a file system with less than this free because of us. */
#define HEADROOM (64ull << 20)

void tb_uring_fill_random(void *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed ? seed : 0x2545f4914f6cdd1dull;
	uint64_t *p = buf;
	for (size_t i = 0; i < len / 8; i++) {
		p[i] = tb_xorshift64(&x);
	}
}

static int open_device(struct tb_ctx *ctx, struct uring_target *t, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(t->fail, sizeof(t->fail), "io.uring.file '%s': %s", path, strerror(errno));
		return 0;
	}
	if (!S_ISBLK(st.st_mode)) {
		snprintf(t->fail, sizeof(t->fail), "io.uring.file '%s' is not a block device "
			 "(files are only ever created by tinyben, under --dir)", path);
		return 0;
	}
	if (!TB_OPTS(ctx, struct uring_opts)->allow_device) {
		snprintf(t->fail, sizeof(t->fail), "refused: '%s' is a block device and write jobs "
			 "would overwrite it; pass --allow-device to measure it", path);
		return 0;
	}
	snprintf(t->path, sizeof(t->path), "%s", path);
	t->is_device = true;
	t->fd_direct = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	t->fd_buffered = open(path, O_RDWR | O_CLOEXEC);
	if (t->fd_direct < 0 || t->fd_buffered < 0) {
		snprintf(t->fail, sizeof(t->fail), "open '%s': %s", path, strerror(errno));
		return 0;
	}
	t->direct = true;
	uint64_t dev_bytes = 0;
	if (ioctl(t->fd_buffered, BLKGETSIZE64, &dev_bytes) == 0 && dev_bytes < t->size)
		t->size = dev_bytes & ~(uint64_t)(FILL_CHUNK - 1);
	if (t->size == 0)
		snprintf(t->fail, sizeof(t->fail), "'%s' is smaller than 1 MiB", path);
	return 0;
}

/* Writes the whole file once through fd (O_DIRECT when possible, so the page cache is not
 * filled with it), then makes it durable so that write-back does not run into the reads. */
static int fill(struct uring_target *t, int fd)
{
	void *buf;
	if (posix_memalign(&buf, 4096, FILL_CHUNK))
		return -ENOMEM;
	int rc = 0;
	for (uint64_t off = 0; off < t->size && rc == 0; off += FILL_CHUNK) {
		if (tb_interrupted()) {
			rc = -EINTR;
			break;
		}
		tb_uring_fill_random(buf, FILL_CHUNK, off / FILL_CHUNK * 0x9e3779b97f4a7c15ull + 1);
		ssize_t n = pwrite(fd, buf, FILL_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			rc = -EINTR;
		else if (n < 0)
			rc = -errno;
		else if (n != FILL_CHUNK) /* the next write says why: ENOSPC, EFBIG, EDQUOT */
			rc = pwrite(fd, (char *)buf + n, FILL_CHUNK - (size_t)n, (off_t)off + n) < 0
				     ? -errno : -ENOSPC;
	}
	free(buf);
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	return rc;
}

static int create_file(struct tb_ctx *ctx, struct uring_target *t)
{
	const char *dir = tb_settings(ctx)->dir;
	struct statvfs vfs;
	if (statvfs(dir, &vfs) != 0) {
		snprintf(t->fail, sizeof(t->fail), "statvfs '%s': %s", dir, strerror(errno));
		return 0;
	}
	uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (avail < HEADROOM || avail - HEADROOM < t->size) {
		snprintf(t->skip, sizeof(t->skip), "not enough space: the %llu MiB test file plus "
			 "%llu MiB headroom do not fit in the %llu MiB free under '%s'",
			 (unsigned long long)(t->size >> 20), HEADROOM >> 20,
			 (unsigned long long)(avail >> 20), dir);
		return 0;
	}
	int fd = tb_tmp_create(dir, "uring", t->path, sizeof(t->path));
	if (fd < 0) {
		snprintf(t->fail, sizeof(t->fail), "cannot create a file in '%s': %s", dir,
			 strerror(-fd));
		return 0;
	}
	t->created = true;
	t->fd_buffered = fd;
	if (TB_OPTS(ctx, struct uring_opts)->direct) {
		t->fd_direct = open(t->path, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (t->fd_direct >= 0)
			t->direct = true;
		else
			/* tmpfs and some FUSE file systems refuse O_DIRECT with EINVAL. */
			snprintf(t->direct_note, sizeof(t->direct_note), "buffered(O_DIRECT:%s)",
				 errno == EINVAL ? "EINVAL" : strerror(errno));
	} else {
		snprintf(t->direct_note, sizeof(t->direct_note), "buffered(option)");
	}
	if (!t->direct)
		t->fd_direct = dup(fd);
	if (t->fd_direct < 0)
		return -errno;
	tb_progress(ctx, "io.uring: writing the %llu MiB test file %s",
		    (unsigned long long)(t->size >> 20), t->path);
	int rc = fill(t, t->fd_direct);
	if (rc == -ENOSPC || rc == -EDQUOT || rc == -EFBIG) {
		snprintf(t->skip, sizeof(t->skip), "%s while writing the %llu MiB test file "
			 "under '%s': %s", rc == -EFBIG ? "above the file size limit" : "not enough space",
			 (unsigned long long)(t->size >> 20), dir, tb_write_strerror(-rc));
		return 0;
	}
	if (rc < 0 && rc != -EINTR) {
		snprintf(t->fail, sizeof(t->fail), "writing the test file: %s", strerror(-rc));
		return 0;
	}
	return rc;
}

int tb_uring_target_open(struct tb_ctx *ctx, struct uring_target *t)
{
	memset(t, 0, sizeof(*t));
	t->fd_direct = t->fd_buffered = -1;
	t->size = (uint64_t)TB_OPTS(ctx, struct uring_opts)->size & ~(uint64_t)(FILL_CHUNK - 1);
	const char *dev = TB_OPTS(ctx, struct uring_opts)->file;
	if (dev && *dev)
		return open_device(ctx, t, dev);
	return create_file(ctx, t);
}

void tb_uring_target_close(struct uring_target *t)
{
	if (t->fd_direct >= 0)
		close(t->fd_direct);
	if (t->fd_buffered >= 0)
		close(t->fd_buffered);
	t->fd_direct = t->fd_buffered = -1;
	if (t->created) {
		unlink(t->path);
		tb_tmp_forget(t->path);
		t->created = false;
	}
}
