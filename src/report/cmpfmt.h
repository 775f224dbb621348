/* Writing a comparison: text, CSV, Markdown (and the cells HTML shares). */
#ifndef TB_REPORT_CMPFMT_H
#define TB_REPORT_CMPFMT_H

#include <stdio.h>

#include "report/cmpstats.h"
#include "report/table.h"

enum tb_cmp_format { TB_CMPF_TEXT, TB_CMPF_CSV, TB_CMPF_MARKDOWN };

/* The last cell (equivalence) is shown only with --margin. */
#define TB_CMP_NCELLS 16
#define TB_CMP_CELL 96
extern const char *const tb_cmp_cell_names[TB_CMP_NCELLS];
/* Which display cells are numbers (right-aligned). */
extern const unsigned char tb_cmp_cell_numeric[TB_CMP_NCELLS];
/* How many cells a row of c shows. */
int tb_cmp_ncells(const struct tb_cmp *c);
/* Header of cell j ("equivalent +-2%" for the margin cell). */
void tb_cmp_cell_name(const struct tb_cmp *c, int j, char *buf, size_t len);

/* Display cells of a TB_CMP_BOTH row. */
void tb_cmp_cells(const struct tb_cmp_row *r, char cells[TB_CMP_NCELLS][TB_CMP_CELL]);

/* The method and the verdicts in plain words, one paragraph each (text; html escapes). */
void tb_cmp_explain(FILE *f, const struct tb_cmp *c, int width);
/* Distinct reasons of undetermined verdicts, with how many rows each: calls fn per reason. */
void tb_cmp_reasons(const struct tb_cmp *c, void (*fn)(void *arg, const char *reason,
						       size_t n), void *arg);

/* One line describing a run's environment: "cc_level sev-snp, kernel ..., ...". */
void tb_env_line(const struct tb_run_env *e, char *buf, size_t len);

/* The file names of a side, comma-separated. */
void tb_side_files(const struct tb_side *s, const struct tb_table *t, char *buf, size_t len);

/* Markdown: a label (a file name, a tag value, a bench) as it is, never as Markdown: '|'
 * would end a table cell, a line break the row, and *, _, `, ~, <, & would make emphasis,
 * code, strike-through, HTML or entities of it. */
void tb_md_put(FILE *f, const char *s);

void tb_cmp_write(FILE *f, enum tb_cmp_format fmt, const struct tb_table *t,
		  const struct tb_side *base, const struct tb_side *cand, const struct tb_cmp *c);

#endif
