/* Comparability of two sides: the environment facts that differ, each with what it means. */
#ifndef TB_REPORT_COMPARABLE_H
#define TB_REPORT_COMPARABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "report/table.h"

/* Calls fn once per difference: the fact's name, each side's values, and the consequence
 * in one line. Returns the number of differences. */
typedef void (*tb_diff_fn)(void *arg, const char *fact, const char *base, const char *cand,
			   const char *consequence);
size_t tb_comparability(const struct tb_side *b, const struct tb_side *c, tb_diff_fn fn,
			void *arg);

/* The "comparability" block of compare's text (markdown: a list). */
void tb_comparability_write(FILE *f, bool markdown, const struct tb_side *b,
			    const struct tb_side *c);

#endif
