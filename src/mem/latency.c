/* mem.latency: random-read latency for block sizes 1 KiB .. 256 MiB, single and dual chains,
 * with 4 KiB pages and with transparent huge pages: ns per access, raw and above L1.
 *
 * Method (pointer chasing over a random cyclic permutation): the block is cut into 64-byte
 * cache lines; a random order of all its lines is shuffled (Fisher-Yates) and each line
 * stores the address of the next line in that order, the last pointing back to the first,
 * so one cycle visits every line once. The kernel then loads p = *p: each load's address is
 * the value of the previous load, so the core cannot start the next access before the last
 * one completes (the time per load is the full latency, not a throughput), and the address
 * sequence has no stride or page-local pattern for the hardware prefetchers (stream, stride,
 * adjacent-line) to learn. Pages of 4 KiB add the TLB misses of a random walk; with 2 MiB
 * pages most of those go away, which is why both are reported (as tinymembench does).
 * "dual" walks the same cycle from two points half a cycle apart, alternating loads of two
 * independent chains: it shows how much two misses overlap; as in tinymembench, its figure
 * is the time per step of both loads. tinymembench uses an LCG for addresses and subtracts
 * the cost of the loop without loads; here the loop costs nothing but the loads, and the
 * figure above the L1 baseline (latency of the 1 KiB block) is given beside the raw one. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "tinyben/stats.h"
#include "mem/procfs.h"

#define LINE 64
#define STEPS 4096          /* dependent loads per kernel iteration */
#define MIN_BLOCK 1024      /* the L1 baseline block */
#define HUGE_ALIGN (2u << 20)

struct chase {
	void **p1, **p2;
};

struct lat {
	char *buf;             /* mapping, HUGE_ALIGN aligned inside */
	char *base;
	size_t map_len, max_bytes;
	uint32_t *order;
};

static const char *const variants[] = { "4k", "thp", NULL };

static const struct tb_option options[] = {
	{ "max_kib", TB_OPT_INT, "262144", "65536", 2, 1 << 24,
	  "largest block, KiB (blocks double from 1 KiB up to it)" },
	{ 0 },
};

/* 16 dependent loads per line of source keep loop overhead far below one miss. */
#define HOP1 p = (void **)*p;
#define HOP16 HOP1 HOP1 HOP1 HOP1 HOP1 HOP1 HOP1 HOP1 HOP1 HOP1 HOP1 HOP1 HOP1 HOP1 HOP1 HOP1
#define HOP2 p = (void **)*p; q = (void **)*q;
#define HOP2x16 HOP2 HOP2 HOP2 HOP2 HOP2 HOP2 HOP2 HOP2 HOP2 HOP2 HOP2 HOP2 HOP2 HOP2 HOP2 HOP2

static int single_kernel(void *arg, uint64_t iters)
{
	struct chase *c = arg;
	void **p = c->p1;
	for (uint64_t i = 0; i < iters; i++) {
		if (tb_interrupted())
			return -EINTR;
		for (int j = 0; j < STEPS / 16; j++) {
			HOP16
		}
	}
	c->p1 = p; /* the chain position is the result: nothing can be optimised away */
	return 0;
}

static int dual_kernel(void *arg, uint64_t iters)
{
	struct chase *c = arg;
	void **p = c->p1, **q = c->p2;
	for (uint64_t i = 0; i < iters; i++) {
		if (tb_interrupted())
			return -EINTR;
		for (int j = 0; j < STEPS / 16; j++) {
			HOP2x16
		}
	}
	c->p1 = p;
	c->p2 = q;
	return 0;
}

static uint64_t next_rand(uint64_t *s)
{
	/* splitmix64: fixed seed, so every run walks the same cycle shape */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Links the lines of [base, base + bytes) into one random cycle; returns the two starts. */
static void build_cycle(struct lat *l, size_t bytes, struct chase *c)
{
	size_t n = bytes / LINE;
	uint64_t seed = 0x74696e79ull + bytes;
	for (size_t i = 0; i < n; i++)
		l->order[i] = (uint32_t)i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(next_rand(&seed) % (i + 1));
		uint32_t t = l->order[i];
		l->order[i] = l->order[j];
		l->order[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		*(void **)(l->base + (size_t)l->order[i] * LINE) =
			l->base + (size_t)l->order[(i + 1) % n] * LINE;
	c->p1 = (void **)(l->base + (size_t)l->order[0] * LINE);
	c->p2 = (void **)(l->base + (size_t)l->order[n / 2] * LINE);
}

static int setup(struct tb_ctx *ctx, void **state)
{
	struct lat *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	*state = l;
	l->max_bytes = (size_t)tb_opt_int(ctx, "max_kib") << 10;
	l->order = malloc(l->max_bytes / LINE * sizeof(*l->order));
	return l->order ? 0 : -ENOMEM;
}

static int map_block(struct lat *l, bool huge, char *why, size_t why_len)
{
	l->map_len = l->max_bytes + HUGE_ALIGN;
	l->buf = mmap(NULL, l->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (l->buf == MAP_FAILED) {
		l->buf = NULL;
		snprintf(why, why_len, "mmap %zu bytes: %s", l->map_len, strerror(errno));
		return -ENOMEM;
	}
	/* 2 MiB aligned, so a huge page can back the block from its first byte. */
	l->base = (char *)(((uintptr_t)l->buf + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1));
	if (madvise(l->buf, l->map_len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0) {
		snprintf(why, why_len, "madvise(%s): %s", huge ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
			 strerror(errno));
		return -errno;
	}
	memset(l->buf, 0, l->map_len); /* faults now, not while timing */
	return 0;
}


/* One block size, one mode: emits a row pair per repetition. *l1 is the mode's baseline
 * (set from the first block, 1 KiB). Returns 0 or -EINTR / a kernel error. */
static int measure(struct tb_ctx *ctx, struct chase *c, bool dual, const char *pages,
		   size_t bytes, long long huge_kib, double *l1)
{
	const struct tb_settings *s = tb_settings(ctx);
	struct tb_timing *t = tb_timings(ctx, 0);
	/* A quarter of the usual minimum per point: 19 sizes x 2 chains x 2 page kinds would
	 * otherwise take minutes; 0.125 s is still >= 1 M dependent loads at 100 ns. */
	int m = tb_time_reps_n(ctx, dual ? dual_kernel : single_kernel, c, s->min_time / 4,
			       s->reps, t);
	if (m < 0)
		return m;
	double *ns = malloc((size_t)s->reps * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (int r = 0; r < m; r++)
		ns[r] = t[r].seconds * 1e9 / ((double)t[r].iters * STEPS);
	if (bytes == MIN_BLOCK && m > 0)
		*l1 = tb_median(ns, (size_t)m);
	char variant[64], detail[256];
	snprintf(variant, sizeof(variant), "%s-%s-%zu", dual ? "dual" : "single", pages, bytes);
	for (int r = 0; r < m; r++) {
		snprintf(detail, sizeof(detail),
			 "block_bytes=%zu pages=%s chains=%d loads=%llu l1_ns=%.3f anon_huge_kib=%lld",
			 bytes, pages, dual ? 2 : 1,
			 (unsigned long long)t[r].iters * STEPS * (dual ? 2 : 1), *l1, huge_kib);
		tb_emit_value(ctx, variant, "latency", "ns", "lower", r + 1, ns[r], detail);
		/* Clamped at 0 as tinymembench does: below the baseline is timer noise. */
		double above = ns[r] - *l1 > 0 ? ns[r] - *l1 : 0;
		tb_emit_value(ctx, variant, "latency_above_l1", "ns", "lower", r + 1, above, detail);
	}
	free(ns);
	return tb_interrupted() ? -EINTR : 0;
}

static int run(struct tb_ctx *ctx, void *state, const char *variant)
{
	struct lat *l = state;
	bool huge = strcmp(variant, "thp") == 0;
	char why[160], mode[32];
	if (huge && !tb_thp_usable(mode, sizeof(mode))) {
		tb_skip(ctx, variant, "transparent huge pages are '%s' "
			"(/sys/kernel/mm/transparent_hugepage/enabled)", mode);
		return 0;
	}
	long long before = tb_proc_kib("/proc/self/smaps_rollup", "AnonHugePages:");
	int rc = map_block(l, huge, why, sizeof(why));
	if (rc < 0) {
		if (huge && rc == -EINVAL) {
			tb_skip(ctx, variant, "%s", why);
			rc = 0;
		} else {
			tb_fail(ctx, variant, "%s", why);
		}
		goto out;
	}
	long long after = tb_proc_kib("/proc/self/smaps_rollup", "AnonHugePages:");
	long long huge_kib = before >= 0 && after >= 0 ? after - before : -1;

	double l1[2] = { 0, 0 };
	for (size_t bytes = MIN_BLOCK; bytes <= l->max_bytes && rc == 0; bytes *= 2) {
		struct chase c;
		tb_progress(ctx, "%s block %zu KiB", variant, bytes >> 10);
		build_cycle(l, bytes, &c);
		rc = measure(ctx, &c, false, variant, bytes, huge_kib, &l1[0]);
		if (rc == 0)
			rc = measure(ctx, &c, true, variant, bytes, huge_kib, &l1[1]);
	}
out:
	if (l->buf)
		munmap(l->buf, l->map_len);
	l->buf = NULL;
	return rc;
}

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct lat *l = state;
	if (!l)
		return;
	if (l->buf)
		munmap(l->buf, l->map_len);
	free(l->order);
	free(l);
}

static const struct tb_bench latency_bench = {
	.name = "mem.latency",
	.group = "mem",
	.description = "random-read latency (pointer chase) per block size 1 KiB..max, single and "
		       "dual chains, 4 KiB pages and THP; rows single|dual-4k|thp-BYTES",
	.variants = variants,
	.options = options,
	.setup = setup,
	.run = run,
	.teardown = teardown,
};
TB_REGISTER_BENCH(latency_bench);
