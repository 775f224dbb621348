/* The runner's side of struct tb_ctx (benchmarks see only tinyben/ctx.h). */
#ifndef TB_CORE_CTX_IMPL_H
#define TB_CORE_CTX_IMPL_H

#include <stdio.h>

#include "tinyben/ctx.h"
#include "env.h"
#include "sink.h"

/* One --set BENCH.KEY=VALUE. */
struct tb_override {
	const struct tb_bench *bench;
	const struct tb_option *option;
	const char *value;
};

/* A sample kept for the summary on stderr. */
struct tb_kept {
	const char *bench;          /* the descriptor's: lives as long as the run */
	const struct tb_metric *metric;
	char *variant;              /* shared by consecutive samples of a variant */
	bool owns_variant;
	double value;
};

struct tb_ctx {
	struct tb_settings settings;
	struct tb_env env;
	struct tb_sink sink;
	bool progress;
	char *tags;                  /* " tag.k=v" ... appended to every detail, or NULL */

	const struct tb_override *overrides;
	size_t n_overrides;
	const char *const *patterns; /* -b, split at commas */
	size_t n_patterns;
	uint64_t shuffle_seed;        /* run --runs: order of benchmarks and variants (runs.c), 0: as listed */

	/* Current benchmark, its options (tb_opts) and variant. */
	const struct tb_bench *bench;
	char group[32];
	void *opts;
	const char *variant;
	bool variant_reported_failure;
	long long swiotlb_mark;      /* io benchmarks: swiotlb high-water + 1 before it ran,
					0: none (bounce.c) */
	char *setup_reason;          /* tb_setup_skip / tb_setup_fail */

	struct tb_timing *timings[TB_TIMING_SLOTS]; /* tb_timings(), settings.reps each */

	struct tb_kept *kept;
	size_t n_kept, cap_kept;
	int n_failed, n_skipped, n_ok;
};

/* Writes the rows so far, whole, fdatasync'ed when durable; false once the output failed. */
bool tb_ctx_flush(struct tb_ctx *ctx, bool durable);
/* Makes bench the current benchmark and fills its options struct. */
void tb_ctx_set_bench(struct tb_ctx *ctx, const struct tb_bench *bench);
/* The text of an option's value in this run: --set, else its --quick value, else its default. */
const char *tb_option_value(const struct tb_ctx *ctx, const struct tb_option *o);
/* Validates an option value against its declaration; message into err on failure. */
int tb_option_check(const struct tb_option *opt, const char *value, char *err, size_t errlen);
void tb_summary_print(const struct tb_ctx *ctx, FILE *f);
/* Frees the samples kept for the summary. */
void tb_kept_free(struct tb_ctx *ctx);
/* Allocates (0) or frees the sample storage for settings.reps; -ENOMEM when it cannot. */
int tb_ctx_timings_alloc(struct tb_ctx *ctx);
void tb_ctx_timings_free(struct tb_ctx *ctx);

#endif
