/* The output sink: whole rows, one write() per batch, cut back on a short write, fdatasync. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tinyben/util.h"
#include "sink.h"

int tb_sink_open(struct tb_sink *s, const char *path, bool force, enum tb_format format)
{
	memset(s, 0, sizeof(*s));
	s->format = format;
	s->name = path ? path : "stdout";
	if (path) {
		int rc = tb_output_open_fd(path, force, &s->fd);
		if (rc < 0)
			return rc;
		s->owned = true;
	} else {
		s->fd = STDOUT_FILENO;
	}
	struct stat st;
	s->regular = fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode);
	/* stdout may be a file opened for appending by the shell: rows start where it ends. */
	off_t at = s->regular ? lseek(s->fd, 0, SEEK_CUR) : -1;
	s->committed = at > 0 ? at : 0;
	return 0;
}

int tb_sink_open_fd(struct tb_sink *s, int fd, bool truncate, enum tb_format format,
		    const char *name)
{
	memset(s, 0, sizeof(*s));
	s->format = format;
	s->name = name ? name : "the output of --runs";
	s->fd = fd;
	s->borrowed = true;
	/* Inherited to reach us; not to go on to the servers we start (redis-server). */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	struct stat st;
	s->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (!s->regular) {
		tb_error("--output-fd %d: not a regular file", fd);
		return -EINVAL;
	}
	if (truncate && ftruncate(fd, 0) != 0) {
		tb_error("--output-fd %d: cannot truncate: %s", fd, strerror(errno));
		return -errno;
	}
	off_t at = lseek(fd, 0, SEEK_END);
	s->committed = at > 0 ? at : 0;
	return 0;
}

static void append(struct tb_sink *s, const char *p, size_t n)
{
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8192;
		while (cap < s->len + n)
			cap *= 2;
		s->buf = realloc(s->buf, cap);
		if (!s->buf)
			abort();
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static void append_quoted_raw(struct tb_sink *s, const char *field, bool json);

/* CSV carries text as is: a byte that is not valid UTF-8 (a file name from anywhere)
 * becomes '?', so every row decodes (JSON escapes it as U+FFFD instead). */
static void keep_utf8(char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t len = tb_utf8_valid_len((const unsigned char *)p + i);
		if (len == 0 || i + len > n) {
			p[i++] = '?';
			continue;
		}
		i += len;
	}
}

static void append_quoted(struct tb_sink *s, const char *field, bool json)
{
	if (!json) {
		size_t at = s->len;
		append_quoted_raw(s, field, false);
		keep_utf8(s->buf + at, s->len - at);
		return;
	}
	append_quoted_raw(s, field, true);
}

static void append_quoted_raw(struct tb_sink *s, const char *field, bool json)
{
	char small[512];
	size_t need = json ? tb_json_quote(small, sizeof(small), field)
			   : tb_csv_quote(small, sizeof(small), field);
	if (need < sizeof(small)) {
		append(s, small, need);
		return;
	}
	char *big = malloc(need + 1);
	if (!big)
		abort();
	json ? tb_json_quote(big, need + 1, field) : tb_csv_quote(big, need + 1, field);
	append(s, big, need);
	free(big);
}

/* A number is written raw in JSON when it is one; "unknown" stays a string. */
static bool is_json_number(const char *s)
{
	if (!*s)
		return false;
	char *end;
	strtod(s, &end);
	return *end == '\0';
}

void tb_sink_header(struct tb_sink *s)
{
	if (s->format != TB_FORMAT_CSV)
		return;
	for (int i = 0; i < TB_NCOLS; i++) {
		if (i)
			append(s, ",", 1);
		append(s, tb_csv_columns[i], strlen(tb_csv_columns[i]));
	}
	append(s, "\r\n", 2);
}

void tb_sink_row(struct tb_sink *s, const char *const f[TB_NCOLS])
{
	bool json = s->format == TB_FORMAT_JSON;
	if (json)
		append(s, "{", 1);
	for (int i = 0; i < TB_NCOLS; i++) {
		if (i)
			append(s, ",", 1);
		if (!json) {
			append_quoted(s, f[i], false);
			continue;
		}
		append_quoted(s, tb_csv_columns[i], true);
		append(s, ":", 1);
		bool numeric = i == TB_COL_VCPUS || i == TB_COL_MEM_MIB || i == TB_COL_REP ||
			       i == TB_COL_VALUE;
		if (numeric && !*f[i])
			append(s, "null", 4);
		else if (numeric && is_json_number(f[i]))
			append(s, f[i], strlen(f[i]));
		else
			append_quoted(s, f[i], true);
	}
	append(s, json ? "}\n" : "\r\n", 2);
	s->rows++;
}

/* Cuts an owned file back to its last whole batch; false when it cannot (not ours, not a
 * regular file, or ftruncate failed). */
static bool undo_partial(struct tb_sink *s)
{
	if ((!s->owned && !s->borrowed) || !s->regular)
		return false;
	return ftruncate(s->fd, s->committed) == 0 && lseek(s->fd, s->committed, SEEK_SET) >= 0;
}

/* write() of the whole batch; errno-style error or 0, *done the bytes taken. */
static int write_loop(int fd, const char *buf, size_t len, size_t *done)
{
	while (*done < len) {
		ssize_t n = write(fd, buf + *done, len - *done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : ENOSPC;
		*done += (size_t)n;
	}
	return 0;
}

/* Linux stops a write() to a file between two pages when the writer gets a fatal signal, so
 * a SIGKILL during one write() of a batch left half a row (seen in test_durability). The batch
 * is therefore written by a vfork()ed child with every signal blocked: a SIGKILL of tinyben
 * does not reach it, it finishes the batch, and the file ends at a whole row. The child shares
 * our memory until it exits (vfork), which is how done and the error come back. */
static int write_batch(int fd, const char *buf, size_t len, size_t *done)
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	volatile int err = -1;
	pid_t pid = vfork();
	if (pid == 0) {
		err = write_loop(fd, buf, len, done);
		_exit(0);
	}
	int status = 0;
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) /* no child (a process limit): write here */
		return write_loop(fd, buf, len, done);
	/* A child killed on its own (only SIGKILL gets through) may have written part of the
	 * batch: the caller cuts the file back to its last whole row. */
	return err < 0 || !WIFEXITED(status) ? EINTR : err;
}

bool tb_sink_flush(struct tb_sink *s, bool durable, const char *what)
{
	if (s->error) {
		s->len = s->rows = 0;
		return false;
	}
	size_t done = 0;
	int err = s->regular ? write_batch(s->fd, s->buf, s->len, &done)
			     : write_loop(s->fd, s->buf, s->len, &done);
	if (!err && durable && s->regular && fdatasync(s->fd) != 0)
		err = errno;
	if (err) {
		bool whole = undo_partial(s);
		char lost[320] = "";
		if (s->rows)
			snprintf(lost, sizeof(lost), "; %zu row%s%s%s lost", s->rows,
				 s->rows == 1 ? "" : "s", what && *what ? " of " : "", what ? what : "");
		tb_error("cannot write results to %s: %s%s%s", s->name, tb_write_strerror(err), lost,
			 whole ? ", the file ends at its last whole row"
			 : done ? " (the last line may be torn)" : "");
		s->error = true;
	} else {
		s->committed += (off_t)done;
	}
	s->len = s->rows = 0;
	return !s->error;
}

bool tb_sink_close(struct tb_sink *s, const char *what)
{
	bool ok = tb_sink_flush(s, true, what);
	if (s->owned && close(s->fd) != 0 && ok) {
		tb_error("cannot write results to %s: %s", s->name, strerror(errno));
		ok = false;
	}
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
	return ok;
}
