/* mem.tmb: tinymembench's bandwidth kernels (C, libc, MOVSB, SSE2, plus AVX2/AVX-512 where
 * the CPU has them) over two 32 MiB buffers; MB/s with 1 MB = 10^6 bytes as tinymembench.
 *
 * tinymembench (ssvb/tinymembench main.c, util.c) times each kernel in runs of >= 0.5 s,
 * repeats up to 10 times (stopping early once the spread is below 0.1% of the best) and
 * prints the best run with its relative standard deviation. We time with the shared
 * calibration loop (0.5 s a repetition by default, as tinymembench) and write every
 * repetition as a row, so best, median and spread can all be computed from the CSV. */
#include <cpuid.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "tinyben/threads.h"
#include "tinyben/util.h"
#include "mem/tmb_kernels.h"

/* tinymembench's anti-aliasing: every buffer starts on a 1 MiB boundary plus a different
 * cache-line-aligned offset (its 0xAAAAAAAA / 0x55555555 / 0xCCCCCCCC patterns masked to
 * [0, 1 MiB) in 128-byte steps), so source, destination and the 2-pass block never map to
 * the same cache sets or DRAM banks at the same moment. */
#define ALIGN_PAD (1u << 20)
#define OFF_MASK ((ALIGN_PAD - 1) & ~127u)
#define OFF_SRC (0xAAAAAAAAu & OFF_MASK)
#define OFF_DST (0x55555555u & OFF_MASK)
#define OFF_TMP (0xCCCCCCCCu & OFF_MASK)

struct bufs {
	void *region;
	size_t region_len;
	int64_t *src, *dst, *tmp;
	size_t size;
	const struct tb_tmb_kernel *k;  /* set per variant */
};

struct tmb {
	size_t size;                   /* of each of a thread's buffers */
	bool have[3];                  /* usable ISA levels (cpuid and OS state, xgetbv) */
	int max_isa;
	bool erms, fsrm;
};

struct tmb_opts {
	long long size_mib;
	long long max_isa;
};

static const struct tb_metric metrics[] = {
	{ "bw", "MB/s", TB_HIGHER, "buffer bytes per second, MB = 10^6 bytes (tinymembench)",
	  .how = TB_BYTES_PER_S, .primary = true },
	{ 0 },
};

static const struct tb_option options[] = {
	TB_OPT_INT_FIELD(struct tmb_opts, size_mib, "32", NULL, 1, 1 << 16,
		         "size of the source and of the destination buffer, MiB (tinymembench: 32)"),
	TB_OPT_INT_FIELD(struct tmb_opts, max_isa, "2", NULL, 0, 2,
		         "highest instruction set to use: 0 SSE2, 1 AVX2, 2 AVX-512 (higher ones are skipped)"),
	{ 0 },
};

static char *align_up(char *p, size_t a)
{
	return (char *)(((uintptr_t)p + a - 1) & ~(uintptr_t)(a - 1));
}

static int bufs_alloc(struct bufs *b)
{
	b->region_len = 2 * b->size + TB_TMB_BLOCK + 4 * (size_t)ALIGN_PAD;
	/* Written before timing, as tinymembench does: page faults are not bandwidth. */
	b->region = tb_map_touched(b->region_len, 0xcc);
	if (!b->region)
		return -ENOMEM;
	char *p = align_up(b->region, ALIGN_PAD);
	b->src = (int64_t *)(p + OFF_SRC);
	p = align_up((char *)b->src + b->size, ALIGN_PAD);
	b->dst = (int64_t *)(p + OFF_DST);
	p = align_up((char *)b->dst + b->size, ALIGN_PAD);
	b->tmp = (int64_t *)(p + OFF_TMP);
	return 0;
}

static void bufs_free(struct bufs *b)
{
	if (b->region)
		munmap(b->region, b->region_len);
	b->region = NULL;
}

static int kernel(void *arg, uint64_t iters)
{
	struct bufs *b = arg;
	const struct tb_tmb_kernel *k = b->k;
	for (uint64_t i = 0; i < iters; i++) {
		if (tb_interrupted())
			return -EINTR;
		if (k->two_pass) {
			/* tinymembench's 2-pass copy: each block goes source -> small buffer (stays
			 * in L1) -> destination; the bytes counted are the buffer size, once. */
			for (size_t off = 0; off < b->size; off += TB_TMB_BLOCK) {
				k->fn(b->tmp, b->src + off / 8, TB_TMB_BLOCK);
				k->fn(b->dst + off / 8, b->tmp, TB_TMB_BLOCK);
			}
		} else {
			k->fn(b->dst, b->src, b->size);
		}
		__asm__ __volatile__("" : : "r"(b->dst) : "memory");
	}
	return 0;
}

static int prepare(void *arg)
{
	return bufs_alloc(arg);
}

static void release(void *arg)
{
	bufs_free(arg);
}

static int setup(struct tb_ctx *ctx, void **state)
{
	struct tmb *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	*state = t;
	t->size = (size_t)TB_OPTS(ctx, struct tmb_opts)->size_mib << 20;
	t->max_isa = (int)TB_OPTS(ctx, struct tmb_opts)->max_isa;
	/* libgcc's cpu model checks CPUID and that the OS saves the registers (XGETBV). */
	__builtin_cpu_init();
	t->have[TB_ISA_BASE] = true;
	t->have[TB_ISA_AVX2] = __builtin_cpu_supports("avx2");
	t->have[TB_ISA_AVX512] = __builtin_cpu_supports("avx512f");
	unsigned a, b, c, d;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		t->erms = b & (1u << 9);  /* CPUID.7.0:EBX[9] enhanced REP MOVSB/STOSB */
		t->fsrm = d & (1u << 4);  /* CPUID.7.0:EDX[4] fast short REP MOVSB */
	}
	return 0;
}

static const char *const isa_names[] = { "SSE2", "AVX2", "AVX-512F" };

static bool supported(struct tb_ctx *ctx, void *state, const struct tb_variant *v, char *why,
		      size_t len)
{
	(void)ctx;
	const struct tmb *t = state;
	const struct tb_tmb_kernel *k = v->data;
	if (!t->have[k->isa])
		snprintf(why, len, "CPU (or OS) lacks %s: cpuid/xgetbv", isa_names[k->isa]);
	else if ((int)k->isa > t->max_isa)
		snprintf(why, len, "%s excluded by max_isa=%d", isa_names[k->isa], t->max_isa);
	else
		return true;
	return false;
}

/* The buffers of one thread: bufs_alloc's region. */
static uint64_t region_bytes(const struct tmb *t)
{
	return 2 * t->size + TB_TMB_BLOCK + 4 * (size_t)ALIGN_PAD;
}

/* The variant being run, for init_bufs. */
struct variant_run {
	const struct tmb *t;
	const struct tb_tmb_kernel *k;
};

/* One thread's buffers, allocated by prepare on its CPU. */
static void init_bufs(void *thread_arg, void *arg)
{
	const struct variant_run *v = arg;
	struct bufs *b = thread_arg;
	b->size = v->t->size;
	b->k = v->k;
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *variant)
{
	struct variant_run v = { .t = state, .k = variant->data };
	/* erms and fsrm say how fast libc's memcpy and MOVSB may be on this CPU. */
	char detail[160];
	snprintf(detail, sizeof(detail), "size_bytes=%zu buffers=private mb_bytes=1000000 "
		 "erms=%d fsrm=%d", v.t->size, v.t->erms, v.t->fsrm);
	if (v.k->two_pass)
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 " block_bytes=%d", TB_TMB_BLOCK);
	/* With --threads: aggregate MB/s of N pinned threads started together. */
	struct tb_scaling sc = {
		.arg_size = sizeof(struct bufs), .bytes_per_thread = region_bytes(v.t), .arg = &v,
		.init = init_bufs, .phase = { { kernel, prepare } }, .release = release,
		.work = { .bytes = (double)v.t->size, .detail = detail },
	};
	return tb_team_variants(ctx, variant->name, &sc);
}

static const struct tb_bench tmb_bench = {
	.name = "mem.tmb",
	.description = "tinymembench's copy/fill bandwidth kernels (C, memcpy/memset, MOVSB, SSE2, "
		       "AVX2, AVX-512), MB/s = 10^6 bytes/s",
	.variants = tb_tmb_variants, .metrics = metrics, .options = options,
	.opts_size = sizeof(struct tmb_opts), .scales = true,
	.setup = setup, .supported = supported, .run = run, .teardown = tb_free_state,
};
TB_REGISTER_BENCH(tmb_bench);
