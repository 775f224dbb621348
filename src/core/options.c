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
