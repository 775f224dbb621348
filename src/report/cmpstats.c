/* Ratio of medians and its intervals (between runs, within runs); verdicts; the rows. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/ctx.h"
#include "tinyben/stats.h"
#include "tinyben/util.h"
#include "report/cmpstats.h"
#include "report/progress.h"

/* Why the run is the unit: samples of one run share its conditions (placement, clock,
 * caches, neighbours), so they are not independent. Treating the pooled samples of
 * several runs as independent (a bootstrap of all of them) leaves the run-to-run
 * variation out of the interval, and on a shared host A/A comparisons came out
 * "significant" in 30-70% of cases. The between-run interval summarises each run by its
 * median and compares the runs' log medians with Welch's t interval: the summary-measures
 * analysis of nested data (Matthews, Altman, Campbell & Royston, BMJ 1990; 300:230), for
 * which the t interval is exact when the run effects are normal on the log scale and
 * holds its level with few runs, where a bootstrap over 3-5 runs is too narrow (its
 * variance lacks the (k-1)/k factor and a t quantile). */

#define Z975 1.959963984540054

/* The within-run interval (shown, with no verdict, when a side has too few runs): the
 * samples of a run are few (3-10) and often skewed by a slow outlier, so the median is
 * the robust figure; the percentile bootstrap of median(cand*)/median(base*) needs no
 * distribution and, with a fixed seed, gives the same interval every time. It treats the
 * samples as independent, which they are not across runs: hence no verdict from it. */

uint64_t tb_hash_str(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= 0xff; /* separator, so ("ab","c") and ("a","bc") differ */
	h *= 0x100000001b3ULL;
	return h;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void sort_small(double *v, size_t n)
{
	/* Insertion sort for the usual handful of samples; qsort beyond. */
	if (n > 32) {
		qsort(v, n, sizeof(*v), cmp_double);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		double t = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > t; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

/* Uniform index in [0, n): Lemire's multiply-high; bias n/2^64, far below anything. */
static size_t pick(uint64_t *st, size_t n)
{
	return (size_t)(((unsigned __int128)tb_splitmix64(st) * n) >> 64);
}

static double resample_median(const double *x, size_t n, double *scratch, uint64_t *st)
{
	for (size_t i = 0; i < n; i++)
		scratch[i] = x[pick(st, n)];
	sort_small(scratch, n);
	return tb_quantile_sorted(scratch, n, 0.5);
}

/* Standard error of a median from order statistics (McKean & Schrader 1984): the
 * distribution-free 95% interval of the median spans the ranks n/2 -+ 1.96 sqrt(n)/2, and
 * its half-width over 1.96 estimates the standard error. One sort, no resampling. */
static double median_se(const double *x, size_t n)
{
	double *s = malloc(n * sizeof(*s));
	if (!s)
		abort();
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	double h = Z975 * sqrt((double)n) / 2;
	double lo = floor((double)n / 2 - h), hi = ceil((double)n / 2 + h);
	size_t l = lo < 1 ? 1 : (size_t)lo, u = hi > (double)n ? n : (size_t)hi;
	double se = (s[u - 1] - s[l - 1]) / (2 * Z975);
	free(s);
	return se;
}

/* Large samples: normal interval of the log ratio from the medians' standard errors. */
static int order_ci(const double *x, size_t n, const double *y, size_t m, bool self,
		    struct tb_ratio *out)
{
	double sx = median_se(x, n) / fabs(out->base_med);
	double sy = self ? 0 : median_se(y, m) / fabs(out->cand_med);
	if (!isfinite(sy) || out->cand_med == 0)
		return 0;
	double se = sqrt(sx * sx + sy * sy);
	out->lo = out->ratio * exp(-Z975 * se);
	out->hi = out->ratio * exp(Z975 * se);
	out->has_ci = true;
	out->method = TB_CI_ORDER;
	return 0;
}

/* denom_fixed: when not NAN, the denominator is this fixed value instead of a resampled
 * base median (the CI of one median relative to itself). */
static int boot(const double *x, size_t n, const double *y, size_t m, int B, uint64_t seed,
		double denom_fixed, struct tb_ratio *out)
{
	memset(out, 0, sizeof(*out));
	out->lo = out->hi = out->lo90 = out->hi90 = NAN;
	if (n == 0 || m == 0)
		return -EINVAL;
	out->base_med = tb_median(x, n);
	out->cand_med = tb_median(y, m);
	if (!isfinite(out->base_med) || out->base_med == 0)
		return -EINVAL;
	out->ratio = out->cand_med / out->base_med;
	if (n < 2 || m < 2 || B < 2)
		return 0;
	if (n > TB_BOOT_MAX_N || m > TB_BOOT_MAX_N)
		return order_ci(x, n, y, m, !isnan(denom_fixed), out);
	out->method = TB_CI_BOOT;
	double *scratch = malloc((n > m ? n : m) * sizeof(double));
	double *rep = malloc((size_t)B * sizeof(double));
	if (!scratch || !rep)
		abort();
	uint64_t st = seed;
	int k = 0;
	for (int i = 0; i < B; i++) {
		double bm = isnan(denom_fixed) ? resample_median(x, n, scratch, &st) : denom_fixed;
		double cm = resample_median(y, m, scratch, &st);
		/* A resample whose base median is 0 has no ratio: leave it out. */
		if (bm != 0 && isfinite(cm / bm))
			rep[k++] = cm / bm;
	}
	if (k >= 2) {
		qsort(rep, (size_t)k, sizeof(*rep), cmp_double);
		out->lo = tb_quantile_sorted(rep, (size_t)k, 0.025);
		out->hi = tb_quantile_sorted(rep, (size_t)k, 0.975);
		out->has_ci = true;
	}
	free(rep);
	free(scratch);
	return 0;
}

int tb_ratio_ci(const double *x, size_t n, const double *y, size_t m, int B, uint64_t seed,
		struct tb_ratio *out)
{
	return boot(x, n, y, m, B, seed, NAN, out);
}

int tb_median_ci(const double *x, size_t n, int B, uint64_t seed, struct tb_ratio *out)
{
	if (n == 0)
		return boot(x, n, x, n, B, seed, NAN, out);
	return boot(x, n, x, n, B, seed, tb_median(x, n), out);
}

/* The log of the median of every run, by run index: NAN for a run without samples
 * (counting sort by run, then one sort per run). Returns 0, or -EINVAL when a median is
 * not > 0. */
static int log_medians_by_run(const double *x, const uint32_t *rx, size_t n, size_t nr,
			      double *lm)
{
	size_t *at = calloc(nr + 1, sizeof(*at));
	double *v = malloc((n ? n : 1) * sizeof(*v));
	size_t *fill_at = malloc((nr ? nr : 1) * sizeof(*fill_at));
	if (!at || !v || !fill_at)
		abort();
	for (size_t i = 0; i < n; i++)
		at[rx[i] + 1]++;
	for (size_t k = 0; k < nr; k++)
		at[k + 1] += at[k];
	memcpy(fill_at, at, nr * sizeof(*at));
	for (size_t i = 0; i < n; i++)
		v[fill_at[rx[i]]++] = x[i];
	free(fill_at);
	int rc = 0;
	for (size_t r = 0; r < nr; r++) {
		size_t len = at[r + 1] - at[r];
		lm[r] = NAN;
		if (!len)
			continue;
		sort_small(v + at[r], len);
		double med = tb_quantile_sorted(v + at[r], len, 0.5);
		if (!(med > 0) || !isfinite(med))
			rc = -EINVAL;
		else
			lm[r] = log(med);
	}
	free(at);
	free(v);
	return rc;
}

/* The log of the median of every run that has samples; *runs: how many runs. Returns 0,
 * or -EINVAL when a median is not > 0. */
static int run_log_medians(const double *x, const uint32_t *rx, size_t n, size_t nr,
			   double **out, int *runs)
{
	double *lm = malloc((nr ? nr : 1) * sizeof(*lm));
	uint8_t *has = calloc(nr ? nr : 1, 1);
	if (!lm || !has)
		abort();
	for (size_t i = 0; i < n; i++)
		has[rx[i]] = 1;
	int rc = log_medians_by_run(x, rx, n, nr, lm);
	int k = 0;
	for (size_t r = 0; r < nr; r++)
		if (has[r])
			lm[k++] = lm[r];
	free(has);
	*out = lm;
	*runs = k;
	return rc;
}

/* Distinct boots among the samples of s, and the largest boot index + 1 in *range; 0 when
 * a sample's run has no boot_id (the boots are then unknown). */
static size_t boots_of(const struct tb_series *s, size_t *range)
{
	*range = 0;
	if (!s->boot)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->boot[i] == TB_NO_BOOT)
			return 0;
		if (s->boot[i] + 1 > *range)
			*range = s->boot[i] + 1;
	}
	uint8_t *seen = calloc(*range ? *range : 1, 1);
	if (!seen)
		abort();
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		if (!seen[s->boot[i]]++)
			k++;
	free(seen);
	return k;
}

/* Why the boot, when there are boots: a guest's memory lands in different places on the
 * host at each boot (NUMA node, cache colouring, huge pages, neighbours), and every run of
 * that boot shares the placement. Runs of one boot are then replicates of the boot, not of
 * the guest: pooling the runs of 3 boots as if independent called an A/A comparison
 * significant 32 times in 100 (2% between boots, 0.3% between runs; issue 27). The same
 * summary-measures argument one level up: each boot is summarised by the median of its
 * runs' log medians (robust to one odd run), and Welch's interval compares the boots. */
static int boot_log_summaries(const struct tb_series *s, size_t nr, size_t range,
			      double **out, int *boots)
{
	double *lm = malloc((nr ? nr : 1) * sizeof(*lm));
	uint32_t *run_boot = malloc((nr ? nr : 1) * sizeof(*run_boot));
	size_t *at = calloc(range + 1, sizeof(*at));
	double *by = malloc((nr ? nr : 1) * sizeof(*by));
	double *sum = malloc((range ? range : 1) * sizeof(*sum));
	if (!lm || !run_boot || !at || !by || !sum)
		abort();
	int rc = log_medians_by_run(s->v, s->run, s->n, nr, lm);
	for (size_t i = 0; i < s->n; i++)
		run_boot[s->run[i]] = s->boot[i];
	/* Group the runs' log medians by boot (counting sort), then a median per boot. */
	for (size_t r = 0; r < nr; r++)
		if (!isnan(lm[r]))
			at[run_boot[r] + 1]++;
	for (size_t b = 0; b < range; b++)
		at[b + 1] += at[b];
	size_t *fill = malloc((range ? range : 1) * sizeof(*fill));
	if (!fill)
		abort();
	memcpy(fill, at, range * sizeof(*at));
	for (size_t r = 0; r < nr; r++)
		if (!isnan(lm[r]))
			by[fill[run_boot[r]]++] = lm[r];
	int k = 0;
	for (size_t b = 0; b < range; b++) {
		size_t len = at[b + 1] - at[b];
		if (!len)
			continue;
		sort_small(by + at[b], len);
		sum[k++] = tb_quantile_sorted(by + at[b], len, 0.5);
	}
	free(fill);
	free(lm);
	free(run_boot);
	free(at);
	free(by);
	*out = sum;
	*boots = k;
	return rc;
}

static void mean_var(const double *v, int k, double *mean, double *var)
{
	double s = 0, q = 0;
	for (int i = 0; i < k; i++)
		s += v[i];
	*mean = s / k;
	for (int i = 0; i < k; i++)
		q += (v[i] - *mean) * (v[i] - *mean);
	*var = k > 1 ? q / (k - 1) : 0;
}

static void set_interval(struct tb_ratio *out, double d, double se, double df)
{
	double t95 = tb_t_upper(0.025, df), t90 = tb_t_upper(0.05, df);
	out->ratio = exp(d);
	out->lo = exp(d - t95 * se);
	out->hi = exp(d + t95 * se);
	out->lo90 = exp(d - t90 * se);
	out->hi90 = exp(d + t90 * se);
	out->df = df;
	out->se_log = se;
	out->has_ci = true;
	out->method = TB_CI_RUNS;
}

/* Welch's interval of the difference of the mean logs of two sets of unit summaries. */
static void welch(const double *lx, int kx, const double *ly, int ky, struct tb_ratio *out)
{
	double mx, vx, my, vy;
	mean_var(lx, kx, &mx, &vx);
	mean_var(ly, ky, &my, &vy);
	double ax = vx / kx, ay = vy / ky, se = sqrt(ax + ay);
	/* Welch-Satterthwaite; identical units (no spread) keep the pooled df. */
	double df = ax + ay > 0 ? (ax + ay) * (ax + ay) /
				  (ax * ax / (kx - 1) + ay * ay / (ky - 1))
				: (double)(kx + ky - 2);
	out->base_med = exp(mx);
	out->cand_med = exp(my);
	set_interval(out, my - mx, se, df);
}

int tb_runs_ci(const double *x, const uint32_t *rx, size_t n, size_t n_runs_x,
	       const double *y, const uint32_t *ry, size_t m, size_t n_runs_y,
	       struct tb_ratio *out)
{
	memset(out, 0, sizeof(*out));
	out->lo = out->hi = out->lo90 = out->hi90 = NAN;
	double *lx, *ly;
	int kx, ky;
	int rc = run_log_medians(x, rx, n, n_runs_x, &lx, &kx);
	if (run_log_medians(y, ry, m, n_runs_y, &ly, &ky))
		rc = -EINVAL;
	out->runs_b = (size_t)kx;
	out->runs_c = (size_t)ky;
	if (!rc && kx >= TB_MIN_RUNS && ky >= TB_MIN_RUNS)
		welch(lx, kx, ly, ky, out);
	free(lx);
	free(ly);
	return rc;
}

int tb_units_ci(const struct tb_series *b, size_t n_runs_b, const struct tb_series *c,
		size_t n_runs_c, struct tb_ratio *out)
{
	size_t range_b, range_c;
	size_t boots_b = boots_of(b, &range_b), boots_c = boots_of(c, &range_c);
	int rc = tb_runs_ci(b->v, b->run, b->n, n_runs_b, c->v, c->run, c->n, n_runs_c, out);
	out->boots_b = boots_b;
	out->boots_c = boots_c;
	if (rc || boots_b < TB_MIN_BOOTS || boots_c < TB_MIN_BOOTS)
		return rc;
	double *lx, *ly;
	int kx, ky;
	rc = boot_log_summaries(b, n_runs_b, range_b, &lx, &kx);
	if (boot_log_summaries(c, n_runs_c, range_c, &ly, &ky))
		rc = -EINVAL;
	if (!rc) {
		welch(lx, kx, ly, ky, out);
		out->by_boot = true;
	}
	free(lx);
	free(ly);
	return rc;
}

int tb_self_ci(const struct tb_series *x, size_t n_runs_x, bool by_boot, struct tb_ratio *out)
{
	memset(out, 0, sizeof(*out));
	out->lo = out->hi = out->lo90 = out->hi90 = NAN;
	double *lx;
	int kx;
	size_t range;
	int rc = run_log_medians(x->v, x->run, x->n, n_runs_x, &lx, &kx);
	out->runs_b = out->runs_c = (size_t)kx;
	out->boots_b = out->boots_c = boots_of(x, &range);
	if (!rc && by_boot && out->boots_b >= TB_MIN_BOOTS) {
		free(lx);
		rc = boot_log_summaries(x, n_runs_x, range, &lx, &kx);
		out->by_boot = true;
	}
	if (!rc && kx >= (out->by_boot ? TB_MIN_BOOTS : TB_MIN_RUNS)) {
		double mx, vx;
		mean_var(lx, kx, &mx, &vx);
		out->base_med = out->cand_med = exp(mx);
		set_interval(out, 0, sqrt(vx / kx), (double)(kx - 1));
	}
	free(lx);
	return rc;
}

/* The power of the two-sided 5% test against a true log change d is about
 * P(T > t_0.975 - d/se): 80% when d = (t_0.975 + t_0.80) se, the usual sample-size formula
 * with t quantiles instead of normal ones, which few runs need. The caller passes the
 * fewest degrees of freedom Welch's test can have (runs of the smaller side - 1), not the
 * estimated ones: Welch's df is itself a noisy estimate, and with it the formula promised
 * 80% but gave 73-78% on simulated normal runs (3-6 a side) and 67-72% on the recorded ones;
 * with the fewest it gives 85-90% on normal runs, erring on the side of the promise. */
double tb_detectable_pct(double se_log, double df)
{
	if (!(df > 0) || !isfinite(se_log))
		return NAN;
	return (exp((tb_t_upper(0.025, df) + tb_t_upper(0.20, df)) * se_log) - 1) * 100;
}

double tb_overhead_pct(double ratio, bool higher_better)
{
	return higher_better ? (1.0 / ratio - 1.0) * 100.0 : (ratio - 1.0) * 100.0;
}

double tb_norm_perf(double ratio, bool higher_better)
{
	return higher_better ? ratio : 1.0 / ratio;
}

static void push(struct tb_cmp *c, size_t *cap, const struct tb_cmp_row *r)
{
	if (c->n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		c->rows = realloc(c->rows, *cap * sizeof(*c->rows));
		if (!c->rows)
			abort();
	}
	c->rows[c->n++] = *r;
}

uint64_t tb_series_seed(const struct tb_series *b)
{
	return tb_hash_str(tb_hash_str(tb_hash_str(TB_BOOT_SEED, b->bench), b->variant),
			   b->metric);
}

static void map_ci(bool hb, double lo, double hi, double *a, double *z)
{
	double p = tb_overhead_pct(lo, hb), q = tb_overhead_pct(hi, hb);
	*a = p < q ? p : q;
	*z = p < q ? q : p;
}

void tb_cmp_fill(struct tb_cmp_row *row, size_t runs_b, size_t runs_c, double margin_pct)
{
	const struct tb_series *b = row->b, *c = row->c;
	row->ov_lo = row->ov_hi = row->ov_lo90 = row->ov_hi90 = row->detect_pct = NAN;
	row->verdict = TB_VERDICT_NA;
	row->equiv = TB_EQUIV_NONE;
	struct tb_ratio runs;
	int rrc = tb_units_ci(b, runs_b, c, runs_c, &runs);
	if (rrc == 0 && runs.has_ci) {
		row->r = runs;
	} else {
		int brc = tb_ratio_ci(b->v, b->n, c->v, c->n, TB_BOOT_REPLICATES,
				      tb_series_seed(b), &row->r);
		row->r.runs_b = runs.runs_b;
		row->r.runs_c = runs.runs_c;
		row->r.boots_b = runs.boots_b;
		row->r.boots_c = runs.boots_c;
		/* A ratio of medians at or below 0 means nothing: of two negative medians it
		 * is positive, but the larger magnitude is the lower value, so "cand worse"
		 * would read as better. No ratio, and the reason says why. */
		if (brc || !(row->r.base_med > 0) || !(row->r.cand_med > 0)) {
			row->r.has_ci = false;
			row->verdict = TB_VERDICT_UNDETERMINED;
			snprintf(row->reason, sizeof(row->reason),
				 "a median is not above 0: no ratio");
			return;
		}
	}
	if (!isfinite(row->r.ratio) || row->r.ratio <= 0)
		return;
	row->ok = true;
	bool hb = strcmp(b->better, "higher") == 0;
	row->overhead = tb_overhead_pct(row->r.ratio, hb);
	if (row->r.has_ci && row->r.lo > 0)
		map_ci(hb, row->r.lo, row->r.hi, &row->ov_lo, &row->ov_hi);
	bool margin = !isnan(margin_pct);
	if (row->r.method != TB_CI_RUNS) {
		row->verdict = TB_VERDICT_UNDETERMINED;
		row->equiv = margin ? TB_EQUIV_UNDETERMINED : TB_EQUIV_NONE;
		if (rrc)
			snprintf(row->reason, sizeof(row->reason),
				 "a run's median is not above 0: no interval between runs");
		else
			snprintf(row->reason, sizeof(row->reason),
				 "%zu/%zu runs, need %d a side (tinyben run --runs)",
				 row->r.runs_b, row->r.runs_c, TB_MIN_RUNS);
		return;
	}
	/* The detectable change follows the unit: boots - 1 degrees of freedom for boots. */
	size_t fewest = row->r.by_boot
		? (row->r.boots_b < row->r.boots_c ? row->r.boots_b : row->r.boots_c)
		: (row->r.runs_b < row->r.runs_c ? row->r.runs_b : row->r.runs_c);
	row->detect_pct = tb_detectable_pct(row->r.se_log, (double)fewest - 1);
	row->significant = row->r.lo > 1.0 || row->r.hi < 1.0;
	row->verdict = row->significant ? TB_VERDICT_YES : TB_VERDICT_NO;
	map_ci(hb, row->r.lo90, row->r.hi90, &row->ov_lo90, &row->ov_hi90);
	if (margin) {
		/* Two one-sided tests at 5% each = the 90% interval inside the band; the
		 * whole 90% interval outside it: the change exceeds the margin. */
		if (row->ov_lo90 > -margin_pct && row->ov_hi90 < margin_pct)
			row->equiv = TB_EQUIV_EQUIVALENT;
		else if (row->ov_lo90 >= margin_pct || row->ov_hi90 <= -margin_pct)
			row->equiv = TB_EQUIV_DIFFERENT;
		else
			row->equiv = TB_EQUIV_UNDETERMINED;
	}
}

int tb_compare(const struct tb_side *base, const struct tb_side *cand,
	       const struct tb_cmp_opts *o, struct tb_cmp *out)
{
	size_t cap = 0;
	memset(out, 0, sizeof(*out));
	out->margin_pct = o ? o->margin_pct : NAN;
	out->boots_b = base->n_runs_no_boot ? 0 : base->n_boots;
	out->boots_c = cand->n_runs_no_boot ? 0 : cand->n_boots;
	for (size_t i = 0; i < base->n; i++) {
		if (tb_interrupted())
			return -EINTR;
		if (o && o->progress)
			tb_progress_tick(o->progress, "comparing metric %zu of %zu", i + 1, base->n);
		struct tb_cmp_row row = { .b = &base->s[i] };
		row.c = tb_side_find(cand, row.b->bench, row.b->variant, row.b->metric);
		if (!row.c)
			row.kind = TB_CMP_BASE_ONLY;
		else if (strcmp(row.b->unit, row.c->unit) != 0 ||
			 strcmp(row.b->better, row.c->better) != 0 || row.b->unit_mixed ||
			 row.c->unit_mixed)
			row.kind = TB_CMP_UNIT_MISMATCH;
		else
			tb_cmp_fill(&row, base->n_runs, cand->n_runs, out->margin_pct);
		if (row.ok && row.r.method == TB_CI_RUNS)
			*(row.r.by_boot ? &out->n_by_boot : &out->n_by_run) += 1;
		push(out, &cap, &row);
	}
	for (size_t i = 0; i < cand->n; i++) {
		const struct tb_series *c = &cand->s[i];
		if (tb_side_find(base, c->bench, c->variant, c->metric))
			continue;
		struct tb_cmp_row row = { .kind = TB_CMP_CAND_ONLY, .c = c };
		push(out, &cap, &row);
	}
	return 0;
}

static void boots_said(size_t b, size_t c, char *buf, size_t len)
{
	if (!b || !c)
		snprintf(buf, len, "boots not recorded on %s: files before boot_id",
			 !b && !c ? "either side" : !b ? "base" : "cand");
	else if (b == c)
		snprintf(buf, len, "%zu boot%s a side", b, b == 1 ? "" : "s");
	else
		snprintf(buf, len, "%zu/%zu boots", b, c);
}

void tb_cmp_unit_line(const struct tb_cmp *c, char *buf, size_t len)
{
	char boots[96];
	boots_said(c->boots_b, c->boots_c, boots, sizeof(boots));
	if (c->n_by_boot && !c->n_by_run)
		snprintf(buf, len, "unit: boot (%s): intervals and verdicts from the spread "
			 "between boots, variation between guests included", boots);
	else if (c->n_by_boot)
		snprintf(buf, len, "unit: boot where a metric has %d boots a side, else run "
			 "(%s): verdicts marked (run) leave the variation between guests out",
			 TB_MIN_BOOTS, boots);
	else
		snprintf(buf, len, "unit: run (%s): variation between guests not included; a "
			 "guest-level verdict needs %d boots a side", boots, TB_MIN_BOOTS);
}

const char *tb_verdict_name(enum tb_verdict v)
{
	switch (v) {
	case TB_VERDICT_YES: return "yes";
	case TB_VERDICT_NO: return "no";
	case TB_VERDICT_UNDETERMINED: return "undetermined";
	default: return "n/a";
	}
}

const char *tb_equiv_name(enum tb_equiv e)
{
	switch (e) {
	case TB_EQUIV_EQUIVALENT: return "equivalent";
	case TB_EQUIV_DIFFERENT: return "different";
	case TB_EQUIV_UNDETERMINED: return "undetermined";
	default: return "";
	}
}

const char *tb_ci_method_name(enum tb_ci_method m)
{
	switch (m) {
	case TB_CI_RUNS: return "between runs";
	case TB_CI_BOOT: return "within runs (bootstrap)";
	case TB_CI_ORDER: return "within runs (order statistics)";
	default: return "none";
	}
}

void tb_cmp_free(struct tb_cmp *c)
{
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

int tb_cmp_shared_option(int id, const char *value, struct tb_read_opts *ro,
			 double *margin_pct)
{
	if (id == 'T') {
		ro->allow_truncated = true;
		return 0;
	}
	if (tb_parse_double(value, 0, 100, margin_pct) == 0 && *margin_pct > 0 &&
	    *margin_pct < 100)
		return 0;
	tb_error("%s: --margin '%s': expected a percentage above 0 and below 100 (e.g. 2 for "
		 "+-2%%)", ro->verb, value);
	return -1;
}
