/* The documents `tinyben report` writes: the whole XHTML report, or only its plots as SVG. */
#ifndef TB_REPORT_HTML_H
#define TB_REPORT_HTML_H

#include <stdio.h>

#include "report/table.h"

/* sides[0] is the base (= 1.0) of every plot and table; n >= 1. */
void tb_report_html(FILE *f, const struct tb_table *t, const struct tb_side *sides, size_t n);
void tb_report_svg(FILE *f, const struct tb_side *sides, size_t n);

#endif
