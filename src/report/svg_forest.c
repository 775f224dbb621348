/* The forest plot of one comparison: a row per bench and variant (its primary metric), the
 * overhead in % with its 95% interval as a whisker, against a zero line and the --margin
 * band, as meta-analyses draw effects. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/svg.h"

#define FONT 12
#define ROW_H 22
#define WIDTH 960.0
#define LABEL_W 300.0  /* bench variant metric, right-aligned before the plot */
#define VALUE_W 190.0  /* "+12.3% [10.1, 14.6]" after it */
#define LABEL_MAX 44
#define CLIP_LO -95.0  /* a whisker beyond these ends in an arrow: one wild row must not */
#define CLIP_HI 300.0  /* squeeze every other into a few pixels */

/* Okabe & Ito colours and a shape per call, so that greyscale print keeps them apart. */
const char *const tb_call_colour[TB_NCALLS] = {
	"#D55E00", "#0072B2", "#009E73", "#555555", "#999999",
};

void tb_svg_call_marker(FILE *f, enum tb_call c, double x, double y)
{
	const char *col = tb_call_colour[c];
	switch (c) {
	case TB_CALL_WORSE: /* triangle up: costs more */
		fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f Z\" fill=\"%s\"/>", x, y - 6,
			x + 6, y + 5, x - 6, y + 5, col);
		break;
	case TB_CALL_BETTER: /* triangle down */
		fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f Z\" fill=\"%s\"/>", x, y + 6,
			x + 6, y - 5, x - 6, y - 5, col);
		break;
	case TB_CALL_EQUIVALENT: /* diamond */
		fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f L%.1f,%.1f Z\" fill=\"%s\"/>",
			x, y - 6, x + 6, y, x, y + 6, x - 6, y, col);
		break;
	case TB_CALL_NONE_SHOWN: /* filled circle */
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"/>", x, y, col);
		break;
	default: /* hollow circle: no verdict */
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#ffffff\" "
			   "stroke=\"%s\" stroke-width=\"1.8\"/>", x, y, col);
	}
}

/* The legend of the five calls, in one row from x; returns its width. */
double tb_svg_call_legend(FILE *f, double x, double y)
{
	double x0 = x;
	for (int c = 0; c < TB_NCALLS; c++) {
		tb_svg_call_marker(f, (enum tb_call)c, x + 6, y - 4);
		const char *name = tb_call_name((enum tb_call)c);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\">%s</text>\n", x + 16, y,
			FONT, name);
		x += 16 + 7.2 * (double)strlen(name) + 18;
	}
	return x - x0;
}

int tb_svg_forest(FILE *f, const struct tb_stage *st, const struct tb_pair *p, int id,
		  double *w_out, double *h_out)
{
	if (p->n_head == 0)
		return -ENOENT;
	double margin = st->margin_pct;
	double lo = 0, hi = 0;
	for (size_t i = 0; i < p->n_head; i++) {
		const struct tb_cmp_row *r = p->head[i].row;
		if (!r->ok)
			continue;
		lo = fmin(lo, isnan(r->ov_lo) ? r->overhead : fmin(r->overhead, r->ov_lo));
		hi = fmax(hi, isnan(r->ov_hi) ? r->overhead : fmax(r->overhead, r->ov_hi));
	}
	if (!isnan(margin)) {
		lo = fmin(lo, -margin);
		hi = fmax(hi, margin);
	}
	lo = fmax(lo, CLIP_LO);
	hi = fmin(hi, CLIP_HI);
	if (hi - lo < 2) { /* a few tenths of a percent: still a readable axis */
		lo -= 1;
		hi += 1;
	}
	double step = tb_nice_step(hi - lo, 8);
	lo = floor(lo / step) * step;
	hi = ceil(hi / step) * step;
	/* Group headings take a row each. */
	size_t rows = p->n_head;
	for (size_t i = 0; i < p->n_head; i++)
		rows += i == 0 || strcmp(p->head[i].row->b->group, p->head[i - 1].row->b->group);
	double top = 58, plot_x = LABEL_W + 10, plot_w = WIDTH - LABEL_W - VALUE_W - 20;
	double height = top + (double)rows * ROW_H + 44;
#define XPX(v) (plot_x + ((fmin(fmax((v), lo), hi)) - lo) / (hi - lo) * plot_w)
	const struct tb_side *b = &st->sides[p->base], *c = &st->sides[p->cand];
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
		   "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" role=\"img\">\n"
		   "<title>Overhead of ", WIDTH, height);
	tb_xml_put(f, c->label);
	fputs(" against ", f);
	tb_xml_put(f, b->label);
	fputs("</title>\n", f);
	fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", WIDTH, height);
	fputs("<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">", f);
	tb_xml_put_cut(f, c->label, 48);
	fputs(" against ", f);
	tb_xml_put_cut(f, b->label, 48);
	fputs(": overhead % (positive = costs more)</text>\n", f);
	tb_svg_call_legend(f, 10, 44);
	double body_top = top, body_bot = top + (double)rows * ROW_H;
	if (!isnan(margin))
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			   "fill=\"#009E73\" fill-opacity=\"0.13\"><title>--margin +-%g%%: a "
			   "90%% interval inside it is equivalent</title></rect>\n", XPX(-margin),
			body_top, XPX(margin) - XPX(-margin), body_bot - body_top, margin);
	for (double v = lo; v <= hi + step / 2; v += step) {
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\">%+g</text>\n",
			XPX(v), body_top, XPX(v), body_bot, XPX(v), body_bot + 16, FONT - 1,
			fabs(v) < step / 1e6 ? 0 : v);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\">overhead "
		   "%% of the candidate (95%% interval)</text>\n", plot_x + plot_w / 2, body_bot + 34,
		FONT);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" "
		   "stroke-width=\"1.2\"/>\n", XPX(0), body_top - 4, XPX(0), body_bot);
	double y = top;
	for (size_t i = 0; i < p->n_head; i++) {
		const struct tb_headline *h = &p->head[i];
		const struct tb_cmp_row *r = h->row;
		if (i == 0 || strcmp(r->b->group, p->head[i - 1].row->b->group)) {
			fprintf(f, "<text x=\"10\" y=\"%.1f\" font-size=\"%d\" font-weight=\"bold\">",
				y + 15, FONT + 1);
			tb_xml_put(f, r->b->group);
			fputs("</text>\n", f);
			y += ROW_H;
		}
		double cy = y + ROW_H / 2.0;
		if (i % 2)
			fprintf(f, "<rect x=\"0\" y=\"%.1f\" width=\"%.0f\" height=\"%d\" "
				   "fill=\"#000000\" fill-opacity=\"0.035\"/>", y, WIDTH, ROW_H);
		char lab[512], val[96];
		snprintf(lab, sizeof(lab), "%s %s %s", r->b->bench, r->b->variant, r->b->metric);
		tb_fmt_overhead(val, sizeof(val), r->ok ? r->overhead : NAN, r->ov_lo, r->ov_hi);
		fputs("<g><title>", f);
		tb_xml_put(f, lab);
		fprintf(f, ": %s, %s (%s; base median %.6g ", val, tb_call_name(h->call),
			tb_ci_method_name(r->r.method), r->r.base_med);
		tb_xml_put(f, r->b->unit);
		fprintf(f, ", candidate %.6g; runs %zu/%zu)", r->r.cand_med, r->r.runs_b,
			r->r.runs_c);
		if (h->call == TB_CALL_UNDETERMINED && r->reason[0]) {
			fputs(" undetermined: ", f);
			tb_xml_put(f, r->reason);
		}
		fputs("</title>\n", f);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"end\">",
			LABEL_W, cy + 4, FONT);
		tb_xml_put_cut(f, lab, LABEL_MAX);
		fputs("</text>", f);
		if (r->ok) {
			const char *col = tb_call_colour[h->call];
			if (!isnan(r->ov_lo)) {
				double a = XPX(r->ov_lo), z = XPX(r->ov_hi);
				fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f\" stroke=\"%s\" "
					   "stroke-width=\"2\"%s/>", a, cy, z, cy, col,
					h->call == TB_CALL_UNDETERMINED ? " stroke-dasharray=\"4 3\"" : "");
				/* Caps, or arrows where the interval leaves the axis. */
				fprintf(f, r->ov_lo < lo ? "<path d=\"M%.1f,%.1f l6,-4 v8 Z\" fill=\"%s\"/>"
							 : "<path d=\"M%.1f,%.1f v-5 v10\" stroke=\"%s\"/>",
					a, r->ov_lo < lo ? cy : cy, col);
				fprintf(f, r->ov_hi > hi ? "<path d=\"M%.1f,%.1f l-6,-4 v8 Z\" fill=\"%s\"/>"
							 : "<path d=\"M%.1f,%.1f v-5 v10\" stroke=\"%s\"/>",
					z, cy, col);
			}
			tb_svg_call_marker(f, h->call, XPX(r->overhead), cy);
		}
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" "
			   "font-variant-numeric=\"tabular-nums\">%s</text></g>\n",
			plot_x + plot_w + 14, cy + 4, FONT, val);
		y += ROW_H;
	}
#undef XPX
	fputs("</svg>\n", f);
	(void)id;
	*w_out = WIDTH;
	*h_out = height;
	return 0;
}
