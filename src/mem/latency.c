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
	size_t map_len, cap;   /* cap: the largest block the mapping holds */
	int mapped_huge;       /* page kind of the mapping: 0 4 KiB, 1 THP, -1 none */
	long long huge_kib;    /* AnonHugePages the mapping got, -1 unknown */
	uint32_t *order;
	size_t chain_bytes;    /* the block the current cycle links, 0 none */
	struct chase chain;
	double l1[2][2];       /* [huge][dual] baseline, ns; 0 until measured */
};

/* One variant per chain, page kind and block size: "single-4k-1024" .. "dual-thp-16GiB",
 * in the order they run (a block's single and dual share the cycle built for it). The
 * options keep the sizes up to max_kib (planned()). */
#define BLOCK(p, n) "single-" p "-" #n, "dual-" p "-" #n,
#define BLOCKS(p)                                                                        \
	BLOCK(p, 1024) BLOCK(p, 2048) BLOCK(p, 4096) BLOCK(p, 8192) BLOCK(p, 16384)      \
	BLOCK(p, 32768) BLOCK(p, 65536) BLOCK(p, 131072) BLOCK(p, 262144)                \
	BLOCK(p, 524288) BLOCK(p, 1048576) BLOCK(p, 2097152) BLOCK(p, 4194304)           \
	BLOCK(p, 8388608) BLOCK(p, 16777216) BLOCK(p, 33554432) BLOCK(p, 67108864)       \
	BLOCK(p, 134217728) BLOCK(p, 268435456) BLOCK(p, 536870912)                      \
	BLOCK(p, 1073741824) BLOCK(p, 2147483648) BLOCK(p, 4294967296)                   \
	BLOCK(p, 8589934592) BLOCK(p, 17179869184)
static const char *const variants[] = { BLOCKS("4k") BLOCKS("thp") NULL };

struct latency_opts {
	long long max_kib;
};

enum { M_LATENCY, M_ABOVE_L1 };
static const struct tb_metric metrics[] = {
	[M_LATENCY] = { "latency", "ns", TB_LOWER, "time per dependent load (per step of both "
			"loads for dual)" },
	[M_ABOVE_L1] = { "latency_above_l1", "ns", TB_LOWER,
			 "latency minus the 1 KiB block's (L1) median, clamped at 0" },
	{ 0 },
};

static const struct tb_option options[] = {
	{ .name = "max_kib", .type = TB_OPT_INT, .def = "262144", .quick = "8192",
	  .min = 2, .max = 1 << 24,
	  .offset = offsetof(struct latency_opts, max_kib),
	  .help = "largest block, KiB (blocks double from 1 KiB up to it)" },
	{ 0 },
};

struct point {
	bool dual, huge;
	size_t bytes;
};

static bool parse_point(const char *variant, struct point *pt)
{
	char chain[8], pages[4];
	unsigned long long bytes;
	*pt = (struct point){ 0 };
	if (sscanf(variant, "%7[a-z]-%3[a-z0-9]-%llu", chain, pages, &bytes) != 3)
		return false;
	pt->dual = strcmp(chain, "dual") == 0;
	pt->huge = strcmp(pages, "thp") == 0;
	pt->bytes = (size_t)bytes;
	return true;
}

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

static bool planned(const struct tb_ctx *ctx, const char *variant)
{
	struct point pt;
	return parse_point(variant, &pt) && pt.bytes <= (size_t)TB_OPTS(ctx, struct latency_opts)->max_kib << 10;
}

static int setup(struct tb_ctx *ctx, void **state)
{
	(void)ctx;
	struct lat *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->mapped_huge = -1;
	*state = l;
	return 0;
}

static bool supported(struct tb_ctx *ctx, void *state, const char *variant, char *why,
		      size_t len)
{
	(void)ctx;
	(void)state;
	struct point pt;
	char mode[32];
	parse_point(variant, &pt);
	if (pt.huge && !tb_thp_usable(mode, sizeof(mode))) {
		snprintf(why, len, "transparent huge pages are '%s' "
			 "(/sys/kernel/mm/transparent_hugepage/enabled)", mode);
		return false;
	}
	return true;
}

/* The block, its 2 MiB alignment slack and the shuffled order of its lines. */
static uint64_t memory(struct tb_ctx *ctx, void *state, const char *variant)
{
	(void)ctx;
	(void)state;
	struct point pt;
	parse_point(variant, &pt);
	return pt.bytes + HUGE_ALIGN + pt.bytes / LINE * sizeof(uint32_t);
}

static void unmap_block(struct lat *l)
{
	if (l->buf)
		munmap(l->buf, l->map_len);
	l->buf = NULL;
	l->cap = 0;
	l->mapped_huge = -1;
	l->chain_bytes = 0;
}

/* Zeroes memory a chunk at a time: faulting in gigabytes takes seconds, and Ctrl-C must
 * not wait for it. */
static int touch_all(char *p, size_t len)
{
	enum { CHUNK = 64 << 20 };
	for (size_t off = 0; off < len; off += CHUNK) {
		if (tb_interrupted())
			return -EINTR;
		memset(p + off, 0, len - off < CHUNK ? len - off : CHUNK);
	}
	return 0;
}

/* A mapping of the page kind asked for that holds `bytes`; grown (remapped) when a
 * larger block comes, as the blocks of one kind run in increasing size. */
static int map_block(struct lat *l, bool huge, size_t bytes, char *why, size_t why_len)
{
	if (l->buf && l->mapped_huge == huge && l->cap >= bytes)
		return 0;
	unmap_block(l);
	uint32_t *order = realloc(l->order, bytes / LINE * sizeof(*order));
	if (!order) {
		snprintf(why, why_len, "no memory for the order of %zu lines", bytes / LINE);
		return -ENOMEM;
	}
	l->order = order;
	long long before = tb_proc_kib("/proc/self/smaps_rollup", "AnonHugePages:");
	l->map_len = bytes + HUGE_ALIGN;
	l->buf = mmap(NULL, l->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (l->buf == MAP_FAILED) {
		l->buf = NULL;
		snprintf(why, why_len, "mmap %zu bytes: %s", l->map_len, strerror(errno));
		return -ENOMEM;
	}
	/* 2 MiB aligned, so a huge page can back the block from its first byte. */
	l->base = (char *)(((uintptr_t)l->buf + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1));
	if (madvise(l->buf, l->map_len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0) {
		int err = errno;
		snprintf(why, why_len, "madvise(%s): %s", huge ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
			 strerror(err));
		unmap_block(l);
		return -err;
	}
	l->mapped_huge = huge;
	l->cap = bytes;
	int rc = touch_all(l->buf, l->map_len); /* faults now, not while timing */
	long long after = tb_proc_kib("/proc/self/smaps_rollup", "AnonHugePages:");
	l->huge_kib = before >= 0 && after >= 0 ? after - before : -1;
	return rc;
}

/* Links the lines of the block into one random cycle (the two chains start half a cycle
 * apart). Checks for Ctrl-C as it goes: gigabytes of lines take seconds to shuffle. */
static int build_cycle(struct lat *l, size_t bytes)
{
	if (l->chain_bytes == bytes)
		return 0;
	l->chain_bytes = 0;
	size_t n = bytes / LINE;
	uint64_t seed = 0x74696e79ull + bytes;
	for (size_t i = 0; i < n; i++)
		l->order[i] = (uint32_t)i;
	for (size_t i = n - 1; i > 0; i--) {
		if ((i & 0xfffff) == 0 && tb_interrupted())
			return -EINTR;
		size_t j = (size_t)(next_rand(&seed) % (i + 1));
		uint32_t t = l->order[i];
		l->order[i] = l->order[j];
		l->order[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		if ((i & 0xfffff) == 0 && tb_interrupted())
			return -EINTR;
		*(void **)(l->base + (size_t)l->order[i] * LINE) =
			l->base + (size_t)l->order[(i + 1) % n] * LINE;
	}
	l->chain.p1 = (void **)(l->base + (size_t)l->order[0] * LINE);
	l->chain.p2 = (void **)(l->base + (size_t)l->order[n / 2] * LINE);
	l->chain_bytes = bytes;
	return 0;
}

/* ns per load of each repetition measured (into ns); returns how many, or < 0. */
static int time_point(struct tb_ctx *ctx, struct lat *l, bool dual, double *ns)
{
	struct tb_timing *t = tb_timings(ctx, 0);
	int m = tb_time_reps(ctx, dual ? dual_kernel : single_kernel, &l->chain, t);
	for (int r = 0; r < m; r++)
		ns[r] = t[r].seconds * 1e9 / ((double)t[r].iters * STEPS);
	return m;
}

/* The L1 baseline of a chain and page kind: the median over the 1 KiB block. */
static int baseline(struct tb_ctx *ctx, struct lat *l, const struct point *pt, double *ns)
{
	int rc = build_cycle(l, MIN_BLOCK);
	if (rc < 0)
		return rc;
	int m = time_point(ctx, l, pt->dual, ns);
	if (m <= 0)
		return m < 0 ? m : -EINTR;
	l->l1[pt->huge][pt->dual] = tb_median(ns, (size_t)m);
	return 0;
}

static int run(struct tb_ctx *ctx, void *state, const char *variant)
{
	struct lat *l = state;
	struct point pt;
	char why[160];
	parse_point(variant, &pt);
	double *ns = malloc((size_t)tb_settings(ctx)->reps * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	tb_progress(ctx, "%s block %zu KiB", variant, pt.bytes >> 10);
	int rc = map_block(l, pt.huge, pt.bytes, why, sizeof(why));
	if (rc < 0 && rc != -EINTR) {
		if (pt.huge && rc == -EINVAL)
			tb_skip(ctx, variant, "%s", why);
		else
			tb_fail(ctx, variant, "%s", why);
		free(ns);
		return rc == -EINVAL ? 0 : rc;
	}
	/* The baseline comes from the 1 KiB block even when only larger ones are selected. */
	double *l1 = &l->l1[pt.huge][pt.dual];
	if (rc == 0 && *l1 == 0 && pt.bytes != MIN_BLOCK)
		rc = baseline(ctx, l, &pt, ns);
	if (rc == 0)
		rc = build_cycle(l, pt.bytes);
	int m = rc < 0 ? rc : time_point(ctx, l, pt.dual, ns);
	if (m < 0) {
		free(ns);
		return m;
	}
	if (pt.bytes == MIN_BLOCK && m > 0)
		*l1 = tb_median(ns, (size_t)m);
	const char *pages = pt.huge ? "thp" : "4k";
	char detail[256];
	for (int r = 0; r < m; r++) {
		snprintf(detail, sizeof(detail),
			 "block_bytes=%zu pages=%s chains=%d loads=%llu l1_ns=%.3f anon_huge_kib=%lld",
			 pt.bytes, pages, pt.dual ? 2 : 1,
			 (unsigned long long)tb_timings(ctx, 0)[r].iters * STEPS * (pt.dual ? 2 : 1),
			 *l1, l->huge_kib);
		tb_emit(ctx, variant, &metrics[M_LATENCY], r + 1, ns[r], detail);
		/* Clamped at 0 as tinymembench does: below the baseline is timer noise. */
		double above = ns[r] - *l1 > 0 ? ns[r] - *l1 : 0;
		tb_emit(ctx, variant, &metrics[M_ABOVE_L1], r + 1, above, detail);
	}
	free(ns);
	return tb_interrupted() ? -EINTR : 0;
}

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct lat *l = state;
	if (!l)
		return;
	unmap_block(l);
	free(l->order);
	free(l);
}

static const struct tb_bench latency_bench = {
	.name = "mem.latency",
	.description = "random-read latency (pointer chase) per block size 1 KiB..max, single and "
		       "dual chains, 4 KiB pages and THP; variants single|dual-4k|thp-BYTES",
	.variants = variants, .metrics = metrics, .options = options,
	.opts_size = sizeof(struct latency_opts), .curve_axis = "block_bytes",
	/* A quarter of --min-time per point: 25 sizes x 2 chains x 2 page kinds would otherwise
	 * take minutes; 0.125 s is still >= 1 M dependent loads at 100 ns. */
	.time_share = 0.25,
	.planned = planned, .setup = setup, .supported = supported, .memory = memory, .run = run,
	.teardown = teardown,
};
TB_REGISTER_BENCH(latency_bench);
