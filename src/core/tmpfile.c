/* Unique temp files and directories, registered for removal before anyone writes to them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tinyben/util.h"

int tb_tmp_create(const char *dir, const char *prefix, char *path, size_t path_len)
{
	if ((size_t)snprintf(path, path_len, "%s/tinyben-%s-XXXXXX", dir, prefix) >= path_len)
		return -ENAMETOOLONG;
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = tb_tmp_register(path);
	if (rc < 0) {
		unlink(path);
		close(fd);
		return rc;
	}
	return fd;
}

int tb_tmpdir_create(const char *dir, const char *prefix, char *path, size_t path_len)
{
	if ((size_t)snprintf(path, path_len, "%s/tinyben-%s-XXXXXX", dir, prefix) >= path_len)
		return -ENAMETOOLONG;
	if (!mkdtemp(path))
		return -errno;
	int rc = tb_tmpdir_register(path);
	if (rc < 0)
		rmdir(path);
	return rc;
}
