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
		.primary = true },
	{ 0 },
};

static const struct tb_option options[] = {
	{ .name = "size_mib", .type = TB_OPT_INT, .def = "32",
	  .min = 1, .max = 1 << 16,
	  .offset = offsetof(struct tmb_opts, size_mib),
	  .help = "size of the source and of the destination buffer, MiB (tinymembench: 32)" },
	{ .name = "max_isa", .type = TB_OPT_INT, .def = "2",
	  .min = 0, .max = 2,
	  .offset = offsetof(struct tmb_opts, max_isa),
	  .help = "highest instruction set to use: 0 SSE2, 1 AVX2, 2 AVX-512 (higher ones are skipped)" },
	{ 0 },
};

static char *align_up(char *p, size_t a)
{
	return (char *)(((uintptr_t)p + a - 1) & ~(uintptr_t)(a - 1));
}

static int bufs_alloc(struct bufs *b)
{
	b->region_len = 2 * b->size + TB_TMB_BLOCK + 4 * (size_t)ALIGN_PAD;
	b->region = mmap(NULL, b->region_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (b->region == MAP_FAILED) {
		b->region = NULL;
		return -ENOMEM;
	}
	char *p = align_up(b->region, ALIGN_PAD);
	b->src = (int64_t *)(p + OFF_SRC);
	p = align_up((char *)b->src + b->size, ALIGN_PAD);
	b->dst = (int64_t *)(p + OFF_DST);
	p = align_up((char *)b->dst + b->size, ALIGN_PAD);
	b->tmp = (int64_t *)(p + OFF_TMP);
	/* Written before timing, as tinymembench does: page faults are not bandwidth. */
	memset(b->region, 0xcc, b->region_len);
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

static const struct tb_tmb_kernel *kernel_of(const char *variant)
{
	for (size_t i = 0; i < tb_tmb_kernel_count; i++)
		if (strcmp(tb_tmb_kernels[i].variant, variant) == 0)
			return &tb_tmb_kernels[i];
	return NULL;
}

static bool supported(struct tb_ctx *ctx, void *state, const char *variant, char *why,
		      size_t len)
{
	(void)ctx;
	const struct tmb *t = state;
	const struct tb_tmb_kernel *k = kernel_of(variant);
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

/* The variant being run, for init_bufs and record. */
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

/* One row per repetition; threads is 0 for the default run. */
static void record(struct tb_ctx *ctx, void *arg, const char *variant, int threads,
		   const char *pinning, void *const *thread_args, const int *measured_in)
{
	(void)thread_args;
	const struct variant_run *v = arg;
	const struct tb_timing *tm = tb_timings(ctx, 0);
	int measured = measured_in[0];
	size_t size = v->t->size;
	char detail[1024];
	int n = threads ? threads : 1;
	for (int r = 0; r < measured; r++) {
		int len = snprintf(detail, sizeof(detail), "size_bytes=%zu iters=%llu mb_bytes=1000000",
				   size, (unsigned long long)tm[r].iters);
		if (v->k->two_pass)
			len += snprintf(detail + len, sizeof(detail) - (size_t)len, " block_bytes=%d",
					TB_TMB_BLOCK);
		if (strcmp(v->k->variant, "movsb-copy") == 0)
			len += snprintf(detail + len, sizeof(detail) - (size_t)len, " erms=%d fsrm=%d",
					v->t->erms, v->t->fsrm);
		if (threads)
			snprintf(detail + len, sizeof(detail) - (size_t)len,
				 " threads=%d buffers=private bw=aggregate %s", threads, pinning);
		double mbs = (double)n * (double)size * (double)tm[r].iters / tm[r].seconds / 1e6;
		tb_emit(ctx, variant, &metrics[0], r + 1, mbs, detail);
	}
}

static int run(struct tb_ctx *ctx, void *state, const char *variant)
{
	struct variant_run v = { .t = state, .k = kernel_of(variant) };
	/* With --threads: aggregate MB/s of N pinned threads started together. */
	struct tb_scaling sc = {
		.arg_size = sizeof(struct bufs), .bytes_per_thread = region_bytes(v.t), .arg = &v,
		.init = init_bufs, .phase = { { kernel, prepare } }, .record = record,
		.release = release,
	};
	return tb_team_variants(ctx, variant, &sc);
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
