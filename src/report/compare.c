/* `tinyben compare`: overhead of CAND against BASE with bootstrap CIs, per metric. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "tinyben/cli.h"
#include "tinyben/ctx.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"
#include "report/cmpfmt.h"
#include "report/comparable.h"
#include "report/gate.h"
#include "report/progress.h"
#include "report/sidewarn.h"

static const char usage[] =
	"usage: tinyben compare BASE.csv CAND.csv [--format text|csv|markdown] [--margin PCT]\n"
	"       tinyben compare --base A1.csv [--base A2.csv]... --cand B1.csv [--cand B2.csv]...\n"
	"  BASE and CAND are CSV files written by 'tinyben run'; several files (or one file\n"
	"  of concatenated runs, or of 'run --runs N') make up a side, and each run (run_id)\n"
	"  in it counts once: the interval comes from how much runs differ, and a verdict\n"
	"  needs 3 runs a side (else: undetermined).\n"
	"      --format FMT   text (default), csv or markdown\n"
	"      --margin PCT   also say whether the sides are equivalent within +-PCT %\n"
	"      --allow-truncated  drop a cut-off last row (power cut, full disk) with a\n"
	"                     warning instead of rejecting the file\n"
	"      --gate         a CI decision (needs --margin): exit 0 when every metric is\n"
	"                     equivalent within +-PCT or better, 1 when one is shown worse\n"
	"                     by more than PCT, 3 when the runs cannot decide (docs/COMPARE.md)\n"
	"      --metrics GLOBS  what --gate gates: comma-separated globs on\n"
	"                     bench:variant:metric (default: every compared metric)\n"
	"      --strict       exit 2 when the environments differ (the comparability block:\n"
	"                     ISA extensions, microcode, kernel command line, THP, cpuidle,\n"
	"                     NUMA nodes, clocksource, swiotlb)\n"
	"  For every (bench, variant, metric) on both sides: centres, ratio cand/base, overhead\n"
	"  (positive = cand worse), 95% interval of the ratio, significant yes/no/undetermined.\n";

static const struct tb_arg options[] = {
	{ .name = "format", .value = true, .id = 'f' },
	{ .name = "base", .value = true, .id = 'B' },
	{ .name = "cand", .value = true, .id = 'C' },
	{ .name = "gate", .id = 'g' },
	{ .name = "metrics", .value = true, .id = 'M' },
	{ .name = "strict", .id = 'S' },
	TB_CMP_SHARED_OPTIONS,
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

static int to_side(void *arg, const struct tb_row *r)
{
	tb_side_add(arg, r);
	return 0;
}

/* Streams the files of one side into s. Returns 0, TB_EXIT_USAGE (bad input, said) or
 * TB_EXIT_INTERRUPTED. */
static int read_side(struct tb_table *t, const struct files *l, struct tb_side *s,
		     const struct tb_read_opts *o)
{
	char err[512];
	for (size_t i = 0; i < l->n; i++) {
		int rc = tb_csv_read_file(t, l->v[i], o, to_side, s, err, sizeof(err));
		if (rc == -EINTR)
			return TB_EXIT_INTERRUPTED;
		if (rc != 0) {
			tb_error("compare: %s", err);
			return TB_EXIT_USAGE;
		}
	}
	/* Headers only (a run that died at once): a side of nothing would print an empty
	 * comparison and exit 0, hiding that the run never happened. */
	if (s->n_runs == 0) {
		char names[512];
		size_t used = 0;
		names[0] = '\0';
		for (size_t i = 0; i < l->n; i++) {
			int n = snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
					 l->v[i]);
			if (n < 0 || (size_t)n >= sizeof(names) - used)
				break;
			used += (size_t)n;
		}
		tb_error("compare: %s (%s) holds no rows, only a header", s->label, names);
		return TB_EXIT_USAGE;
	}
	return 0;
}

struct compare_args {
	struct files base, cand;
	enum tb_cmp_format fmt;
	bool format_given, gate, strict;
	const char *metrics;     /* --metrics: globs of what --gate gates */
	struct tb_read_opts *ro;
	struct tb_cmp_opts *co;
};

static int on_option(void *user, int id, const char *v)
{
	struct compare_args *c = user;
	switch (id) {
	case 'g': c->gate = true; return 0;
	case 'M': c->metrics = v; return 0;
	case 'S': c->strict = true; return 0;
	case 'f':
		c->format_given = true;
		if (strcmp(v, "text") == 0)
			c->fmt = TB_CMPF_TEXT;
		else if (strcmp(v, "csv") == 0)
			c->fmt = TB_CMPF_CSV;
		else if (strcmp(v, "markdown") == 0 || strcmp(v, "md") == 0)
			c->fmt = TB_CMPF_MARKDOWN;
		else {
			tb_error("compare: --format '%s': expected text, csv or markdown", v);
			return -1;
		}
		return 0;
	case 'B': add(&c->base, v); return 0;
	case 'C': add(&c->cand, v); return 0;
	default: return tb_cmp_shared_option(id, v, c->ro, &c->co->margin_pct);
	}
}

/* --strict: every difference on stderr too, so that it shows with --gate and --format csv. */
static void strict_diff(void *arg, const char *fact, const char *base, const char *cand,
			const char *consequence)
{
	(void)arg;
	tb_warn("compare: %s differs (base %s; cand %s): %s", fact, base, cand, consequence);
}

static int compare_main(int argc, char **argv)
{
	struct tb_progress progress;
	struct tb_read_opts ro = { .verb = "compare", .progress = &progress };
	struct tb_cmp_opts co = { .margin_pct = NAN };
	struct compare_args ca = { .fmt = TB_CMPF_TEXT, .ro = &ro, .co = &co };
	int rc = TB_EXIT_USAGE;
	struct tb_args spec = { .verb = "compare", .usage = usage, .table = options,
				.mixed = true };
	int p = tb_args_parse(&spec, argc, argv, on_option, &ca);
	if (p != 0) {
		rc = p > 0 ? TB_EXIT_OK : TB_EXIT_USAGE;
		goto out;
	}
	int first = spec.first_operand, npos = argc - first;
	if (ca.base.n || ca.cand.n) {
		if (npos || !ca.base.n || !ca.cand.n) {
			tb_error("compare: give --base FILE and --cand FILE (each may repeat), or "
				 "exactly two files BASE CAND, not both");
			goto out;
		}
	} else if (npos != 2) {
		tb_error("compare: expected two files, BASE and CAND (see 'tinyben compare "
			 "--help')");
		goto out;
	} else {
		add(&ca.base, argv[first]);
		add(&ca.cand, argv[first + 1]);
	}
	if (ca.gate && isnan(co.margin_pct)) {
		tb_error("compare: --gate needs --margin PCT (the change the gate tolerates)");
		goto out;
	}
	if (ca.gate && ca.format_given) {
		tb_error("compare: --gate writes its own lines; leave out --format (run compare "
			 "without --gate for the table)");
		goto out;
	}
	if (ca.metrics && !ca.gate) {
		tb_error("compare: --metrics chooses what --gate gates; give --gate too");
		goto out;
	}

	struct tb_table t = { 0 };
	struct tb_side sides[2], *bs = &sides[0], *cs = &sides[1];
	tb_side_init(bs, "base", ca.base.n + ca.cand.n);
	tb_side_init(cs, "cand", ca.base.n + ca.cand.n);
	struct tb_cmp cmp = { 0 };
	tb_progress_init(&progress, "compare");
	if ((rc = read_side(&t, &ca.base, bs, &ro)) != 0 ||
	    (rc = read_side(&t, &ca.cand, cs, &ro)) != 0)
		goto done;
	tb_sides_warn(sides, 2, tb_say_warning, (void *)"compare");
	tb_pair_warn(bs, cs, tb_say_warning, (void *)"compare");
	co.progress = &progress;
	if (tb_compare(bs, cs, &co, &cmp) == -EINTR) {
		rc = TB_EXIT_INTERRUPTED;
		goto done;
	}
	tb_progress_done(&progress);
	int gate_rc = TB_EXIT_OK;
	if (ca.gate) {
		gate_rc = tb_gate_write(stdout, &cmp, co.margin_pct, ca.metrics);
		if (gate_rc < 0 && !ca.metrics) {
			tb_error("compare: --gate: no metric was measured on both sides: nothing "
				 "to gate");
			rc = TB_EXIT_USAGE;
			goto done;
		}
		if (gate_rc < 0) {
			tb_error("compare: --metrics '%s' matches no metric measured on both sides "
				 "(patterns are globs on bench:variant:metric)", ca.metrics);
			rc = TB_EXIT_USAGE;
			goto done;
		}
	} else {
		tb_cmp_write(stdout, ca.fmt, &t, bs, cs, &cmp);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tb_error("compare: cannot write the output");
		rc = TB_EXIT_FAILED;
	} else {
		rc = gate_rc; /* 0, or the gate's 1 or 3 */
	}
	size_t differ = ca.strict ? tb_comparability(bs, cs, strict_diff, NULL) : 0;
	if (differ && rc != TB_EXIT_FAILED) {
		tb_error("compare: --strict: the environments differ in %zu fact%s (above)", differ,
			 differ == 1 ? "" : "s");
		rc = TB_EXIT_USAGE;
	}
done:
	tb_progress_done(&progress);
	if (rc == TB_EXIT_INTERRUPTED)
		tb_error("compare: interrupted");
	tb_cmp_free(&cmp);
	tb_side_free(bs);
	tb_side_free(cs);
	tb_table_free(&t);
out:
	free(ca.base.v);
	free(ca.cand.v);
	return rc;
}

TB_VERB(compare,
	.order = 50,
	.synopsis = "compare BASE.csv CAND.csv [--format text|csv|markdown] [--margin PCT] "
		    "[--allow-truncated] [--gate [--metrics GLOBS]] [--strict] (or --base FILE... "
		    "--cand FILE...)",
	.summary = "overhead of one run against another: medians, ratio, 95% CI, significance");
