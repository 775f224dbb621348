/* Rows read back from tinyben CSV files, grouped into sides (runs) and series. */
#ifndef TB_REPORT_TABLE_H
#define TB_REPORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "tinyben/csv.h"

/* One CSV row: its fields (NUL-terminated, in one allocation), where it came from. */
struct tb_row {
	const char *f[TB_NCOLS];
	char *mem;            /* owns the field strings */
	double value;         /* parsed for status "ok" rows, NAN otherwise */
	size_t file;          /* index into tb_table.files */
	size_t line;          /* physical line where the record starts (1-based) */
};

struct tb_table {
	struct tb_row *rows;
	size_t n, cap;
	char **files;
	size_t n_files;
};

/* Parses one tinyben CSV held in memory and appends its rows to t. name is used in
 * messages. Returns 0, or -EINVAL with one line "NAME:LINE: what is wrong" in err
 * (rows of a bad file are not kept). */
int tb_csv_parse(struct tb_table *t, const char *name, const char *buf, size_t len,
		 char *err, size_t errlen);
/* Same for a file (read whole). */
int tb_csv_read_file(struct tb_table *t, const char *path, char *err, size_t errlen);
void tb_table_free(struct tb_table *t);

/* The samples of one (bench, variant, metric) on one side. */
struct tb_series {
	const char *group, *bench, *variant, *metric, *unit, *better;
	double *v;
	size_t n, cap;
	long long block_bytes;  /* from detail "block_bytes=N" (mem.latency), -1 if absent */
	bool unit_mixed;        /* rows of this series disagree on unit or better */
};

/* A distinct run (run_id) seen on a side, with its environment. */
struct tb_run_env {
	const struct tb_row *first;  /* fields: cc_level, kernel, cpu_model, vcpus, ... */
	size_t n_ok, n_skipped, n_failed;
};

/* One side of a comparison, or one bar colour of a report: a set of rows. */
struct tb_side {
	char *label;
	struct tb_series *s;
	size_t n, cap;
	struct tb_run_env *runs;
	size_t n_runs, cap_runs;
	const struct tb_row **notok;   /* skipped and failed rows: not samples, listed */
	size_t n_notok, cap_notok;
	bool *files_used;              /* per table file: did it contribute rows? */
	size_t n_files;
};

void tb_side_init(struct tb_side *s, const char *label, size_t n_files);
void tb_side_add(struct tb_side *s, const struct tb_row *r);
void tb_side_free(struct tb_side *s);
const struct tb_series *tb_side_find(const struct tb_side *s, const char *bench,
				     const char *variant, const char *metric);
/* True (and the distinct levels joined with ", " in buf) when runs of this side have
 * different cc_level values. */
bool tb_side_mixed_cc(const struct tb_side *s, char *buf, size_t len);

/* Value of key in a "k=v k=v" detail string, copied into buf; false when absent. */
bool tb_detail_get(const char *detail, const char *key, char *buf, size_t len);

#endif
