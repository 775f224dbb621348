/* Rows outside `tinyben run`: a context for verbs such as exec, with the run's sink. */
#include <errno.h>
#include <stdlib.h>

#include "tinyben/rows.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"
#include "ctx_impl.h"

struct tb_ctx *tb_rows_open(const struct tb_bench *bench, const char *output, bool force,
			    bool progress)
{
	struct tb_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->settings.reps = 1;
	int rc = tb_ctx_timings_alloc(ctx);
	if (rc >= 0)
		rc = tb_sink_open(&ctx->sink, output, force, TB_FORMAT_CSV);
	if (rc < 0) {
		tb_ctx_timings_free(ctx);
		free(ctx);
		errno = -rc; /* EBUSY: the output is another writer's (exit 75) */
		return NULL;
	}
	tb_ctx_set_bench(ctx, bench);
	ctx->progress = progress;
	tb_env_collect(&ctx->env);
	tb_sink_header(&ctx->sink);
	tb_ctx_flush(ctx, true);
	return ctx;
}

bool tb_rows_flush(struct tb_ctx *ctx)
{
	return tb_ctx_flush(ctx, true);
}

int tb_rows_close(struct tb_ctx *ctx)
{
	bool bad = !tb_sink_close(&ctx->sink, ctx->bench->name) || ctx->n_failed;
	tb_kept_free(ctx);
	tb_ctx_timings_free(ctx);
	free(ctx);
	return bad ? TB_EXIT_FAILED : TB_EXIT_OK;
}
