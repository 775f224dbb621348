/* Statistics of a comparison: ratio of medians, its bootstrap 95% CI, overhead, significance. */
#ifndef TB_REPORT_CMPSTATS_H
#define TB_REPORT_CMPSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/table.h"

#define TB_BOOT_REPLICATES 10000
#define TB_BOOT_SEED 0x74696e7962656e31ULL /* "tinyben1": fixed, so reports are reproducible */
/* Above this many samples a side, the within-run interval of a median comes from order
 * statistics instead of the bootstrap: same answer for large samples, at the cost of one
 * sort instead of 10000 resamples of a million values. */
#define TB_BOOT_MAX_N 500
/* Runs a side needed for a verdict: with two, Welch's interval has about one degree of
 * freedom (t = 12.7) and can say nothing; three is the least that can. */
#define TB_MIN_RUNS 3
/* Boots a side needed to make the boot the unit (the same reasoning: 3 is the least). */
#define TB_MIN_BOOTS 3

/* How an interval was obtained. */
enum tb_ci_method {
	TB_CI_NONE,     /* fewer than 2 samples a side */
	TB_CI_RUNS,     /* between runs: Welch t on the log of each run's median */
	TB_CI_BOOT,     /* within runs: percentile bootstrap of the pooled samples */
	TB_CI_ORDER,    /* within runs: order-statistic standard errors of the medians */
};

/* Ratio cand/base of the sides' centres with its 95% (and 90%) interval. */
struct tb_ratio {
	double base_med, cand_med, ratio;
	double lo, hi;       /* 95%; NAN when there is no interval */
	double lo90, hi90;   /* 90% (two one-sided 5% tests for --margin); NAN unless runs */
	bool has_ci;
	enum tb_ci_method method;
	double df;           /* Welch degrees of freedom (TB_CI_RUNS) */
	double se_log;       /* standard error of the log ratio between runs (TB_CI_RUNS) */
	size_t runs_b, runs_c;  /* runs with samples of this metric */
	/* The unit of replication: boots when every run of both sides carries a boot_id and
	 * each side has TB_MIN_BOOTS boots of this metric (interval, df, se_log and the
	 * centres are then between boots), runs otherwise. */
	bool by_boot;
	size_t boots_b, boots_c;  /* distinct boots with samples (0: a run without boot_id) */
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
/* The bootstrap seed of a series: TB_BOOT_SEED hashed with its bench, variant and metric,
 * so that the comparison and the report draw the same resamples. */
uint64_t tb_series_seed(const struct tb_series *s);

/* Within-run interval of the pooled samples. x: base samples (n), y: candidate samples
 * (m). Up to TB_BOOT_MAX_N a side: B bootstrap replicates, seed fixed by the caller;
 * beyond: order statistics. Returns 0, or -EINVAL (n or m is 0, or the base median is 0
 * or not finite). */
int tb_ratio_ci(const double *x, size_t n, const double *y, size_t m, int B, uint64_t seed,
		struct tb_ratio *out);

/* The CI of one median relative to itself (the base bar of a report). */
int tb_median_ci(const double *x, size_t n, int B, uint64_t seed, struct tb_ratio *out);

/* Between-run interval: each run's median (x with run index rx, n_runs_x runs on its
 * side), then Welch's t interval of the difference of the mean logs. Returns 0 (out->
 * has_ci when both sides have TB_MIN_RUNS runs), or -EINVAL (a median is not > 0). */
int tb_runs_ci(const double *x, const uint32_t *rx, size_t n, size_t n_runs_x,
	       const double *y, const uint32_t *ry, size_t m, size_t n_runs_y,
	       struct tb_ratio *out);
/* The interval of a row: between boots when both series have TB_MIN_BOOTS boots and every
 * sample a boot (out->by_boot), else tb_runs_ci. n_runs_*: the runs of each side. */
int tb_units_ci(const struct tb_series *b, size_t n_runs_b, const struct tb_series *c,
		size_t n_runs_c, struct tb_ratio *out);
/* The same for one series against its own centre (a point of a report's latency curve):
 * between boots when by_boot (the unit its comparison took) and it has TB_MIN_BOOTS boots,
 * else between runs. */
int tb_self_ci(const struct tb_series *x, size_t n_runs_x, bool by_boot, struct tb_ratio *out);

/* The smallest change (percent) that runs with this standard error of the log ratio and
 * these degrees of freedom find 4 times in 5 (two-sided 5% test, 80% power); compare
 * passes the fewest df Welch's test can have, runs of the smaller side - 1. */
double tb_detectable_pct(double se_log, double df);

/* Overhead in percent, positive = cand worse: the extra time cand needs for the same work.
 * lower-is-better (time, latency): (ratio - 1) * 100; higher-is-better (throughput):
 * (1/ratio - 1) * 100. Monotone in ratio, so the CI maps end to end. */
double tb_overhead_pct(double ratio, bool higher_better);

/* Performance of cand relative to base, higher = better (what the bar plots show). */
double tb_norm_perf(double ratio, bool higher_better);

/* One line of a comparison. */
enum tb_cmp_kind { TB_CMP_BOTH, TB_CMP_BASE_ONLY, TB_CMP_CAND_ONLY, TB_CMP_UNIT_MISMATCH };

/* Is there a difference? Only said from runs; undetermined with too few of them. */
enum tb_verdict { TB_VERDICT_NA, TB_VERDICT_YES, TB_VERDICT_NO, TB_VERDICT_UNDETERMINED };
/* Equivalence within --margin (none when no margin was given). */
enum tb_equiv { TB_EQUIV_NONE, TB_EQUIV_EQUIVALENT, TB_EQUIV_DIFFERENT,
		TB_EQUIV_UNDETERMINED };

struct tb_cmp_row {
	enum tb_cmp_kind kind;
	const struct tb_series *b, *c;  /* NULL on the missing side */
	struct tb_ratio r;
	bool ok;                         /* r is valid (kind BOTH and medians usable) */
	double overhead, ov_lo, ov_hi;   /* percent; ov_* NAN without CI */
	double ov_lo90, ov_hi90;         /* percent, 90%: NAN unless between runs */
	double detect_pct;               /* smallest change found 4 times in 5: NAN unless
					  * between runs */
	bool significant;                /* verdict is yes */
	enum tb_verdict verdict;
	enum tb_equiv equiv;
	char reason[96];                 /* why undetermined */
};

struct tb_cmp {
	struct tb_cmp_row *rows;
	size_t n;
	double margin_pct;               /* NAN: no equivalence verdict */
	/* The unit of replication (tb_cmp_unit_line says it): boots of each side (0 when a
	 * run has no boot_id), and how many rows with an interval had each unit. */
	size_t boots_b, boots_c;
	size_t n_by_boot, n_by_run;
};

/* One line for the header: "unit: boot (3/4 boots)" or "unit: run (1 boot a side):
 * variation between guests not included; a guest-level verdict needs 3 boots a side". */
void tb_cmp_unit_line(const struct tb_cmp *c, char *buf, size_t len);

struct tb_progress;
struct tb_cmp_opts {
	double margin_pct;               /* NAN: none */
	struct tb_progress *progress;    /* optional */
};

/* The options compare and report share, at the end of both option tables. */
#define TB_CMP_SHARED_OPTIONS                                                         \
	{ .name = "margin", .value = true, .id = 'm' }, { .name = "allow-truncated", .id = 'T' }
/* Takes one of them: --margin PCT (a percentage above 0 and below 100) into *margin_pct,
 * --allow-truncated into ro. Returns 0, or -1 after one line for ro->verb (a bad PCT). */
int tb_cmp_shared_option(int id, const char *value, struct tb_read_opts *ro,
			 double *margin_pct);

/* Every series of base (in order), then those only in cand. Returns 0, or -EINTR when
 * SIGINT/SIGTERM arrived (out is then complete but not meaningful: free it). */
int tb_compare(const struct tb_side *base, const struct tb_side *cand,
	       const struct tb_cmp_opts *o, struct tb_cmp *out);
void tb_cmp_free(struct tb_cmp *c);

/* Fills the statistics of a TB_CMP_BOTH row (row->b, row->c set); runs_b/runs_c: the
 * number of runs of each side (the range of the series' run indices). */
void tb_cmp_fill(struct tb_cmp_row *row, size_t runs_b, size_t runs_c, double margin_pct);

const char *tb_verdict_name(enum tb_verdict v);
const char *tb_equiv_name(enum tb_equiv e);
const char *tb_ci_method_name(enum tb_ci_method m);

#endif
