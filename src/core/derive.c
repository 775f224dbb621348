/* Derived metrics: the runner turns what a variant's repetitions measured (iterations,
 * seconds, struct tb_work) into the rows of the metrics the benchmark declared, with the
 * facts the runner owns in detail under one set of keys for every benchmark. The plans
 * (measure.c, team_time.c) call it; it calls only the row writer (emit.c). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/hist.h"
#include "tinyben/timer.h"
#include "ctx_impl.h"

/* What one unit of the metric is worth in its base quantity (bytes, seconds, operations). */
static double unit_size(const char *unit)
{
	static const struct {
		const char *unit;
		double size;
	} units[] = {
		{ "MB/s", 1e6 }, { "GB/s", 1e9 }, { "MiB/s", 1048576.0 }, { "GiB/s", 1073741824.0 },
		{ "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 }, { "ns", 1e-9 },
	};
	if (strcmp(unit, "cycles") == 0)
		return 1 / tb_tsc_hz();
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(units[i].unit, unit) == 0)
			return units[i].size;
	return 1; /* ops/s, req/s, x: counted as they are */
}

static double derive(const struct tb_metric *m, const struct tb_timing *t, int threads,
		     const struct tb_work *w)
{
	double n = threads > 0 ? threads : 1;
	double ops = (w->ops > 0 ? w->ops : 1) * (double)t->iters;
	double size = unit_size(m->unit);
	switch (m->how) {
	case TB_BYTES_PER_S:
		return w->bytes * (double)t->iters * n / t->seconds / size;
	case TB_OPS_PER_S:
		return ops * n / t->seconds / size;
	case TB_TIME_PER_OP:
		return (t->seconds / ops - w->offset_s) / size;
	case TB_SECONDS:
		return t->seconds / size;
	case TB_VALUE:
		return w->value;
	case TB_HIST_P50:
		return tb_hist_quantile(w->hist, 0.50) * 1e-9 / size;
	case TB_HIST_P99:
		return tb_hist_quantile(w->hist, 0.99) * 1e-9 / size;
	case TB_HIST_P999:
		return tb_hist_quantile(w->hist, 0.999) * 1e-9 / size;
	case TB_EMITTED:
		break;
	}
	return 0;
}

/* Does detail already say KEY=? */
static bool has_key(const char *detail, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = detail; (p = strstr(p, key)) != NULL; p += klen)
		if ((p == detail || p[-1] == ' ') && p[klen] == '=')
			return true;
	return false;
}

/* " NAME=VALUE" for each option of the benchmark that has a value, as the run set it,
 * unless the benchmark's own detail says what was used instead (io.redis: pipeline=16 for
 * the -P16 variants). */
static size_t options_detail(const struct tb_ctx *ctx, const char *own, char *buf, size_t len)
{
	size_t n = 0;
	for (const struct tb_option *o = ctx->bench->options; o && o->name && n < len; o++) {
		const char *v = tb_option_value(ctx, o);
		if (*v && !has_key(own, o->name))
			n += (size_t)snprintf(buf + n, len - n, " %s=%s", o->name, v);
	}
	return n;
}

void tb_emit_rep(struct tb_ctx *ctx, const char *variant, int phase, int rep,
		 const struct tb_timing *t, int threads, const char *pinning,
		 const struct tb_work *w)
{
	char detail[1200];
	size_t n = 0;
	if (t->iters)
		n += (size_t)snprintf(detail, sizeof(detail), " iterations=%llu",
				      (unsigned long long)t->iters);
	n += (size_t)snprintf(detail + n, sizeof(detail) - n, " seconds=%.9g", t->seconds);
	if (ctx->bench->scales && n < sizeof(detail))
		n += (size_t)snprintf(detail + n, sizeof(detail) - n, " threads=%d %s",
				      threads ? threads : 1, pinning ? pinning : "pinned=no");
	if (w->detail && *w->detail && n < sizeof(detail))
		n += (size_t)snprintf(detail + n, sizeof(detail) - n, " %s", w->detail);
	if (n < sizeof(detail))
		options_detail(ctx, w->detail ? w->detail : "", detail + n, sizeof(detail) - n);
	struct tb_timing one = { .iters = t->iters ? t->iters : 1, .seconds = t->seconds };
	for (const struct tb_metric *m = ctx->bench->metrics; m->name; m++)
		/* A bandwidth of work that moves no bytes (io.uring's fsync) is no row. */
		if (m->how != TB_EMITTED && m->phase == phase &&
		    (m->how != TB_BYTES_PER_S || w->bytes > 0))
			tb_emit(ctx, variant, m, rep, derive(m, &one, threads, w), detail + 1);
}

void tb_emit_reps(struct tb_ctx *ctx, const char *variant, int phase, const struct tb_timing *t,
		  int measured, int threads, const char *pinning, const struct tb_work *w)
{
	for (int r = 0; r < measured; r++)
		tb_emit_rep(ctx, variant, phase, r + 1, &t[r], threads, pinning, w);
}
