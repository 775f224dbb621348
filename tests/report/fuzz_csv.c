/* libFuzzer target: the CSV reader, then grouping and comparison of whatever it accepted. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/cmpstats.h"
#include "report/table.h"

static void one(const char *data, size_t size)
{
	struct tb_table t = { 0 };
	char err[512];
	if (tb_csv_parse(&t, "fuzz.csv", data, size, err, sizeof(err)) == 0) {
		/* Half the rows on each side: exercises series, runs and the bootstrap. */
		struct tb_side a, b;
		tb_side_init(&a, "a", t.n_files);
		tb_side_init(&b, "b", t.n_files);
		for (size_t i = 0; i < t.n; i++)
			tb_side_add(i % 2 ? &b : &a, &t.rows[i]);
		struct tb_cmp c;
		struct tb_cmp_opts o = { .margin_pct = 2.0 };
		tb_compare(&a, &b, &o, &c);
		tb_cmp_free(&c);
		tb_side_free(&a);
		tb_side_free(&b);
	}
	tb_table_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one((const char *)data, size);
	/* Again behind a valid header, so that mutations reach the rows instead of
	 * dying on line 1. */
	static char hdr[512];
	static size_t hlen;
	if (!hlen) {
		for (int i = 0; i < TB_NCOLS; i++)
			hlen += (size_t)snprintf(hdr + hlen, sizeof(hdr) - hlen, "%s%s", i ? "," : "",
						 tb_csv_columns[i]);
		hdr[hlen++] = '\n';
	}
	char *buf = malloc(hlen + size);
	if (!buf)
		return 0;
	memcpy(buf, hdr, hlen);
	memcpy(buf + hlen, data, size);
	one(buf, hlen + size);
	free(buf);
	return 0;
}
