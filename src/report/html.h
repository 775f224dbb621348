/* The documents `tinyben report` writes: the whole XHTML report, or only its plots as SVG. */
#ifndef TB_REPORT_HTML_H
#define TB_REPORT_HTML_H

#include <stdio.h>

#include "report/table.h"

/* sides[0] is the base (= 1.0) of every plot and table; n >= 1. margin_pct: the --margin
 * band and equivalence verdicts (NAN: none). Return 0, or -EINTR on SIGINT/SIGTERM. */
int tb_report_html(FILE *f, const struct tb_table *t, const struct tb_side *sides, size_t n,
		   double margin_pct);
int tb_report_svg(FILE *f, const struct tb_side *sides, size_t n, double margin_pct);

#endif
