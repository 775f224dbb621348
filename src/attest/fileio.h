/* File helpers of the attest verbs: bounded whole-file reads, outputs that never replace a
 * file unless asked, and hex text. */
#ifndef TB_ATTEST_FILEIO_H
#define TB_ATTEST_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Reads at most max bytes of path into a malloc'd buffer (NUL-terminated, not counted).
 * Returns 0, -EFBIG when the file is larger than max, -EINTR when a signal interrupted
 * the open or a read (a FIFO that never delivers), or -errno. */
int tb_read_file(const char *path, size_t max, unsigned char **buf, size_t *len);
/* Opens a whole-file input for reading; a directory is -EISDIR in *err, like open's other
 * errors (-errno). Returns NULL on error. */
FILE *tb_open_input(const char *path, int *err);
/* Decodes hex text (whitespace and a leading "0x" ignored) into out (cap bytes).
 * Returns the byte count, or -EINVAL (not hex, odd digit count) / -ERANGE (too long). */
long tb_hex_decode(const char *text, size_t len, unsigned char *out, size_t cap);
/* Flushes stdout and turns a lost write (disk full, stdout closed, reader gone) into one
 * error line: output that never arrived is a failure. Returns TB_EXIT_OK or TB_EXIT_FAILED. */
int tb_stdout_done(const char *verb);
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void tb_hex_encode(const unsigned char *in, size_t n, char *out);

#endif
