/* mem.latency curves: median latency against block size (log2 x axis), base and candidate
 * overlaid, their ratio with its 95% interval underneath. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/bench.h"
#include "report/cmpstats.h"
#include "report/svg.h"

bool tb_is_latency_curve(const struct tb_series *s)
{
	/* The descriptor says which benchmarks are curves (curve_axis), not a name here. */
	const struct tb_bench *b = tb_bench_find(s->bench);
	return b && b->curve_axis && s->block_bytes > 0;
}

/* "single-4k-1048576", metric latency -> "single-4k latency": the variant without its block
 * size suffix, and the metric (one curve per metric: latency and latency_above_l1 share
 * the block sizes but are different lines). */
static void family_of(const struct tb_series *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s->variant);
	char *dash = strrchr(buf, '-');
	if (dash && dash[1] && strspn(dash + 1, "0123456789") == strlen(dash + 1))
		*dash = '\0';
	size_t used = strlen(buf);
	snprintf(buf + used, len - used, " %s", s->metric);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t tb_latency_families(const struct tb_side *sides, size_t n, char ***out)
{
	size_t k = 0;
	*out = NULL;
	for (size_t s = 0; s < n; s++) {
		for (size_t i = 0; i < sides[s].n; i++) {
			if (!tb_is_latency_curve(&sides[s].s[i]))
				continue;
			char fam[256];
			family_of(&sides[s].s[i], fam, sizeof(fam));
			bool seen = false;
			for (size_t j = 0; j < k; j++)
				seen = seen || strcmp((*out)[j], fam) == 0;
			if (seen)
				continue;
			*out = realloc(*out, (k + 1) * sizeof(**out));
			if (!*out || !((*out)[k] = strdup(fam)))
				abort();
			k++;
		}
	}
	/* A stable order: --runs shuffles the order series first appear in. */
	if (k)
		qsort(*out, k, sizeof(**out), by_name);
	return k;
}

struct point {
	double x, y, lo, hi;
	const struct tb_series *s;
};

static int by_x(const void *a, const void *b)
{
	double x = ((const struct point *)a)->x, y = ((const struct point *)b)->x;
	return (x > y) - (x < y);
}

static bool in_family(const struct tb_series *s, const char *family)
{
	char fam[256];
	if (!tb_is_latency_curve(s) || s->unit_mixed)
		return false;
	family_of(s, fam, sizeof(fam));
	return strcmp(fam, family) == 0;
}

/* The points of side k in one family, from the stage's centres, sorted by block size. */
static size_t points_of(const struct tb_stage *st, size_t k, const char *family,
			struct point **out)
{
	const struct tb_side *side = &st->sides[k];
	size_t n = 0;
	*out = malloc((side->n + 1) * sizeof(**out));
	if (!*out)
		abort();
	for (size_t i = 0; i < side->n; i++) {
		const struct tb_ratio *r = &st->centre[k][i];
		if (!in_family(&side->s[i], family) || isnan(r->base_med))
			continue;
		struct point *p = &(*out)[n++];
		p->x = (double)side->s[i].block_bytes;
		p->y = r->base_med;
		p->lo = r->has_ci ? r->lo * r->base_med : NAN;
		p->hi = r->has_ci ? r->hi * r->base_med : NAN;
		p->s = &side->s[i];
	}
	qsort(*out, n, sizeof(**out), by_x);
	return n;
}

/* The ratio candidate/base of the pair's rows in one family (the comparison's numbers). */
static size_t ratios_of(const struct tb_pair *p, const char *family, struct point **out)
{
	size_t n = 0;
	*out = malloc((p->cmp.n + 1) * sizeof(**out));
	if (!*out)
		abort();
	for (size_t i = 0; i < p->cmp.n; i++) {
		const struct tb_cmp_row *r = &p->cmp.rows[i];
		if (r->kind != TB_CMP_BOTH || !r->ok || !in_family(r->b, family))
			continue;
		struct point *q = &(*out)[n++];
		q->x = (double)r->b->block_bytes;
		q->y = r->r.ratio;
		q->lo = r->r.has_ci ? r->r.lo : NAN;
		q->hi = r->r.has_ci ? r->r.hi : NAN;
		q->s = r->b;
	}
	qsort(*out, n, sizeof(**out), by_x);
	return n;
}

static void size_label(double bytes, char *buf, size_t len)
{
	static const char *const suf[] = { "B", "K", "M", "G", "T" };
	int i = 0;
	while (bytes >= 1024 && i < 4) {
		bytes /= 1024;
		i++;
	}
	snprintf(buf, len, "%.0f%s", bytes, suf[i]);
}

/* One curve with its points (title, whisker, marker). */
static void curve(FILE *f, const struct point *pt, size_t n, size_t k, const char *label,
		  const char *unit, double (*xpx)(const void *, double),
		  double (*ypx)(const void *, double), const void *g)
{
	const char *col = tb_palette[k % TB_PALETTE_N];
	fputs("<g><title>", f);
	tb_xml_put(f, label);
	fputs("</title><polyline fill=\"none\" stroke-width=\"2\" ", f);
	if (*tb_svg_dash[k % 4])
		fprintf(f, "stroke-dasharray=\"%s\" ", tb_svg_dash[k % 4]);
	fprintf(f, "stroke=\"%s\" points=\"", col);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", xpx(g, pt[i].x), ypx(g, pt[i].y));
	fputs("\"/>\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct point *p = &pt[i];
		char sz[16];
		size_label(p->x, sz, sizeof(sz));
		fprintf(f, "<g><title>%s: %.4g ", sz, p->y);
		tb_xml_put(f, unit);
		if (!isnan(p->lo))
			fprintf(f, " [%.4g, %.4g]", p->lo, p->hi);
		fprintf(f, " (n=%zu)</title>", p->s->n);
		if (!isnan(p->lo))
			fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f\" stroke=\"%s\"/>", xpx(g, p->x),
				ypx(g, p->lo), xpx(g, p->x), ypx(g, p->hi), col);
		tb_svg_marker(f, k, xpx(g, p->x), ypx(g, p->y), col);
		fputs("</g>\n", f);
	}
	fputs("</g>\n", f);
}

#define FONT 11
#define PLOT_W 800
#define PLOT_H 250
#define RATIO_H 110
#define LEFT 70

struct geom {
	double lx0, lx1, ly0, ly1, top, rtop, rlo, rhi;
};

static double xpx(const void *g, double v)
{
	const struct geom *q = g;
	return LEFT + (log2(v) - q->lx0) / (q->lx1 - q->lx0) * PLOT_W;
}

static double ypx(const void *g, double v)
{
	const struct geom *q = g;
	return q->top + PLOT_H - (log10(fmax(v, 1e-300)) - q->ly0) / (q->ly1 - q->ly0) * PLOT_H;
}

static double rpx(const void *g, double v)
{
	const struct geom *q = g;
	v = fmin(fmax(v, q->rlo), q->rhi);
	return q->rtop + RATIO_H - (v - q->rlo) / (q->rhi - q->rlo) * RATIO_H;
}

int tb_svg_latency(FILE *f, const struct tb_stage *st, const struct tb_pair *pair,
		   const char *family, int id, double *w_out, double *h_out)
{
	/* Which sides: the pair's two, or every side of a one-side report. */
	size_t idx[2], ns = 0;
	size_t *which = idx;
	size_t *all = NULL;
	if (pair) {
		idx[0] = pair->base;
		idx[1] = pair->cand;
		ns = 2;
	} else {
		all = calloc(st->n + 1, sizeof(*all));
		if (!all)
			abort();
		for (size_t k = 0; k < st->n; k++)
			all[ns++] = k;
		which = all;
	}
	struct point **pts = calloc(ns, sizeof(*pts)), *rat = NULL;
	size_t *np = calloc(ns, sizeof(*np)), nr = 0;
	if (!pts || !np)
		abort();
	double xmin = INFINITY, xmax = 0, ymax = 0, ymin = INFINITY;
	const char *unit = "ns", *metric = "latency";
	for (size_t k = 0; k < ns; k++) {
		np[k] = points_of(st, which[k], family, &pts[k]);
		for (size_t i = 0; i < np[k]; i++) {
			struct point *p = &pts[k][i];
			xmin = fmin(xmin, p->x);
			xmax = fmax(xmax, p->x);
			ymax = fmax(ymax, isnan(p->hi) ? p->y : fmax(p->y, p->hi));
			/* An interval down to 0 has no place on the log axis: its point does. */
			double lo = isnan(p->lo) || !(p->lo > 0) ? p->y : p->lo;
			if (lo > 0)
				ymin = fmin(ymin, lo);
			unit = p->s->unit;
			metric = p->s->metric;
		}
	}
	if (pair)
		nr = ratios_of(pair, family, &rat);
	int rc = -ENOENT;
	/* A pair whose candidate has no curve here: nothing to compare, nothing drawn. */
	if (xmax <= 0 || (pair && np[1] == 0))
		goto out;
	rc = 0;
	struct geom g;
	g.lx0 = floor(log2(xmin));
	g.lx1 = ceil(log2(xmax));
	if (g.lx1 <= g.lx0)
		g.lx1 = g.lx0 + 1;
	/* Log y as well: cache levels span 1 to 100+ ns, and equal ratios between runs
	 * (what a comparison is about) then look equal at every level. */
	if (!(ymax > 0) || !isfinite(ymin)) {
		ymin = 1;
		ymax = 10;
	}
	g.ly0 = log10(ymin / 1.15);
	g.ly1 = log10(ymax * 1.15);
	if (g.ly1 <= g.ly0)
		g.ly1 = g.ly0 + 1;
	double width = LEFT + PLOT_W + 30;
	double legend_h = 20;
	g.top = 30 + legend_h + 8;
	g.rtop = g.top + PLOT_H + 34;
	double height = nr ? g.rtop + RATIO_H + 50 : g.top + PLOT_H + 50;
	g.rlo = 1;
	g.rhi = 1;
	for (size_t i = 0; i < nr; i++) {
		g.rlo = fmin(g.rlo, isnan(rat[i].lo) ? rat[i].y : rat[i].lo);
		g.rhi = fmax(g.rhi, isnan(rat[i].hi) ? rat[i].y : rat[i].hi);
	}
	g.rlo = fmax(g.rlo, 0.25);
	g.rhi = fmin(g.rhi, 4);
	double rstep = tb_nice_step(fmax(g.rhi - g.rlo, 0.02), 4);
	g.rlo = floor(g.rlo / rstep - 0.25) * rstep;
	g.rhi = ceil(g.rhi / rstep + 0.25) * rstep;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
		   "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" role=\"img\">\n"
		   "<title>mem.latency ", width, height);
	tb_xml_put(f, family);
	fputs("</title>\n", f);
	fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", width, height);
	fputs("<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">mem.latency ", f);
	tb_xml_put(f, family);
	fputs(": median by block size (lower is better)</text>\n", f);
	/* Legend: one line per side drawn. */
	double lx = 10;
	for (size_t k = 0; k < ns; k++) {
		const char *col = tb_palette[k % TB_PALETTE_N];
		const char *label = st->sides[which[k]].label;
		fprintf(f, "<line x1=\"%.1f\" y1=\"36\" x2=\"%.1f\" y2=\"36\" stroke=\"%s\" "
			   "stroke-width=\"2\" stroke-dasharray=\"%s\"/>", lx, lx + 20, col,
			*tb_svg_dash[k % 4] ? tb_svg_dash[k % 4] : "none");
		tb_svg_marker(f, k, lx + 10, 36, col);
		fprintf(f, "<text x=\"%.1f\" y=\"40\" font-size=\"12\">", lx + 26);
		tb_xml_put_cut(f, label, 40);
		fputs("</text>\n", f);
		size_t l = tb_utf8_len(label);
		lx += 26 + 7.2 * (double)(l > 40 ? 40 : l) + 20;
	}
	/* Ticks at 1, 2, 5 x 10^k; labels at those that stay 14 px apart. */
	double last_label = INFINITY;
	for (double e = floor(g.ly0); e < g.ly1 + 0.5; e++) {
		static const double mult[] = { 1, 2, 5 };
		for (int j = 0; j < 3; j++) {
			double v = mult[j] * pow(10, e);
			if (log10(v) > g.ly1 + 1e-9)
				break;
			if (log10(v) < g.ly0 - 1e-9)
				continue;
			double y = ypx(&g, v);
			fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
				   "stroke=\"%s\"/>", LEFT, y, LEFT + PLOT_W, y,
				j ? "#eeeeee" : "#cccccc");
			if (last_label - y >= 14) {
				fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"%d\" "
					   "text-anchor=\"end\">%g</text>", LEFT - 6, y + 4, FONT, v);
				last_label = y;
			}
			fputc('\n', f);
		}
	}
	/* One tick per doubling; labels only every k-th so that they keep 44 px apart. */
	double per = PLOT_W / (g.lx1 - g.lx0), bottom = nr ? g.rtop + RATIO_H : g.top + PLOT_H;
	int every = (int)ceil(44 / per);
	if (every < 1)
		every = 1;
	for (double e = g.lx0; e <= g.lx1 + 0.5; e++) {
		double x = LEFT + (e - g.lx0) * per;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
			x, g.top, x, bottom + 4, "#eeeeee");
		if (((long)(e - g.lx0)) % every == 0) {
			char lab[16];
			size_label(exp2(e), lab, sizeof(lab));
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" "
				   "text-anchor=\"middle\">%s</text>", x, bottom + 17, FONT, lab);
		}
		fputc('\n', f);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\">block size "
		   "(bytes, log scale; a median of 0 has no place on the log axis and is not "
		   "drawn)</text>\n", LEFT + PLOT_W / 2.0, bottom + 38, FONT);
	fprintf(f, "<text transform=\"translate(14,%.1f) rotate(-90)\" font-size=\"%d\" "
		   "text-anchor=\"middle\">", g.top + PLOT_H / 2.0, FONT);
	tb_xml_put_cut(f, metric, 18);
	fputs(" (", f);
	tb_xml_put(f, unit);
	fputs(", log)</text>\n", f);
	for (size_t k = 0; k < ns; k++)
		if (np[k])
			curve(f, pts[k], np[k], k, st->sides[which[k]].label, unit, xpx, ypx, &g);
	fprintf(f, "<path d=\"M%d,%.1f L%d,%.1f L%d,%.1f\" stroke=\"#000000\" fill=\"none\"/>\n",
		LEFT, g.top, LEFT, g.top + PLOT_H, LEFT + PLOT_W, g.top + PLOT_H);
	if (nr) {
		/* The ratio panel: the comparison's own ratios and 95% intervals. */
		for (double v = g.rlo; v <= g.rhi + rstep / 2; v += rstep)
			fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
				   "stroke=\"#eeeeee\"/><text x=\"%d\" y=\"%.1f\" font-size=\"%d\" "
				   "text-anchor=\"end\">%.3g</text>\n", LEFT, rpx(&g, v), LEFT + PLOT_W,
				rpx(&g, v), LEFT - 6, rpx(&g, v) + 4, FONT, v);
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#000000\" "
			   "stroke-dasharray=\"5 3\"/>\n", LEFT, rpx(&g, 1), LEFT + PLOT_W, rpx(&g, 1));
		fprintf(f, "<text transform=\"translate(14,%.1f) rotate(-90)\" font-size=\"%d\" "
			   "text-anchor=\"middle\">ratio cand/base</text>\n", g.rtop + RATIO_H / 2.0,
			FONT);
		char what[64];
		snprintf(what, sizeof(what), "%s / %s", "candidate", "base");
		curve(f, rat, nr, 6, what, "x", xpx, rpx, &g);
		fprintf(f, "<path d=\"M%d,%.1f L%d,%.1f L%d,%.1f\" stroke=\"#000000\" "
			   "fill=\"none\"/>\n", LEFT, g.rtop, LEFT, g.rtop + RATIO_H, LEFT + PLOT_W,
			g.rtop + RATIO_H);
	}
	fputs("</svg>\n", f);
	*w_out = width;
	*h_out = height;
out:
	for (size_t k = 0; k < ns; k++)
		free(pts[k]);
	free(pts);
	free(np);
	free(rat);
	free(all);
	(void)id;
	return rc;
}
