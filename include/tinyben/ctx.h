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
void tb_skip(struct tb_ctx *ctx, const char *variant, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tb_fail(struct tb_ctx *ctx, const char *variant, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

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

/* True once SIGINT/SIGTERM arrived: long loops check it and return -EINTR. */
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
 * (tb_interrupted() is then true: emit those samples, then return -EINTR), or the
 * kernel's failure (a negative errno, kernel returned < 0). */
struct tb_timing {
	uint64_t iters;
	double seconds;
};
typedef int (*tb_kernel_fn)(void *arg, uint64_t iters);

/* The runner's repetition loop for a benchmark whose repetition is a fixed amount of work
 * (sqlite, firsttouch, redis, page faults) or a fixed duration (io.uring's jobs), where the
 * calibrated loop above does not apply. rep 0 is the warm-up when plan->warmup (never
 * recorded); reps 1..settings->reps are measured. Per repetition:
 *   prepare(arg, rep)  untimed set-up (optional); < 0 stops the loop with that error
 *   measure(arg, rep)  the repetition itself; 0 or a negative errno
 *   finish(arg, rep)   untimed clean-up, whenever prepare succeeded (optional)
 *   record(arg, rep)   writes the samples of a repetition that completed
 * A repetition during which SIGINT/SIGTERM arrived is cut short and never recorded: the
 * loop returns -EINTR at once. Returns 0, -EINTR, or the first error (rows so far kept). */
struct tb_rep_plan {
	bool warmup;
	int (*prepare)(void *arg, int rep);
	int (*measure)(void *arg, int rep);
	void (*finish)(void *arg, int rep);
	void (*record)(void *arg, int rep);
};
int tb_reps_run(struct tb_ctx *ctx, const struct tb_rep_plan *plan, void *arg);

/* The runner's sample storage, on the heap and sized by -r (up to 1,000,000): slot 0 and
 * slot 1 each hold settings->reps timings, valid for the current variant (two slots for a
 * benchmark that times two operations per variant, e.g. compress and decompress). */
#define TB_TIMING_SLOTS 2
struct tb_timing *tb_timings(struct tb_ctx *ctx, int slot);
int tb_time_reps(struct tb_ctx *ctx, tb_kernel_fn kernel, void *arg, struct tb_timing *out);

#endif
