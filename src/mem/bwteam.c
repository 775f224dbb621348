/* Timing a bandwidth kernel on N pinned threads with private buffers (--threads). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>

#include "tinyben/threads.h"
#include "mem/bwteam.h"

struct shared {
	struct tb_ctx *ctx;
	const struct tb_bwteam *spec;
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
	if (s->spec->release)
		s->spec->release(mine);
	return 0;
}

int tb_bwteam_time(struct tb_ctx *ctx, const struct tb_bwteam *team, struct tb_timing *out,
		   char *pinning, size_t pinning_len)
{
	struct shared s = { .ctx = ctx, .spec = team, .out = out };
	int rc = tb_team_run(team->n, worker, &s, pinning, pinning_len);
	if (rc < 0)
		return rc;
	return s.measured;
}

void tb_bwteam_variant(char *buf, size_t len, const char *variant, int threads)
{
	snprintf(buf, len, "%s-t%d", variant, threads);
}
