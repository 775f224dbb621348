/* Bar plot of one group: performance of every run relative to the first, with 95% CIs. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/bench.h"
#include "report/cmpstats.h"
#include "report/svg.h"

#define FONT 11
#define CHAR_W 6.6     /* 0.6 em at 11 px: wide enough for the sans-serif fonts of browsers */
#define LABEL_MAX 34   /* characters of an x label before it is cut (full text in <title>) */
#define PLOT_H 260
#define BAR_W 14
#define MIN_SLOT 26    /* 45-degree labels 26 px apart are 18 px apart across: no overlap */

bool tb_is_latency_curve(const struct tb_series *s)
{
	/* The descriptor says which benchmarks are curves (curve_axis), not a name here. */
	const struct tb_bench *b = tb_bench_find(s->bench);
	return b && b->curve_axis && s->block_bytes > 0;
}

struct bar {
	bool present;
	double v, lo, hi;     /* normalized performance and its CI (NAN without one) */
	double base_med, med; /* raw medians, for the tooltip */
	size_t n, runs;
	bool between;         /* the interval is between runs (else within runs only) */
};

/* Seeds as in tb_compare, so the bars' CIs are the numbers of the compare table. */
static uint64_t seed_of(const struct tb_series *s)
{
	return tb_hash_str(tb_hash_str(tb_hash_str(TB_BOOT_SEED, s->bench), s->variant),
			   s->metric);
}

/* The same statistics as the compare table (tb_cmp_fill), so a bar and its row agree;
 * the base bar: its own centre's interval, between its runs when it has enough. */
static void compute(const struct tb_series *b, const struct tb_series *c, bool self,
		    size_t runs_b, size_t runs_c, struct bar *out)
{
	memset(out, 0, sizeof(*out));
	out->lo = out->hi = NAN;
	if (!c || strcmp(b->unit, c->unit) != 0 || strcmp(b->better, c->better) != 0)
		return;
	struct tb_ratio r;
	if (self) {
		if (tb_runs_self_ci(b->v, b->run, b->n, runs_b, &r) != 0 || !r.has_ci) {
			if (tb_median_ci(b->v, b->n, TB_BOOT_REPLICATES, seed_of(b), &r) != 0)
				return;
		}
	} else {
		struct tb_cmp_row row = { .kind = TB_CMP_BOTH, .b = b, .c = c };
		tb_cmp_fill(&row, runs_b, runs_c, NAN);
		if (!row.ok)
			return;
		r = row.r;
	}
	if (!(r.ratio > 0) || !isfinite(r.ratio))
		return;
	bool hb = strcmp(b->better, "higher") == 0;
	out->present = true;
	out->v = tb_norm_perf(r.ratio, hb);
	out->base_med = r.base_med;
	out->med = r.cand_med;
	out->n = c->n;
	out->runs = self ? r.runs_b : r.runs_c;
	out->between = r.method == TB_CI_RUNS;
	if (r.has_ci && r.lo > 0) {
		double a = tb_norm_perf(r.lo, hb), z = tb_norm_perf(r.hi, hb);
		out->lo = a < z ? a : z;
		out->hi = a < z ? z : a;
	}
}

static void label_of(const struct tb_series *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s %s", s->bench, s->variant, s->metric);
}

int tb_svg_bars(FILE *f, const struct tb_side *sides, size_t n, const char *group, int id,
		double margin_pct, double *w_out, double *h_out)
{
	const struct tb_side *base = &sides[0];
	size_t ni = 0;
	const struct tb_series **items = malloc((base->n + 1) * sizeof(*items));
	if (!items)
		abort();
	for (size_t i = 0; i < base->n; i++)
		if (strcmp(base->s[i].group, group) == 0 && !tb_is_latency_curve(&base->s[i]))
			items[ni++] = &base->s[i];
	if (ni == 0) {
		free(items);
		return -ENOENT;
	}
	struct bar *bars = calloc(ni * n, sizeof(*bars));
	if (!bars)
		abort();
	double ymax = 1.2;
	size_t maxlab = 0;
	for (size_t i = 0; i < ni; i++) {
		char lab[512];
		label_of(items[i], lab, sizeof(lab));
		size_t l = tb_utf8_len(lab);
		maxlab = l > maxlab ? l : maxlab;
		for (size_t k = 0; k < n; k++) {
			const struct tb_series *c = k ? tb_side_find(&sides[k], items[i]->bench,
								     items[i]->variant,
								     items[i]->metric)
						      : items[i];
			struct bar *b = &bars[i * n + k];
			compute(items[i], c, k == 0, sides[0].n_runs, sides[k].n_runs, b);
			if (b->present)
				ymax = fmax(ymax, isnan(b->hi) ? b->v : fmax(b->v, b->hi));
		}
	}
	if (maxlab > LABEL_MAX)
		maxlab = LABEL_MAX;

	/* Geometry: the width grows with the number of bars, the bottom margin with the
	 * longest label (rotated 45 degrees: it reaches len * cos 45 down and to the left). */
	double slot = fmax(MIN_SLOT, (double)n * BAR_W + 12);
	double lab_px = (double)maxlab * CHAR_W * M_SQRT1_2;
	double left = fmax(70, lab_px - slot / 2 + 10);
	double plot_w = slot * (double)ni;
	/* Wide enough for the title line (14 px bold: about 8.5 px a character). */
	size_t bl = tb_utf8_len(base->label);
	double title_w = 20 + 8.5 * (double)(strlen(group) + 56 + (bl > 40 ? 40 : bl));
	double width = fmax(fmax(left + plot_w + 20, 420), title_w);
	double legend_h = tb_svg_legend_height(sides, n, width - 20);
	double top = 30 + legend_h + 8;
	double bottom = lab_px + 24;
	double height = top + PLOT_H + bottom;
	double step = tb_nice_step(ymax, 6);
	ymax = ceil(ymax * 1.04 / step) * step;
#define YPX(v) (top + PLOT_H - (v) / ymax * PLOT_H)

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
		   "role=\"img\">\n", width, height, width, height);
	fprintf(f, "<title>%s: performance relative to ", group);
	tb_xml_put(f, base->label);
	fputs("</title>\n", f);
	tb_svg_defs(f, id, n);
	fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", width, height);
	fprintf(f, "<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">group ");
	tb_xml_put(f, group);
	fputs(": performance relative to ", f);
	tb_xml_put_cut(f, base->label, 40);
	fputs(" (higher is better)</text>\n", f);
	tb_svg_legend(f, id, sides, n, 10, 28, width - 20, false);

	/* Grid and y axis. */
	for (double v = 0; v <= ymax + step / 2; v += step) {
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"end\">%.3g</text>\n",
			left, YPX(v), left + plot_w, YPX(v), left - 6, YPX(v) + 4, FONT, v);
	}
	fprintf(f, "<text transform=\"translate(14,%.1f) rotate(-90)\" font-size=\"%d\" "
		   "text-anchor=\"middle\">relative performance</text>\n", top + PLOT_H / 2.0, FONT);
	for (size_t i = 0; i < ni; i++) {
		double x0 = left + slot * (double)i + (slot - (double)n * BAR_W) / 2;
		for (size_t k = 0; k < n; k++) {
			const struct bar *b = &bars[i * n + k];
			double x = x0 + (double)k * BAR_W;
			char lab[512];
			label_of(items[i], lab, sizeof(lab));
			fputs("<g><title>", f);
			tb_xml_put(f, sides[k].label);
			fputs(": ", f);
			tb_xml_put(f, lab);
			if (!b->present) {
				fputs(": not measured in this run</title>", f);
				fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
					   "text-anchor=\"middle\" fill=\"#555555\">\xe2\x80\x93</text></g>\n",
					x + BAR_W / 2.0, YPX(0) - 3);
				continue;
			}
			fprintf(f, " = %.4f", b->v);
			if (!isnan(b->lo))
				fprintf(f, " [%.4f, %.4f]", b->lo, b->hi);
			fprintf(f, " (median %.6g ", b->med);
			tb_xml_put(f, items[i]->unit);
			fprintf(f, ", n=%zu, %zu run%s; interval %s)</title>", b->n, b->runs,
				b->runs == 1 ? "" : "s", b->between ? "between runs" : "within runs");
			tb_svg_fill(f, id, k, x + 1, YPX(b->v), BAR_W - 2, YPX(0) - YPX(b->v));
			if (!isnan(b->lo)) {
				double cx = x + BAR_W / 2.0;
				fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f M%.1f,%.1f L%.1f,%.1f "
					   "M%.1f,%.1f L%.1f,%.1f\" stroke=\"#000000\" stroke-width=\"1.2\" "
					   "fill=\"none\"/>",
					cx, YPX(b->lo), cx, YPX(b->hi), cx - 3, YPX(b->lo), cx + 3,
					YPX(b->lo), cx - 3, YPX(b->hi), cx + 3, YPX(b->hi));
			}
			fputs("</g>\n", f);
		}
		char lab[512];
		label_of(items[i], lab, sizeof(lab));
		double lx = left + slot * ((double)i + 0.5), ly = top + PLOT_H + 12;
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"end\" "
			   "transform=\"rotate(-45 %.1f %.1f)\"><title>", lx, ly, FONT, lx, ly);
		tb_xml_put(f, lab);
		fputs("</title>", f);
		tb_xml_put_cut(f, lab, LABEL_MAX);
		fputs("</text>\n", f);
	}
	/* The --margin band: performance whose overhead is within +-margin. */
	if (!isnan(margin_pct)) {
		double top_v = fmin(100.0 / (100.0 - margin_pct), ymax);
		double bot_v = 100.0 / (100.0 + margin_pct);
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			   "fill=\"#7f7f7f\" fill-opacity=\"0.18\"><title>margin +-%g%%: "
			   "overhead inside it is equivalent</title></rect>\n", left, YPX(top_v),
			plot_w, YPX(bot_v) - YPX(top_v), margin_pct);
	}
	/* Axes last, and the 1.0 line: the reference every bar is read against. */
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" "
		   "stroke-dasharray=\"5 3\"/>\n", left, YPX(1.0), left + plot_w, YPX(1.0));
	fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f\" stroke=\"#000000\" "
		   "fill=\"none\"/>\n</svg>\n", left, top, left, YPX(0), left + plot_w, YPX(0));
#undef YPX
	free(bars);
	free(items);
	*w_out = width;
	*h_out = height;
	return 0;
}
