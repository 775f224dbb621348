/* CSV columns and quoting (RFC 4180), and JSON string escaping for JSON Lines. */
#include <stdio.h>
#include <string.h>

#include "tinyben/csv.h"

const char *const tb_csv_columns[TB_NCOLS] = {
	"timestamp", "run_id", "host", "cc_level", "cc_features", "kernel", "cpu_model",
	"vcpus", "mem_mib", "tinyben_version", "group", "bench", "variant", "metric", "unit",
	"better", "rep", "value", "status", "detail", "boot_id",
};

static void put(char *buf, size_t cap, size_t *n, char c)
{
	if (*n + 1 < cap)
		buf[*n] = c;
	(*n)++;
}

static size_t finish(char *buf, size_t cap, size_t n)
{
	if (cap)
		buf[n < cap ? n : cap - 1] = '\0';
	return n;
}

size_t tb_csv_quote(char *buf, size_t cap, const char *field)
{
	size_t n = 0;
	if (!field)
		field = "";
	if (!strpbrk(field, ",\"\r\n")) {
		for (const char *p = field; *p; p++)
			put(buf, cap, &n, *p);
		return finish(buf, cap, n);
	}
	put(buf, cap, &n, '"');
	for (const char *p = field; *p; p++) {
		if (*p == '"')
			put(buf, cap, &n, '"');
		put(buf, cap, &n, *p);
	}
	put(buf, cap, &n, '"');
	return finish(buf, cap, n);
}

size_t tb_utf8_valid_len(const unsigned char *p)
{
	/* RFC 3629: the shortest form only, no surrogates, nothing above U+10FFFF. */
	unsigned char c = p[0];
	int n;
	unsigned int cp;
	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		n = 1, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, cp = c & 0x07;
	else
		return 0;
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return (size_t)n + 1;
}

size_t tb_json_quote(char *buf, size_t cap, const char *field)
{
	size_t n = 0;
	if (!field)
		field = "";
	put(buf, cap, &n, '"');
	for (const unsigned char *p = (const unsigned char *)field; *p; p++) {
		char esc = 0;
		switch (*p) {
		case '"': esc = '"'; break;
		case '\\': esc = '\\'; break;
		case '\n': esc = 'n'; break;
		case '\r': esc = 'r'; break;
		case '\t': esc = 't'; break;
		}
		if (esc) {
			put(buf, cap, &n, '\\');
			put(buf, cap, &n, esc);
		} else if (*p < 0x20) {
			char u[8];
			snprintf(u, sizeof(u), "\\u%04x", *p);
			for (char *q = u; *q; q++)
				put(buf, cap, &n, *q);
		} else if (*p < 0x80) {
			put(buf, cap, &n, (char)*p);
		} else {
			/* A byte that is not part of valid UTF-8 (a host name or a file name
			 * from anywhere) would make the line unparsable JSON: U+FFFD instead. */
			size_t len = tb_utf8_valid_len(p);
			if (len == 0) {
				for (const char *q = "\\ufffd"; *q; q++)
					put(buf, cap, &n, *q);
				continue;
			}
			for (size_t i = 0; i < len; i++)
				put(buf, cap, &n, (char)p[i]);
			p += len - 1;
		}
	}
	put(buf, cap, &n, '"');
	return finish(buf, cap, n);
}
