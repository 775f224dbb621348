/* The report documents: one self-contained XHTML page, or one SVG of all the plots. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/cmpfmt.h"
#include "report/comparable.h"
#include "report/html.h"
#include "report/summary.h"
#include "report/svg.h"
#include "tinyben/ctx.h"
#include "version.h"

/* No scripts, no fonts or images fetched: the file must open offline, years later. */
static const char css[] =
	"body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:16px 24px;color:#111;"
	"max-width:1400px}\n"
	"h1{font-size:22px;margin:4px 0 6px}h2{font-size:18px;margin-top:24px;"
	"border-bottom:1px solid #999}h3{font-size:15px}\n"
	"table{border-collapse:collapse;font-size:12px;margin:8px 0}\n"
	"th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}\n"
	"th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums;"
	"white-space:nowrap}\n"
	"tr.sig td{font-weight:bold}\n"
	/* Wide tables scroll inside their own box: the page itself never scrolls sideways. */
	".wide{overflow-x:auto;max-width:100%}\n"
	/* The width of the page, up to where 12 px labels would grow past reading size. */
	".plot{margin:8px 0}.plot svg{display:block;width:100%;max-width:1150px;height:auto}\n"
	".warn{color:#a00000;font-weight:bold}.note{font-size:12px;color:#333}\n"
	"#summary .sentence{font-size:16px;margin:6px 0}\n"
	".c0{color:#b34700;font-weight:bold}.c1{color:#0060a0;font-weight:bold}"
	".c2{color:#007a5a;font-weight:bold}.c3{color:#444}.c4{color:#777;font-style:italic}\n"
	"@page{size:A4;margin:12mm}\n"
	"@media print{body{margin:0;max-width:none;font-size:11px}.wide{overflow:visible}"
	"h2{break-after:avoid}.plot,tr{break-inside:avoid}"
	"table{font-size:9px}th,td{padding:1px 3px}}\n";

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
	fputs("<div class=\"wide\"><table>\n<tr>", f);
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
	fputs("</table></div>\n", f);
	/* A configuration that mixes cc_levels is said once, among the warnings at the top. */
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

/* The comparison's table, read from the stage (the forest plot draws the same rows). */
static void compare_table(FILE *f, const struct tb_cmp *cmp, const struct tb_side *base,
			  const struct tb_side *cand)
{
	const struct tb_cmp *c = cmp;
	int nc = tb_cmp_ncells(c);
	char unit[320];
	tb_cmp_unit_line(c, unit, sizeof(unit));
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
	fputs("<div class=\"wide\"><table>\n<tr>", f);
	for (int j = 0; j < nc; j++) {
		char name[TB_CMP_CELL];
		tb_cmp_cell_name(c, j, name, sizeof(name));
		cell(f, "th", NULL, name);
	}
	fputs("</tr>\n", f);
	size_t both = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct tb_cmp_row *r = &c->rows[i];
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
	fputs("</table></div>\n", f);
	if (!both)
		fputs("<p>No (bench, variant, metric) was measured in both runs.</p>\n", f);
	tb_cmp_reasons(c, html_reason, f);
	static const struct { enum tb_cmp_kind kind; const char *what; } sec[] = {
		{ TB_CMP_BASE_ONLY, "Only in the base (not compared)" },
		{ TB_CMP_CAND_ONLY, "Only in the candidate (not compared)" },
		{ TB_CMP_UNIT_MISMATCH, "Not comparable (unit or better differs, between the sides "
					"or between runs of one side; not drawn)" },
	};
	for (size_t k = 0; k < 3; k++) {
		bool any = false;
		for (size_t i = 0; i < c->n; i++) {
			const struct tb_cmp_row *r = &c->rows[i];
			if (r->kind != sec[k].kind)
				continue;
			fputs(any ? "; " : sec[k].kind == TB_CMP_UNIT_MISMATCH
					   ? "<p class=\"warn\">" : "<p class=\"note\">", f);
			if (!any)
				fprintf(f, "%s: ", sec[k].what);
			any = true;
			series_name(f, r->b ? r->b : r->c);
		}
		if (any)
			fputs("</p>\n", f);
	}
}

static void not_measured(FILE *f, const struct tb_table *t, const struct tb_side *sides, size_t n)
{
	bool any = false;
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < sides[k].n_notok; i++) {
			const struct tb_row *r = sides[k].notok[i];
			if (!any)
				fputs("<h2>Not measured</h2>\n<p class=\"note\">Skipped and failed rows are "
				      "not samples; they are listed here.</p>\n<div class=\"wide\"><table>\n<tr><th>run</th>"
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
		fputs("</table></div>\n", f);
}

static void html_warning(void *arg, const char *line)
{
	FILE *f = arg;
	fputs("<p class=\"warn\">warning: ", f);
	tb_xml_put(f, line);
	fputs("</p>\n", f);
}

/* A plot's own <div>, or a note when there is nothing to draw. */
static bool plot_ok(FILE *f, int rc, const char *none)
{
	if (rc != 0)
		fprintf(f, "<p class=\"note\">%s</p>\n", none);
	return rc == 0;
}

static int plots(FILE *f, const struct tb_stage *st, int *id)
{
	double w, h;
	/* More than one comparison: the heat map first, each forest plot is one of its columns. */
	if (st->n_pairs > 1) {
		fputs("<section id=\"matrix\">\n<h2>Matrix</h2>\n<div class=\"plot\">\n", f);
		tb_svg_matrix(f, st, (*id)++, &w, &h);
		fputs("</div>\n</section>\n", f);
	}
	fputs("<section id=\"overhead\">\n<h2>Overhead by bench and variant</h2>\n"
	      "<p class=\"note\">One row per bench and variant, its primary metric: the overhead "
	      "of the candidate in % (positive = costs more) with its 95% interval, against the "
	      "zero line", f);
	if (!isnan(st->margin_pct))
		fprintf(f, " and the shaded --margin band of \xc2\xb1%g%%", st->margin_pct);
	fputs(". Sorted by group, then by overhead. The tooltip of a row gives its medians, "
	      "runs and how its interval was obtained.</p>\n", f);
	if (!st->n_pairs)
		fputs("<p class=\"note\">One configuration only: nothing to compare against.</p>\n",
		      f);
	for (size_t i = 0; i < st->n_pairs; i++) {
		if (tb_interrupted())
			return -EINTR;
		fputs("<div class=\"plot\">\n", f);
		plot_ok(f, tb_svg_forest(f, st, &st->pairs[i], (*id)++, &w, &h),
			"No bench and variant was measured on both sides.");
		fputs("</div>\n", f);
	}
	fputs("</section>\n", f);
	fputs("<section id=\"latency\">\n<h2>mem.latency</h2>\n", f);
	char **fam;
	size_t nf = tb_latency_families(st->sides, st->n, &fam);
	if (!nf)
		fputs("<p class=\"note\">No mem.latency samples (variants with block_bytes) in "
		      "these runs.</p>\n", f);
	for (size_t i = 0; i < nf; i++) {
		for (size_t k = 0; k < (st->n_pairs ? st->n_pairs : 1); k++) {
			char *svg = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&svg, &len);
			if (!m)
				abort();
			int rc = tb_svg_latency(m, st, st->n_pairs ? &st->pairs[k] : NULL, fam[i],
						(*id)++, &w, &h);
			fclose(m);
			if (rc == 0)
				fprintf(f, "<div class=\"plot\">\n%s</div>\n", svg);
			free(svg);
		}
		free(fam[i]);
	}
	free(fam);
	fputs("</section>\n", f);
	return tb_interrupted() ? -EINTR : 0;
}

int tb_report_html(FILE *f, const struct tb_table *t, const struct tb_stage *st)
{
	const struct tb_side *sides = st->sides;
	size_t n = st->n;
	fputs("<!DOCTYPE html>\n"
	      "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
	      "<title>tinyben report</title>\n<style>\n", f);
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n<h1>tinyben report</h1>\n", f);
	fprintf(f, "<p class=\"note\">%zu configuration%s, written by tinyben %s. ", n,
		n == 1 ? "" : "s", TINYBEN_VERSION);
	if (st->by_shape) {
		fputs("Each configuration is compared with the plain configuration of the same "
		      "shape.", f);
	} else {
		fputs("Each is compared with the first, <b>", f);
		tb_xml_put(f, sides[0].label);
		fputs("</b>.", f);
	}
	fputs("</p>\n", f);
	tb_stage_warnings(st, html_warning, f);
	tb_summary_html(f, st);
	int id = 0;
	if (plots(f, st, &id) != 0)
		return -EINTR;

	fputs("<h2>Runs</h2>\n", f);
	runs_table(f, t, sides, n);
	for (size_t i = 0; i < st->n_pairs; i++) {
		if (tb_interrupted())
			return -EINTR;
		const struct tb_pair *p = &st->pairs[i];
		fputs("<h2>", f);
		tb_xml_put(f, sides[p->cand].label);
		fputs(" against ", f);
		tb_xml_put(f, sides[p->base].label);
		fputs(": every metric</h2>\n", f);
		compare_table(f, &p->cmp, &sides[p->base], &sides[p->cand]);
	}
	if (st->n_pairs) {
		/* The same paragraphs as compare's, one <p> each. */
		char *text = NULL;
		size_t tl = 0;
		FILE *m = open_memstream(&text, &tl);
		if (!m)
			abort();
		struct tb_cmp none = { .margin_pct = st->margin_pct };
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
int tb_report_svg(FILE *f, const struct tb_stage *st)
{
	char *parts[96];
	double ws[96], hs[96];
	size_t np = 0;
	char **fam;
	size_t nf = tb_latency_families(st->sides, st->n, &fam);
	size_t nlat = nf * (st->n_pairs ? st->n_pairs : 1);
	size_t total = st->n_pairs + (st->n_pairs > 1) + nlat;
	int rc = 0;
	for (size_t i = 0; i < total && np < 96 && !rc; i++) {
		size_t len;
		FILE *m = open_memstream(&parts[np], &len);
		if (!m)
			abort();
		int prc;
		if (i < st->n_pairs) {
			prc = tb_svg_forest(m, st, &st->pairs[i], (int)i, &ws[np], &hs[np]);
		} else if (st->n_pairs > 1 && i == st->n_pairs) {
			prc = tb_svg_matrix(m, st, (int)i, &ws[np], &hs[np]);
		} else {
			size_t l = i - st->n_pairs - (st->n_pairs > 1);
			size_t per = st->n_pairs ? st->n_pairs : 1;
			prc = tb_svg_latency(m, st, st->n_pairs ? &st->pairs[l % per] : NULL,
					     fam[l / per], (int)i, &ws[np], &hs[np]);
		}
		fclose(m);
		if (prc == 0)
			np++;
		else
			free(parts[np]);
		rc = tb_interrupted() ? -EINTR : 0;
	}
	double W = 400, H = 0;
	for (size_t i = 0; i < np; i++) {
		W = fmax(W, ws[i]);
		H += hs[i] + 10;
	}
	if (np == 0)
		H = 40;
	if (!rc) {
		fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
			   "viewBox=\"0 0 %.0f %.0f\">\n<rect width=\"%.0f\" height=\"%.0f\" "
			   "fill=\"#ffffff\"/>\n", W, H, W, H, W, H);
		if (np == 0)
			fputs("<text x=\"10\" y=\"24\" font-family=\"sans-serif\" font-size=\"14\">no "
			      "samples to plot</text>\n", f);
	}
	double y = 0;
	for (size_t i = 0; i < np; i++) {
		/* Give the nested plot its place and size: the viewBox alone scales it. */
		const char *p = parts[i] + strlen("<svg");
		if (!rc)
			fprintf(f, "<svg x=\"0\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\"%s", y,
				ws[i], hs[i], p);
		y += hs[i] + 10;
		free(parts[i]);
	}
	if (!rc)
		fputs("</svg>\n", f);
	for (size_t i = 0; i < nf; i++)
		free(fam[i]);
	free(fam);
	return rc;
}
