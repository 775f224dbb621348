/* Rows of a run: samples, skipped and failed rows, each stamped with the environment and
 * handed to the sink; flushed whole and durable after every variant. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/csv.h"
#include "tinyben/threads.h"
#include "tinyben/util.h"
#include "bounce.h"
#include "ctx_impl.h"
#include "select.h"

static void add_row(struct tb_ctx *ctx, const char *variant, const char *metric, const char *unit,
		    const char *better, const char *rep, const char *value, const char *status,
		    const char *detail)
{
	tb_env_stamp(&ctx->env);
	/* --threads that a benchmark cannot honour is said in every row it wrote instead. */
	const char *threads = ctx->settings.threads_given && !ctx->bench->scales
				      ? " threads=not-applicable" : "";
	const char *tags = ctx->tags ? ctx->tags : "";
	/* The environment fingerprint, once a run: in its first ok row (DESIGN.md). */
	bool facts = !ctx->env.facts_written && strcmp(status, "ok") == 0 && ctx->env.facts[0];
	ctx->env.facts_written |= facts;
	char bounce[96] = "";
	if (strcmp(status, "ok") == 0)
		tb_bounce_detail(ctx, bounce, sizeof(bounce));
	char *full_detail = NULL;
	if (*threads || *tags || facts || *bounce) {
		full_detail = tb_strdupf("%s%s%s%s%s%s", detail ? detail : "", bounce, threads,
					 tags, facts ? " " : "", facts ? ctx->env.facts : "");
		if (!detail || !*detail)
			memmove(full_detail, full_detail + 1, strlen(full_detail));
	}
	const char *f[TB_NCOLS] = {
		ctx->env.timestamp, ctx->env.run_id, ctx->env.host, ctx->env.cc_level,
		ctx->env.cc_features, ctx->env.kernel, ctx->env.cpu_model, ctx->env.vcpus,
		ctx->env.mem_mib, ctx->env.version, ctx->group, ctx->bench->name,
		variant ? variant : "", metric ? metric : "", unit ? unit : "",
		better ? better : "", rep, value, status,
		full_detail ? full_detail : (detail ? detail : ""), ctx->env.boot_id,
	};
	tb_sink_row(&ctx->sink, f);
	free(full_detail);
	/* A variant with a million repetitions must not hold them all in memory: whole rows
	 * go out a megabyte at a time (made durable at the end of the variant). */
	if (ctx->sink.len >= (1u << 20))
		tb_ctx_flush(ctx, false);
}

/* Kept for the summary: a few words a sample, so that -r 1000000 stays affordable (the
 * variant string is shared by the consecutive samples of one variant). */
static void keep(struct tb_ctx *ctx, const char *variant, const struct tb_metric *m,
		 double value)
{
	if (ctx->n_kept == ctx->cap_kept) {
		ctx->cap_kept = ctx->cap_kept ? ctx->cap_kept * 2 : 256;
		ctx->kept = realloc(ctx->kept, ctx->cap_kept * sizeof(*ctx->kept));
		if (!ctx->kept)
			abort();
	}
	variant = variant ? variant : "";
	struct tb_kept *prev = ctx->n_kept ? &ctx->kept[ctx->n_kept - 1] : NULL;
	struct tb_kept *k = &ctx->kept[ctx->n_kept++];
	*k = (struct tb_kept){ .bench = ctx->bench->name, .metric = m, .value = value };
	if (prev && prev->bench == k->bench && strcmp(prev->variant, variant) == 0) {
		k->variant = prev->variant;
	} else {
		k->variant = strdup(variant);
		if (!k->variant)
			abort();
		k->owns_variant = true;
	}
}

void tb_kept_free(struct tb_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_kept; i++)
		if (ctx->kept[i].owns_variant)
			free(ctx->kept[i].variant);
	free(ctx->kept);
	ctx->kept = NULL;
	ctx->n_kept = ctx->cap_kept = 0;
}

void tb_emit(struct tb_ctx *ctx, const char *variant, const struct tb_metric *m, int rep,
	     double value, const char *detail)
{
	char rep_s[16], value_s[40];
	snprintf(rep_s, sizeof(rep_s), "%d", rep);
	if (!isfinite(value)) {
		tb_fail(ctx, variant, "%s: measured a non-finite value", m->name);
		return;
	}
	/* Ten significant digits are finer than any timer here; integers print as integers. */
	snprintf(value_s, sizeof(value_s), "%.10g", value);
	add_row(ctx, variant, m->name, m->unit, m->better == TB_HIGHER ? "higher" : "lower", rep_s,
		value_s, "ok", detail);
	keep(ctx, variant, m, value);
	ctx->n_ok++;
}

/* With --threads, every row of a benchmark that scales names its team (MEMCPY-t4): a
 * skip or a failure said of the whole variant (not supported here, a set-up that failed)
 * is one row per team size, so that it selects and compares like the team's ok rows. */
static bool team_rows(struct tb_ctx *ctx, const char *variant, const char *status,
		      const char *reason)
{
	if (!variant || !ctx->bench || !ctx->bench->scales || !ctx->settings.threads_given)
		return false;
	bool in_table = false;
	for (const struct tb_variant *v = ctx->bench->variants; v->name && !in_table; v++)
		in_table = strcmp(v->name, variant) == 0;
	if (!in_table)
		return false;
	bool any = false;
	for (int c = 0; c < ctx->settings.n_thread_counts; c++) {
		char name[160];
		tb_thread_variant(ctx, variant, ctx->settings.thread_counts[c], name, sizeof(name));
		if (!tb_row_selected(ctx, name) && !tb_row_selected(ctx, variant))
			continue;
		add_row(ctx, name, "", "", "", "", "", status, reason);
		any = true;
	}
	return any;
}

void tb_status_row(struct tb_ctx *ctx, const char *variant, bool failed, const char *fmt, ...)
{
	const char *status = failed ? "failed" : "skipped";
	char *reason;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (!team_rows(ctx, variant, status, reason))
		add_row(ctx, variant, "", "", "", "", "", status, reason);
	if (ctx->progress)
		fprintf(stderr, "  %s %s%s%s: %s\n", status, ctx->bench->name, variant ? " " : "",
			variant ? variant : "", reason);
	free(reason);
	if (failed) {
		ctx->n_failed++;
		ctx->variant_reported_failure = true;
	} else {
		ctx->n_skipped++;
	}
}

int tb_setup_status(struct tb_ctx *ctx, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(ctx->setup_reason);
	if (vasprintf(&ctx->setup_reason, fmt, ap) < 0)
		abort();
	va_end(ap);
	return status;
}

void tb_progress(struct tb_ctx *ctx, const char *fmt, ...)
{
	if (!ctx->progress)
		return;
	va_list ap;
	va_start(ap, fmt);
	tb_vline("  ", fmt, ap);
	va_end(ap);
}

bool tb_ctx_flush(struct tb_ctx *ctx, bool durable)
{
	char what[256];
	snprintf(what, sizeof(what), "%s%s%s", ctx->bench ? ctx->bench->name : "",
		 ctx->variant ? " " : "", ctx->variant ? ctx->variant : "");
	return tb_sink_flush(&ctx->sink, durable, what);
}
