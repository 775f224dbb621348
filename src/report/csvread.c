/* Reads tinyben CSV back (RFC 4180, CRLF or LF), strictly: bad input is one message. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tinyben/util.h"
#include "report/table.h"

/* Parser state over one buffer. */
struct reader {
	const char *p, *end;
	size_t line;            /* physical line of p */
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

/* Reads one record into out (fields separated by NULs, offsets in off).
 * Returns the number of fields, 0 at end of input, or -EINVAL. A record must end in
 * LF or CRLF: tinyben writes whole lines only, so a last line without its line end was
 * cut off (a crash, a copy interrupted), and its last field may be silently short. */
static int read_record(struct reader *r, char *out, size_t *off, int max_fields, size_t start)
{
	if (r->p == r->end)
		return 0;
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
					return bad(r, start, "truncated last line (a quoted field "
						   "is never closed)");
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
					return bad(r, r->line, "NUL byte: not a text CSV file");
				out[o++] = c;
			}
			if (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n')
				return bad(r, r->line, "text after the closing quote of field %d",
					   nf);
		} else {
			while (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') {
				if (*r->p == '"')
					return bad(r, r->line, "quote inside unquoted field %d", nf);
				if (*r->p == '\0')
					return bad(r, r->line, "NUL byte: not a text CSV file");
				out[o++] = *r->p++;
			}
		}
		out[o++] = '\0';
		if (r->p == r->end)
			return bad(r, start, "truncated last line (no line end: the file was "
				   "cut off)");
		char c = *r->p++;
		if (c == ',')
			continue;
		if (c == '\r') {
			if (r->p == r->end || *r->p != '\n')
				return bad(r, r->line, "carriage return without line feed");
			r->p++;
		}
		r->line++;
		return nf;
	}
}

static bool is_header(char *rec, const size_t *off, int nf)
{
	if (nf != TB_NCOLS)
		return false;
	for (int i = 0; i < TB_NCOLS; i++)
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
	return bad(r, 1, "not a tinyben CSV: header has %d columns, expected %d (%s,...,%s)",
		   nf, TB_NCOLS, tb_csv_columns[0], tb_csv_columns[TB_NCOLS - 1]);
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

static void push_row(struct tb_table *t, const struct tb_row *row)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->rows = realloc(t->rows, t->cap * sizeof(*t->rows));
		if (!t->rows)
			abort();
	}
	t->rows[t->n++] = *row;
}

int tb_csv_parse(struct tb_table *t, const char *name, const char *buf, size_t len,
		 char *err, size_t errlen)
{
	struct reader r = { .p = buf, .end = buf + len, .line = 1, .name = name,
			    .err = err, .errlen = errlen };
	/* Strip a UTF-8 byte order mark (spreadsheets add one when saving CSV). */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		r.p += 3;
	if (r.p == r.end)
		return bad(&r, 1, "empty file, not a tinyben CSV");
	if (*r.p == '{')
		return bad(&r, 1, "JSON Lines, not CSV (write CSV with 'tinyben run -o FILE.csv')");

	/* A record is never longer than the rest of the input (plus one NUL per field). */
	size_t cap = (size_t)(r.end - r.p) + TB_NCOLS + 2;
	char *rec = malloc(cap);
	if (!rec)
		abort();
	size_t off[TB_NCOLS];
	size_t first_new = t->n;
	size_t file = t->n_files;
	int rc = 0;

	int nf = read_record(&r, rec, off, TB_NCOLS, 1);
	if (nf < 0 || !is_header(rec, off, nf)) {
		rc = nf < 0 ? nf : header_error(&r, rec, off, nf);
		goto out;
	}
	for (;;) {
		size_t start = r.line;
		/* Blank lines carry nothing; skip them as Python's csv module does. */
		if (r.p < r.end && (*r.p == '\n' || (*r.p == '\r' && r.p + 1 < r.end &&
						     r.p[1] == '\n'))) {
			r.p += *r.p == '\r' ? 2 : 1;
			r.line++;
			continue;
		}
		nf = read_record(&r, rec, off, TB_NCOLS, start);
		if (nf == 0)
			break;
		if (nf < 0) {
			rc = nf;
			goto out;
		}
		/* `cat a.csv b.csv` repeats the header: accept it where a row could start. */
		if (is_header(rec, off, nf))
			continue;
		if (nf != TB_NCOLS) {
			rc = bad(&r, start, "%d fields, expected %d", nf, TB_NCOLS);
			goto out;
		}
		struct tb_row row = { .file = file, .line = start };
		size_t used = off[TB_NCOLS - 1] + strlen(rec + off[TB_NCOLS - 1]) + 1;
		row.mem = malloc(used);
		if (!row.mem)
			abort();
		memcpy(row.mem, rec, used);
		for (int i = 0; i < TB_NCOLS; i++)
			row.f[i] = row.mem + off[i];
		rc = check_row(&r, &row);
		if (rc) {
			free(row.mem);
			goto out;
		}
		push_row(t, &row);
	}
	t->files = realloc(t->files, (t->n_files + 1) * sizeof(*t->files));
	if (!t->files)
		abort();
	t->files[t->n_files++] = strdup(name);
out:
	if (rc) {
		for (size_t i = first_new; i < t->n; i++)
			free(t->rows[i].mem);
		t->n = first_new;
	}
	free(rec);
	return rc;
}

int tb_csv_read_file(struct tb_table *t, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -errno;
	}
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	if (!buf)
		abort();
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(e));
			free(buf);
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	int rc = tb_csv_parse(t, path, buf, len, err, errlen);
	free(buf);
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
