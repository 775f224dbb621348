/* Reads tinyben CSV back (RFC 4180, CRLF or LF) as a stream, strictly: bad input is one
 * message. Only one record is held at a time, so a file of any size (or /dev/zero) reads
 * in bounded memory. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tinyben/ctx.h"
#include "tinyben/util.h"
#include "report/progress.h"
#include "report/table.h"

/* A tinyben row is a few hundred bytes; a "record" of a mebibyte is not one. */
#define MAX_RECORD (1u << 20)
#define CHUNK (1u << 16)
/* A power cut can leave the end of a file as NUL bytes (the size was updated, the data
 * never written); --allow-truncated treats such a tail, up to this size, as cut off. */
#define MAX_NUL_TAIL (16u << 20)

/* More input needed: the record runs past the end of the buffer. */
#define NEED_MORE (-EAGAIN)

/* Parser state over a window [p, end) of the input. */
struct reader {
	const char *p, *end;
	size_t line;            /* physical line of p */
	bool eof;               /* end is the end of the input */
	bool truncated;         /* the cut-off last record was dropped */
	bool allow_truncated;
	int fd;                 /* -1: the whole input is in memory */
	char *buf;              /* fd input: the window */
	size_t cap;
	unsigned long long consumed;  /* bytes before buf (for the progress line) */
	const char *name;
	char *err;
	size_t errlen;
};

static int bad(struct reader *r, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct reader *r, size_t line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errlen, "%s:%zu: %s", r->name, line, msg);
	return -EINVAL;
}

/* The last record has no line end: tinyben writes whole lines only, so it was cut off
 * (a crash, a full disk, a copy interrupted) and its last field may be silently short.
 * Dropped on request, an error otherwise. */
static int cut_off(struct reader *r, size_t start, const char *why)
{
	if (!r->allow_truncated)
		return bad(r, start, "truncated last line (%s; --allow-truncated drops it)", why);
	r->truncated = true;
	r->line = start;
	return 0;
}

/* Is the rest of the input NUL bytes only (a power cut's tail)? Consumes it. */
static bool nul_tail(struct reader *r, const char *from)
{
	unsigned long long seen = 0;
	for (const char *q = from;;) {
		for (; q < r->end; q++, seen++)
			if (*q != '\0')
				return false;
		if (r->eof || r->fd < 0)
			return true;
		if (seen > MAX_NUL_TAIL)
			return false;
		ssize_t n = read(r->fd, r->buf, r->cap);
		if (n < 0 && errno == EINTR && !tb_interrupted())
			continue;
		if (n <= 0)
			return n == 0;
		q = r->buf;
		r->p = r->buf;
		r->end = r->buf + n;
	}
}

static int nul_byte(struct reader *r, size_t start, const char *at)
{
	if (r->allow_truncated && nul_tail(r, at)) {
		r->eof = true;
		r->p = r->end;
		return cut_off(r, start, "NUL bytes to the end");
	}
	return bad(r, r->line, "NUL byte: not a text CSV file");
}

/* Reads one record into out (fields separated by NULs, offsets in off).
 * Returns the number of fields, 0 at end of input, NEED_MORE when the window ends
 * inside the record (r->p is then unspecified: the caller restarts the record), or
 * -EINVAL. */
static int read_record(struct reader *r, char *out, size_t *off, int max_fields, size_t start)
{
	if (r->p == r->end)
		return r->eof ? 0 : NEED_MORE;
	int nf = 0;
	size_t o = 0;
	for (;;) {
		/* Fields past max are parsed (for the count in the message) but not indexed. */
		if (nf < max_fields)
			off[nf] = o;
		nf++;
		if (r->p < r->end && *r->p == '"') {
			r->p++;
			for (;;) {
				if (r->p == r->end)
					return r->eof ? cut_off(r, start, "a quoted field is "
								"never closed")
						      : NEED_MORE;
				char c = *r->p++;
				if (c == '"') {
					if (r->p < r->end && *r->p == '"') {
						out[o++] = '"';
						r->p++;
						continue;
					}
					break;
				}
				if (c == '\n')
					r->line++;
				if (c == '\0')
					return nul_byte(r, start, r->p - 1);
				out[o++] = c;
			}
			if (r->p == r->end && !r->eof)
				return NEED_MORE;
			if (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n')
				return bad(r, r->line, "text after the closing quote of field %d",
					   nf);
		} else {
			while (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') {
				if (*r->p == '"')
					return bad(r, r->line, "quote inside unquoted field %d", nf);
				if (*r->p == '\0')
					return nul_byte(r, start, r->p);
				out[o++] = *r->p++;
			}
		}
		out[o++] = '\0';
		if (r->p == r->end)
			return r->eof ? cut_off(r, start, "no line end: the file was cut off")
				      : NEED_MORE;
		char c = *r->p++;
		if (c == ',')
			continue;
		if (c == '\r') {
			if (r->p == r->end && !r->eof)
				return NEED_MORE;
			if (r->p == r->end || *r->p != '\n')
				return bad(r, r->line, "carriage return without line feed");
			r->p++;
		}
		r->line++;
		return nf;
	}
}

/* A header is the current one (TB_NCOLS columns) or that of a file written before boot_id
 * existed (TB_NCOLS_NO_BOOT_ID): its columns are the same up to detail. */
static bool is_header(char *rec, const size_t *off, int nf)
{
	if (nf != TB_NCOLS && nf != TB_NCOLS_NO_BOOT_ID)
		return false;
	for (int i = 0; i < nf; i++)
		if (strcmp(rec + off[i], tb_csv_columns[i]) != 0)
			return false;
	return true;
}

static int header_error(struct reader *r, char *rec, const size_t *off, int nf)
{
	for (int i = 0; i < nf && i < TB_NCOLS; i++)
		if (strcmp(rec + off[i], tb_csv_columns[i]) != 0)
			return bad(r, 1, "not a tinyben CSV: header column %d is '%.40s', "
				   "expected '%s'", i + 1, rec + off[i], tb_csv_columns[i]);
	return bad(r, 1, "not a tinyben CSV: header has %d columns, expected %d (%s,...,%s; "
		   "%d in files before %s)", nf, TB_NCOLS, tb_csv_columns[0],
		   tb_csv_columns[TB_NCOLS - 1], TB_NCOLS_NO_BOOT_ID, tb_csv_columns[TB_NCOLS - 1]);
}

static int check_row(struct reader *r, struct tb_row *row)
{
	const char *st = row->f[TB_COL_STATUS];
	row->value = NAN;
	if (strcmp(st, "skipped") == 0 || strcmp(st, "failed") == 0)
		return 0;
	if (strcmp(st, "ok") != 0)
		return bad(r, row->line, "status '%.40s' is not ok, skipped or failed", st);
	const char *b = row->f[TB_COL_BETTER];
	if (strcmp(b, "higher") != 0 && strcmp(b, "lower") != 0)
		return bad(r, row->line, "better '%.40s' is not higher or lower", b);
	if (!*row->f[TB_COL_BENCH] || !*row->f[TB_COL_METRIC])
		return bad(r, row->line, "ok row without bench or metric");
	double v;
	if (tb_parse_double(row->f[TB_COL_VALUE], -HUGE_VAL, HUGE_VAL, &v) != 0 || !isfinite(v))
		return bad(r, row->line, "value '%.40s' is not a finite number",
			   row->f[TB_COL_VALUE]);
	row->value = v;
	return 0;
}

/* Moves the unread part [keep, end) to the front of the window and reads more after it. */
static int refill(struct reader *r, const char *keep, const struct tb_read_opts *o,
		  unsigned long long rows)
{
	size_t k = (size_t)(r->end - keep);
	if (k >= MAX_RECORD)
		return bad(r, r->line, "a record longer than %u KiB: not a tinyben CSV",
			   MAX_RECORD >> 10);
	r->consumed += (unsigned long long)(keep - r->buf);
	memmove(r->buf, keep, k);
	r->p = r->buf;
	r->end = r->buf + k;
	for (;;) {
		ssize_t n = read(r->fd, r->buf + k, r->cap - k);
		if (n < 0 && errno == EINTR && !tb_interrupted())
			continue;
		if (tb_interrupted())
			return -EINTR;
		if (n < 0) {
			int e = errno;
			snprintf(r->err, r->errlen, "%s: cannot read: %s", r->name, strerror(e));
			return -e;
		}
		if (n == 0)
			r->eof = true;
		r->end = r->buf + k + n;
		break;
	}
	if (o && o->progress)
		tb_progress_tick(o->progress, "reading %s: %.0f MB, %llu rows", r->name,
				 (double)(r->consumed + k) / 1e6, rows);
	return 0;
}

/* Reads every record of r, checks it and hands the data rows to sink. */
static int stream(struct reader *r, size_t file, const struct tb_read_opts *o,
		  tb_row_sink sink, void *arg)
{
	size_t cap = (r->fd >= 0 ? r->cap : (size_t)(r->end - r->p)) + TB_NCOLS + 2;
	char *rec = malloc(cap);
	if (!rec)
		abort();
	size_t off[TB_NCOLS];
	unsigned long long rows = 0;
	bool header = false;
	int ncols = TB_NCOLS;  /* of the last header: files before boot_id have one fewer */
	int rc = 0;

	/* Enough bytes to see a byte order mark or a JSON object. */
	while (r->fd >= 0 && !r->eof && r->end - r->p < 3)
		if ((rc = refill(r, r->p, o, rows)) != 0)
			goto out;
	/* Strip a UTF-8 byte order mark (spreadsheets add one when saving CSV). */
	if (r->end - r->p >= 3 && memcmp(r->p, "\xef\xbb\xbf", 3) == 0)
		r->p += 3;
	if (r->p == r->end) {
		rc = bad(r, 1, "empty file, not a tinyben CSV");
		goto out;
	}
	if (*r->p == '{') {
		rc = bad(r, 1, "JSON Lines, not CSV (write CSV with 'tinyben run -o FILE.csv')");
		goto out;
	}
	for (;;) {
		const char *rstart = r->p;
		size_t start = r->line;
		if (tb_interrupted()) {
			rc = -EINTR;
			goto out;
		}
		int nf;
		/* Blank lines carry nothing; skip them as Python's csv module does. */
		if (header && r->p < r->end && *r->p == '\n') {
			r->p++;
			r->line++;
			continue;
		}
		if (header && r->p < r->end && *r->p == '\r' && r->p + 1 < r->end &&
		    r->p[1] == '\n') {
			r->p += 2;
			r->line++;
			continue;
		}
		/* `cat` of files a spreadsheet saved: each repeated header has its own byte
		 * order mark. */
		if (header && r->end - r->p >= 3 && memcmp(r->p, "\xef\xbb\xbf", 3) == 0)
			r->p += 3;
		else if (header && r->p < r->end && r->end - r->p < 3 && !r->eof &&
			 *r->p == '\xef') {
			if ((rc = refill(r, rstart, o, rows)) != 0)
				goto out;
			continue;
		}
		nf = read_record(r, rec, off, TB_NCOLS, start);
		if (nf == NEED_MORE) {
			r->line = start;
			if ((rc = refill(r, rstart, o, rows)) != 0)
				goto out;
			continue;
		}
		if (nf < 0) {
			rc = nf;
			goto out;
		}
		if (nf == 0)
			break;
		if (!header) {
			if (!is_header(rec, off, nf)) {
				rc = header_error(r, rec, off, nf);
				goto out;
			}
			header = true;
			ncols = nf;
			continue;
		}
		/* `cat a.csv b.csv` repeats the header: accept it where a row could start (a
		 * file with boot_id after one without, too). */
		if (is_header(rec, off, nf)) {
			ncols = nf;
			continue;
		}
		if (nf != ncols) {
			rc = bad(r, start, "%d fields, expected %d", nf, ncols);
			goto out;
		}
		struct tb_row row = { .file = file, .line = start };
		for (int i = 0; i < TB_NCOLS; i++)
			row.f[i] = i < nf ? rec + off[i] : "";
		if ((rc = check_row(r, &row)) != 0 || (rc = sink(arg, &row)) != 0)
			goto out;
		rows++;
	}
	if (!header) {
		rc = bad(r, 1, r->truncated ? "the header line is cut off: not a tinyben CSV"
					    : "empty file, not a tinyben CSV");
		goto out;
	}
	if (r->truncated)
		tb_warn("%s: %s:%zu: the last row is cut off (no line end): dropped it "
			"(--allow-truncated)", o && o->verb ? o->verb : "read", r->name, r->line);
out:
	free(rec);
	return rc;
}

static void add_file(struct tb_table *t, const char *name)
{
	t->files = realloc(t->files, (t->n_files + 1) * sizeof(*t->files));
	if (!t->files || !(t->files[t->n_files] = strdup(name)))
		abort();
	t->n_files++;
}

char *tb_strings_pack(const char *const *src, size_t n, const char **dst)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += strlen(src[i]) + 1;
	char *mem = malloc(len ? len : 1), *m = mem;
	if (!mem)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(src[i]) + 1;
		memcpy(m, src[i], l);
		dst[i] = m;
		m += l;
	}
	return mem;
}

struct tb_row *tb_row_dup(const struct tb_row *r)
{
	struct tb_row *c = malloc(sizeof(*c));
	if (!c)
		abort();
	*c = *r;
	c->mem = tb_strings_pack(r->f, TB_NCOLS, c->f);
	return c;
}

void tb_row_free(struct tb_row *r)
{
	if (r)
		free(r->mem);
	free(r);
}

static int keep_row(void *arg, const struct tb_row *row)
{
	struct tb_table *t = arg;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->rows = realloc(t->rows, t->cap * sizeof(*t->rows));
		if (!t->rows)
			abort();
	}
	struct tb_row *c = tb_row_dup(row);
	t->rows[t->n++] = *c;
	free(c);
	return 0;
}

int tb_csv_parse(struct tb_table *t, const char *name, const char *buf, size_t len,
		 char *err, size_t errlen)
{
	struct reader r = { .p = buf, .end = buf + len, .line = 1, .eof = true, .fd = -1,
			    .name = name, .err = err, .errlen = errlen };
	size_t first_new = t->n;
	add_file(t, name);
	int rc = stream(&r, t->n_files - 1, NULL, keep_row, t);
	if (rc) {
		for (size_t i = first_new; i < t->n; i++)
			free(t->rows[i].mem);
		t->n = first_new;
		free(t->files[--t->n_files]);
	}
	return rc;
}

int tb_csv_read_file(struct tb_table *t, const char *path, const struct tb_read_opts *o,
		     tb_row_sink sink, void *arg, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	add_file(t, path);
	struct reader r = { .line = 1, .fd = fd, .cap = MAX_RECORD + CHUNK, .name = path,
			    .err = err, .errlen = errlen,
			    .allow_truncated = o && o->allow_truncated };
	r.buf = malloc(r.cap);
	if (!r.buf)
		abort();
	r.p = r.end = r.buf;
	int rc = stream(&r, t->n_files - 1, o, sink, arg);
	free(r.buf);
	close(fd);
	return rc;
}

void tb_table_free(struct tb_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->rows[i].mem);
	free(t->rows);
	for (size_t i = 0; i < t->n_files; i++)
		free(t->files[i]);
	free(t->files);
	memset(t, 0, sizeof(*t));
}
