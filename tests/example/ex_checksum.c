/* example.checksum: the example benchmark of docs/ADDING_A_BENCHMARK.md. It sums a buffer
 * byte by byte or a word at a time; the test suite builds it into a tinyben of its own
 * (tests/example/meson.build) and checks its rows, so the guide cannot rot. It is not part
 * of the tinyben users get. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/bench.h"
#include "tinyben/ctx.h"

/* The options, stored by the runner at each option's offset (tb_opts). */
struct checksum_opts {
	long long size_kib;
};

static const struct tb_option options[] = {
	{ TB_OPT_FIELD(struct checksum_opts, size_kib), .type = TB_OPT_INT,
	  .def = "1024", .quick = "64", .min = 1, .max = 1 << 20,
	  .help = "size of the buffer that is summed, KiB" },
	{ 0 },
};

/* What the metrics are derived from: the runner computes every value from the iterations
 * and seconds it measured and the bytes of one iteration (struct tb_work). */
static const struct tb_metric metrics[] = {
	{ "bw", "MB/s", TB_HIGHER, "bytes summed per second, MB = 10^6 bytes",
	  .primary = true, .how = TB_BYTES_PER_S },
	{ "pass_time", "us", TB_LOWER, "time of one pass over the buffer", .how = TB_TIME_PER_OP },
	{ 0 },
};

/* The state setup builds once for every variant: one block, so tb_free_state frees it. */
struct checksum {
	size_t len;
	uint64_t sum;      /* the result: kept so that no pass can be optimised away */
	unsigned char buf[];
};

/* The kernels: `iters` passes over the buffer. A kernel checks tb_interrupted() in long
 * loops so that Ctrl-C ends a repetition early (the runner drops that repetition). */
static int sum_bytes(void *arg, uint64_t iters)
{
	struct checksum *c = arg;
	for (uint64_t i = 0; i < iters && !tb_interrupted(); i++)
		for (size_t k = 0; k < c->len; k++)
			c->sum += c->buf[k];
	return 0;
}

static int sum_words(void *arg, uint64_t iters)
{
	struct checksum *c = arg;
	for (uint64_t i = 0; i < iters && !tb_interrupted(); i++) {
		for (size_t k = 0; k + 8 <= c->len; k += 8) {
			uint64_t w;
			memcpy(&w, c->buf + k, 8);
			c->sum += w;
		}
	}
	return 0;
}

/* Each variant is a row that carries its kernel: the runner runs the rows in this order and
 * -b example.checksum:words selects one by its name. */
static const struct tb_variant variants[] = {
	{ "bytes", .kernel = sum_bytes },
	{ "words", .kernel = sum_words },
	{ 0 },
};

static int setup(struct tb_ctx *ctx, void **state)
{
	size_t len = (size_t)TB_OPTS(ctx, struct checksum_opts)->size_kib << 10;
	struct checksum *c = malloc(sizeof(*c) + len);
	if (!c)
		return -ENOMEM;
	*state = c; /* stored at once: the runner's teardown frees it even if the rest fails */
	c->len = len;
	c->sum = 0;
	/* Written before anything is timed: page faults are not what this measures. */
	for (size_t k = 0; k < c->len; k++)
		c->buf[k] = (unsigned char)(k * 131);
	return 0;
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	struct checksum *c = state;
	/* One iteration is one pass: len bytes. The runner calibrates the iterations to
	 * --min-time, warms up, times the repetitions and writes one row per metric each. */
	struct tb_work w = { .bytes = (double)c->len, .detail = "buffer=heap" };
	return tb_calibrated(ctx, v->name, v->kernel, c, &w);
}

TB_BENCH(checksum_bench, "example.checksum",
	 "the guide's example: sum a buffer bytewise or a word at a time",
	 struct checksum_opts, .setup = setup, .run = run, .teardown = tb_free_state);
