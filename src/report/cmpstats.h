/* Statistics of a comparison: ratio of medians, its bootstrap 95% CI, overhead, significance. */
#ifndef TB_REPORT_CMPSTATS_H
#define TB_REPORT_CMPSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/table.h"

#define TB_BOOT_REPLICATES 10000
#define TB_BOOT_SEED 0x74696e7962656e31ULL /* "tinyben1": fixed, so reports are reproducible */

/* Ratio cand/base of medians with its 95% percentile-bootstrap interval. */
struct tb_ratio {
	double base_med, cand_med, ratio;
	double lo, hi;       /* NAN when there is no interval (fewer than 2 samples a side) */
	bool has_ci;
};

/* Deterministic PRNG (splitmix64, Steele et al. 2014): tiny, and passes BigCrush. */
static inline uint64_t tb_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* FNV-1a of a string, to give every series its own (still fixed) bootstrap stream. */
uint64_t tb_hash_str(uint64_t h, const char *s);

/* x: base samples (n), y: candidate samples (m). B bootstrap replicates, seed fixed by the
 * caller. Returns 0, or -EINVAL (n or m is 0, or the base median is 0 or not finite). */
int tb_ratio_ci(const double *x, size_t n, const double *y, size_t m, int B, uint64_t seed,
		struct tb_ratio *out);

/* The CI of one median relative to itself (the base bar of a report). */
int tb_median_ci(const double *x, size_t n, int B, uint64_t seed, struct tb_ratio *out);

/* Overhead in percent, positive = cand worse: the extra time cand needs for the same work.
 * lower-is-better (time, latency): (ratio - 1) * 100; higher-is-better (throughput):
 * (1/ratio - 1) * 100. Monotone in ratio, so the CI maps end to end. */
double tb_overhead_pct(double ratio, bool higher_better);

/* Performance of cand relative to base, higher = better (what the bar plots show). */
double tb_norm_perf(double ratio, bool higher_better);

/* One line of a comparison. */
enum tb_cmp_kind { TB_CMP_BOTH, TB_CMP_BASE_ONLY, TB_CMP_CAND_ONLY, TB_CMP_UNIT_MISMATCH };

struct tb_cmp_row {
	enum tb_cmp_kind kind;
	const struct tb_series *b, *c;  /* NULL on the missing side */
	struct tb_ratio r;
	bool ok;                         /* r is valid (kind BOTH and medians usable) */
	double overhead, ov_lo, ov_hi;   /* percent; ov_* NAN without CI */
	bool significant;                /* the CI of the ratio excludes 1 */
};

struct tb_cmp {
	struct tb_cmp_row *rows;
	size_t n;
};

/* Every series of base (in order), then those only in cand. */
void tb_compare(const struct tb_side *base, const struct tb_side *cand, struct tb_cmp *out);
void tb_cmp_free(struct tb_cmp *c);

#endif
