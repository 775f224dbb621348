/* Talking to a TPM: one write of the command, then its response. The kernel's device hands
 * the whole response to one read; a socket is a byte stream, read to the header's size. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cc/tpm_dev.h"

int tb_tpm_open(struct tb_tpm_dev *d, const char *path)
{
	struct stat st;
	d->fd = -1;
	d->stream = false;
	if (stat(path, &st) != 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode)) {
		if (!S_ISCHR(st.st_mode)) /* never a file: the commands would overwrite it */
			return -ENOTTY;
		d->fd = open(path, O_RDWR | O_CLOEXEC);
		return d->fd < 0 ? -errno : 0;
	}
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, path);
	d->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->fd < 0)
		return -errno;
	if (connect(d->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		int e = errno;
		tb_tpm_close(d);
		return -e;
	}
	d->stream = true;
	return 0;
}

static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EPROTO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int tb_tpm_transact(struct tb_tpm_dev *d, const struct tb_tpm_buf *cmd, struct tb_tpm_buf *rsp)
{
	ssize_t w;
	do
		w = write(d->fd, cmd->b, cmd->len);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)cmd->len)
		return w < 0 ? -errno : -EIO;
	rsp->len = 0;
	if (!d->stream) {
		ssize_t r;
		do
			r = read(d->fd, rsp->b, sizeof(rsp->b));
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return -errno;
		rsp->len = (size_t)r;
		return 0;
	}
	int rc = read_full(d->fd, rsp->b, 10);
	if (rc)
		return rc;
	size_t size = (size_t)rsp->b[2] << 24 | (size_t)rsp->b[3] << 16 |
		      (size_t)rsp->b[4] << 8 | rsp->b[5];
	if (size < 10 || size > sizeof(rsp->b))
		return -EPROTO;
	rc = read_full(d->fd, rsp->b + 10, size - 10);
	rsp->len = rc ? 0 : size;
	return rc;
}

void tb_tpm_close(struct tb_tpm_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
