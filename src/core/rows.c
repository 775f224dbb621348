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

int tb_output_open(const char *path, bool force, FILE **out)
{
	if (!path) {
		*out = stdout;
		return 0;
	}
	struct stat st;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			tb_error("%s: not a regular file; refusing to write results there", path);
			return -EINVAL;
		}
		if (!force) {
			tb_error("%s: already exists (use --force to replace it)", path);
			return -EEXIST;
		}
	}
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
	int fd = open(path, flags, 0644);
	if (fd < 0) {
		int err = errno;
		tb_error("%s: cannot create: %s", path, strerror(err));
		return -err;
	}
	*out = fdopen(fd, "w");
	if (!*out) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

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
