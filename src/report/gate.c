/* `compare --gate`: pass when every gated metric is shown no worse than +margin, fail when
 * one is shown worse by more than it, and say how many runs would decide the rest. */
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/gate.h"
#include "tinyben/stats.h"

/* Why one-sided 5% tests on the 90% interval: a metric passes when the interval's upper end
 * lies below +margin (non-inferiority: "equivalent or better"), and fails when its lower
 * end lies above +margin. Each is a one-sided test at 5%, so a candidate whose true
 * overhead is exactly the margin fails at most 5% of the time per metric, one whose true
 * overhead is 0 far less, and one that is worse by the margin passes at most 5% of the time
 * (tests/report/test_gate.c checks both by simulation). Everything in between is "cannot
 * decide": the gate never guesses. */

bool tb_gate_matches(const char *patterns, const struct tb_series *s)
{
	if (!patterns)
		return true;
	size_t n = strlen(s->bench) + strlen(s->variant) + strlen(s->metric) + 3;
	char *name = malloc(n), *list = strdup(patterns);
	if (!name || !list)
		abort();
	snprintf(name, n, "%s:%s:%s", s->bench, s->variant, s->metric);
	bool hit = false;
	char *save = NULL;
	for (char *p = strtok_r(list, ",", &save); p && !hit; p = strtok_r(NULL, ",", &save))
		hit = fnmatch(p, name, 0) == 0;
	free(name);
	free(list);
	return hit;
}

/* Units a side after which the 90% interval, at the present estimate and spread, would lie
 * on one side of the margin: se shrinks as 1/sqrt(units), df grows as 2 (units - 1). A
 * planning figure ("about"), 0 when beyond 10000 (the estimate sits on the margin). */
static bool decides(double dist, double se, size_t k, size_t m)
{
	double se_m = se * sqrt((double)k / (double)m);
	return tb_t_upper(0.05, 2.0 * ((double)m - 1)) * se_m < dist;
}

static size_t units_needed(double dist, double se, size_t k)
{
	if (!(se > 0) || k == 0 || !decides(dist, se, k, 10000))
		return 0;
	/* Both se and t fall as m grows: binary search for the first m that decides. */
	size_t lo = k, hi = 10000;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (decides(dist, se, k, mid))
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

void tb_gate_decide(const struct tb_cmp_row *r, double margin_pct, struct tb_gate_row *out)
{
	bool boots = r->r.by_boot;
	out->unit = boots ? "boots" : "runs";
	out->need = 0;
	out->res = TB_GATE_UNDECIDED;
	if (!r->ok)
		return;
	if (r->r.method != TB_CI_RUNS) {
		out->need = TB_MIN_RUNS;
		return;
	}
	if (r->ov_hi90 < margin_pct) {
		out->res = TB_GATE_PASS;
		return;
	}
	if (r->ov_lo90 > margin_pct) {
		out->res = TB_GATE_WORSE;
		return;
	}
	/* The cost factor on the log scale: the ratio for lower-is-better, its inverse for
	 * higher-is-better (tb_overhead_pct); the margin likewise. */
	bool hb = strcmp(r->b->better, "higher") == 0;
	double cost = hb ? -log(r->r.ratio) : log(r->r.ratio);
	double dist = fabs(log1p(margin_pct / 100) - cost);
	size_t k = boots ? (r->r.boots_b < r->r.boots_c ? r->r.boots_b : r->r.boots_c)
			 : (r->r.runs_b < r->r.runs_c ? r->r.runs_b : r->r.runs_c);
	out->need = units_needed(dist, r->r.se_log, k);
}

int tb_gate_write(FILE *f, const struct tb_cmp *c, double margin_pct, const char *patterns)
{
	size_t gated = 0, worse = 0, undecided = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct tb_cmp_row *r = &c->rows[i];
		if (r->kind != TB_CMP_BOTH || !tb_gate_matches(patterns, r->b))
			continue;
		gated++;
		struct tb_gate_row g;
		tb_gate_decide(r, margin_pct, &g);
		if (g.res == TB_GATE_PASS)
			continue;
		const struct tb_series *s = r->b;
		if (g.res == TB_GATE_WORSE) {
			worse++;
			fprintf(f, "worse: %s:%s:%s overhead %+.2f%% (90%% interval %+.2f%% to "
				"%+.2f%%) exceeds +%g%%\n", s->bench, s->variant, s->metric,
				r->overhead, r->ov_lo90, r->ov_hi90, margin_pct);
			continue;
		}
		undecided++;
		fprintf(f, "cannot decide: %s:%s:%s ", s->bench, s->variant, s->metric);
		if (!r->ok)
			fprintf(f, "(%s)\n", r->reason);
		else if (r->r.method != TB_CI_RUNS)
			fprintf(f, "(%zu/%zu runs): needs at least %d runs a side\n", r->r.runs_b,
				r->r.runs_c, TB_MIN_RUNS);
		else if (g.need)
			fprintf(f, "overhead %+.2f%% (90%% interval %+.2f%% to %+.2f%%): needs about "
				"%zu %s a side\n", r->overhead, r->ov_lo90, r->ov_hi90, g.need,
				g.unit);
		else
			fprintf(f, "overhead %+.2f%% (90%% interval %+.2f%% to %+.2f%%): sits on the "
				"margin, more %s will not decide it\n", r->overhead, r->ov_lo90,
				r->ov_hi90, g.unit);
	}
	if (!gated)
		return -1;
	int rc = worse ? TB_GATE_EXIT_WORSE : undecided ? TB_GATE_EXIT_UNDECIDED
							 : TB_GATE_EXIT_PASS;
	fprintf(f, "gate %s: %zu metric%s gated at +%g%%: %zu pass, %zu worse, %zu undecided\n",
		rc == TB_GATE_EXIT_PASS ? "passed" : rc == TB_GATE_EXIT_WORSE ? "failed"
									: "undecided",
		gated, gated == 1 ? "" : "s", margin_pct, gated - worse - undecided, worse,
		undecided);
	return rc;
}
