/* compare --gate's error rates by simulation: runs with a known true effect, many times. */
#include <math.h>
#include <stdio.h>

#include "../lib/check.h"
#include "report/cmpstats.h"
#include "report/gate.h"

static double normal(uint64_t *st)
{
	/* Box-Muller from two uniforms in (0, 1]. */
	double u = ((double)(tb_splitmix64(st) >> 11) + 1) / 9007199254740993.0;
	double v = ((double)(tb_splitmix64(st) >> 11) + 1) / 9007199254740993.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

enum { TRIALS = 4000, K = 5 };

/* How often the gate says worse and pass, for cand truly worse by `effect` (a factor on a
 * lower-is-better metric), K runs a side whose levels vary by `spread` (log sd). */
static void rates(double effect, double spread, double margin, uint64_t seed, double *worse,
		  double *pass)
{
	double x[K], y[K];
	uint32_t run[K];
	for (int i = 0; i < K; i++)
		run[i] = (uint32_t)i;
	struct tb_series b = { .bench = (char *)"b", .variant = (char *)"v",
			       .metric = (char *)"m", .better = (char *)"lower", .v = x,
			       .run = run, .n = K };
	struct tb_series c = b;
	c.v = y;
	uint64_t st = seed;
	int nw = 0, np = 0;
	for (int t = 0; t < TRIALS; t++) {
		for (int i = 0; i < K; i++) {
			x[i] = exp(spread * normal(&st));
			y[i] = effect * exp(spread * normal(&st));
		}
		struct tb_cmp_row row = { .kind = TB_CMP_BOTH, .b = &b, .c = &c };
		tb_cmp_fill(&row, K, K, margin);
		struct tb_gate_row g;
		tb_gate_decide(&row, margin, &g);
		nw += g.res == TB_GATE_WORSE;
		np += g.res == TB_GATE_PASS;
	}
	*worse = (double)nw / TRIALS;
	*pass = (double)np / TRIALS;
}

int main(void)
{
	const double margin = 2, spread = 0.01;
	double w, p;
	/* No true change: a false alarm (exit 1) at most 5% of the time; here far less. */
	rates(1.0, spread, margin, 1, &w, &p);
	printf("# true change 0: worse %.1f%%, pass %.1f%% (%d runs a side, 1%% spread)\n",
	       w * 100, p * 100, K);
	CHECK(w <= 0.05);
	CHECK(p >= 0.5);
	/* Worse by exactly the margin: the one-sided test's 5% both ways. */
	rates(1.02, spread, margin, 2, &w, &p);
	printf("# true change = margin: worse %.1f%%, pass %.1f%%\n", w * 100, p * 100);
	CHECK(w <= 0.05 + 0.01);
	CHECK(p <= 0.05 + 0.01);
	/* Worse by twice the margin: mostly caught, (almost) never passed. */
	rates(1.04, spread, margin, 3, &w, &p);
	printf("# true change = 2x margin: worse %.1f%%, pass %.1f%%\n", w * 100, p * 100);
	CHECK(w >= 0.7);
	CHECK(p <= 0.01);
	/* Better by 2x the margin: passes. */
	rates(1 / 1.04, spread, margin, 4, &w, &p);
	CHECK(w == 0 && p >= 0.99);
	return check_done();
}
