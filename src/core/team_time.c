/* The one thread-team driver of every benchmark that scales (--threads): the runner's
 * calibrated loop over a team of pinned threads with their own data. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/threads.h"
#include "ctx_impl.h"
#include "select.h"

struct shared {
	struct tb_ctx *ctx;
	const struct tb_team_spec *spec;
	struct tb_team *team;
	struct tb_timing *out;
	uint64_t iters;        /* written by thread 0 before the start barrier */
	atomic_int stop;       /* thread 0 says "no more rounds" before the start barrier */
	atomic_int prep_failed;
	int measured;
};

/* The kernel tb_time_reps times, on thread 0: one round of the whole team. The barrier
 * after the round makes the measured time that of the slowest thread. */
static int round_kernel(void *arg, uint64_t iters)
{
	struct shared *s = arg;
	s->iters = iters;
	tb_team_barrier(s->team);
	int rc = s->spec->kernel(s->spec->args[0], iters);
	tb_team_barrier(s->team);
	return rc;
}

static int worker(struct tb_team *team, int index, void *arg)
{
	struct shared *s = arg;
	void *mine = s->spec->args[index];
	int rc = s->spec->prepare ? s->spec->prepare(mine) : 0;
	if (rc < 0)
		atomic_store(&s->prep_failed, rc);
	tb_team_barrier(team);
	int failed = atomic_load(&s->prep_failed);
	if (index == 0) {
		s->team = team;
		if (failed == 0)
			s->measured = tb_time_reps(s->ctx, round_kernel, s, s->out);
		else
			s->measured = failed;
		atomic_store(&s->stop, 1);
		if (failed == 0)
			tb_team_barrier(team); /* releases the others from their start barrier */
	} else if (failed == 0) {
		for (;;) {
			tb_team_barrier(team);
			if (atomic_load(&s->stop))
				break;
			/* Interrupted kernels return early; the end barrier still meets thread 0. */
			s->spec->kernel(mine, s->iters);
			tb_team_barrier(team);
		}
	}
	return 0;
}

int tb_team_time(struct tb_ctx *ctx, const struct tb_team_spec *spec, struct tb_timing *out,
		 char *pinning, size_t pinning_len)
{
	struct shared s = { .ctx = ctx, .spec = spec, .out = out };
	if (!ctx->settings.threads_given) {
		/* The default run: one thread where the scheduler puts it, as the reference
		 * tools run (pinned to the first CPU it would lose to anything else there). */
		snprintf(pinning, pinning_len, "pinned=no");
		int rc = spec->prepare ? spec->prepare(spec->args[0]) : 0;
		return rc < 0 ? rc : tb_time_reps(ctx, spec->kernel, spec->args[0], out);
	}
	int rc = tb_team_run(spec->n, worker, &s, pinning, pinning_len);
	if (rc < 0)
		return rc;
	return s.measured;
}

/* The phases of one team size; returns 0 with measured[] filled, or < 0. */
static int run_phases(struct tb_ctx *ctx, const struct tb_scaling *sc, int n, void **args,
		      char *pinning, size_t pinning_len, int *measured)
{
	for (int p = 0; p < TB_TEAM_PHASES && sc->phase[p].kernel; p++) {
		struct tb_team_spec spec = { .n = n, .kernel = sc->phase[p].kernel, .args = args,
					     .prepare = sc->phase[p].prepare };
		measured[p] = tb_team_time(ctx, &spec, tb_timings(ctx, p), pinning, pinning_len);
		if (measured[p] < 0)
			return measured[p];
		if (measured[p] == 0)
			return -EINTR; /* nothing measured: interrupted */
	}
	return 0;
}

int tb_team_variants(struct tb_ctx *ctx, const char *variant, const struct tb_scaling *sc)
{
	const struct tb_settings *s = &ctx->settings;
	int counts = s->threads_given ? s->n_thread_counts : 1, failed = 0;
	for (int c = 0; c < counts; c++) {
		int n = s->threads_given ? s->thread_counts[c] : 1;
		char name[128], pinning[768];
		tb_thread_variant(ctx, variant, n, name, sizeof(name));
		if (!tb_row_selected(ctx, name) && !tb_row_selected(ctx, variant))
			continue; /* -b picked other team sizes (MEMCPY-t4) */
		/* Every thread has its own buffers: the team needs n times one thread's. */
		if (!tb_memory_check(ctx, name, sc->bytes_per_thread * (uint64_t)n))
			continue;
		char *mem = calloc((size_t)n, sc->arg_size);
		void **args = calloc((size_t)n, sizeof(*args));
		if (!mem || !args) {
			free(mem);
			free(args);
			tb_fail(ctx, name, "%s", strerror(ENOMEM));
			failed = -ENOMEM;
			continue;
		}
		for (int i = 0; i < n; i++) {
			args[i] = mem + (size_t)i * sc->arg_size;
			sc->init(args[i], sc->arg);
		}
		int measured[TB_TEAM_PHASES] = { 0 };
		int rc = run_phases(ctx, sc, n, args, pinning, sizeof(pinning), measured);
		int threads = s->threads_given ? n : 0;
		struct tb_work w = sc->work;
		if (rc == 0 && (!sc->check || sc->check(ctx, sc->arg, name, threads, args, &w)))
			for (int p = 0; p < TB_TEAM_PHASES && sc->phase[p].kernel; p++)
				tb_emit_reps(ctx, name, p, tb_timings(ctx, p), measured[p], threads,
					     pinning, &w);
		for (int i = 0; sc->release && i < n; i++)
			sc->release(args[i]);
		free(mem);
		free(args);
		if (rc == -EINTR || tb_interrupted())
			return -EINTR;
		/* The failed row is the team's (MEMCPY-t4, as its skipped or ok rows), and the
		 * other team sizes still run. */
		if (rc < 0) {
			tb_fail(ctx, name, "%s", rc == -EIO && sc->eio_means ? sc->eio_means
									: strerror(-rc));
			failed = rc;
		}
	}
	return failed;
}
