/* mem.latency curves: median latency against block size (log2 x axis), one line per run. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/stats.h"
#include "report/cmpstats.h"
#include "report/svg.h"

#define FONT 11
#define PLOT_W 640
#define PLOT_H 260
#define LEFT 70

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

/* The points of one run in one family, sorted by block size. */
static size_t points_of(const struct tb_side *side, const char *family, struct point **out)
{
	size_t k = 0;
	*out = malloc((side->n + 1) * sizeof(**out));
	if (!*out)
		abort();
	for (size_t i = 0; i < side->n; i++) {
		const struct tb_series *s = &side->s[i];
		char fam[256];
		if (!tb_is_latency_curve(s))
			continue;
		family_of(s, fam, sizeof(fam));
		if (strcmp(fam, family) != 0)
			continue;
		struct tb_ratio r;
		uint64_t seed = tb_hash_str(tb_hash_str(TB_BOOT_SEED, s->bench), s->variant);
		/* Between the side's runs when it has enough, as the bars; else within runs. */
		if ((tb_runs_self_ci(s->v, s->run, s->n, side->n_runs, &r) != 0 || !r.has_ci) &&
		    tb_median_ci(s->v, s->n, TB_BOOT_REPLICATES, seed, &r) != 0)
			continue;
		struct point *p = &(*out)[k++];
		p->x = (double)s->block_bytes;
		p->y = r.base_med;
		p->lo = r.has_ci ? r.lo * r.base_med : NAN;
		p->hi = r.has_ci ? r.hi * r.base_med : NAN;
		p->s = s;
	}
	qsort(*out, k, sizeof(**out), by_x);
	return k;
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

int tb_svg_latency(FILE *f, const struct tb_side *sides, size_t n, const char *family, int id,
		   double *w_out, double *h_out)
{
	struct point **pts = calloc(n, sizeof(*pts));
	size_t *np = calloc(n, sizeof(*np));
	if (!pts || !np)
		abort();
	double xmin = INFINITY, xmax = 0, ymax = 0;
	const char *unit = "ns", *metric = "latency";
	for (size_t k = 0; k < n; k++) {
		np[k] = points_of(&sides[k], family, &pts[k]);
		for (size_t i = 0; i < np[k]; i++) {
			struct point *p = &pts[k][i];
			xmin = fmin(xmin, p->x);
			xmax = fmax(xmax, p->x);
			ymax = fmax(ymax, isnan(p->hi) ? p->y : fmax(p->y, p->hi));
			unit = p->s->unit;
			metric = p->s->metric;
		}
	}
	int rc = -ENOENT;
	if (xmax <= 0)
		goto out;
	rc = 0;
	double lx0 = floor(log2(xmin)), lx1 = ceil(log2(xmax));
	if (lx1 <= lx0)
		lx1 = lx0 + 1;
	/* Log y as well: cache levels span 1 to 100+ ns, and equal ratios between runs
	 * (what a comparison is about) then look equal at every level. */
	double ymin = INFINITY;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < np[k]; i++) {
			double lo = isnan(pts[k][i].lo) ? pts[k][i].y : pts[k][i].lo;
			if (lo > 0)
				ymin = fmin(ymin, lo);
		}
	if (!(ymax > 0) || !isfinite(ymin)) {
		ymin = 1;
		ymax = 10;
	}
	double ly0 = log10(ymin / 1.15), ly1 = log10(ymax * 1.15);
	if (ly1 <= ly0)
		ly1 = ly0 + 1;
	double width = LEFT + PLOT_W + 30;
	double legend_h = tb_svg_legend_height(sides, n, width - 20);
	double top = 30 + legend_h + 8, height = top + PLOT_H + 50;
#define XPX(v) (LEFT + (log2(v) - lx0) / (lx1 - lx0) * PLOT_W)
#define YPX(v) (top + PLOT_H - (log10(fmax(v, 1e-300)) - ly0) / (ly1 - ly0) * PLOT_H)
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
		   "role=\"img\">\n<title>mem.latency ", width, height, width, height);
	tb_xml_put(f, family);
	fputs("</title>\n", f);
	tb_svg_defs(f, id, n);
	fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", width, height);
	fputs("<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">mem.latency ", f);
	tb_xml_put(f, family);
	fputs(": median by block size (lower is better; a median of 0 has no place on the log "
	      "axis and is not drawn)</text>\n", f);
	tb_svg_legend(f, id, sides, n, 10, 28, width - 20, true);
	/* Ticks at 1, 2, 5 x 10^k; labels at those that stay 14 px apart. */
	double last_label = INFINITY;
	for (double e = floor(ly0); e < ly1 + 0.5; e++) {
		static const double mult[] = { 1, 2, 5 };
		for (int j = 0; j < 3; j++) {
			double v = mult[j] * pow(10, e);
			if (log10(v) > ly1 + 1e-9)
				break;
			if (log10(v) < ly0 - 1e-9)
				continue;
			double y = YPX(v);
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
	double per = PLOT_W / (lx1 - lx0);
	int every = (int)ceil(44 / per);
	if (every < 1)
		every = 1;
	for (double e = lx0; e <= lx1 + 0.5; e++) {
		double x = LEFT + (e - lx0) * per;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
			x, top, x, top + PLOT_H + 4, "#eeeeee");
		if (((long)(e - lx0)) % every == 0) {
			char lab[16];
			size_label(exp2(e), lab, sizeof(lab));
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" "
				   "text-anchor=\"middle\">%s</text>", x, top + PLOT_H + 17, FONT, lab);
		}
		fputc('\n', f);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\">block size "
		   "(bytes, log scale)</text>\n", LEFT + PLOT_W / 2.0, top + PLOT_H + 38, FONT);
	fprintf(f, "<text transform=\"translate(14,%.1f) rotate(-90)\" font-size=\"%d\" "
		   "text-anchor=\"middle\">", top + PLOT_H / 2.0, FONT);
	tb_xml_put(f, metric);
	fputs(" (log scale, ", f);
	tb_xml_put(f, unit);
	fputs(")</text>\n", f);
	for (size_t k = 0; k < n; k++) {
		if (np[k] == 0)
			continue;
		const char *col = tb_palette[k % TB_PALETTE_N];
		fputs("<g><title>", f);
		tb_xml_put(f, sides[k].label);
		fputs("</title><polyline fill=\"none\" stroke-width=\"2\" ", f);
		if (*tb_svg_dash[k % 4])
			fprintf(f, "stroke-dasharray=\"%s\" ", tb_svg_dash[k % 4]);
		fprintf(f, "stroke=\"%s\" points=\"", col);
		for (size_t i = 0; i < np[k]; i++)
			fprintf(f, "%s%.1f,%.1f", i ? " " : "", XPX(pts[k][i].x), YPX(pts[k][i].y));
		fputs("\"/>\n", f);
		for (size_t i = 0; i < np[k]; i++) {
			const struct point *p = &pts[k][i];
			char sz[16];
			size_label(p->x, sz, sizeof(sz));
			fprintf(f, "<g><title>%s: %.4g ", sz, p->y);
			tb_xml_put(f, unit);
			if (!isnan(p->lo))
				fprintf(f, " [%.4g, %.4g]", p->lo, p->hi);
			fprintf(f, " (n=%zu)</title>", p->s->n);
			if (!isnan(p->lo))
				fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f\" stroke=\"%s\"/>",
					XPX(p->x), YPX(p->lo), XPX(p->x), YPX(p->hi), col);
			tb_svg_marker(f, k, XPX(p->x), YPX(p->y), col);
			fputs("</g>\n", f);
		}
		fputs("</g>\n", f);
	}
	fprintf(f, "<path d=\"M%d,%.1f L%d,%.1f L%d,%.1f\" stroke=\"#000000\" fill=\"none\"/>\n"
		   "</svg>\n", LEFT, top, LEFT, top + PLOT_H, LEFT + PLOT_W, top + PLOT_H);
#undef XPX
#undef YPX
	*w_out = width;
	*h_out = height;
out:
	for (size_t k = 0; k < n; k++)
		free(pts[k]);
	free(pts);
	free(np);
	return rc;
}
