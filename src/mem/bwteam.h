/* Timing a bandwidth kernel on N pinned threads with private buffers (--threads). */
#ifndef TB_MEM_BWTEAM_H
#define TB_MEM_BWTEAM_H

#include <stddef.h>

#include "tinyben/ctx.h"

/* Thread i runs kernel(args[i], iters) on its own buffers. prepare(args[i]) runs first on
 * thread i, already pinned, so its buffers are allocated and first touched by the CPU that
 * uses them (local NUMA node, no fault during timing); release(args[i]) runs at the end. */
struct tb_bwteam {
	int n;
	tb_kernel_fn kernel;
	void **args;
	int (*prepare)(void *arg);
	void (*release)(void *arg);
};

/* tb_time_reps over the whole team: every call of the timed kernel starts all N threads at
 * a barrier and ends when the slowest has finished its iterations, so out[r].seconds is the
 * wall time of the team and N * bytes * iters / seconds is the aggregate bandwidth.
 * Returns what tb_time_reps returns (repetitions measured, or a negative errno); the pinning
 * ("cpus=0,1") is written into pinning. */
int tb_bwteam_time(struct tb_ctx *ctx, const struct tb_bwteam *team, struct tb_timing *out,
		   char *pinning, size_t pinning_len);

/* Variant name for a thread count: "MEMCPY-t4" (the runner's variant names stay the
 * one-thread rows; scaled rows are separate variants so compare never mixes them). */
void tb_bwteam_variant(char *buf, size_t len, const char *variant, int threads);

#endif
