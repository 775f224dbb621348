/* Opening a file the user named as output: never replaces one without --force, never
 * writes to a device, a directory or anything but a regular file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tinyben/util.h"

int tb_output_open_fd(const char *path, bool force, int *out)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			tb_error("%s: not a regular file; refusing to write results there", path);
			return -EINVAL;
		}
		if (!force) {
			tb_error("%s: already exists (use --force to replace it)", path);
			return -EEXIST;
		}
	}
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
	int fd = open(path, flags, 0644);
	if (fd < 0) {
		int err = errno;
		tb_error("%s: cannot create: %s", path, strerror(err));
		return -err;
	}
	*out = fd;
	return 0;
}

int tb_output_open(const char *path, bool force, FILE **out)
{
	if (!path) {
		*out = stdout;
		return 0;
	}
	int fd;
	int rc = tb_output_open_fd(path, force, &fd);
	if (rc < 0)
		return rc;
	*out = fdopen(fd, "w");
	if (!*out) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}
