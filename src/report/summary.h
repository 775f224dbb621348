/* The summary at the top of a report, and the Markdown of `report --format md`. */
#ifndef TB_REPORT_SUMMARY_H
#define TB_REPORT_SUMMARY_H

#include <stdio.h>

#include "report/stage.h"

/* <section id="summary">: a sentence per comparison, a line per group, the rule. */
void tb_summary_html(FILE *f, const struct tb_stage *st);
/* The same as Markdown, then the forest plot's rows as a table per comparison. */
void tb_summary_md(FILE *f, const struct tb_stage *st);

#endif
