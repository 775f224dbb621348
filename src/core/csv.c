/* CSV columns and quoting (RFC 4180), and JSON string escaping for JSON Lines. */
#include <stdio.h>
#include <string.h>

#include "tinyben/csv.h"

const char *const tb_csv_columns[TB_NCOLS] = {
	"timestamp", "run_id", "host", "cc_level", "cc_features", "kernel", "cpu_model",
	"vcpus", "mem_mib", "tinyben_version", "group", "bench", "variant", "metric", "unit",
	"better", "rep", "value", "status", "detail",
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
		} else {
			put(buf, cap, &n, (char)*p);
		}
	}
	put(buf, cap, &n, '"');
	return finish(buf, cap, n);
}
