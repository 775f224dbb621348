/* Shared SVG pieces: XML escaping, palette and hatching, legend, axis steps, groups. */
#include <math.h>
#include <string.h>

#include "report/svg.h"

const char *const tb_svg_dash[4] = { "", "7 3", "2 3", "9 3 2 3" };

const char *const tb_palette[TB_PALETTE_N] = {
	"#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442",
};

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
		 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (!n || (n == 2 && s[0] < 0xc2) || (n == 4 && s[0] > 0xf4))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong 3- and 4-byte forms, UTF-16 surrogates: not characters. */
	if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
		return 0;
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return n;
}

size_t tb_utf8_len(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t k = utf8_seq(p);
		p += k ? k : 1;
		n++;
	}
	return n;
}

void tb_xml_put_cut(FILE *f, const char *s, size_t max)
{
	size_t len = tb_utf8_len(s), shown = 0;
	bool cut = len > max;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		if (cut && shown + 1 == max) {
			fputs("\xe2\x80\xa6", f); /* U+2026 ellipsis */
			return;
		}
		size_t k = utf8_seq(p);
		shown++;
		if (k == 0 || (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')) {
			fputc('?', f);
			p += k ? k : 1;
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fwrite(p, 1, k, f);
		}
		p += k;
	}
}

void tb_xml_put(FILE *f, const char *s)
{
	tb_xml_put_cut(f, s, (size_t)-1);
}

double tb_nice_step(double range, int n)
{
	if (!(range > 0))
		return 1;
	double raw = range / n, mag = pow(10, floor(log10(raw))), r = raw / mag;
	return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

/* Hatching per series: none, /, \, -, |, x, dots, ... (repeats after 8 with the colours). */
void tb_svg_defs(FILE *f, int id, size_t nseries)
{
	static const char *const hatch[] = {
		NULL, "M0,8 L8,0", "M0,0 L8,8", "M0,4 L8,4", "M4,0 L4,8",
		"M0,0 L8,8 M0,8 L8,0", NULL, "M0,2 L8,2 M0,6 L8,6",
	};
	fputs("<defs>", f);
	for (size_t k = 0; k < nseries && k < 8; k++) {
		if (k == 6) {
			fprintf(f, "<pattern id=\"p%dh%zu\" width=\"6\" height=\"6\" "
				   "patternUnits=\"userSpaceOnUse\"><circle cx=\"3\" cy=\"3\" r=\"1.2\" "
				   "fill=\"#ffffff\"/></pattern>", id, k);
			continue;
		}
		if (!hatch[k])
			continue;
		fprintf(f, "<pattern id=\"p%dh%zu\" width=\"8\" height=\"8\" "
			   "patternUnits=\"userSpaceOnUse\"><path d=\"%s\" stroke=\"#ffffff\" "
			   "stroke-width=\"1.6\"/></pattern>", id, k, hatch[k]);
	}
	fputs("</defs>\n", f);
}

void tb_svg_fill(FILE *f, int id, size_t k, double x, double y, double w, double h)
{
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
		   "stroke=\"#222222\" stroke-width=\"0.6\"/>", x, y, w, h,
		tb_palette[k % TB_PALETTE_N]);
	if (k % 8 != 0)
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			   "fill=\"url(#p%dh%zu)\"/>", x, y, w, h, id, k % 8);
}

/* Marker shapes per run, so that lines stay apart without colour. */
void tb_svg_marker(FILE *f, size_t k, double x, double y, const char *col)
{
	switch (k % 4) {
	case 0:
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>", x, y, col);
		break;
	case 1:
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" fill=\"%s\"/>",
			x - 3.5, y - 3.5, col);
		break;
	case 2:
		fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f Z\" fill=\"%s\"/>", x, y - 4.5,
			x + 4.5, y + 3.5, x - 4.5, y + 3.5, col);
		break;
	default:
		fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f L%.1f,%.1f Z\" fill=\"%s\"/>",
			x, y - 5, x + 5, y, x, y + 5, x - 5, y, col);
	}
}

#define LEG_FONT 12
#define LEG_CHAR 7.2  /* generous width of one character at 12 px, sans-serif */
#define LEG_ROW 20
#define LEG_MAXCH 40

static double item_width(const struct tb_side *s)
{
	size_t len = tb_utf8_len(s->label);
	return 16 + 6 + (double)(len > LEG_MAXCH ? LEG_MAXCH : len) * LEG_CHAR + 18;
}

double tb_svg_legend_height(const struct tb_side *sides, size_t n, double width)
{
	double x = 0;
	int rows = 1;
	for (size_t k = 0; k < n; k++) {
		double w = item_width(&sides[k]);
		if (x > 0 && x + w > width) {
			rows++;
			x = 0;
		}
		x += w;
	}
	return rows * LEG_ROW;
}

double tb_svg_legend(FILE *f, int id, const struct tb_side *sides, size_t n, double x0,
		     double y0, double width, bool lines)
{
	double x = 0, y = 0;
	for (size_t k = 0; k < n; k++) {
		double w = item_width(&sides[k]);
		if (x > 0 && x + w > width) {
			y += LEG_ROW;
			x = 0;
		}
		if (lines) {
			const char *col = tb_palette[k % TB_PALETTE_N];
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
				   "stroke-width=\"2\" stroke-dasharray=\"%s\"/>", x0 + x - 2, y0 + y + 8,
				x0 + x + 18, y0 + y + 8, col, *tb_svg_dash[k % 4] ? tb_svg_dash[k % 4] : "none");
			tb_svg_marker(f, k, x0 + x + 8, y0 + y + 8, col);
		} else {
			tb_svg_fill(f, id, k, x0 + x, y0 + y + 1, 16, 14);
		}
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\">", x0 + x + 22, y0 + y + 12,
			LEG_FONT);
		tb_xml_put_cut(f, sides[k].label, LEG_MAXCH);
		fputs("</text>\n", f);
		x += w;
	}
	return y + LEG_ROW;
}

size_t tb_report_groups(const struct tb_side *sides, size_t n, const char **out, size_t max)
{
	static const char *const fixed[] = { "cpu", "mem", "io" };
	size_t k = 0;
	for (size_t i = 0; i < 3 && k < max; i++)
		out[k++] = fixed[i];
	for (size_t s = 0; s < n; s++) {
		for (size_t i = 0; i < sides[s].n && k < max; i++) {
			const char *g = sides[s].s[i].group;
			bool seen = false;
			for (size_t j = 0; j < k; j++)
				seen = seen || strcmp(out[j], g) == 0;
			if (!seen)
				out[k++] = g;
		}
	}
	return k;
}
