/* `tinyben run`: select benchmarks, run them, write every sample as CSV or JSON Lines. */
#include <errno.h>
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
#include "select.h"

/* Why a selected variant cannot run here before the benchmark is asked: its row's
 * requirements. False with the reason in why. */
static bool row_runnable(const struct tb_variant *v, char *why, size_t len)
{
	int cpus = tb_cpu_count_allowed();
	if (v->min_cpus > cpus) {
		snprintf(why, len, "needs %d CPUs, this process may use %d", v->min_cpus, cpus);
		return false;
	}
	return true;
}

/* Setup said no selected variant can run: the reason on each one's row. */
static void setup_refused(struct tb_ctx *ctx, const struct tb_variant *const *order, int status)
{
	for (const struct tb_variant *const *v = order; *v; v++) {
		if (!tb_variant_selected(ctx, *v))
			continue;
		if (status == TB_SETUP_SKIPPED)
			tb_skip(ctx, (*v)->name, "%s", ctx->setup_reason);
		else
			tb_fail(ctx, (*v)->name, "%s", ctx->setup_reason);
	}
	free(ctx->setup_reason);
	ctx->setup_reason = NULL;
}

/* One selected variant: its requirements, supported(), memory(), then run(). */
static int run_variant(struct tb_ctx *ctx, const struct tb_bench *b, void *state,
		       const struct tb_variant *v)
{
	char why[512];
	if (!row_runnable(v, why, sizeof(why)) ||
	    (b->supported && !b->supported(ctx, state, v, why, sizeof(why)))) {
		tb_skip(ctx, v->name, "%s", why);
		return 0;
	}
	if (b->memory && !tb_memory_check(ctx, v->name, b->memory(ctx, state, v)))
		return 0;
	if (ctx->progress)
		fprintf(stderr, "  %s %s ...\n", b->name, v->name);
	tb_bounce_mark(ctx);
	return b->run(ctx, state, v);
}

static int run_bench(struct tb_ctx *ctx, const struct tb_bench *b, size_t index, size_t total)
{
	tb_ctx_set_bench(ctx, b);
	void *state = NULL;
	if (ctx->progress)
		fprintf(stderr, "[%zu/%zu] %s: %s\n", index, total, b->name, b->description);
	if (ctx->progress && ctx->settings.threads_given && !b->scales)
		fprintf(stderr, "  %s: --threads does not apply, it runs as one thread\n", b->name);
	/* Every variant, however many the table holds (--runs shuffles their order). */
	size_t n_variants = 0;
	while (b->variants[n_variants].name)
		n_variants++;
	const struct tb_variant **order = malloc((n_variants + 1) * sizeof(*order));
	if (!order)
		abort();
	tb_runs_variant_order(b->variants, b->name, ctx->shuffle_seed, order, n_variants);
	int rc = b->setup ? b->setup(ctx, &state) : 0;
	if (rc == TB_SETUP_SKIPPED || rc == TB_SETUP_FAILED) {
		setup_refused(ctx, order, rc);
		rc = 0;
		n_variants = 0;
	} else if (rc < 0) {
		/* What setup allocated before it failed is released by teardown (bench.h). */
		if (state && b->teardown)
			b->teardown(ctx, state);
		free(order);
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
	for (size_t i = 0; i < n_variants; i++) {
		const struct tb_variant *v = order[i];
		if (!tb_variant_selected(ctx, v))
			continue;
		ctx->variant = v->name;
		ctx->variant_reported_failure = false;
		rc = run_variant(ctx, b, state, v);
		if (rc == -EINTR || tb_interrupted()) {
			rc = -EINTR;
			break;
		}
		if (rc < 0 && !ctx->variant_reported_failure)
			tb_fail(ctx, v->name, "%s", strerror(-rc));
		rc = 0;
		/* Every variant's rows reach the disk before the next one starts: a crash or a
		 * power cut keeps what was measured. */
		if (!tb_ctx_flush(ctx, true))
			break;
	}
	free(order);
	tb_ctx_flush(ctx, true);
	ctx->variant = NULL;
	if (state && b->teardown)
		b->teardown(ctx, state);
	tb_ctx_flush(ctx, true);
	return rc;
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
	const struct tb_bench *left_out;
	size_t n_todo = tb_select_benches(&ctx, todo, 256, &left_out);
	tb_runs_shuffle(todo, n_todo, sizeof(*todo), a.shuffle_seed);
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
		if (!todo[i]->io)
			continue;
		char probe[4096];
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

TB_VERB(run,
	.order = 10,
	.synopsis = "run [-b GLOB[,GLOB...]] [--quick] [-r REPS] [-o FILE] [--format csv|json] "
		    "[--force] [--tag KEY=VALUE]... [--set BENCH.KEY=VALUE]... [--dir DIR] "
		    "[--threads N[,N...]|all] [--redis ADDR] [--allow-device] [--min-time S] [-q] "
		    "[--runs N]",
	.summary = "run benchmarks and write every sample as CSV (or JSON Lines)");
