/* Rows outside `tinyben run`: one output opener and a context for verbs such as exec. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	if (tb_output_open(output, force, &ctx->out) < 0) {
		free(ctx);
		return NULL;
	}
	ctx->bench = bench;
	ctx->format = TB_FORMAT_CSV;
	ctx->progress = progress;
	ctx->settings.reps = 1;
	tb_env_collect(&ctx->env);
	tb_ctx_write_header(ctx);
	tb_ctx_flush(ctx);
	return ctx;
}

bool tb_rows_flush(struct tb_ctx *ctx)
{
	return tb_ctx_flush(ctx);
}

int tb_rows_close(struct tb_ctx *ctx)
{
	tb_ctx_flush(ctx);
	bool bad = ctx->write_error || ctx->n_failed;
	if (ctx->out != stdout) {
		if (fclose(ctx->out) != 0 && !ctx->write_error) {
			tb_error("cannot write results: %s", strerror(errno));
			bad = true;
		}
	} else {
		fflush(stdout);
	}
	for (size_t i = 0; i < ctx->n_kept; i++) {
		free(ctx->kept[i].bench);
		free(ctx->kept[i].variant);
		free(ctx->kept[i].metric);
		free(ctx->kept[i].unit);
	}
	free(ctx->kept);
	free(ctx->pending);
	free(ctx);
	return bad ? TB_EXIT_FAILED : TB_EXIT_OK;
}
