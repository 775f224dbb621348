/* Ratio of medians and its bootstrap CI; overhead; the rows of a comparison. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/stats.h"
#include "report/cmpstats.h"

/* Why a bootstrap of medians: samples of one benchmark are few (3-10), often skewed by
 * the shared machine's noise (a slow outlier), so the median is the robust figure and
 * the Student-t interval of the mean (tb_summarize) fits neither. The percentile
 * bootstrap of median(cand*)/median(base*) needs no distribution, handles two
 * independent samples of different sizes, and with a fixed seed gives the same interval
 * on every run. Caveat (said in the output): with fewer than ~5 samples a side the
 * bootstrap distribution has few distinct values and the interval is optimistic. */

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

/* denom_fixed: when not NAN, the denominator is this fixed value instead of a resampled
 * base median (the CI of one median relative to itself). */
static int boot(const double *x, size_t n, const double *y, size_t m, int B, uint64_t seed,
		double denom_fixed, struct tb_ratio *out)
{
	memset(out, 0, sizeof(*out));
	out->lo = out->hi = NAN;
	if (n == 0 || m == 0)
		return -EINVAL;
	out->base_med = tb_median(x, n);
	out->cand_med = tb_median(y, m);
	if (!isfinite(out->base_med) || out->base_med == 0)
		return -EINVAL;
	out->ratio = out->cand_med / out->base_med;
	if (n < 2 || m < 2 || B < 2)
		return 0;
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

static void fill(struct tb_cmp_row *row)
{
	const struct tb_series *b = row->b, *c = row->c;
	uint64_t seed = tb_hash_str(tb_hash_str(tb_hash_str(TB_BOOT_SEED, b->bench), b->variant),
				    b->metric);
	row->ov_lo = row->ov_hi = NAN;
	if (tb_ratio_ci(b->v, b->n, c->v, c->n, TB_BOOT_REPLICATES, seed, &row->r) != 0 ||
	    !isfinite(row->r.ratio) || row->r.ratio <= 0)
		return;
	row->ok = true;
	bool hb = strcmp(b->better, "higher") == 0;
	row->overhead = tb_overhead_pct(row->r.ratio, hb);
	if (row->r.has_ci && row->r.lo > 0) {
		double a = tb_overhead_pct(row->r.lo, hb), z = tb_overhead_pct(row->r.hi, hb);
		row->ov_lo = a < z ? a : z;
		row->ov_hi = a < z ? z : a;
		row->significant = row->r.lo > 1.0 || row->r.hi < 1.0;
	}
}

void tb_compare(const struct tb_side *base, const struct tb_side *cand, struct tb_cmp *out)
{
	size_t cap = 0;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < base->n; i++) {
		struct tb_cmp_row row = { .b = &base->s[i] };
		row.c = tb_side_find(cand, row.b->bench, row.b->variant, row.b->metric);
		if (!row.c)
			row.kind = TB_CMP_BASE_ONLY;
		else if (strcmp(row.b->unit, row.c->unit) != 0 ||
			 strcmp(row.b->better, row.c->better) != 0 || row.b->unit_mixed ||
			 row.c->unit_mixed)
			row.kind = TB_CMP_UNIT_MISMATCH;
		else
			fill(&row);
		push(out, &cap, &row);
	}
	for (size_t i = 0; i < cand->n; i++) {
		const struct tb_series *c = &cand->s[i];
		if (tb_side_find(base, c->bench, c->variant, c->metric))
			continue;
		struct tb_cmp_row row = { .kind = TB_CMP_CAND_ONLY, .c = c };
		push(out, &cap, &row);
	}
}

void tb_cmp_free(struct tb_cmp *c)
{
	free(c->rows);
	memset(c, 0, sizeof(*c));
}
