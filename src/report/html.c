/* The report documents: one self-contained XHTML page, or one SVG of all the plots. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/cmpfmt.h"
#include "report/comparable.h"
#include "report/html.h"
#include "report/svg.h"
#include "tinyben/ctx.h"
#include "version.h"

/* No scripts, no fonts or images fetched: the file must open offline, years later. */
static const char css[] =
	"body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px;color:#111;"
	"max-width:1400px}\n"
	"h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #999}"
	"h3{font-size:15px}\n"
	"table{border-collapse:collapse;font-size:12px;margin:8px 0}\n"
	"th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}\n"
	"th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums;"
	"white-space:nowrap}\n"
	"tr.sig td{font-weight:bold}\n"
	".plot{overflow-x:auto;margin:8px 0}.plot svg{max-width:100%;height:auto}\n"
	".warn{color:#a00000;font-weight:bold}.note{font-size:12px;color:#333}\n"
	"@media print{body{margin:0}.plot{overflow:visible}h2{break-after:avoid}"
	".plot,table{break-inside:avoid}}\n";

static void cell(FILE *f, const char *tag, const char *cls, const char *s)
{
	fprintf(f, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	tb_xml_put(f, s);
	fprintf(f, "</%s>", tag);
}

static void runs_table(FILE *f, const struct tb_table *t, const struct tb_side *sides, size_t n)
{
	static const char *const head[] = {
		"#", "run", "files", "run_id", "cc_level", "cc_features", "kernel", "cpu_model",
		"vcpus", "mem_mib", "host", "tinyben", "started", "rows ok/skipped/failed",
	};
	fputs("<table>\n<tr>", f);
	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		cell(f, "th", NULL, head[i]);
	fputs("</tr>\n", f);
	for (size_t k = 0; k < n; k++) {
		char files[2048];
		tb_side_files(&sides[k], t, files, sizeof(files));
		for (size_t r = 0; r < sides[k].n_runs; r++) {
			const struct tb_run_env *e = &sides[k].runs[r];
			if (!e->first) {
				char more[96];
				snprintf(more, sizeof(more), "... and %zu more runs",
					 sides[k].n_runs - r);
				fputs("<tr>", f);
				cell(f, "td", NULL, "");
				cell(f, "td", NULL, sides[k].label);
				fputs("<td colspan=\"12\">", f);
				tb_xml_put(f, more);
				fputs("</td></tr>\n", f);
				break;
			}
			const char *const *x = e->first->f;
			char num[32], counts[96];
			snprintf(num, sizeof(num), "%zu", k + 1);
			snprintf(counts, sizeof(counts), "%zu / %zu / %zu", e->n_ok, e->n_skipped,
				 e->n_failed);
			fputs("<tr>", f);
			cell(f, "td", "n", num);
			cell(f, "td", NULL, sides[k].label);
			cell(f, "td", NULL, files);
			cell(f, "td", NULL, x[TB_COL_RUN_ID]);
			cell(f, "td", NULL, x[TB_COL_CC_LEVEL]);
			cell(f, "td", NULL, x[TB_COL_CC_FEATURES]);
			cell(f, "td", NULL, x[TB_COL_KERNEL]);
			cell(f, "td", NULL, x[TB_COL_CPU_MODEL]);
			cell(f, "td", "n", x[TB_COL_VCPUS]);
			cell(f, "td", "n", x[TB_COL_MEM_MIB]);
			cell(f, "td", NULL, x[TB_COL_HOST]);
			cell(f, "td", NULL, x[TB_COL_VERSION]);
			cell(f, "td", NULL, x[TB_COL_TIMESTAMP]);
			cell(f, "td", "n", counts);
			fputs("</tr>\n", f);
		}
	}
	fputs("</table>\n", f);
	for (size_t k = 0; k < n; k++) {
		char lv[256];
		if (!tb_side_mixed_cc(&sides[k], lv, sizeof(lv)))
			continue;
		fputs("<p class=\"warn\">warning: ", f);
		tb_xml_put(f, sides[k].label);
		fputs(" mixes cc_levels (", f);
		tb_xml_put(f, lv);
		fputs("); its samples are pooled.</p>\n", f);
	}
}

static void series_name(FILE *f, const struct tb_series *s)
{
	tb_xml_put(f, s->bench);
	fputs(" ", f);
	tb_xml_put(f, s->variant);
	fputs(" ", f);
	tb_xml_put(f, s->metric);
}

static void html_reason(void *arg, const char *reason, size_t n)
{
	FILE *f = arg;
	fprintf(f, "<p class=\"note\">undetermined (%zu metric%s): ", n, n == 1 ? "" : "s");
	tb_xml_put(f, reason);
	fputs("</p>\n", f);
}

static void compare_table(FILE *f, const struct tb_table *t, const struct tb_side *base,
			  const struct tb_side *cand, double margin_pct)
{
	struct tb_cmp c;
	struct tb_cmp_opts o = { .margin_pct = margin_pct };
	tb_compare(base, cand, &o, &c);
	int nc = tb_cmp_ncells(&c);
	char unit[320];
	tb_cmp_unit_line(&c, unit, sizeof(unit));
	cell(f, "p", NULL, unit);
	fputc('\n', f);
	char *facts = NULL;
	size_t facts_len = 0;
	FILE *m = open_memstream(&facts, &facts_len);
	if (m) {
		tb_comparability_write(m, false, base, cand);
		if (fclose(m) == 0)
			cell(f, "pre", NULL, facts);
		free(facts);
	}
	fputs("<table>\n<tr>", f);
	for (int j = 0; j < nc; j++) {
		char name[TB_CMP_CELL];
		tb_cmp_cell_name(&c, j, name, sizeof(name));
		cell(f, "th", NULL, name);
	}
	fputs("</tr>\n", f);
	size_t both = 0;
	for (size_t i = 0; i < c.n; i++) {
		const struct tb_cmp_row *r = &c.rows[i];
		if (r->kind != TB_CMP_BOTH)
			continue;
		both++;
		char cells[TB_CMP_NCELLS][TB_CMP_CELL];
		tb_cmp_cells(r, cells);
		fputs(r->significant ? "<tr class=\"sig\">" : "<tr>", f);
		for (int j = 0; j < nc; j++)
			cell(f, "td", tb_cmp_cell_numeric[j] ? "n" : NULL, cells[j]);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (!both)
		fputs("<p>No (bench, variant, metric) was measured in both runs.</p>\n", f);
	tb_cmp_reasons(&c, html_reason, f);
	static const struct { enum tb_cmp_kind kind; const char *what; } sec[] = {
		{ TB_CMP_BASE_ONLY, "Only in the first run (not compared)" },
		{ TB_CMP_CAND_ONLY, "Only in this run (not compared)" },
		{ TB_CMP_UNIT_MISMATCH, "Not comparable (unit or better differs)" },
	};
	for (size_t k = 0; k < 3; k++) {
		bool any = false;
		for (size_t i = 0; i < c.n; i++) {
			const struct tb_cmp_row *r = &c.rows[i];
			if (r->kind != sec[k].kind)
				continue;
			if (!any)
				fprintf(f, "<p class=\"note\">%s: ", sec[k].what);
			else
				fputs("; ", f);
			any = true;
			series_name(f, r->b ? r->b : r->c);
		}
		if (any)
			fputs("</p>\n", f);
	}
	tb_cmp_free(&c);
	(void)t;
}

static void not_measured(FILE *f, const struct tb_table *t, const struct tb_side *sides, size_t n)
{
	bool any = false;
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < sides[k].n_notok; i++) {
			const struct tb_row *r = sides[k].notok[i];
			if (!any)
				fputs("<h2>Not measured</h2>\n<p class=\"note\">Skipped and failed rows are "
				      "not samples; they are listed here.</p>\n<table>\n<tr><th>run</th>"
				      "<th>bench</th><th>variant</th><th>status</th><th>reason</th>"
				      "<th>file:line</th></tr>\n", f);
			any = true;
			char where[1200];
			snprintf(where, sizeof(where), "%s:%zu", t->files[r->file], r->line);
			fputs("<tr>", f);
			cell(f, "td", NULL, sides[k].label);
			cell(f, "td", NULL, r->f[TB_COL_BENCH]);
			cell(f, "td", NULL, r->f[TB_COL_VARIANT]);
			cell(f, "td", NULL, r->f[TB_COL_STATUS]);
			cell(f, "td", NULL, r->f[TB_COL_DETAIL]);
			cell(f, "td", NULL, where);
			fputs("</tr>\n", f);
		}
		if (sides[k].n_notok_unlisted) {
			char more[96];
			snprintf(more, sizeof(more), "%zu more skipped or failed rows not listed",
				 sides[k].n_notok_unlisted);
			fputs("<tr>", f);
			cell(f, "td", NULL, sides[k].label);
			fputs("<td colspan=\"5\">", f);
			tb_xml_put(f, more);
			fputs("</td></tr>\n", f);
		}
	}
	if (any)
		fputs("</table>\n", f);
}

int tb_report_html(FILE *f, const struct tb_table *t, const struct tb_side *sides, size_t n,
		   double margin_pct)
{
	fputs("<!DOCTYPE html>\n"
	      "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n<title>tinyben report</title>\n<style>\n", f);
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n<h1>tinyben report</h1>\n", f);
	fprintf(f, "<p class=\"note\">%zu run%s, written by tinyben %s. The first run, <b>", n,
		n == 1 ? "" : "s", TINYBEN_VERSION);
	tb_xml_put(f, sides[0].label);
	fputs("</b>, is the base (= 1.0) of every plot and table.</p>\n<h2>Runs</h2>\n", f);
	runs_table(f, t, sides, n);

	fputs("<h2>Relative performance</h2>\n<p class=\"note\">Median of each metric divided by "
	      "the first run's median, inverted for lower-is-better metrics (times, latencies), so "
	      "that higher is always better. Error bars: 95% interval of that ratio (for the first "
	      "run: of its own centre), between runs when a side has at least 3 runs, else within "
	      "runs only (too narrow to judge by: no verdict). A bar whose interval between runs "
	      "excludes 1.0 differs significantly from the first run.", f);
	if (!isnan(margin_pct))
		fprintf(f, " The grey band is the --margin of +-%g%% overhead: a bar whose "
			   "interval lies inside it is equivalent to the first run.", margin_pct);
	fputs("</p>\n", f);
	const char *groups[64];
	size_t ng = tb_report_groups(sides, n, groups, 64);
	int id = 0;
	for (size_t g = 0; g < ng; g++) {
		fputs("<h3>", f);
		tb_xml_put(f, groups[g]);
		fputs("</h3>\n<div class=\"plot\">\n", f);
		double w, h;
		if (tb_interrupted())
			return -EINTR;
		if (tb_svg_bars(f, sides, n, groups[g], id++, margin_pct, &w, &h) != 0) {
			fputs("<p class=\"note\">No ", f);
			tb_xml_put(f, groups[g]);
			fputs(" samples in the first run (the base of the plot).</p>\n", f);
		}
		fputs("</div>\n", f);
	}

	fputs("<h2>mem.latency</h2>\n", f);
	char **fam;
	size_t nf = tb_latency_families(sides, n, &fam);
	if (!nf)
		fputs("<p class=\"note\">No mem.latency samples (variants with block_bytes) in "
		      "these runs.</p>\n", f);
	for (size_t i = 0; i < nf; i++) {
		double w, h;
		fputs("<div class=\"plot\">\n", f);
		tb_svg_latency(f, sides, n, fam[i], id++, &w, &h);
		fputs("</div>\n", f);
		free(fam[i]);
	}
	free(fam);

	for (size_t k = 1; k < n; k++) {
		if (tb_interrupted())
			return -EINTR;
		fputs("<h2>", f);
		tb_xml_put(f, sides[k].label);
		fputs(" against ", f);
		tb_xml_put(f, sides[0].label);
		fputs("</h2>\n", f);
		compare_table(f, t, &sides[0], &sides[k], margin_pct);
	}
	if (n > 1) {
		/* The same paragraphs as compare's, one <p> each. */
		char *text = NULL;
		size_t tl = 0;
		FILE *m = open_memstream(&text, &tl);
		if (!m)
			abort();
		struct tb_cmp none = { .margin_pct = margin_pct };
		tb_cmp_explain(m, &none, 0);
		fclose(m);
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			fputs("<p class=\"note\">", f);
			tb_xml_put(f, line);
			fputs("</p>\n", f);
		}
		free(text);
	}
	not_measured(f, t, sides, n);
	fputs("</body>\n</html>\n", f);
	return 0;
}

/* The plots only, stacked in one SVG document (nested <svg> elements keep their ids). */
int tb_report_svg(FILE *f, const struct tb_side *sides, size_t n, double margin_pct)
{
	char *parts[96];
	double ws[96], hs[96];
	size_t np = 0;
	const char *groups[64];
	size_t ng = tb_report_groups(sides, n, groups, 64);
	char **fam;
	size_t nf = tb_latency_families(sides, n, &fam);
	for (size_t i = 0; i < ng + nf && np < 96; i++) {
		size_t len;
		FILE *m = open_memstream(&parts[np], &len);
		if (!m)
			abort();
		if (tb_interrupted()) {
			fclose(m);
			free(parts[np]);
			for (size_t j = 0; j < np; j++)
				free(parts[j]);
			for (size_t j = 0; j < nf; j++)
				free(fam[j]);
			free(fam);
			return -EINTR;
		}
		int rc = i < ng ? tb_svg_bars(m, sides, n, groups[i], (int)i, margin_pct, &ws[np],
					      &hs[np])
				: tb_svg_latency(m, sides, n, fam[i - ng], (int)i, &ws[np], &hs[np]);
		fclose(m);
		if (rc == 0)
			np++;
		else
			free(parts[np]);
	}
	double W = 400, H = 0;
	for (size_t i = 0; i < np; i++) {
		W = fmax(W, ws[i]);
		H += hs[i] + 10;
	}
	if (np == 0)
		H = 40;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "viewBox=\"0 0 %.0f %.0f\">\n<rect width=\"%.0f\" height=\"%.0f\" "
		   "fill=\"#ffffff\"/>\n", W, H, W, H, W, H);
	if (np == 0)
		fputs("<text x=\"10\" y=\"24\" font-family=\"sans-serif\" font-size=\"14\">no samples "
		      "to plot</text>\n", f);
	double y = 0;
	for (size_t i = 0; i < np; i++) {
		/* Give the nested plot its place: x/y attributes on its root element. */
		const char *p = parts[i] + strlen("<svg");
		fprintf(f, "<svg x=\"0\" y=\"%.0f\"%s", y, p);
		y += hs[i] + 10;
		free(parts[i]);
	}
	fputs("</svg>\n", f);
	for (size_t i = 0; i < nf; i++)
		free(fam[i]);
	free(fam);
	return 0;
}
