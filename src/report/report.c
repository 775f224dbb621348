/* `tinyben report`: one self-contained HTML (or SVG) with environments, plots and tables. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tinyben/ctx.h"
#include "tinyben/cli.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"
#include "report/cmpstats.h"
#include "report/html.h"
#include "report/progress.h"
#include "report/stage.h"
#include "report/summary.h"

static const char usage[] =
	"usage: tinyben report -o FILE.html|FILE.svg|FILE.md [--force] [--by KEY] CSV...\n"
	"       tinyben report --format md [--by KEY] CSV...   (Markdown on stdout)\n"
	"  One self-contained HTML page (inline SVG, no scripts, nothing fetched): a summary\n"
	"  (overhead per group with its 95% interval and verdict), a forest plot of the overhead\n"
	"  of every bench and variant, a heat map for more than two configurations, the\n"
	"  mem.latency curves, the environment of each run and the comparison tables\n"
	"  (docs/REPORT.md). -o FILE.svg writes only the plots; --format md (or -o FILE.md) the\n"
	"  summary and the overhead rows as Markdown.\n"
	"  -o, --output FILE  where to write (refuses to replace it without --force)\n"
	"      --format FMT   html, svg or md (default: from the name of -o)\n"
	"      --force        replace an existing FILE\n"
	"      --by KEY       what one configuration is: file (default: each CSV file), run\n"
	"                     (each run_id), cc_level, or tag.NAME (the value of a --tag; with\n"
	"                     tag.mode, each against the plain configuration of its shape)\n"
	"      --margin PCT   shade the +-PCT % band and say what is equivalent within it\n"
	"      --allow-truncated  drop a cut-off last row (power cut, full disk) with a\n"
	"                     warning instead of rejecting the file\n";

static const struct tb_arg options[] = {
	{ .name = "output", .short_name = 'o', .value = true, .id = 'o' },
	{ .name = "force", .id = 'F' },
	{ .name = "by", .value = true, .id = 'b' },
	{ .name = "format", .value = true, .id = 'f' },
	TB_CMP_SHARED_OPTIONS,
	{ 0 },
};

enum by { BY_FILE, BY_RUN, BY_CC, BY_TAG };

/* The key of the run a row belongs to, under --by. Returns whether the row has the tag of
 * --by tag.NAME (true for the other keys). */
static bool key_of(const struct tb_table *t, const struct tb_row *r, enum by by,
		   const char *tag, char *buf, size_t len)
{
	switch (by) {
	case BY_FILE:
		snprintf(buf, len, "%s", t->files[r->file]);
		break;
	case BY_RUN:
		snprintf(buf, len, "%s", r->f[TB_COL_RUN_ID]);
		break;
	case BY_CC:
		snprintf(buf, len, "%s", r->f[TB_COL_CC_LEVEL]);
		break;
	case BY_TAG: {
		char v[256];
		if (tb_detail_get(r->f[TB_COL_DETAIL], tag, v, sizeof(v))) {
			snprintf(buf, len, "%s=%s", tag + 4, v);
			return true;
		}
		snprintf(buf, len, "%s unset", tag + 4);
		return false;
	}
	}
	return true;
}

/* A path's name without directory and .csv (a new string). */
static char *stem(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		abort();
	char *b = basename(copy);
	size_t l = strlen(b);
	if (l > 4 && strcmp(b + l - 4, ".csv") == 0)
		b[l - 4] = '\0';
	char *out = strdup(b);
	free(copy);
	if (!out)
		abort();
	return out;
}

/* A file's label: its stem, unless another file has the same stem (then its path). */
static char *file_label(const struct tb_table *t, size_t i)
{
	char *b = stem(t->files[i]);
	for (size_t j = 0; j < t->n_files; j++) {
		if (j == i)
			continue;
		char *b2 = stem(t->files[j]);
		bool clash = strcmp(b, b2) == 0 && strcmp(t->files[i], t->files[j]) != 0;
		free(b2);
		if (clash) {
			free(b);
			return strdup(t->files[i]);
		}
	}
	return b;
}

/* Bars a plot can tell apart (8 colours x hatches, and a legend that fits a page); more
 * sides means the grouping is not what the user meant (--by run over a million runs). */
#define MAX_SIDES 64

/* Rows go to their side as they are read: no row outlives the reader's buffer. */
struct grouping {
	const struct tb_table *t;
	enum by by;
	const char *tag;
	size_t n_files;
	struct tb_strmap keys;
	char **key;
	struct tb_side *sides;
	size_t n;
	unsigned long long rows, keyed; /* keyed: rows that have the key (the tag of --by) */
};

static int to_side(void *arg, const struct tb_row *r)
{
	struct grouping *g = arg;
	char key[512];
	g->keyed += key_of(g->t, r, g->by, g->tag, key, sizeof(key));
	size_t k = tb_strmap_get(&g->keys, key);
	if (k == SIZE_MAX) {
		if (g->n == MAX_SIDES)
			return -E2BIG;
		k = g->n++;
		g->key = realloc(g->key, g->n * sizeof(*g->key));
		g->sides = realloc(g->sides, g->n * sizeof(*g->sides));
		if (!g->key || !g->sides || !(g->key[k] = strdup(key)))
			abort();
		tb_side_init(&g->sides[k], key, g->n_files);
		tb_strmap_put(&g->keys, key, k);
	}
	tb_side_add(&g->sides[k], r);
	g->rows++;
	return 0;
}

/* Labels, once every row is in: they depend on the other files' names. */
static void label_sides(struct grouping *g)
{
	const struct tb_table *t = g->t;
	for (size_t k = 0; k < g->n; k++) {
		/* Say the cc_level in every label: it is what the reader compares. */
		char lv[256], *base = NULL;
		tb_side_mixed_cc(&g->sides[k], lv, sizeof(lv));
		if (g->by == BY_FILE) {
			for (size_t i = 0; i < t->n_files && !base; i++)
				if (strcmp(t->files[i], g->key[k]) == 0)
					base = file_label(t, i);
		}
		if (g->by != BY_CC) {
			char *l = tb_strdupf("%s (%s)", base ? base : g->key[k], lv);
			free(g->sides[k].label);
			g->sides[k].label = l;
		}
		free(base);
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

struct report_args {
	const char *output, *by_arg, *format;
	bool force;
	double margin;
	struct tb_read_opts *ro;
};

static int on_option(void *user, int id, const char *v)
{
	struct report_args *r = user;
	switch (id) {
	case 'o': r->output = v; return 0;
	case 'F': r->force = true; return 0;
	case 'b': r->by_arg = v; return 0;
	case 'f':
		if (strcmp(v, "html") && strcmp(v, "svg") && strcmp(v, "md") && strcmp(v, "markdown")) {
			tb_error("report: --format '%s': expected html, svg or md", v);
			return -1;
		}
		r->format = v;
		return 0;
	default: return tb_cmp_shared_option(id, v, r->ro, &r->margin);
	}
}

static int report_main(int argc, char **argv)
{
	struct tb_progress progress;
	struct tb_read_opts ro = { .verb = "report", .progress = &progress };
	struct report_args ra = { .by_arg = "file", .margin = NAN, .ro = &ro };
	struct tb_args spec = { .verb = "report", .usage = usage, .table = options,
				.mixed = true };
	TB_ARGS_OR_RETURN(&spec, argc, argv, on_option, &ra);
	const char *output = ra.output, *by_arg = ra.by_arg;
	bool force = ra.force;
	double margin = ra.margin;
	int first = spec.first_operand;
	enum by by;
	const char *tag = NULL;
	if (strcmp(by_arg, "file") == 0) {
		by = BY_FILE;
	} else if (strcmp(by_arg, "run") == 0) {
		by = BY_RUN;
	} else if (strcmp(by_arg, "cc_level") == 0) {
		by = BY_CC;
	} else if (strncmp(by_arg, "tag.", 4) == 0 && by_arg[4] && !strpbrk(by_arg, " =")) {
		by = BY_TAG;
		tag = by_arg;
	} else {
		tb_error("report: --by '%s': expected file, run, cc_level or tag.NAME", by_arg);
		return TB_EXIT_USAGE;
	}
	enum { F_HTML, F_SVG, F_MD } fmt = F_HTML;
	if (ra.format)
		fmt = ra.format[0] == 'h' ? F_HTML : ra.format[0] == 's' ? F_SVG : F_MD;
	else if (output && ends_with(output, ".svg"))
		fmt = F_SVG;
	else if (output && ends_with(output, ".md"))
		fmt = F_MD;
	if (!output && fmt != F_MD) {
		tb_error("report: -o FILE.html (or FILE.svg, FILE.md) is required");
		return TB_EXIT_USAGE;
	}
	if (output && !ra.format && !ends_with(output, ".svg") && !ends_with(output, ".html") &&
	    !ends_with(output, ".htm") && !ends_with(output, ".md")) {
		tb_error("report: -o %s: the name must end in .html, .svg or .md (or give --format)",
			 output);
		return TB_EXIT_USAGE;
	}
	if (first == argc) {
		tb_error("report: no CSV file given (see 'tinyben report --help')");
		return TB_EXIT_USAGE;
	}
	/* Refuse before reading anything: the user's file is worth more than our time. */
	struct stat st;
	if (output && !force && stat(output, &st) == 0) {
		tb_error("report: %s: already exists (use --force to replace it)", output);
		return TB_EXIT_USAGE;
	}
	/* The same file under another name (./a.csv, a symlink, a hard link) is the same file. */
	struct stat out_st, in_st;
	bool out_exists = output && stat(output, &out_st) == 0;
	for (int i = first; i < argc; i++) {
		if (output && (strcmp(argv[i], output) == 0 ||
			       (out_exists && stat(argv[i], &in_st) == 0 &&
				in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino))) {
			tb_error("report: %s is both an input and the output (-o %s)", argv[i],
				 output);
			return TB_EXIT_USAGE;
		}
	}
	struct tb_table t = { 0 };
	struct grouping g = { .t = &t, .by = by, .tag = tag, .n_files = (size_t)(argc - first) };
	char err[512];
	int rc = TB_EXIT_OK;
	char *doc = NULL;
	tb_progress_init(&progress, "report");
	for (int i = first; i < argc; i++) {
		unsigned long long before = g.rows;
		int e = tb_csv_read_file(&t, argv[i], &ro, to_side, &g, err, sizeof(err));
		/* The first file is every bar's baseline: one of nothing (a run that died at
		 * once) must not quietly hand that role to the next. */
		if (e == 0 && g.rows == before) {
			tb_error("report: %s holds no rows, only a header", argv[i]);
			rc = TB_EXIT_USAGE;
			goto out;
		}
		if (e == -EINTR) {
			rc = TB_EXIT_INTERRUPTED;
			goto out;
		}
		if (e == -E2BIG) {
			tb_error("report: more than %d runs to draw under --by %s (at %s): group them "
				 "with --by cc_level or --by tag.NAME", MAX_SIDES, by_arg, argv[i]);
			rc = TB_EXIT_USAGE;
			goto out;
		}
		if (e != 0) {
			tb_error("report: %s", err);
			rc = TB_EXIT_USAGE;
			goto out;
		}
	}
	tb_progress_done(&progress);
	if (g.n == 0) {
		tb_error("report: the files hold no rows");
		rc = TB_EXIT_USAGE;
		goto out;
	}
	/* A misspelt tag made one configuration "NAME unset" of every row, without a word. */
	if (tag && g.keyed == 0) {
		tb_error("report: --by %s: no row has the tag %s (run --tag %s=VALUE sets it)",
			 by_arg, tag + 4, tag + 4);
		rc = TB_EXIT_USAGE;
		goto out;
	}
	label_sides(&g);
	/* The statistics, once: the summary, the plots and the tables read them. */
	struct tb_stage stage;
	if (tb_stage_build(g.sides, g.n, margin, tag, &stage) == -EINTR) {
		rc = TB_EXIT_INTERRUPTED;
		goto out;
	}
	tb_stage_warnings(&stage, tb_say_warning, (void *)"report");
	/* The document is built in memory first: no half-written file on a bad input. */
	size_t len = 0;
	FILE *m = open_memstream(&doc, &len);
	if (!m)
		abort();
	int drc = 0;
	if (fmt == F_SVG)
		drc = tb_report_svg(m, &stage);
	else if (fmt == F_MD)
		tb_summary_md(m, &stage);
	else
		drc = tb_report_html(m, &t, &stage);
	fclose(m);
	tb_stage_free(&stage);
	if (drc == -EINTR || tb_interrupted()) {
		rc = TB_EXIT_INTERRUPTED;
		goto out;
	}
	if (!output) {
		if (fwrite(doc, 1, len, stdout) != len || fflush(stdout) != 0) {
			tb_error("report: cannot write the output");
			rc = TB_EXIT_FAILED;
		}
		goto out;
	}
	/* Written beside and renamed into place: a cut report would look whole in a browser. */
	struct tb_doc out;
	int orc = tb_doc_open(&out, output, force);
	if (orc < 0) {
		rc = tb_output_exit_code(orc);
	} else {
		fwrite(doc, 1, len, out.f);
		if (tb_doc_commit(&out) < 0)
			rc = TB_EXIT_FAILED;
	}
out:
	tb_progress_done(&progress);
	if (rc == TB_EXIT_INTERRUPTED)
		tb_error("report: interrupted (nothing written)");
	free(doc);
	for (size_t k = 0; k < g.n; k++) {
		tb_side_free(&g.sides[k]);
		free(g.key[k]);
	}
	free(g.sides);
	free(g.key);
	tb_strmap_free(&g.keys);
	tb_table_free(&t);
	return rc;
}

TB_VERB(report,
	.order = 60,
	.synopsis = "report -o FILE.html|FILE.svg|FILE.md [--format html|svg|md] [--force] "
		    "[--by file|run|cc_level|tag.NAME] [--margin PCT] [--allow-truncated] CSV...",
	.summary = "one self-contained HTML report: summary, overhead forest plot, heat map, "
		   "latency curves");
