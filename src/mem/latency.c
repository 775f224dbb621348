/* mem.latency: random-read latency for block sizes 1 KiB .. 256 MiB, single and dual chains,
 * with 4 KiB pages and with transparent huge pages, by two methods: ns per access, raw and
 * above L1.
 *
 * Method "cycle" (variants single|dual-PAGES-BYTES; pointer chasing over a random cyclic
 * permutation): the block is cut into 64-byte cache lines; a random order of all its lines
 * is shuffled (Fisher-Yates) and each line stores the address of the next line in that
 * order, the last pointing back to the first, so one cycle visits every line once. The
 * kernel then loads p = *p: each load's address is the value of the previous load, so the
 * core cannot start the next access before the last one completes (the time per load is
 * the full latency, not a throughput), and the address sequence has no stride or page-local
 * pattern for the hardware prefetchers (stream, stride, adjacent-line) to learn. Between two
 * visits of a line every other line is visited, so past the last-level cache every access
 * misses: this is the "every access misses" latency.
 *
 * Method "random" (variants rand-single|dual-PAGES-BYTES; tinymembench's method): each
 * address is drawn uniformly from the block's bytes by a linear congruential generator held
 * in a register, and the byte loaded there (always zero) is folded into the generator's
 * state, so the next address depends on the load just as in a chase. Draws repeat, so a
 * block somewhat larger than a cache still hits it in proportion (a 64 MiB block with a
 * 32 MiB L3 hits about half the time): these are the figures tinymembench prints, and the
 * ones to hold against it. The raw figure includes the generator's arithmetic; the figure
 * above L1 removes it with the same loop over the 1 KiB block.
 *
 * Pages of 4 KiB add the TLB misses of a random walk; with 2 MiB pages most of those go
 * away, which is why both are reported (as tinymembench does). "dual" runs two independent
 * dependent streams, alternating: it shows how much two misses overlap; as in tinymembench,
 * its figure is the time per step of both loads. The figure above the L1 baseline (latency
 * of the 1 KiB block, same method, chains and pages) is given beside the raw one. */
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

/* The random method's state: the generator is the chain (each draw depends on a load). */
struct draw {
	const unsigned char *block;
	uint32_t mask;         /* block bytes - 1 (blocks are powers of two) */
	uint32_t state;
};

struct lat {
	char *buf;             /* mapping, HUGE_ALIGN aligned inside */
	char *base;
	size_t map_len, cap;   /* cap: the largest block the mapping holds */
	int mapped_huge;       /* page kind of the mapping: 0 4 KiB, 1 THP, -1 none */
	long long huge_kib;    /* AnonHugePages the mapping got, -1 unknown */
	uint32_t *order;
	size_t order_len;      /* lines the order has room for */
	size_t chain_bytes;    /* the block the current cycle links, 0 none */
	size_t linked_bytes;   /* bytes from base a cycle wrote pointers into, since zeroed */
	struct chase chain;
	struct draw draw;
	double l1[2][2][2];    /* [random][huge][dual] baseline, ns; 0 until measured */
};

/* One variant per method, chain, page kind and block size: "single-4k-1024" ..
 * "rand-dual-thp-16GiB", in the order they run (a block's single and dual share the cycle
 * built for it; the methods share one mapping per page kind). The options keep the sizes up
 * to max_kib and the methods asked for (planned()). */
struct point {
	bool random, dual, huge;
	size_t bytes;
};
/* m: "" or "rand-" (random), p: "4k" or "thp" (huge); each row carries its point. */
#define POINT(m, rnd, p, huge, chain, dual, n) \
	{ m chain "-" p "-" #n, .data = &(const struct point){ rnd, dual, huge, n##ull } },
#define BLOCK(m, r, p, h, n) POINT(m, r, p, h, "single", false, n) POINT(m, r, p, h, "dual", true, n)
#define BLOCKS(m, r, p, h)                                                               \
	BLOCK(m, r, p, h, 1024) BLOCK(m, r, p, h, 2048) BLOCK(m, r, p, h, 4096)          \
	BLOCK(m, r, p, h, 8192) BLOCK(m, r, p, h, 16384) BLOCK(m, r, p, h, 32768)        \
	BLOCK(m, r, p, h, 65536) BLOCK(m, r, p, h, 131072) BLOCK(m, r, p, h, 262144)     \
	BLOCK(m, r, p, h, 524288) BLOCK(m, r, p, h, 1048576) BLOCK(m, r, p, h, 2097152)  \
	BLOCK(m, r, p, h, 4194304) BLOCK(m, r, p, h, 8388608)                            \
	BLOCK(m, r, p, h, 16777216) BLOCK(m, r, p, h, 33554432)                          \
	BLOCK(m, r, p, h, 67108864) BLOCK(m, r, p, h, 134217728)                         \
	BLOCK(m, r, p, h, 268435456) BLOCK(m, r, p, h, 536870912)                        \
	BLOCK(m, r, p, h, 1073741824) BLOCK(m, r, p, h, 2147483648)                      \
	BLOCK(m, r, p, h, 4294967296) BLOCK(m, r, p, h, 8589934592)                      \
	BLOCK(m, r, p, h, 17179869184)
static const struct tb_variant variants[] = {
	BLOCKS("", false, "4k", false) BLOCKS("", false, "thp", true)
	BLOCKS("rand-", true, "4k", false) BLOCKS("rand-", true, "thp", true) { 0 }
};

enum { METHOD_CYCLE, METHOD_RANDOM, METHOD_BOTH };
static const char *const methods[] = { "cycle", "random", "both", NULL };

struct latency_opts {
	long long max_kib;
	int method;
};

enum { M_LATENCY, M_ABOVE_L1 };
static const struct tb_metric metrics[] = {
	/* Written by run() (tb_emit): the baseline is the 1 KiB block's median, of another
	 * variant's repetitions. */
	[M_LATENCY] = { "latency", "ns", TB_LOWER, "time per dependent load (per step of both "
			"loads for dual)", .how = TB_EMITTED, .primary = true },
	[M_ABOVE_L1] = { "latency_above_l1", "ns", TB_LOWER,
			 "latency minus the 1 KiB block's (L1) median, clamped at 0",
			 .how = TB_EMITTED },
	{ 0 },
};

static const struct tb_option options[] = {
	TB_OPT_INT_FIELD(struct latency_opts, max_kib, "262144", "8192", 2, 1 << 24,
		         "largest block, KiB (blocks double from 1 KiB up to it)"),
	{ TB_OPT_FIELD(struct latency_opts, method), .type = TB_OPT_CHOICE, .def = "both",
	  .choices = methods,
	  .help = "cycle: a random cycle through every line (every access misses past the "
		  "caches); random: uniform draws with repeats, tinymembench's method (rand- "
		  "variants); both" },
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

/* One draw of the random method: two steps of the ANSI C LCG (multiplier 1103515245,
 * increment 12345), whose low bits are weak, so the address takes the top 16 bits of each
 * step; the loaded byte (zero: prepare_block clears what a cycle linked) is added to the
 * state, which makes the next draw wait for this load. tinymembench takes three steps and
 * ORs the byte in; the arithmetic differs, the dependence and the uniform draws do not, and
 * the figure above L1 removes the arithmetic either way. 16 draws per line of source keep
 * the loop's own cost small. */
#define LCG(s) ((s) = (s) * 1103515245u + 12345u)
#define DRAW1 LCG(x); a = x >> 16; LCG(x); a |= x & 0xffff0000u; x += b[a & mask];
#define DRAW16 DRAW1 DRAW1 DRAW1 DRAW1 DRAW1 DRAW1 DRAW1 DRAW1 \
	DRAW1 DRAW1 DRAW1 DRAW1 DRAW1 DRAW1 DRAW1 DRAW1
#define DRAW2 LCG(x); a = x >> 16; LCG(x); a |= x & 0xffff0000u;                 \
	LCG(x); c = x >> 16; LCG(x); c |= x & 0xffff0000u;                            \
	x += b[a & mask]; x += b[c & mask];
#define DRAW2x16 DRAW2 DRAW2 DRAW2 DRAW2 DRAW2 DRAW2 DRAW2 DRAW2 \
	DRAW2 DRAW2 DRAW2 DRAW2 DRAW2 DRAW2 DRAW2 DRAW2

static int random_single_kernel(void *arg, uint64_t iters)
{
	struct draw *d = arg;
	const unsigned char *b = d->block;
	uint32_t x = d->state, mask = d->mask, a;
	for (uint64_t i = 0; i < iters; i++) {
		if (tb_interrupted())
			return -EINTR;
		for (int j = 0; j < STEPS / 16; j++) {
			DRAW16
		}
	}
	d->state = x; /* the state is the result: no load can be optimised away */
	return 0;
}

static int random_dual_kernel(void *arg, uint64_t iters)
{
	struct draw *d = arg;
	const unsigned char *b = d->block;
	uint32_t x = d->state, mask = d->mask, a, c;
	for (uint64_t i = 0; i < iters; i++) {
		if (tb_interrupted())
			return -EINTR;
		for (int j = 0; j < STEPS / 16; j++) {
			DRAW2x16
		}
	}
	d->state = x;
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

static bool planned(const struct tb_ctx *ctx, const struct tb_variant *v)
{
	const struct latency_opts *o = TB_OPTS(ctx, struct latency_opts);
	const struct point *pt = v->data;
	if (pt->bytes > (size_t)o->max_kib << 10)
		return false;
	return o->method == METHOD_BOTH || o->method == (pt->random ? METHOD_RANDOM : METHOD_CYCLE);
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

static bool supported(struct tb_ctx *ctx, void *state, const struct tb_variant *v, char *why,
		      size_t len)
{
	(void)ctx;
	(void)state;
	const struct point pt = *(const struct point *)v->data;
	char mode[32];
	if (pt.random && pt.bytes > (size_t)UINT32_MAX + 1)
		snprintf(why, len, "the random method draws 32-bit offsets: blocks up to 4 GiB");
	else if (pt.huge && !tb_thp_usable(mode, sizeof(mode)))
		snprintf(why, len, "transparent huge pages are '%s' "
			 "(/sys/kernel/mm/transparent_hugepage/enabled)", mode);
	else
		return true;
	return false;
}

/* The block, its 2 MiB alignment slack and the shuffled order of its lines (cycle). */
static uint64_t memory(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	(void)ctx;
	(void)state;
	const struct point pt = *(const struct point *)v->data;
	return pt.bytes + HUGE_ALIGN + (pt.random ? 0 : pt.bytes / LINE * sizeof(uint32_t));
}

static void unmap_block(struct lat *l)
{
	if (l->buf)
		munmap(l->buf, l->map_len);
	l->buf = NULL;
	l->cap = 0;
	l->mapped_huge = -1;
	l->chain_bytes = 0;
	l->linked_bytes = 0;
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
static int build_cycle(struct lat *l, size_t bytes, char *why, size_t why_len)
{
	if (l->chain_bytes == bytes)
		return 0;
	l->chain_bytes = 0;
	size_t n = bytes / LINE;
	if (l->order_len < n) {
		uint32_t *order = realloc(l->order, n * sizeof(*order));
		if (!order) {
			snprintf(why, why_len, "no memory for the order of %zu lines", n);
			return -ENOMEM;
		}
		l->order = order;
		l->order_len = n;
	}
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
	if (bytes > l->linked_bytes)
		l->linked_bytes = bytes;
	return 0;
}

/* Readies the block for the point's method: its cycle, or the generator over its bytes
 * (reset, so every repetition and run draws the same addresses). */
static int prepare_block(struct lat *l, const struct point *pt, size_t bytes, char *why,
			 size_t why_len)
{
	if (!pt->random)
		return build_cycle(l, bytes, why, why_len);
	/* The draws must read zeros, whatever ran before on this mapping: a cycle's pointers
	 * would steer the addresses by what happened to run first (--runs shuffles). */
	if (l->linked_bytes) {
		int rc = touch_all(l->base, l->linked_bytes);
		if (rc < 0)
			return rc;
		l->linked_bytes = 0;
		l->chain_bytes = 0;
	}
	l->draw = (struct draw){ .block = (const unsigned char *)l->base,
				 .mask = (uint32_t)(bytes - 1) };
	return 0;
}

/* ns per load of each repetition measured (into ns); returns how many, or < 0. */
static int time_point(struct tb_ctx *ctx, struct lat *l, const struct point *pt, double *ns)
{
	struct tb_timing *t = tb_timings(ctx, 0);
	int m = pt->random
		? tb_time_reps(ctx, pt->dual ? random_dual_kernel : random_single_kernel, &l->draw, t)
		: tb_time_reps(ctx, pt->dual ? dual_kernel : single_kernel, &l->chain, t);
	for (int r = 0; r < m; r++)
		ns[r] = t[r].seconds * 1e9 / ((double)t[r].iters * STEPS);
	return m;
}

/* The L1 baseline of a method, chain and page kind: the median over the 1 KiB block. */
static int baseline(struct tb_ctx *ctx, struct lat *l, const struct point *pt, double *ns,
		    char *why, size_t why_len)
{
	int rc = prepare_block(l, pt, MIN_BLOCK, why, why_len);
	if (rc < 0)
		return rc;
	int m = time_point(ctx, l, pt, ns);
	if (m <= 0)
		return m < 0 ? m : -EINTR;
	l->l1[pt->random][pt->huge][pt->dual] = tb_median(ns, (size_t)m);
	return 0;
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	struct lat *l = state;
	const struct point pt = *(const struct point *)v->data;
	const char *variant = v->name;
	char why[160];
	double *ns = malloc((size_t)tb_settings(ctx)->reps * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	tb_progress(ctx, "%s block %zu KiB", variant, pt.bytes >> 10);
	int rc = map_block(l, pt.huge, pt.bytes, why, sizeof(why));
	/* The baseline comes from the 1 KiB block even when only larger ones are selected. */
	double *l1 = &l->l1[pt.random][pt.huge][pt.dual];
	if (rc == 0 && *l1 == 0 && pt.bytes != MIN_BLOCK)
		rc = baseline(ctx, l, &pt, ns, why, sizeof(why));
	if (rc == 0)
		rc = prepare_block(l, &pt, pt.bytes, why, sizeof(why));
	/* Every failure but Ctrl-C has said why (mapping, madvise, memory for the order). */
	if (rc < 0 && rc != -EINTR) {
		if (pt.huge && rc == -EINVAL)
			tb_skip(ctx, variant, "%s", why);
		else
			tb_fail(ctx, variant, "%s", why);
		free(ns);
		return rc == -EINVAL ? 0 : rc;
	}
	int m = rc < 0 ? rc : time_point(ctx, l, &pt, ns);
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
			 "block_bytes=%zu pages=%s chains=%d method=%s loads=%llu l1_ns=%.3f "
			 "anon_huge_kib=%lld",
			 pt.bytes, pages, pt.dual ? 2 : 1, pt.random ? "random" : "cycle",
			 (unsigned long long)tb_timings(ctx, 0)[r].iters * STEPS * (pt.dual ? 2 : 1),
			 *l1, l->huge_kib);
		tb_emit(ctx, variant, &metrics[M_LATENCY], r + 1, ns[r], detail);
		/* Clamped at 0 as tinymembench does: below the baseline is timer noise. */
		double above = ns[r] - *l1 > 0 ? ns[r] - *l1 : 0;
		tb_emit(ctx, variant, &metrics[M_ABOVE_L1], r + 1, above, detail);
	}
	free(ns);
	return 0;
}

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct lat *l = state;
	unmap_block(l);
	free(l->order);
	free(l);
}

TB_BENCH(latency_bench, "mem.latency",
	 "random-read latency per block size 1 KiB..max, single and dual chains, "
	 "4 KiB pages and THP, by a cycle through every line (single|dual-4k|thp-BYTES) "
	 "and by tinymembench's uniform draws (rand-single|dual-4k|thp-BYTES)",
	 struct latency_opts, .curve_axis = "block_bytes",
	 /* A quarter of --min-time per point: 25 sizes x 2 chains x 2 page kinds would
	  * otherwise take minutes; 0.125 s is still >= 1 M dependent loads at 100 ns. */
	 .time_share = 0.25,
	 .planned = planned, .setup = setup, .supported = supported, .memory = memory,
	 .run = run, .teardown = teardown);
