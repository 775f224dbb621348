/* File helpers of the attest verbs: bounded reads, non-clobbering outputs, hex text. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tinyben/util.h"
#include "attest/fileio.h"

int tb_read_file(const char *path, size_t max, unsigned char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unsigned char *b = malloc(max + 2);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	size_t n = 0;
	for (;;) {
		/* No retry on EINTR: our only handlers are SIGINT/SIGTERM/SIGHUP (installed
		 * without SA_RESTART), and a pipe that never delivers must not outlast them. */
		ssize_t r = read(fd, b + n, max + 1 - n);
		if (r < 0) {
			int e = errno;
			free(b);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(b);
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

FILE *tb_open_input(const char *path, int *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*err = -errno;
		return NULL;
	}
	/* fopen takes a directory, and its first read fails as a bare EIO/EISDIR. */
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		*err = -EISDIR;
		return NULL;
	}
	return f;
}

long tb_hex_decode(const char *text, size_t len, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	size_t i = 0;
	/* A hex file saved by a Windows editor starts with a byte-order mark. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	if (i + 1 < len && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X'))
		i += 2;
	for (; i < len; i++) {
		char c = text[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		int v = tb_hex_digit((unsigned char)c);
		if (v < 0)
			return -EINVAL;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return -ERANGE;
		out[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return -EINVAL;
	return (long)n;
}

void tb_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}
