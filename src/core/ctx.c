/* What benchmarks call while they run: options, samples, rows, timing. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tinyben/csv.h"
#include "tinyben/timer.h"
#include "tinyben/util.h"
#include "ctx_impl.h"

const struct tb_settings *tb_settings(const struct tb_ctx *ctx)
{
	return &ctx->settings;
}

const struct tb_bench *tb_current_bench(const struct tb_ctx *ctx)
{
	return ctx->bench;
}

static const struct tb_option *find_option(const struct tb_bench *b, const char *name)
{
	for (const struct tb_option *o = b->options; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static const char *option_value(const struct tb_ctx *ctx, const char *name)
{
	const struct tb_option *o = find_option(ctx->bench, name);
	if (!o) {
		/* A benchmark asking for an option it did not declare is a programming error. */
		tb_error("internal: %s has no option '%s'", ctx->bench->name, name);
		abort();
	}
	for (size_t i = ctx->n_overrides; i-- > 0;)
		if (ctx->overrides[i].option == o)
			return ctx->overrides[i].value;
	if (ctx->settings.quick && o->quick)
		return o->quick;
	return o->def;
}

long long tb_opt_int(const struct tb_ctx *ctx, const char *name)
{
	long long v = 0;
	tb_parse_ll(option_value(ctx, name), LLONG_MIN, LLONG_MAX, &v);
	return v;
}

const char *tb_opt_str(const struct tb_ctx *ctx, const char *name)
{
	return option_value(ctx, name);
}

bool tb_opt_bool(const struct tb_ctx *ctx, const char *name)
{
	bool v = false;
	tb_parse_bool(option_value(ctx, name), &v);
	return v;
}

int tb_option_check(const struct tb_option *opt, const char *value, char *err, size_t errlen)
{
	long long v;
	bool b;
	int rc = 0;
	switch (opt->type) {
	case TB_OPT_INT:
		rc = tb_parse_ll(value, opt->min, opt->max, &v);
		if (rc == -EINVAL)
			snprintf(err, errlen, "'%s' is not a whole number", value);
		else if (rc)
			snprintf(err, errlen, "%s is out of range [%lld, %lld]", value, opt->min,
				 opt->max);
		break;
	case TB_OPT_BOOL:
		rc = tb_parse_bool(value, &b);
		if (rc)
			snprintf(err, errlen, "'%s' is not a boolean (true/false)", value);
		break;
	case TB_OPT_STR:
		break;
	}
	return rc;
}

static void append(struct tb_ctx *ctx, const char *s, size_t n)
{
	if (ctx->pending_len + n + 1 > ctx->pending_cap) {
		size_t cap = ctx->pending_cap ? ctx->pending_cap * 2 : 8192;
		while (cap < ctx->pending_len + n + 1)
			cap *= 2;
		ctx->pending = realloc(ctx->pending, cap);
		if (!ctx->pending)
			abort();
		ctx->pending_cap = cap;
	}
	memcpy(ctx->pending + ctx->pending_len, s, n);
	ctx->pending_len += n;
}

static void append_field(struct tb_ctx *ctx, const char *field, bool json_raw)
{
	size_t need;
	char small[512];
	if (ctx->format == TB_FORMAT_JSON && !json_raw)
		need = tb_json_quote(small, sizeof(small), field);
	else if (ctx->format == TB_FORMAT_JSON)
		need = (size_t)snprintf(small, sizeof(small), "%s", field);
	else
		need = tb_csv_quote(small, sizeof(small), field);
	if (need < sizeof(small)) {
		append(ctx, small, need);
		return;
	}
	char *big = malloc(need + 1);
	if (!big)
		abort();
	if (ctx->format == TB_FORMAT_JSON)
		json_raw ? (void)snprintf(big, need + 1, "%s", field)
			 : (void)tb_json_quote(big, need + 1, field);
	else
		tb_csv_quote(big, need + 1, field);
	append(ctx, big, need);
	free(big);
}

/* A number is written raw in JSON when it is one; "unknown" stays a string. */
static bool is_json_number(const char *s)
{
	if (!*s)
		return false;
	char *end;
	strtod(s, &end);
	return *end == '\0';
}

static void add_row(struct tb_ctx *ctx, const char *variant, const char *metric, const char *unit,
		    const char *better, const char *rep, const char *value, const char *status,
		    const char *detail)
{
	tb_env_stamp(&ctx->env);
	char *full_detail = NULL;
	if (ctx->tags)
		full_detail = tb_strdupf("%s%s", detail ? detail : "",
					 detail && *detail ? ctx->tags : ctx->tags + 1);
	const char *f[TB_NCOLS] = {
		ctx->env.timestamp, ctx->env.run_id, ctx->env.host, ctx->env.cc_level,
		ctx->env.cc_features, ctx->env.kernel, ctx->env.cpu_model, ctx->env.vcpus,
		ctx->env.mem_mib, ctx->env.version, ctx->bench->group, ctx->bench->name,
		variant ? variant : "", metric ? metric : "", unit ? unit : "",
		better ? better : "", rep, value, status,
		full_detail ? full_detail : (detail ? detail : ""),
	};
	if (ctx->format == TB_FORMAT_JSON)
		append(ctx, "{", 1);
	for (int i = 0; i < TB_NCOLS; i++) {
		if (i)
			append(ctx, ",", 1);
		if (ctx->format == TB_FORMAT_JSON) {
			append_field(ctx, tb_csv_columns[i], false);
			append(ctx, ":", 1);
			bool numeric = (i == TB_COL_VCPUS || i == TB_COL_MEM_MIB ||
					i == TB_COL_REP || i == TB_COL_VALUE);
			if (numeric && !*f[i])
				append(ctx, "null", 4);
			else
				append_field(ctx, f[i], numeric && is_json_number(f[i]));
		} else {
			append_field(ctx, f[i], false);
		}
	}
	append(ctx, ctx->format == TB_FORMAT_JSON ? "}\n" : "\r\n", 2);
	free(full_detail);
	ctx->rows_this_variant++;
}

static void keep(struct tb_ctx *ctx, const struct tb_sample *s)
{
	if (ctx->n_kept == ctx->cap_kept) {
		ctx->cap_kept = ctx->cap_kept ? ctx->cap_kept * 2 : 256;
		ctx->kept = realloc(ctx->kept, ctx->cap_kept * sizeof(*ctx->kept));
		if (!ctx->kept)
			abort();
	}
	struct tb_kept *k = &ctx->kept[ctx->n_kept++];
	k->bench = strdup(ctx->bench->name);
	k->variant = strdup(s->variant ? s->variant : "");
	k->metric = strdup(s->metric);
	k->unit = strdup(s->unit ? s->unit : "");
	k->value = s->value;
}

void tb_emit(struct tb_ctx *ctx, const struct tb_sample *s)
{
	char rep[16], value[40];
	snprintf(rep, sizeof(rep), "%d", s->rep);
	if (!isfinite(s->value)) {
		tb_fail(ctx, s->variant, "%s: measured a non-finite value", s->metric);
		return;
	}
	/* Ten significant digits are finer than any timer here; integers print as integers. */
	snprintf(value, sizeof(value), "%.10g", s->value);
	add_row(ctx, s->variant, s->metric, s->unit, s->better, rep, value, "ok", s->detail);
	keep(ctx, s);
	ctx->n_ok++;
}

void tb_emit_value(struct tb_ctx *ctx, const char *variant, const char *metric, const char *unit,
		   const char *better, int rep, double value, const char *detail)
{
	struct tb_sample s = {
		.variant = variant, .metric = metric, .unit = unit, .better = better,
		.rep = rep, .value = value, .detail = detail,
	};
	tb_emit(ctx, &s);
}

static void status_row(struct tb_ctx *ctx, const char *variant, const char *status,
		       const char *fmt, va_list ap)
{
	char *reason;
	if (vasprintf(&reason, fmt, ap) < 0)
		abort();
	add_row(ctx, variant, "", "", "", "", "", status, reason);
	if (ctx->progress)
		fprintf(stderr, "  %s %s%s%s: %s\n", status, ctx->bench->name, variant ? " " : "",
			variant ? variant : "", reason);
	free(reason);
}

void tb_skip(struct tb_ctx *ctx, const char *variant, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	status_row(ctx, variant, "skipped", fmt, ap);
	va_end(ap);
	ctx->n_skipped++;
}

void tb_fail(struct tb_ctx *ctx, const char *variant, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	status_row(ctx, variant, "failed", fmt, ap);
	va_end(ap);
	ctx->n_failed++;
	ctx->variant_reported_failure = true;
}

void tb_progress(struct tb_ctx *ctx, const char *fmt, ...)
{
	if (!ctx->progress)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "  %s\n", line);
}

bool tb_ctx_flush(struct tb_ctx *ctx)
{
	if (ctx->pending_len == 0)
		return !ctx->write_error;
	size_t n = fwrite(ctx->pending, 1, ctx->pending_len, ctx->out);
	if (n != ctx->pending_len || fflush(ctx->out) != 0) {
		if (!ctx->write_error)
			tb_error("cannot write results: %s", strerror(errno));
		ctx->write_error = true;
	}
	ctx->pending_len = 0;
	return !ctx->write_error;
}

void tb_ctx_write_header(struct tb_ctx *ctx)
{
	if (ctx->format != TB_FORMAT_CSV)
		return;
	for (int i = 0; i < TB_NCOLS; i++) {
		if (i)
			append(ctx, ",", 1);
		append(ctx, tb_csv_columns[i], strlen(tb_csv_columns[i]));
	}
	append(ctx, "\r\n", 2);
}

static double elapsed(tb_kernel_fn kernel, void *arg, uint64_t iters, int *rc)
{
	double t0 = tb_now();
	*rc = kernel(arg, iters);
	return tb_now() - t0;
}

int tb_time_reps_n(struct tb_ctx *ctx, tb_kernel_fn kernel, void *arg, double min_time, int reps,
		   struct tb_timing *out)
{
	(void)ctx;
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
	return tb_time_reps_n(ctx, kernel, arg, ctx->settings.min_time, ctx->settings.reps, out);
}
