/* Heat map of a matrix of configurations: overhead % of each (column) against its plain
 * configuration, one row per bench and variant; undetermined cells hatched. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/svg.h"

#define FONT 11
#define ROW_H 20
#define COL_W 92.0
#define LABEL_W 300.0
#define LABEL_MAX 44
#define HEAD_H 120.0   /* column labels, rotated */
#define FULL 25.0      /* |overhead| at full colour */

struct mrow {
	const char *group, *bench, *variant;
};

static const struct tb_headline *find(const struct tb_pair *p, const struct mrow *r)
{
	for (size_t i = 0; i < p->n_head; i++) {
		const struct tb_series *s = p->head[i].row->b;
		if (strcmp(s->bench, r->bench) == 0 && strcmp(s->variant, r->variant) == 0)
			return &p->head[i];
	}
	return NULL;
}

/* Blend of white and the call's side (vermillion worse, blue better) by |overhead|. */
static void cell_colour(double ov, char *buf, size_t len)
{
	double a = fmin(fabs(ov) / FULL, 1.0);
	int r0 = ov > 0 ? 0xD5 : 0x00, g0 = ov > 0 ? 0x5E : 0x72, b0 = ov > 0 ? 0x00 : 0xB2;
	snprintf(buf, len, "#%02x%02x%02x", (int)lround(255 + (r0 - 255) * a),
		 (int)lround(255 + (g0 - 255) * a), (int)lround(255 + (b0 - 255) * a));
}

int tb_svg_matrix(FILE *f, const struct tb_stage *st, int id, double *w_out, double *h_out)
{
	if (st->n_pairs < 2)
		return -ENOENT;
	/* Rows: the union of the pairs' headline rows, in the first pair's order, then new. */
	size_t cap = 16, nr = 0;
	struct mrow *rows = malloc(cap * sizeof(*rows));
	if (!rows)
		abort();
	for (size_t i = 0; i < st->n_pairs; i++) {
		const struct tb_pair *p = &st->pairs[i];
		for (size_t j = 0; j < p->n_head; j++) {
			const struct tb_series *s = p->head[j].row->b;
			struct mrow r = { s->group, s->bench, s->variant };
			bool seen = false;
			for (size_t k = 0; k < nr && !seen; k++)
				seen = strcmp(rows[k].bench, r.bench) == 0 &&
				       strcmp(rows[k].variant, r.variant) == 0;
			if (seen)
				continue;
			if (nr == cap && !(rows = realloc(rows, (cap *= 2) * sizeof(*rows))))
				abort();
			rows[nr++] = r;
		}
	}
	if (!nr) {
		free(rows);
		return -ENOENT;
	}
	/* Room on the right for the last rotated column label; at least the forest plot's
	 * width, so that both scale to the same text size on the page. */
	double width = fmax(LABEL_W + 20 + COL_W * (double)st->n_pairs + 150, 960);
	double top = 30 + HEAD_H, height = top + ROW_H * (double)nr + 50;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
		   "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" role=\"img\">\n"
		   "<title>Overhead %% of each configuration against its plain one</title>\n"
		   "<defs><pattern id=\"m%dh\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
		   "<path d=\"M0,6 L6,0\" stroke=\"#777777\" stroke-width=\"1\"/></pattern></defs>\n",
		width, height, id);
	fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", width, height);
	fputs("<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">Overhead % against "
	      "the plain configuration of the same shape</text>\n", f);
	for (size_t i = 0; i < st->n_pairs; i++) {
		double x = LABEL_W + 20 + COL_W * ((double)i + 0.5);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" transform=\"rotate(-40 %.1f "
			   "%.1f)\"><title>", x, top - 8, FONT, x, top - 8);
		tb_xml_put(f, st->sides[st->pairs[i].cand].label);
		fputs(" against ", f);
		tb_xml_put(f, st->sides[st->pairs[i].base].label);
		fputs("</title>", f);
		tb_xml_put_cut(f, st->sides[st->pairs[i].cand].label, 30);
		fputs("</text>\n", f);
	}
	for (size_t k = 0; k < nr; k++) {
		double y = top + ROW_H * (double)k;
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"end\">",
			LABEL_W, y + 14, FONT);
		char lab[512];
		snprintf(lab, sizeof(lab), "%s %s", rows[k].bench, rows[k].variant);
		tb_xml_put_cut(f, lab, LABEL_MAX);
		fputs("</text>\n", f);
		for (size_t i = 0; i < st->n_pairs; i++) {
			const struct tb_headline *h = find(&st->pairs[i], &rows[k]);
			double x = LABEL_W + 20 + COL_W * (double)i;
			fputs("<g><title>", f);
			tb_xml_put(f, lab);
			fputs(", ", f);
			tb_xml_put(f, st->sides[st->pairs[i].cand].label);
			fputs(" against ", f);
			tb_xml_put(f, st->sides[st->pairs[i].base].label);
			if (!h || !h->row->ok) {
				fprintf(f, ": %s</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
					   "height=\"%d\" fill=\"#f2f2f2\" stroke=\"#ffffff\"/></g>\n",
					h ? "no ratio" : "not measured on both sides", x, y, COL_W, ROW_H);
				continue;
			}
			const struct tb_cmp_row *r = h->row;
			char val[96], col[16];
			tb_fmt_overhead(val, sizeof(val), r->overhead, r->ov_lo, r->ov_hi);
			cell_colour(h->call == TB_CALL_NONE_SHOWN || h->call == TB_CALL_EQUIVALENT
					    ? r->overhead / 3 : r->overhead, col, sizeof(col));
			fprintf(f, " (%s): %s, %s</title>", r->b->metric, val, tb_call_name(h->call));
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
				   "stroke=\"#ffffff\"/>", x, y, COL_W, ROW_H, col);
			if (h->call == TB_CALL_UNDETERMINED)
				fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
					   "fill=\"url(#m%dh)\"/>", x, y, COL_W, ROW_H, id);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\" "
				   "fill=\"%s\">%+.1f</text></g>\n", x + COL_W / 2, y + 14, FONT,
				fabs(r->overhead) > FULL * 0.6 && h->call != TB_CALL_NONE_SHOWN
					? "#ffffff" : "#111111", r->overhead);
		}
	}
	fprintf(f, "<text x=\"10\" y=\"%.1f\" font-size=\"%d\">Cells: overhead %% (vermillion: costs "
		   "more, blue: costs less; pale: no difference shown or equivalent; hatched: "
		   "undetermined).</text>\n<text x=\"10\" y=\"%.1f\" font-size=\"%d\">Each cell's "
		   "interval and verdict are in its tooltip.</text>\n</svg>\n",
		height - 26, FONT, height - 10, FONT);
	free(rows);
	*w_out = width;
	*h_out = height;
	return 0;
}
