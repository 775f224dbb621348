/* Selection: the -b patterns against benchmarks, their variants and team rows, and the
 * naming rule of team rows that the patterns match. */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "tinyben/threads.h"
#include "ctx_impl.h"
#include "select.h"

bool tb_row_selected(const struct tb_ctx *ctx, const char *variant)
{
	if (ctx->n_patterns == 0)
		return true;
	for (size_t i = 0; i < ctx->n_patterns; i++) {
		char pat[256];
		snprintf(pat, sizeof(pat), "%s", ctx->patterns[i]);
		char *colon = strchr(pat, ':');
		if (colon)
			*colon++ = '\0';
		if (fnmatch(pat, ctx->bench->name, 0) != 0)
			continue;
		if (!colon || fnmatch(colon, variant, 0) == 0)
			return true;
	}
	return false;
}

void tb_thread_variant(const struct tb_ctx *ctx, const char *variant, int threads, char *buf,
		       size_t len)
{
	if (ctx->settings.threads_given)
		snprintf(buf, len, "%s-t%d", variant, threads);
	else
		snprintf(buf, len, "%s", variant);
}

bool tb_variant_selected(const struct tb_ctx *ctx, const struct tb_variant *v)
{
	const struct tb_bench *b = ctx->bench;
	if (b->planned && !b->planned(ctx, v))
		return false;
	if (tb_row_selected(ctx, v->name))
		return true;
	for (int i = 0; b->scales && ctx->settings.threads_given &&
			i < ctx->settings.n_thread_counts; i++) {
		char name[128];
		tb_thread_variant(ctx, v->name, ctx->settings.thread_counts[i], name, sizeof(name));
		if (tb_row_selected(ctx, name))
			return true;
	}
	return false;
}

size_t tb_select_benches(struct tb_ctx *ctx, const struct tb_bench **todo, size_t max,
			 const struct tb_bench **left_out)
{
	size_t n = 0;
	*left_out = NULL;
	for (size_t i = 0; i < tb_bench_count() && n < max; i++) {
		const struct tb_bench *b = tb_bench_at(i);
		tb_ctx_set_bench(ctx, b);
		for (const struct tb_variant *v = b->variants; v->name; v++) {
			if (tb_variant_selected(ctx, v)) {
				todo[n++] = b;
				break;
			}
			if (!*left_out && tb_row_selected(ctx, v->name))
				*left_out = b;
		}
	}
	tb_ctx_set_bench(ctx, NULL);
	return n;
}
