/* Rows read back from tinyben CSV files, grouped into sides (runs) and series. */
#ifndef TB_REPORT_TABLE_H
#define TB_REPORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include "tinyben/csv.h"
#include "report/strmap.h"

/* One CSV row: its fields (NUL-terminated), where it came from. While streaming, the
 * fields live in the reader's buffer and are valid only during the sink call; a row kept
 * longer (a run's environment, a skipped row) is copied with tb_row_dup. */
struct tb_row {
	const char *f[TB_NCOLS];
	char *mem;            /* owns the field strings of a copied row; NULL while streaming */
	double value;         /* parsed for status "ok" rows, NAN otherwise */
	size_t file;          /* index into tb_table.files */
	size_t line;          /* physical line where the record starts (1-based) */
};

/* The input files (every reader) and, for tb_csv_parse only, the rows themselves. */
struct tb_table {
	struct tb_row *rows;
	size_t n, cap;
	char **files;
	size_t n_files;
};

struct tb_progress;

struct tb_read_opts {
	const char *verb;        /* "compare" or "report", for warnings */
	bool allow_truncated;    /* drop a cut-off last row with a warning instead of failing */
	struct tb_progress *progress;  /* optional */
};

/* Called for every data row, in file order; a nonzero return stops the reading. */
typedef int (*tb_row_sink)(void *arg, const struct tb_row *row);

/* Streams one tinyben CSV file to sink, holding at most one record (1 MiB at most) in
 * memory, and adds its name to t->files first. Returns 0; -EINVAL with one line
 * "NAME:LINE: what is wrong" in err; -EINTR when SIGINT/SIGTERM arrived; or the
 * negative errno of open/read (message in err). */
int tb_csv_read_file(struct tb_table *t, const char *path, const struct tb_read_opts *o,
		     tb_row_sink sink, void *arg, char *err, size_t errlen);
/* Parses a CSV held in memory and keeps its rows in t (tests, fuzzing); the rows of a bad
 * file are not kept. Same messages as tb_csv_read_file. */
int tb_csv_parse(struct tb_table *t, const char *name, const char *buf, size_t len,
		 char *err, size_t errlen);
void tb_table_free(struct tb_table *t);

/* Copies the n strings of src into one allocation, which it returns (one free releases
 * them all), and points dst[i] at the copy of src[i]. */
char *tb_strings_pack(const char *const *src, size_t n, const char **dst);

/* A heap copy of a row that owns its strings; freed with tb_row_free. */
struct tb_row *tb_row_dup(const struct tb_row *r);
void tb_row_free(struct tb_row *r);

/* The samples of one (bench, variant, metric) on one side, each with the index of the
 * run (into tb_side.runs) it came from: the run is the unit of replication. */
struct tb_series {
	const char *group, *bench, *variant, *metric, *unit, *better;
	char *names;            /* owns the six strings above: one allocation a series */
	double *v;
	uint32_t *run;
	uint32_t *boot;         /* per sample: the boot of its run (index into the side's boots),
				   TB_NO_BOOT when the run has no boot_id */
	size_t n, cap;
	long long block_bytes;  /* from detail "block_bytes=N" (mem.latency), -1 if absent */
	bool unit_mixed;        /* rows of this series disagree on unit or better */
};

/* A run without a boot_id (a file written before the column, or no procfs). */
#define TB_NO_BOOT UINT32_MAX

/* A distinct run (run_id) seen on a side, with its environment. */
struct tb_run_env {
	const char *id;        /* owned by tb_side.run_idx */
	const char *cc_level;  /* one of tb_side.levels */
	struct tb_row *first;  /* copied: kernel, cpu_model, vcpus, ...; NULL beyond
				  TB_RUNS_LISTED runs (a million runs must fit in memory) */
	size_t n_ok, n_skipped, n_failed;
	size_t file;           /* the input file of its first row */
	uint32_t boot;         /* index of its boot_id on the side, or TB_NO_BOOT */
	char *facts;           /* detail of its row with the environment fingerprint
				  ("env.fp=..."), NULL when none (older files); listed runs only */
	bool in_two_files;     /* rows in another file too: a copy of the same data? */
};

/* Runs whose environment is kept and listed; the others are counted. */
#define TB_RUNS_LISTED 1000

/* Skipped and failed rows listed per side; beyond this many only counted (a file of a
 * million failed rows must not fill the memory or the report). */
#define TB_NOTOK_LISTED 200

/* One side of a comparison, or one bar colour of a report: what its rows contribute.
 * Only numbers are kept per sample; strings once per series and per run. */
struct tb_side {
	char *label;
	struct tb_series *s;
	size_t n, cap;
	struct tb_run_env *runs;
	size_t n_runs, cap_runs;
	char **levels;                 /* distinct cc_level values, first-seen order */
	size_t n_levels;
	struct tb_row **notok;         /* skipped and failed rows: not samples, listed */
	size_t n_notok, cap_notok;
	size_t n_notok_unlisted;       /* beyond TB_NOTOK_LISTED */
	size_t n_runs_in_two_files;    /* runs whose rows come from more than one file */
	size_t n_boots;                /* distinct boot_ids of its runs */
	size_t n_runs_no_boot;         /* runs without a boot_id */
	bool *files_used;              /* per input file: did it contribute rows? */
	size_t n_files;
	struct tb_strmap series_idx, run_idx, boot_idx;
	size_t last_series, last_run;  /* rows come in runs of one series: skip the lookup */
};

void tb_side_init(struct tb_side *s, const char *label, size_t n_files);
/* Adds what a row contributes (copies what it keeps: the row may be a streaming one). */
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
