/* The documents `tinyben report` writes: the whole XHTML report, or only its plots as SVG. */
#ifndef TB_REPORT_HTML_H
#define TB_REPORT_HTML_H

#include <stdio.h>

#include "report/stage.h"
#include "report/table.h"

/* Both read the statistics of st (computed once); sides[0] is the base unless st compares
 * each configuration with the plain one of its shape. Return 0, or -EINTR on SIGINT/SIGTERM. */
int tb_report_html(FILE *f, const struct tb_table *t, const struct tb_stage *st);
int tb_report_svg(FILE *f, const struct tb_stage *st);

#endif
