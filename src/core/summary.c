/* The human summary on stderr: median, CV and min-max of each (bench, variant, metric). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/stats.h"
#include "ctx_impl.h"

static bool same_series(const struct tb_kept *a, const struct tb_kept *b)
{
	return a->metric == b->metric && strcmp(a->bench, b->bench) == 0 &&
	       (a->variant == b->variant || strcmp(a->variant, b->variant) == 0);
}

void tb_summary_print(const struct tb_ctx *ctx, FILE *f)
{
	if (ctx->n_kept == 0) {
		fprintf(f, "\nno samples (ok %d, skipped %d, failed %d)\n", ctx->n_ok,
			ctx->n_skipped, ctx->n_failed);
		return;
	}
	bool *done = calloc(ctx->n_kept, sizeof(*done));
	double *v = malloc(ctx->n_kept * sizeof(*v));
	if (!done || !v)
		abort();
	fprintf(f, "\n%-16s %-22s %-14s %14s %7s %27s  %s\n", "bench", "variant", "metric", "median",
		"cv%", "min - max", "unit");
	/* Series in first-seen order; samples of one series need not be adjacent. */
	for (size_t i = 0; i < ctx->n_kept; i++) {
		if (done[i])
			continue;
		size_t n = 0;
		for (size_t j = i; j < ctx->n_kept; j++) {
			if (!done[j] && same_series(&ctx->kept[i], &ctx->kept[j])) {
				v[n++] = ctx->kept[j].value;
				done[j] = true;
			}
		}
		struct tb_summary s;
		tb_summarize(v, n, &s);
		const struct tb_kept *k = &ctx->kept[i];
		fprintf(f, "%-16s %-22s %-14s %14.6g %7.2f %13.6g - %-11.6g  %s\n", k->bench,
			k->variant, k->metric->name, s.median, s.cv * 100, s.min, s.max,
			k->metric->unit);
	}
	fprintf(f, "(%d samples ok, %d skipped, %d failed)\n", ctx->n_ok, ctx->n_skipped,
		ctx->n_failed);
	free(done);
	free(v);
}
