/* What a running benchmark can ask of the runner: options, run settings, timing, samples. */
#ifndef TINYBEN_CTX_H
#define TINYBEN_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tinyben/bench.h"

#define TB_MAX_THREAD_COUNTS 16

/* Settings of one `tinyben run`, read-only for benchmarks. */
struct tb_settings {
	bool quick;
	int reps;                 /* measured repetitions (default 5, --quick 3) */
	double min_time;          /* seconds one calibrated repetition lasts at least */
	const char *dir;          /* where I/O benchmarks create their files */
	int thread_counts[TB_MAX_THREAD_COUNTS]; /* --threads 1,2,all; {1} by default */
	int n_thread_counts;
	bool threads_given;       /* the user asked for --threads */
};

struct tb_ctx;
struct tb_hist;

const struct tb_settings *tb_settings(const struct tb_ctx *ctx);
const struct tb_bench *tb_current_bench(const struct tb_ctx *ctx);

/* The options struct of the current benchmark (opts_size bytes), filled from defaults,
 * --quick values and --set before planned() and setup(); read-only. */
const void *tb_opts(const struct tb_ctx *ctx);
#define TB_OPTS(ctx, type) ((const type *)tb_opts(ctx))

/* One sample: a row of the CSV. m is an entry of the benchmark's metrics table (its name,
 * unit and direction go in the row); `rep` is 1-based; detail may be NULL. */
void tb_emit(struct tb_ctx *ctx, const char *variant, const struct tb_metric *m, int rep,
	     double value, const char *detail);

/* A row with status "skipped" or "failed" and the reason in detail (printf format). */
void tb_status_row(struct tb_ctx *ctx, const char *variant, bool failed, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define tb_skip(ctx, variant, ...) tb_status_row(ctx, variant, false, __VA_ARGS__)
#define tb_fail(ctx, variant, ...) tb_status_row(ctx, variant, true, __VA_ARGS__)

/* What setup returns when no selected variant can run (no server to start, an unreadable
 * input): the runner writes the reason on a skipped (or failed) row of every selected
 * variant, runs none of them, and still calls teardown. */
#define TB_SETUP_SKIPPED 1
#define TB_SETUP_FAILED 2
int tb_setup_status(struct tb_ctx *ctx, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define tb_setup_skip(ctx, ...) tb_setup_status(ctx, TB_SETUP_SKIPPED, __VA_ARGS__)
#define tb_setup_fail(ctx, ...) tb_setup_status(ctx, TB_SETUP_FAILED, __VA_ARGS__)

/* A teardown for a state that is one malloc'd block. */
void tb_free_state(struct tb_ctx *ctx, void *state);

/* The one free-memory check of every benchmark: true when `bytes` fit in the memory
 * available now (MemAvailable, else free + buffers; the cgroup's memory limit less its
 * usage; RLIMIT_AS and RLIMIT_DATA less what is mapped); otherwise writes the skipped row
 * of variant ("needs N MiB, only M MiB available: cgroup memory.max ...") and returns
 * false. tb_memory_fits is the same check without a row, for memory a benchmark needs
 * before its variants (a shared input in setup): *why gets the reason. */
bool tb_memory_check(struct tb_ctx *ctx, const char *variant, uint64_t bytes);
bool tb_memory_fits(uint64_t bytes, char *why, size_t why_len);

/* True once SIGINT/SIGTERM arrived: long loops check it and return -EINTR (the runner
 * checks it after every variant: a run() need not). */
bool tb_interrupted(void);

/* Progress line on stderr (never on stdout). */
void tb_progress(struct tb_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The shared calibration loop (lz4 bench.c / tinymembench style).
 * kernel(arg, iters) performs `iters` iterations of the measured operation.
 * Calibration doubles iters until one call lasts >= --min-time (times the descriptor's
 * time_share; those calls are the warm-up), then one more warm-up call, then
 * settings->reps measured calls.
 * out[i] receives iterations and seconds of repetition i (0-based).
 * Returns the number of repetitions measured: all of them, or fewer when interrupted
 * (tb_interrupted() is then true), or the kernel's failure (a negative errno, kernel
 * returned < 0). */
struct tb_timing {
	uint64_t iters;
	double seconds;
};

/* What a variant's repetitions did besides their iterations and seconds: the runner derives
 * every metric of the table whose `how` is not TB_EMITTED from it (bench.h, enum
 * tb_derive), one row each per repetition. */
struct tb_work {
	double bytes;          /* bytes one iteration of one thread moves */
	double ops;            /* operations in one iteration of one thread; 0 means 1 */
	double offset_s;       /* TB_TIME_PER_OP: seconds per operation subtracted (an empty loop) */
	double value;          /* TB_VALUE */
	const struct tb_hist *hist; /* TB_HIST_*: latencies in ns (of the repetition) */
	const char *detail;    /* the benchmark's own facts, or NULL */
};

/* Writes the derived rows of t[0..measured) of one phase. The runner's facts lead the
 * detail, with one set of keys for every benchmark: iterations=N, and for a benchmark that
 * scales threads=N and the pinning (cpus=0,1 or pinned=no); then the benchmark's detail,
 * then the options' values (NAME=VALUE). threads is 0 for the default run. */
void tb_emit_reps(struct tb_ctx *ctx, const char *variant, int phase, const struct tb_timing *t,
		  int measured, int threads, const char *pinning, const struct tb_work *w);
/* The same for one repetition rep (1-based) of a fixed-work plan: t->iters 0 means one
 * repetition of fixed work (no iterations= in detail). */
void tb_emit_rep(struct tb_ctx *ctx, const char *variant, int phase, int rep,
		 const struct tb_timing *t, int threads, const char *pinning,
		 const struct tb_work *w);

/* The calibrated plan of one thread: tb_time_reps(kernel, arg), then tb_emit_reps of what
 * it measured. Returns 0, or the kernel's negative errno. */
int tb_calibrated(struct tb_ctx *ctx, const char *variant, tb_kernel_fn kernel, void *arg,
		  const struct tb_work *w);

/* The runner's repetition loop for a benchmark whose repetition is a fixed amount of work
 * (sqlite, firsttouch, redis, page faults) or a fixed duration (io.uring's jobs), where the
 * calibrated loop above does not apply. rep 0 is the warm-up when plan->warmup (never
 * recorded); reps 1..settings->reps are measured. Per repetition:
 *   prepare(arg, rep)  untimed set-up (optional); < 0 stops the loop with that error
 *   measure(arg, rep)  the repetition itself, timed by the runner; 0 or a negative errno
 *   finish(arg, rep)   untimed clean-up, whenever prepare succeeded (optional)
 *   record(arg, rep, seconds)  writes the samples of a repetition that completed; seconds
 *                      is measure's wall time (the sum of its rounds, below). Optional:
 *                      without it the runner writes the derived metrics of `work` (one
 *                      repetition = one operation unless work.ops says how many).
 * With plan->min_time_rounds, one repetition is as many rounds of prepare, measure and
 * finish as it takes for the measured seconds to reach --min-time (page faults: one round
 * is one fresh mapping). With plan->warmup_share (0 < share <= 1), measure is told the
 * share of the work the warm-up does through tb_rep_share() (io.redis: a tenth).
 * A repetition during which SIGINT/SIGTERM arrived is cut short and never recorded: the
 * loop returns -EINTR at once. Returns 0, -EINTR, or the first error (rows so far kept). */
struct tb_rep_plan {
	bool warmup;
	bool min_time_rounds;
	double warmup_share;
	int (*prepare)(void *arg, int rep);
	int (*measure)(void *arg, int rep);
	void (*finish)(void *arg, int rep);
	void (*record)(void *arg, int rep, double seconds);
	const char *variant;   /* without record: the rows' variant and what a repetition did */
	struct tb_work work;
};
int tb_reps_run(struct tb_ctx *ctx, const struct tb_rep_plan *plan, void *arg);
/* The share of the full work this repetition does: plan->warmup_share in the warm-up (rep 0),
 * else 1. */
double tb_rep_share(const struct tb_rep_plan *plan, int rep);

/* The runner's sample storage, on the heap and sized by -r (up to 1,000,000): slot 0 and
 * slot 1 each hold settings->reps timings, valid for the current variant (two slots for a
 * benchmark that times two operations per variant, e.g. compress and decompress). */
#define TB_TIMING_SLOTS 2
struct tb_timing *tb_timings(struct tb_ctx *ctx, int slot);
int tb_time_reps(struct tb_ctx *ctx, tb_kernel_fn kernel, void *arg, struct tb_timing *out);

#endif
