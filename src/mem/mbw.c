/* mem.mbw: the three copy kernels of mbw (MEMCPY, DUMB, MCBLOCK), measured as mbw does:
 * two arrays of `long`, both written before timing, bandwidth = one array's MiB / seconds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "tinyben/threads.h"
#include "tinyben/util.h"

struct mbw {
	long *src, *dst;
	size_t bytes;
	size_t block;
};

struct mbw_job {
	struct mbw *m;
	int kind;
	struct mbw own; /* this thread's arrays (the team driver gives each its own) */
};

enum { MEMCPY, DUMB, MCBLOCK };

static const struct tb_variant variants[] = {
	{ "MEMCPY", .arg = MEMCPY }, { "DUMB", .arg = DUMB }, { "MCBLOCK", .arg = MCBLOCK }, { 0 },
};

enum { M_BW, M_ELAPSED };
static const struct tb_metric metrics[] = {
	/* mbw prints MiB/s; kept so that the figures compare with mbw's own. */
	[M_BW] = { "bw", "MiB/s", TB_HIGHER, "one array's MiB copied per second (mbw's figure)",
		   .how = TB_BYTES_PER_S, .primary = true },
	[M_ELAPSED] = { "elapsed", "s", TB_LOWER, "seconds per copy of the array",
			.how = TB_TIME_PER_OP },
	{ 0 },
};

struct mbw_opts {
	long long size_mib;
	long long block_bytes;
};

static const struct tb_option options[] = {
	TB_OPT_INT_FIELD(struct mbw_opts, size_mib, "1024", "64", 1, 1 << 20,
		         "size of each of the two arrays, MiB"),
	TB_OPT_INT_FIELD(struct mbw_opts, block_bytes, "262144", NULL, 8, 1LL << 30,
		         "block size of MCBLOCK, bytes (mbw -b)"),
	{ 0 },
};

/* mbw's DUMB is a plain element loop; a compiler that recognises it turns it into a
 * memcpy call (Debian's mbw binary does: DESIGN.md, "Known traps") or vectorises it.
 * Both switches keep it one load and one store of a long per element, as the loop
 * the reference experiments measured. */
#if defined(__clang__)
__attribute__((noinline, no_builtin("memcpy")))
static void dumb_copy(long *restrict dst, const long *restrict src, size_t n)
{
#pragma clang loop vectorize(disable) interleave(disable)
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}
#else
__attribute__((noinline, optimize("no-tree-loop-distribute-patterns", "no-tree-vectorize")))
static void dumb_copy(long *restrict dst, const long *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}
#endif

/* mbw's MCBLOCK advances only the destination: every block is copied from the start of the
 * source array (mbw.c worker(): `b = mempcpy(b, a, block_size)` with `a` never moving;
 * Debian's mbw 1.2.2 binary does the same, its source register is loop-invariant). So the
 * source block stays in L2 and MCBLOCK measures cache -> DRAM writes, which is why mbw's
 * MCBLOCK beats its MEMCPY. Kept faithfully so the figures compare with mbw's. */
static void mcblock_copy(char *dst, const char *src, size_t bytes, size_t block)
{
	size_t done = 0;
	for (; done + block <= bytes; done += block)
		memcpy(dst + done, src, block);
	if (done < bytes)
		memcpy(dst + done, src, bytes - done);
}

static int kernel(void *arg, uint64_t iters)
{
	struct mbw_job *j = arg;
	struct mbw *m = j->m;
	for (uint64_t i = 0; i < iters; i++) {
		if (tb_interrupted())
			return -EINTR;
		switch (j->kind) {
		case MEMCPY: memcpy(m->dst, m->src, m->bytes); break;
		case DUMB: dumb_copy(m->dst, m->src, m->bytes / sizeof(long)); break;
		case MCBLOCK: mcblock_copy((char *)m->dst, (char *)m->src, m->bytes, m->block); break;
		}
		/* Keeps the copy observable so it cannot be optimised away. */
		__asm__ __volatile__("" : : "r"(m->dst) : "memory");
	}
	return 0;
}

static int setup(struct tb_ctx *ctx, void **state)
{
	const struct mbw_opts *o = TB_OPTS(ctx, struct mbw_opts);
	struct mbw *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->bytes = (size_t)o->size_mib << 20;
	m->block = (size_t)o->block_bytes;
	*state = m;
	return 0;
}

static int prepare(void *arg)
{
	struct mbw_job *j = arg;
	/* mbw writes a pattern into its arrays before timing: page faults are not copy cost. */
	j->own.src = tb_map_touched(j->own.bytes, 0xaa);
	j->own.dst = tb_map_touched(j->own.bytes, 0xaa);
	j->m = &j->own;
	return j->own.src && j->own.dst ? 0 : -ENOMEM;
}

static void release(void *arg)
{
	struct mbw_job *j = arg;
	if (j->own.src)
		munmap(j->own.src, j->own.bytes);
	if (j->own.dst)
		munmap(j->own.dst, j->own.bytes);
	j->own.src = j->own.dst = NULL;
}

/* The variant being run, for init_job. */
struct variant_run {
	const struct mbw *m;
	int kind;
};

/* One thread's job: its own arrays, allocated by prepare on its CPU. */
static void init_job(void *thread_arg, void *arg)
{
	const struct variant_run *v = arg;
	struct mbw_job *j = thread_arg;
	j->kind = v->kind;
	j->own.bytes = v->m->bytes;
	j->own.block = v->m->block;
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *variant)
{
	struct variant_run v = { .m = state, .kind = (int)variant->arg };
	/* With --threads: aggregate MiB/s of N pinned threads started together, each with
	 * arrays of its own. */
	struct tb_scaling sc = {
		.arg_size = sizeof(struct mbw_job), .bytes_per_thread = 2ull * v.m->bytes,
		.arg = &v, .init = init_job, .phase = { { kernel, prepare } }, .release = release,
		.work = { .bytes = (double)v.m->bytes,
			  .detail = v.kind == MCBLOCK ? "arrays=private src=first_block"
						      : "arrays=private" },
	};
	return tb_team_variants(ctx, variant->name, &sc);
}

TB_BENCH(mbw_bench, "mem.mbw",
	 "mbw's copy kernels: MEMCPY, DUMB (element loop), MCBLOCK (blocked memcpy)",
	 struct mbw_opts, .scales = true, .setup = setup, .run = run, .teardown = tb_free_state);
