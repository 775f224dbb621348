/* Log-linear histogram: bucket = (exponent, top 7 bits of the mantissa). */
#include <string.h>

#include "tinyben/hist.h"

static unsigned bucket_of(uint64_t v)
{
	if (v < 256)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= 8 */
	unsigned sub = (unsigned)(v >> (e - TB_HIST_SUB_BITS)) & ((1u << TB_HIST_SUB_BITS) - 1);
	return 256 + (e - 8) * 128 + sub;
}

/* [lo, hi) of bucket b. */
static void bucket_range(unsigned b, double *lo, double *hi)
{
	if (b < 256) {
		*lo = b;
		*hi = b + 1;
		return;
	}
	unsigned e = (b - 256) / 128 + 8, sub = (b - 256) % 128;
	double width = (double)(1ull << (e - TB_HIST_SUB_BITS));
	*lo = (double)(1ull << e) + sub * width;
	*hi = *lo + width;
}

void tb_hist_init(struct tb_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void tb_hist_add(struct tb_hist *h, uint64_t v)
{
	h->buckets[bucket_of(v)]++;
	h->count++;
	h->sum += (double)v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void tb_hist_merge(struct tb_hist *into, const struct tb_hist *from)
{
	for (unsigned i = 0; i < TB_HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
	into->count += from->count;
	into->sum += from->sum;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}

double tb_hist_quantile(const struct tb_hist *h, double q)
{
	if (h->count == 0)
		return 0;
	if (q <= 0)
		return (double)h->min;
	if (q >= 1)
		return (double)h->max;
	/* The rank-th smallest sample, rank = ceil(q * count), as HdrHistogram counts it. */
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < TB_HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank) {
			double lo, hi;
			bucket_range(b, &lo, &hi);
			double mid = b < 256 ? lo : (lo + hi) / 2;
			if (mid < (double)h->min)
				mid = (double)h->min;
			if (mid > (double)h->max)
				mid = (double)h->max;
			return mid;
		}
	}
	return (double)h->max;
}

double tb_hist_mean(const struct tb_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0;
}
