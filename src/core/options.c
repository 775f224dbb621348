/* Options of the running benchmark: lookup, defaults, --quick values, validation. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const void *tb_opts(const struct tb_ctx *ctx)
{
	return ctx->opts;
}

const char *tb_option_value(const struct tb_ctx *ctx, const struct tb_option *o)
{
	for (size_t i = ctx->n_overrides; i-- > 0;)
		if (ctx->overrides[i].option == o)
			return ctx->overrides[i].value;
	if (ctx->settings.quick && o->quick)
		return o->quick;
	return o->def;
}

static int choice_index(const struct tb_option *o, const char *value)
{
	for (int i = 0; o->choices && o->choices[i]; i++)
		if (strcmp(o->choices[i], value) == 0)
			return i;
	return -1;
}

void tb_ctx_set_bench(struct tb_ctx *ctx, const struct tb_bench *bench)
{
	ctx->bench = bench;
	if (bench)
		tb_bench_group(bench, ctx->group, sizeof(ctx->group));
	free(ctx->opts);
	ctx->opts = NULL;
	if (!bench || !bench->opts_size)
		return;
	ctx->opts = calloc(1, bench->opts_size);
	if (!ctx->opts)
		abort();
	/* Every value was checked when the command line was read (defaults by the unit
	 * tests), so these conversions cannot fail. */
	for (const struct tb_option *o = bench->options; o && o->name; o++) {
		const char *v = tb_option_value(ctx, o);
		char *field = (char *)ctx->opts + o->offset;
		switch (o->type) {
		case TB_OPT_INT:
			tb_parse_ll(v, LLONG_MIN, LLONG_MAX, (long long *)field);
			break;
		case TB_OPT_STR:
			*(const char **)field = v;
			break;
		case TB_OPT_BOOL:
			tb_parse_bool(v, (bool *)field);
			break;
		case TB_OPT_CHOICE:
			*(int *)field = choice_index(o, v);
			break;
		}
	}
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
	case TB_OPT_CHOICE:
		if (choice_index(opt, value) < 0) {
			int n = snprintf(err, errlen, "'%s' is not one of", value);
			for (int i = 0; opt->choices && opt->choices[i] && n > 0 && (size_t)n < errlen; i++)
				n += snprintf(err + n, errlen - (size_t)n, "%s%s", i ? ", " : " ",
					      opt->choices[i]);
			rc = -EINVAL;
		}
		break;
	case TB_OPT_STR:
		break;
	}
	if (rc == 0 && opt->check)
		rc = opt->check(value, err, errlen);
	return rc;
}

void tb_free_state(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	free(state);
}
