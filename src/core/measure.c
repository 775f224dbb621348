/* The runner's plans of measurement: the calibrated loop, the loop of fixed-work or fixed-time
 * repetitions, and the storage of their samples. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "tinyben/timer.h"
#include "ctx_impl.h"

static double elapsed(tb_kernel_fn kernel, void *arg, uint64_t iters, int *rc)
{
	double t0 = tb_now();
	*rc = kernel(arg, iters);
	return tb_now() - t0;
}

static int time_reps(tb_kernel_fn kernel, void *arg, double min_time, int reps,
		     struct tb_timing *out)
{
	int rc;
	uint64_t iters = 1;
	/* Calibrate (tinymembench doubles until 0.5 s; we double until an eighth of the target,
	 * then scale once): every call here is also warm-up. */
	for (;;) {
		if (tb_interrupted())
			return 0;
		double t = elapsed(kernel, arg, iters, &rc);
		if (rc < 0)
			return rc == -EINTR ? 0 : rc;
		if (t >= min_time)
			break;
		if (t >= min_time / 8) {
			double scaled = ceil((double)iters * min_time * 1.05 / t);
			iters = scaled > (double)iters ? (uint64_t)scaled : iters + 1;
			break;
		}
		if (iters > (UINT64_MAX >> 2))
			break;
		iters *= 2;
	}
	/* One full-length warm-up at the final size: caches, TLB, frequency settle. */
	if (tb_interrupted())
		return 0;
	elapsed(kernel, arg, iters, &rc);
	if (rc < 0)
		return rc == -EINTR ? 0 : rc;
	for (int r = 0; r < reps; r++) {
		out[r].iters = iters;
		out[r].seconds = elapsed(kernel, arg, iters, &rc);
		/* A repetition cut short by the signal is not a sample. */
		if (rc == -EINTR || tb_interrupted())
			return r;
		if (rc < 0)
			return rc;
	}
	return reps;
}

int tb_time_reps(struct tb_ctx *ctx, tb_kernel_fn kernel, void *arg, struct tb_timing *out)
{
	/* A benchmark with many short points declares the share of --min-time each gets. */
	double share = ctx->bench && ctx->bench->time_share > 0 ? ctx->bench->time_share : 1;
	return time_reps(kernel, arg, ctx->settings.min_time * share, ctx->settings.reps, out);
}

int tb_calibrated(struct tb_ctx *ctx, const char *variant, tb_kernel_fn kernel, void *arg,
		  const struct tb_work *w)
{
	struct tb_timing *t = tb_timings(ctx, 0);
	int measured = tb_time_reps(ctx, kernel, arg, t);
	if (measured < 0)
		return measured;
	tb_emit_reps(ctx, variant, 0, t, measured, 0, NULL, w);
	return 0;
}

struct tb_timing *tb_timings(struct tb_ctx *ctx, int slot)
{
	return ctx->timings[slot];
}

int tb_ctx_timings_alloc(struct tb_ctx *ctx)
{
	for (int i = 0; i < TB_TIMING_SLOTS; i++) {
		ctx->timings[i] = calloc((size_t)ctx->settings.reps, sizeof(struct tb_timing));
		if (!ctx->timings[i]) {
			tb_ctx_timings_free(ctx);
			return -ENOMEM;
		}
	}
	return 0;
}

void tb_ctx_timings_free(struct tb_ctx *ctx)
{
	for (int i = 0; i < TB_TIMING_SLOTS; i++) {
		free(ctx->timings[i]);
		ctx->timings[i] = NULL;
	}
}

double tb_rep_share(const struct tb_rep_plan *plan, int rep)
{
	return rep == 0 && plan->warmup_share > 0 && plan->warmup_share < 1 ? plan->warmup_share
									    : 1;
}

/* One round: prepare, measure under the runner's clock, finish. Adds measure's seconds. */
static int round_run(const struct tb_rep_plan *plan, void *arg, int rep, double *seconds)
{
	int rc = plan->prepare ? plan->prepare(arg, rep) : 0;
	if (rc < 0)
		return rc;
	double t0 = tb_now();
	rc = plan->measure(arg, rep);
	*seconds += tb_now() - t0;
	if (plan->finish)
		plan->finish(arg, rep);
	return rc;
}

int tb_reps_run(struct tb_ctx *ctx, const struct tb_rep_plan *plan, void *arg)
{
	for (int rep = plan->warmup ? 0 : 1; rep <= ctx->settings.reps; rep++) {
		double seconds = 0;
		int rc;
		do {
			if (tb_interrupted())
				return -EINTR;
			rc = round_run(plan, arg, rep, &seconds);
		} while (rc == 0 && plan->min_time_rounds && seconds < ctx->settings.min_time);
		/* Checked after the repetition: one the signal cut short is not a sample. */
		if (rc == -EINTR || tb_interrupted())
			return -EINTR;
		if (rc < 0)
			return rc;
		if (rep > 0 && plan->record)
			plan->record(arg, rep, seconds);
		else if (rep > 0)
			tb_emit_rep(ctx, plan->variant, 0, rep, &(struct tb_timing){ .seconds = seconds },
				    0, NULL, &plan->work);
	}
	return 0;
}
