/* `tinyben compare`: overhead of CAND against BASE with bootstrap CIs, per metric. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/util.h"
#include "tinyben/verb.h"
#include "report/cmpfmt.h"

static const char usage[] =
	"usage: tinyben compare BASE.csv CAND.csv [--format text|csv|markdown]\n"
	"       tinyben compare --base A1.csv [--base A2.csv]... --cand B1.csv [--cand B2.csv]...\n"
	"  BASE and CAND are CSV files written by 'tinyben run'; several files (or one file\n"
	"  of concatenated runs) on a side are pooled into one set of samples per metric.\n"
	"      --format FMT   text (default), csv or markdown\n"
	"  For every (bench, variant, metric) on both sides: medians, ratio cand/base, overhead\n"
	"  (positive = cand worse), 95% bootstrap CI of the ratio, significance.\n";

static const struct option long_options[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "base", required_argument, NULL, 'B' },
	{ "cand", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

struct files {
	const char **v;
	size_t n;
};

static void add(struct files *l, const char *p)
{
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!l->v)
		abort();
	l->v[l->n++] = p;
}

static int read_side(struct tb_table *t, const struct files *l)
{
	char err[512];
	for (size_t i = 0; i < l->n; i++) {
		if (tb_csv_read_file(t, l->v[i], err, sizeof(err)) != 0) {
			tb_error("compare: %s", err);
			return -1;
		}
	}
	return 0;
}

static void build_side(struct tb_side *s, const char *label, const struct tb_table *t,
		       size_t lo, size_t hi)
{
	tb_side_init(s, label, t->n_files);
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].file >= lo && t->rows[i].file < hi)
			tb_side_add(s, &t->rows[i]);
}

static int compare_main(int argc, char **argv)
{
	struct files base = { 0 }, cand = { 0 };
	enum tb_cmp_format fmt = TB_CMPF_TEXT;
	int c, rc = TB_EXIT_USAGE;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") == 0)
				fmt = TB_CMPF_TEXT;
			else if (strcmp(optarg, "csv") == 0)
				fmt = TB_CMPF_CSV;
			else if (strcmp(optarg, "markdown") == 0 || strcmp(optarg, "md") == 0)
				fmt = TB_CMPF_MARKDOWN;
			else {
				tb_error("compare: --format '%s': expected text, csv or markdown",
					 optarg);
				goto out;
			}
			break;
		case 'B': add(&base, optarg); break;
		case 'C': add(&cand, optarg); break;
		case 'h':
			fputs(usage, stdout);
			rc = TB_EXIT_OK;
			goto out;
		case ':':
			tb_error("compare: %s needs a value", argv[optind - 1]);
			goto out;
		default:
			tb_error("compare: unknown option '%s' (see 'tinyben compare --help')",
				 argv[optind - 1]);
			goto out;
		}
	}
	int npos = argc - optind;
	if (base.n || cand.n) {
		if (npos || !base.n || !cand.n) {
			tb_error("compare: give --base FILE and --cand FILE (each may repeat), or "
				 "exactly two files BASE CAND, not both");
			goto out;
		}
	} else if (npos != 2) {
		tb_error("compare: expected two files, BASE and CAND (see 'tinyben compare "
			 "--help')");
		goto out;
	} else {
		add(&base, argv[optind]);
		add(&cand, argv[optind + 1]);
	}

	struct tb_table t = { 0 };
	if (read_side(&t, &base) || read_side(&t, &cand)) {
		tb_table_free(&t);
		goto out;
	}
	struct tb_side bs, cs;
	build_side(&bs, "base", &t, 0, base.n);
	build_side(&cs, "cand", &t, base.n, base.n + cand.n);
	char lv[256];
	if (tb_side_mixed_cc(&bs, lv, sizeof(lv)))
		tb_warn("compare: base mixes cc_levels (%s): its samples are pooled", lv);
	if (tb_side_mixed_cc(&cs, lv, sizeof(lv)))
		tb_warn("compare: cand mixes cc_levels (%s): its samples are pooled", lv);
	struct tb_cmp cmp;
	tb_compare(&bs, &cs, &cmp);
	tb_cmp_write(stdout, fmt, &t, &bs, &cs, &cmp);
	rc = fflush(stdout) == 0 && !ferror(stdout) ? TB_EXIT_OK : TB_EXIT_FAILED;
	if (rc)
		tb_error("compare: cannot write the output");
	tb_cmp_free(&cmp);
	tb_side_free(&bs);
	tb_side_free(&cs);
	tb_table_free(&t);
out:
	free(base.v);
	free(cand.v);
	return rc;
}

static const struct tb_verb compare_verb = {
	.name = "compare",
	.synopsis = "compare BASE.csv CAND.csv [--format text|csv|markdown] "
		    "(or --base FILE... --cand FILE...)",
	.summary = "overhead of one run against another: medians, ratio, 95% CI, significance",
	.main = compare_main,
	.order = 50,
};
TB_REGISTER_VERB(compare_verb);
