/* The report's statistics stage: a latency curve's drawn interval is on the unit of its
 * comparison (between boots when the tables' verdict is between boots, else between runs),
 * and its warnings about the sides are compare's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check.h"
#include "simrow.h"
#include "tinyben/stats.h"
#include "report/stage.h"

enum { BOOTS = 4, RUNS = 3, REPS = 3 };

/* Boots far apart, the runs of a boot close together: an interval between runs (12 of
 * them, 11 degrees of freedom) is much narrower than one between boots (4, 3 df). */
static const double boot_effect[BOOTS] = { -0.03, -0.01, 0.01, 0.03 };
static const double run_effect[RUNS] = { -0.001, 0, 0.001 };

/* One side of mem.latency (a curve: block_bytes in detail) at level scale; with_boot:
 * every run carries its boot's boot_id, else none (a file before the column). */
static void fill_side(struct tb_side *s, const char *label, double scale, bool with_boot,
		      const char *version)
{
	char run_id[64], boot_id[64];
	struct tb_row r = sim_row("mem", "mem.latency", "single-1048576", "latency", "ns",
				  "lower");
	r.f[TB_COL_DETAIL] = "block_bytes=1048576";
	r.f[TB_COL_VERSION] = version;
	r.f[TB_COL_RUN_ID] = run_id;
	r.f[TB_COL_BOOT_ID] = with_boot ? boot_id : "";
	for (int b = 0; b < BOOTS; b++) {
		snprintf(boot_id, sizeof(boot_id), "%s-boot%d", label, b);
		for (int k = 0; k < RUNS; k++) {
			snprintf(run_id, sizeof(run_id), "%s-boot%d-run%d", label, b, k);
			r.value = scale * exp(boot_effect[b] + run_effect[k]);
			for (int i = 0; i < REPS; i++)
				tb_side_add(s, &r);
		}
	}
}

/* The lower end of the 95% interval of a centre against itself, from unit summaries
 * (logs around 0): exp(-t * sd / sqrt(k)). */
static double self_lo(const double *logs, int k)
{
	double m = 0, q = 0;
	for (int i = 0; i < k; i++)
		m += logs[i] / k;
	for (int i = 0; i < k; i++)
		q += (logs[i] - m) * (logs[i] - m);
	return exp(-tb_t_upper(0.025, k - 1) * sqrt(q / (k - 1) / k));
}

/* The centre of the curve point on side k of a two-side stage. */
static const struct tb_ratio *centre(const struct tb_stage *st, size_t k)
{
	CHECK(st->sides[k].n == 1);
	return &st->centre[k][0];
}

static void test_curve_on_comparisons_unit(void)
{
	double boots[BOOTS], runs[BOOTS * RUNS];
	for (int b = 0; b < BOOTS; b++) {
		boots[b] = boot_effect[b]; /* the median of its runs' logs */
		for (int k = 0; k < RUNS; k++)
			runs[b * RUNS + k] = boot_effect[b] + run_effect[k];
	}
	double by_boot = self_lo(boots, BOOTS), by_run = self_lo(runs, BOOTS * RUNS);
	CHECK(by_boot < by_run - 0.01); /* the two units must tell apart */

	/* Boots on both sides: the comparison is between boots, and so is each curve. */
	struct tb_side sides[2];
	tb_side_init(&sides[0], "base", 1);
	tb_side_init(&sides[1], "cand", 1);
	fill_side(&sides[0], "a", 100, true, "0.1.0");
	fill_side(&sides[1], "b", 110, true, "0.1.0");
	struct tb_stage st;
	CHECK(tb_stage_build(sides, 2, NAN, NULL, &st) == 0);
	CHECK(st.n_pairs == 1 && st.pairs[0].cmp.n == 1 && st.pairs[0].cmp.rows[0].r.by_boot);
	for (size_t k = 0; k < 2; k++) {
		const struct tb_ratio *c = centre(&st, k);
		CHECK(c->has_ci && c->by_boot && c->method == TB_CI_RUNS);
		CHECK_NEAR(c->base_med, k ? 110 : 100, 1e-9);
		CHECK_NEAR(c->lo, by_boot, 1e-12);
		CHECK_NEAR(c->df, BOOTS - 1, 0);
	}
	tb_stage_free(&st);
	tb_side_free(&sides[1]);

	/* The candidate without boot_ids: the comparison is between runs, and so is the base's
	 * curve, although the base alone has boots enough. */
	tb_side_init(&sides[1], "cand", 1);
	fill_side(&sides[1], "b", 110, false, "0.1.0");
	CHECK(tb_stage_build(sides, 2, NAN, NULL, &st) == 0);
	CHECK(!st.pairs[0].cmp.rows[0].r.by_boot);
	for (size_t k = 0; k < 2; k++) {
		const struct tb_ratio *c = centre(&st, k);
		CHECK(c->has_ci && !c->by_boot && c->method == TB_CI_RUNS);
		CHECK_NEAR(c->lo, by_run, 1e-12);
		CHECK_NEAR(c->df, BOOTS * RUNS - 1, 0);
	}
	tb_stage_free(&st);
	tb_side_free(&sides[0]);
	tb_side_free(&sides[1]);
}

struct said {
	char text[2048];
	size_t n;
};

static void collect(void *arg, const char *line)
{
	struct said *s = arg;
	size_t used = strlen(s->text);
	snprintf(s->text + used, sizeof(s->text) - used, "%s\n", line);
	s->n++;
}

/* The report says what compare says, from the same code: the stage's warnings are those of
 * each side and each two sides, then those of each comparison. */
static void test_warnings_are_compares(void)
{
	struct tb_side sides[2];
	tb_side_init(&sides[0], "base", 1);
	tb_side_init(&sides[1], "cand", 1);
	fill_side(&sides[0], "a", 100, true, "0.1.0");
	fill_side(&sides[0], "c", 100, true, "0.2.0");
	fill_side(&sides[1], "b", 110, true, "0.2.0");
	fill_side(&sides[1], "a", 100, true, "0.1.0"); /* the runs of base's a, again */
	struct tb_stage st;
	CHECK(tb_stage_build(sides, 2, NAN, NULL, &st) == 0);
	struct said report = { 0 }, compare = { 0 };
	tb_stage_warnings(&st, collect, &report);
	tb_sides_warn(sides, 2, collect, &compare);
	tb_pair_warn(&sides[0], &sides[1], collect, &compare);
	CHECK_STR(report.text, compare.text);
	CHECK_STR(report.text,
		  "12 runs (run_id) are in both base and cand: copies of the same runs, so the "
		  "two are not independent\n");
	tb_stage_free(&st);
	tb_side_free(&sides[1]);

	/* A version that one side ran and the other did not. */
	tb_side_init(&sides[1], "cand", 1);
	fill_side(&sides[1], "b", 110, true, "0.2.0");
	CHECK(tb_stage_build(sides, 2, NAN, NULL, &st) == 0);
	memset(&report, 0, sizeof(report));
	tb_stage_warnings(&st, collect, &report);
	CHECK_STR(report.text, "base ran tinyben 0.1.0 and 0.2.0, cand ran 0.2.0: a change in "
			       "tinyben itself would read as overhead\n");
	tb_stage_free(&st);
	tb_side_free(&sides[0]);
	tb_side_free(&sides[1]);
}

int main(void)
{
	test_curve_on_comparisons_unit();
	test_warnings_are_compares();
	return check_done();
}
