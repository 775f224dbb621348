/* `compare --gate`: one decision for CI from a comparison: pass, worse, or cannot decide. */
#ifndef TB_REPORT_GATE_H
#define TB_REPORT_GATE_H

#include <stdbool.h>
#include <stdio.h>

#include "report/cmpstats.h"

/* Exit status of the gate (verb.h keeps 2 for bad usage, 130 for an interrupt). */
#define TB_GATE_EXIT_PASS 0
#define TB_GATE_EXIT_WORSE 1
#define TB_GATE_EXIT_UNDECIDED 3

enum tb_gate_result {
	TB_GATE_PASS,       /* equivalent within +-margin, or better */
	TB_GATE_WORSE,      /* shown worse by more than the margin */
	TB_GATE_UNDECIDED,  /* the interval straddles +margin, or too few runs */
};

struct tb_gate_row {
	enum tb_gate_result res;
	size_t need;        /* undecided: units (runs or boots) a side that would decide,
			       0 when no number can be given (no ratio, or at the margin) */
	const char *unit;   /* "runs" or "boots" */
};

/* Does "bench:variant:metric" of s match one of the comma-separated globs in patterns
 * (NULL: every metric)? */
bool tb_gate_matches(const char *patterns, const struct tb_series *s);

/* The decision for one compared row (kind TB_CMP_BOTH) against margin_pct. */
void tb_gate_decide(const struct tb_cmp_row *r, double margin_pct, struct tb_gate_row *out);

/* Writes one line per gated metric that is not a pass and a summary line; returns the exit
 * status (TB_GATE_EXIT_*), or -1 when patterns match no compared metric. */
int tb_gate_write(FILE *f, const struct tb_cmp *c, double margin_pct, const char *patterns);

#endif
