/* SVG plots of a report: normalized bars per group, mem.latency curves; XML helpers. */
#ifndef TB_REPORT_SVG_H
#define TB_REPORT_SVG_H

#include <stdio.h>

#include "report/stage.h"
#include "report/table.h"

/* Okabe & Ito (2008) colour-blind-safe palette, reordered so that neighbours also differ
 * in lightness (readable in greyscale print); yellow last: faint on white paper. */
#define TB_PALETTE_N 8
extern const char *const tb_palette[TB_PALETTE_N];

/* XML-escaped text; bytes that are not valid UTF-8 or not allowed in XML become '?'. */
void tb_xml_put(FILE *f, const char *s);
/* Same, cut to at most max characters with an ellipsis. */
void tb_xml_put_cut(FILE *f, const char *s, size_t max);
/* Display length in characters (UTF-8 code points). */
size_t tb_utf8_len(const char *s);

/* "Nice" axis: ticks from 0 (or lo) to hi, step 1/2/5 x 10^k, about n ticks. */
double tb_nice_step(double range, int n);

/* Fill and hatch of series k (hatch patterns keep series apart in greyscale print):
 * writes the <defs> of plot id, then the fill attributes of a mark of series k. */
void tb_svg_defs(FILE *f, int id, size_t nseries);
void tb_svg_fill(FILE *f, int id, size_t k, double x, double y, double w, double h);
/* Line dashes and marker shapes per run of a curve (apart without colour). */
extern const char *const tb_svg_dash[4];
void tb_svg_marker(FILE *f, size_t k, double x, double y, const char *col);
/* The legend: one swatch per side, wrapped in rows within width; returns its height. */
double tb_svg_legend(FILE *f, int id, const struct tb_side *sides, size_t n, double x,
		     double y, double width, bool lines);
double tb_svg_legend_height(const struct tb_side *sides, size_t n, double width);

/* Groups present on any side, cpu, mem, io first. Returns how many (strings borrowed). */
size_t tb_report_groups(const struct tb_side *sides, size_t n, const char **out, size_t max);

/* Colour and marker of each call (forest plot, summary, matrix). */
extern const char *const tb_call_colour[TB_NCALLS];
void tb_svg_call_marker(FILE *f, enum tb_call c, double x, double y);
double tb_svg_call_legend(FILE *f, double x, double y);

/* One <svg> element each, sized by its viewBox only (the page scales it to its width);
 * *w and *h receive the viewBox size. Return 0, or -ENOENT when there is nothing to draw.
 * id keeps element ids unique within one document. */
int tb_svg_forest(FILE *f, const struct tb_stage *st, const struct tb_pair *p, int id,
		  double *w, double *h);
/* Heat map of overhead %: one column per comparison, one row per bench and variant. */
int tb_svg_matrix(FILE *f, const struct tb_stage *st, int id, double *w, double *h);
/* mem.latency curve families ("single-4k" from "single-4k-1048576"), first-seen order. */
size_t tb_latency_families(const struct tb_side *sides, size_t n, char ***out);
/* One family's curves: base and candidate of pair p overlaid, their ratio underneath (p
 * NULL: every side's curve, no ratio). */
int tb_svg_latency(FILE *f, const struct tb_stage *st, const struct tb_pair *p,
		   const char *family, int id, double *w, double *h);
/* Is this series drawn as a latency curve (and so left out of the bar plots)? */
bool tb_is_latency_curve(const struct tb_series *s);

#endif
