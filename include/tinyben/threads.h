/* A team of pinned worker threads that start together, for aggregate-throughput runs. */
#ifndef TINYBEN_THREADS_H
#define TINYBEN_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tinyben/ctx.h"

struct tb_team;

/* Worker: index in [0, n). Returns 0 or a negative errno. */
typedef int (*tb_worker_fn)(struct tb_team *team, int index, void *arg);

/* Runs worker on n threads, thread i pinned to the i-th CPU this process may use
 * (wrapping around when n exceeds them). Writes the pinning ("cpus=0,1,2,3") into
 * pinning when not NULL. Returns the first worker error, or 0. n == 1 runs on the
 * calling thread, pinned too. */
int tb_team_run(int n, tb_worker_fn worker, void *arg, char *pinning, size_t pinning_len);

/* All n workers wait here until each has arrived (reusable). */
void tb_team_barrier(struct tb_team *team);
int tb_team_size(const struct tb_team *team);

/* A team for tb_team_time: thread i runs kernel(args[i], iters) on its own data.
 * prepare(args[i]) (optional) runs first on thread i, already pinned, so its buffers are
 * allocated and first touched by the CPU that uses them (local NUMA node, no fault while
 * timing). */
struct tb_team_spec {
	int n;
	tb_kernel_fn kernel;
	void **args;
	int (*prepare)(void *arg);
};

/* The runner's calibrated loop (tb_time_reps) over the whole team: every timed call starts
 * all n threads at a barrier and ends when the slowest has done its iterations, so
 * out[r].seconds is the team's wall time and n * work * iters / seconds the aggregate
 * throughput. Without --threads it is the default run instead: args[0] alone, on the
 * calling thread, not pinned (as lz4 -b, mbw and tinymembench run). Returns what
 * tb_time_reps returns; the pinning ("cpus=0,1" or "pinned=no") goes into pinning. */
int tb_team_time(struct tb_ctx *ctx, const struct tb_team_spec *spec, struct tb_timing *out,
		 char *pinning, size_t pinning_len);

/* The one naming rule of thread variants: "MEMCPY-t4" for every count given with
 * --threads (t1 too), the plain variant without --threads; so a comparison never mixes
 * rows of different team sizes. */
void tb_thread_variant(const struct tb_ctx *ctx, const char *variant, int threads, char *buf,
		       size_t len);

/* A benchmark that scales runs each variant through tb_team_variants: once without
 * --threads, once per count with it; each team checked against free memory (a skipped row
 * when it does not fit), named by tb_thread_variant, timed by tb_team_time in one or two
 * phases over the same thread data (cpu.lz4: compress, then decompress; phase p fills
 * tb_timings(ctx, p)), and its rows derived from `work` (tb_emit_reps, ctx.h): threads=N
 * and the pinning in every row, by the runner. */
#define TB_TEAM_PHASES 2
struct tb_scaling {
	size_t arg_size;               /* bytes of one thread's argument */
	uint64_t bytes_per_thread;     /* memory one thread's buffers take */
	void *arg;                     /* the benchmark's, passed to init and check */
	void (*init)(void *thread_arg, void *arg); /* fills one thread's (zeroed) argument */
	struct {
		tb_kernel_fn kernel;   /* NULL: no such phase */
		int (*prepare)(void *thread_arg);
	} phase[TB_TEAM_PHASES];
	struct tb_work work;           /* what one iteration of one thread does */
	/* Optional: once every phase measured, before the rows: checks what the threads
	 * produced (cpu.lz4's round trip) and may set w's value and detail. False: it wrote
	 * the failed row, and this team size has no other. */
	bool (*check)(struct tb_ctx *ctx, void *arg, const char *variant, int threads,
		      void *const *thread_args, struct tb_work *w);
	void (*release)(void *thread_arg); /* after the rows, on the calling thread (optional) */
	const char *eio_means;         /* the failed row's reason when a kernel returns -EIO */
};
int tb_team_variants(struct tb_ctx *ctx, const char *variant, const struct tb_scaling *sc);

/* CPUs this process may run on (sched_getaffinity; works without /proc and /sys). */
int tb_cpu_count_allowed(void);

#endif
