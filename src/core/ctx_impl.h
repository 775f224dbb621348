/* The runner's side of struct tb_ctx (benchmarks see only tinyben/ctx.h). */
#ifndef TB_CORE_CTX_IMPL_H
#define TB_CORE_CTX_IMPL_H

#include <stdio.h>

#include "tinyben/ctx.h"
#include "env.h"

enum tb_format { TB_FORMAT_CSV, TB_FORMAT_JSON };

/* One --set BENCH.KEY=VALUE. */
struct tb_override {
	const struct tb_bench *bench;
	const struct tb_option *option;
	const char *value;
};

/* A sample kept for the summary on stderr. */
struct tb_kept {
	char *bench, *variant, *metric, *unit;
	double value;
};

struct tb_ctx {
	struct tb_settings settings;
	struct tb_env env;
	enum tb_format format;
	FILE *out;
	bool progress;
	char *tags;                  /* " tag.k=v" ... appended to every detail, or NULL */

	const struct tb_override *overrides;
	size_t n_overrides;

	/* Current benchmark and variant. */
	const struct tb_bench *bench;
	const char *variant;
	bool variant_reported_failure;
	int rows_this_variant;

	/* Rows waiting to be flushed (whole lines). */
	char *pending;
	size_t pending_len, pending_cap;
	bool write_error;

	struct tb_kept *kept;
	size_t n_kept, cap_kept;
	int n_failed, n_skipped, n_ok;
};

/* Writes the pending rows and flushes; false when the output cannot be written. */
bool tb_ctx_flush(struct tb_ctx *ctx);
void tb_ctx_write_header(struct tb_ctx *ctx);
/* Validates an option value against its declaration; message into err on failure. */
int tb_option_check(const struct tb_option *opt, const char *value, char *err, size_t errlen);
void tb_summary_print(const struct tb_ctx *ctx, FILE *f);

#endif
