/* `tinyben run`: select benchmarks, run them, write every sample as CSV or JSON Lines. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tinyben/bench.h"
#include "tinyben/rows.h"
#include "tinyben/threads.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"
#include "bounce.h"
#include "ctx_impl.h"
#include "run_args.h"
#include "runs.h"

/* Does a row variant of the current benchmark match one of the -b patterns
 * "GLOB[:VARIANTGLOB]"? */
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

/* Is a variant of the table part of this run: kept by the options, and selected itself or,
 * for a benchmark that scales, through one of its team rows (MEMCPY-t4)? */
static bool selected(const struct tb_ctx *ctx, const char *variant)
{
	const struct tb_bench *b = ctx->bench;
	if (b->planned && !b->planned(ctx, variant))
		return false;
	if (tb_row_selected(ctx, variant))
		return true;
	for (int i = 0; b->scales && ctx->settings.threads_given &&
			i < ctx->settings.n_thread_counts; i++) {
		char name[128];
		tb_thread_variant(ctx, variant, ctx->settings.thread_counts[i], name, sizeof(name));
		if (tb_row_selected(ctx, name))
			return true;
	}
	return false;
}

static int run_bench(struct tb_ctx *ctx, const struct tb_bench *b, size_t index, size_t total)
{
	tb_ctx_set_bench(ctx, b);
	void *state = NULL;
	if (ctx->progress)
		fprintf(stderr, "[%zu/%zu] %s: %s\n", index, total, b->name, b->description);
	if (ctx->progress && ctx->settings.threads_given && !b->scales)
		fprintf(stderr, "  %s: --threads does not apply, it runs as one thread\n", b->name);
	int rc = b->setup ? b->setup(ctx, &state) : 0;
	if (rc < 0) {
		/* What setup allocated before it failed is released by teardown (bench.h). */
		if (state && b->teardown)
			b->teardown(ctx, state);
		if (rc == -EINTR || tb_interrupted()) {
			tb_ctx_flush(ctx, true);
			return -EINTR;
		}
		if (!ctx->variant_reported_failure)
			tb_fail(ctx, NULL, "setup failed: %s", strerror(-rc));
		ctx->variant_reported_failure = false;
		tb_ctx_flush(ctx, true);
		return 0;
	}
	/* Every variant, however many the table holds (--runs shuffles their order). */
	size_t n_variants = 0;
	while (b->variants[n_variants])
		n_variants++;
	const char **order = malloc((n_variants + 1) * sizeof(*order));
	if (!order)
		abort();
	tb_runs_variant_order(b->variants, b->name, ctx->shuffle_seed, order, n_variants);
	for (const char *const *v = order; *v; v++) {
		if (!selected(ctx, *v))
			continue;
		ctx->variant = *v;
		ctx->variant_reported_failure = false;
		char why[512];
		rc = 0;
		if (b->supported && !b->supported(ctx, state, *v, why, sizeof(why))) {
			tb_skip(ctx, *v, "%s", why);
		} else if (!b->memory || tb_memory_check(ctx, *v, b->memory(ctx, state, *v))) {
			if (ctx->progress)
				fprintf(stderr, "  %s %s ...\n", b->name, *v);
			tb_bounce_mark(ctx);
			rc = b->run(ctx, state, *v);
		}
		if (rc == -EINTR || tb_interrupted()) {
			tb_ctx_flush(ctx, true);
			if (b->teardown)
				b->teardown(ctx, state);
			free(order);
			return -EINTR;
		}
		if (rc < 0 && !ctx->variant_reported_failure)
			tb_fail(ctx, *v, "%s", strerror(-rc));
		/* Every variant's rows reach the disk before the next one starts: a crash or a
		 * power cut keeps what was measured. */
		if (!tb_ctx_flush(ctx, true))
			break;
	}
	free(order);
	ctx->variant = NULL;
	if (b->teardown)
		b->teardown(ctx, state);
	tb_ctx_flush(ctx, true);
	return 0;
}

static int run_main(int argc, char **argv)
{
	struct tb_run_args a;
	int rc = tb_run_args_parse(argc, argv, &a);
	if (rc)
		return rc > 0 ? TB_EXIT_OK : TB_EXIT_USAGE;
	/* -o --force naming a file a benchmark reads (under any name) would replace it first. */
	const char *input = a.output && a.output_fd < 0 ? tb_input_file_named(a.output) : NULL;
	if (input) {
		tb_error("run: -o %s is the input file '%s' (--corpus or --set): writing the results "
			 "there would replace it", a.output, input);
		tb_run_args_free(&a);
		return TB_EXIT_USAGE;
	}
	if (a.runs > 1) {
		rc = tb_runs_main(argc, argv, &a, run_main);
		tb_run_args_free(&a);
		return rc;
	}

	struct tb_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.settings = a.settings;
	ctx.overrides = a.overrides;
	ctx.n_overrides = a.n_overrides;
	ctx.tags = a.tags;
	ctx.patterns = (const char *const *)a.patterns;
	ctx.n_patterns = a.n_patterns;
	ctx.shuffle_seed = a.shuffle_seed;
	ctx.progress = !a.quiet;

	const struct tb_bench *todo[256];
	size_t n_todo = 0;
	const struct tb_bench *left_out = NULL; /* named, but its options leave the variants out */
	for (size_t i = 0; i < tb_bench_count() && n_todo < 256; i++) {
		const struct tb_bench *b = tb_bench_at(i);
		tb_ctx_set_bench(&ctx, b);
		for (const char *const *v = b->variants; *v; v++) {
			if (selected(&ctx, *v)) {
				todo[n_todo++] = b;
				break;
			}
			if (!left_out && tb_row_selected(&ctx, *v))
				left_out = b;
		}
	}
	tb_runs_shuffle(todo, n_todo, sizeof(*todo), a.shuffle_seed);
	tb_ctx_set_bench(&ctx, NULL);
	if (n_todo == 0 && left_out) {
		tb_error("'%s' names only variants of %s that its options (--set, --quick) leave "
			 "out: see '%s' in 'tinyben list --options'", a.bench_arg, left_out->name,
			 left_out->name);
		tb_run_args_free(&a);
		return TB_EXIT_USAGE;
	}
	if (n_todo == 0) {
		tb_error("no benchmark matches '%s' (see 'tinyben list')", a.bench_arg);
		tb_run_args_free(&a);
		return TB_EXIT_USAGE;
	}
	/* The io benchmarks create their files under --dir: one they cannot write is bad usage,
	 * said before anything runs, not a failed row after the others have run. access()
	 * passes a deleted working directory and, for root, /proc: a file is made and removed. */
	for (size_t i = 0; i < n_todo; i++) {
		char group[32], probe[4096];
		tb_bench_group(todo[i], group, sizeof(group));
		if (strcmp(group, "io") != 0)
			continue;
		int fd = tb_tmp_create(a.settings.dir, "probe", probe, sizeof(probe));
		if (fd < 0) {
			tb_error("run: --dir '%s': not a directory this user can create files in",
				 a.settings.dir);
			tb_run_args_free(&a);
			return TB_EXIT_USAGE;
		}
		close(fd);
		unlink(probe);
		tb_tmp_forget(probe);
		break;
	}
	if (tb_ctx_timings_alloc(&ctx) < 0) {
		tb_error("run: -r %d: not enough memory to keep that many samples", a.settings.reps);
		tb_run_args_free(&a);
		return TB_EXIT_USAGE;
	}
	rc = a.output_fd >= 0 ? tb_sink_open_fd(&ctx.sink, a.output_fd, a.output_truncate, a.format,
						a.output)
			      : tb_sink_open(&ctx.sink, a.output, a.force, a.format);
	if (rc < 0) {
		tb_ctx_timings_free(&ctx);
		tb_run_args_free(&a);
		return tb_output_exit_code(rc);
	}

	tb_env_collect(&ctx.env);
	if (ctx.progress)
		fprintf(stderr, "tinyben %s: run %s on %s (%s, %s vCPUs, cc_level %s)\n",
			ctx.env.version, ctx.env.run_id, ctx.env.host, ctx.env.cpu_model,
			ctx.env.vcpus, ctx.env.cc_level);
	if (!a.no_header)
		tb_sink_header(&ctx.sink);
	tb_ctx_flush(&ctx, true);

	bool interrupted = false;
	for (size_t i = 0; i < n_todo && !interrupted && !ctx.sink.error; i++) {
		if (tb_interrupted() || run_bench(&ctx, todo[i], i + 1, n_todo) == -EINTR)
			interrupted = true;
	}
	bool written = tb_sink_close(&ctx.sink, NULL);
	tb_cleanup_all();
	if (!a.quiet)
		tb_summary_print(&ctx, stderr);

	int exit_code = TB_EXIT_OK;
	if (interrupted) {
		tb_error("interrupted: the rows measured so far are written");
		exit_code = TB_EXIT_INTERRUPTED;
	} else if (!written || ctx.n_failed) {
		exit_code = TB_EXIT_FAILED;
	}
	tb_kept_free(&ctx);
	tb_ctx_set_bench(&ctx, NULL);
	tb_ctx_timings_free(&ctx);
	tb_run_args_free(&a);
	return exit_code;
}

static const struct tb_verb run_verb = {
	.name = "run",
	.synopsis = "run [-b GLOB[,GLOB...]] [--quick] [-r REPS] [-o FILE] [--format csv|json] "
		    "[--force] [--tag KEY=VALUE]... [--set BENCH.KEY=VALUE]... [--dir DIR] "
		    "[--threads N[,N...]|all] [--redis ADDR] [--allow-device] [--min-time S] [-q] "
		    "[--runs N]",
	.summary = "run benchmarks and write every sample as CSV (or JSON Lines)",
	.main = run_main,
	.order = 10,
};
TB_REGISTER_VERB(run_verb);
