/* mem.firsttouch: the cost of new memory. Maps fresh anonymous memory, writes one byte per
 * 4 KiB page (first touch: page fault, zeroing and, in an SEV-SNP or TDX guest, accepting
 * the page: PVALIDATE / TDG.MEM.PAGE.ACCEPT and a page-state change through the hypervisor
 * unless the kernel already accepted it), then writes them again (second touch: only the
 * stores). With 2 MiB pages one fault covers 512 of those 4 KiB steps.
 * Unaccepted: in /proc/meminfo (lazy memory acceptance, Linux >= 6.5) is read before and
 * after each first touch and written to detail, so a run shows whether the guest paid the
 * acceptance here or at boot. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "tinyben/timer.h"
#include "mem/procfs.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26) /* log2(2 MiB) << MAP_HUGE_SHIFT, linux/mman.h */
#endif

#define PAGE 4096u
#define HUGE (2u << 20)

/* arg: 1 for 2 MiB pages. */
static const struct tb_variant variants[] = { { "4k", .arg = 0 }, { "2m", .arg = 1 }, { 0 } };

struct firsttouch_opts {
	long long size_mib;
};

static const struct tb_option options[] = {
	TB_OPT_INT_FIELD(struct firsttouch_opts, size_mib, "1024", "64", 2, 1 << 20,
		         "fresh memory mapped and touched per repetition, MiB (rounded down to 2 MiB)"),
	{ 0 },
};

struct region {
	void *map;
	size_t map_len;
	char *base;          /* 2 MiB aligned for the huge-page variant */
	const char *method;  /* how the pages were obtained */
	bool hugetlb;        /* from hugetlbfs (AnonHugePages does not count them) */
};

/* The 2 MiB variant prefers hugetlbfs pages (MAP_HUGETLB: guaranteed 2 MiB, but only when
 * the admin reserved them in nr_hugepages), and otherwise asks for transparent huge pages
 * (MADV_HUGEPAGE before the first touch, so the fault allocates a huge page directly). */
static int map_fresh(struct region *r, size_t bytes, bool huge, char *why, size_t why_len)
{
	*r = (struct region){ 0 };
	if (huge) {
		r->map = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
		if (r->map != MAP_FAILED) {
			r->map_len = bytes;
			r->base = r->map;
			r->method = "hugetlb";
			r->hugetlb = true;
			return 0;
		}
	}
	r->map_len = bytes + (huge ? HUGE : 0);
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		snprintf(why, why_len, "mmap %zu MiB: %s", bytes >> 20, strerror(errno));
		return -ENOMEM;
	}
	r->base = huge ? (char *)(((uintptr_t)r->map + HUGE - 1) & ~(uintptr_t)(HUGE - 1)) : r->map;
	r->method = huge ? "thp" : "4k";
	if (madvise(r->map, r->map_len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0) {
		int e = errno;
		snprintf(why, why_len, "madvise(%s): %s", huge ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
			 strerror(e));
		munmap(r->map, r->map_len);
		r->map = NULL;
		return -e;
	}
	return 0;
}

/* One byte per 4 KiB page; returns seconds, or a negative value when interrupted. */
static double touch(char *base, size_t bytes, char value)
{
	volatile char *p = base;
	double t0 = tb_now();
	for (size_t off = 0; off < bytes; off += PAGE) {
		if ((off & ((512u * PAGE) - 1)) == 0 && tb_interrupted())
			return -1;
		p[off] = value;
	}
	return tb_now() - t0;
}

/* Phase 0 is the first touch, phase 1 the second; an operation is one 4 KiB page. */
static const struct tb_metric metrics[] = {
	{ "first_touch_bw", "MB/s", TB_HIGHER,
	  "fresh memory made usable per second (faults, zeroing, acceptance)",
	  .how = TB_BYTES_PER_S, .primary = true },
	{ "first_touch_ns_per_page", "ns", TB_LOWER, "first touch per 4 KiB", .how = TB_TIME_PER_OP },
	{ "second_touch_bw", "MB/s", TB_HIGHER, "the same pages touched again",
	  .how = TB_BYTES_PER_S, .phase = 1 },
	{ "second_touch_ns_per_page", "ns", TB_LOWER, "second touch per 4 KiB",
	  .how = TB_TIME_PER_OP, .phase = 1 },
	{ 0 },
};

/* One repetition: a fresh mapping (untimed), its first and second touch, the unmapping. */
struct ft_reps {
	struct tb_ctx *ctx;
	const char *variant;
	size_t bytes;
	bool huge;
	struct region r;
	double first, second;
	long long un0, un1, huge0, huge1;
};

static int rep_prepare(void *arg, int rep)
{
	(void)rep;
	struct ft_reps *f = arg;
	char why[160];
	int rc = map_fresh(&f->r, f->bytes, f->huge, why, sizeof(why));
	if (rc < 0)
		tb_fail(f->ctx, f->variant, "%s", why);
	return rc;
}

static int rep_measure(void *arg, int rep)
{
	(void)rep;
	struct ft_reps *f = arg;
	f->un0 = tb_proc_kib("/proc/meminfo", "Unaccepted:");
	f->huge0 = tb_proc_kib("/proc/self/smaps_rollup", "AnonHugePages:");
	f->first = touch(f->r.base, f->bytes, 1);
	f->un1 = tb_proc_kib("/proc/meminfo", "Unaccepted:");
	f->huge1 = tb_proc_kib("/proc/self/smaps_rollup", "AnonHugePages:");
	f->second = f->first < 0 ? -1 : touch(f->r.base, f->bytes, 2);
	return f->first < 0 || f->second < 0 ? -EINTR : 0;
}

static void rep_finish(void *arg, int rep)
{
	(void)rep;
	struct ft_reps *f = arg;
	munmap(f->r.map, f->r.map_len);
}

static void rep_record(void *arg, int rep, double seconds)
{
	(void)seconds; /* the two touches are timed apart, inside the repetition */
	struct ft_reps *f = arg;
	char detail[256];
	int len = snprintf(detail, sizeof(detail), "pages=%s touch_stride=4096", f->r.method);
	if (f->huge0 >= 0 && f->huge1 >= 0 && !f->r.hugetlb)
		len += snprintf(detail + len, sizeof(detail) - (size_t)len, " anon_huge_kib=%lld",
				f->huge1 - f->huge0);
	if (f->un0 >= 0 && f->un1 >= 0)
		snprintf(detail + len, sizeof(detail) - (size_t)len,
			 " unaccepted_kib_before=%lld unaccepted_kib_after=%lld", f->un0, f->un1);
	/* size_mib is the size used (rounded down to 2 MiB), not the option's text. */
	snprintf(detail + len, sizeof(detail) - (size_t)len, " size_mib=%zu", f->bytes >> 20);
	struct tb_work w = { .bytes = (double)f->bytes, .ops = (double)(f->bytes / PAGE),
			     .detail = detail };
	tb_emit_rep(f->ctx, f->variant, 0, rep, &(struct tb_timing){ .seconds = f->first }, 0,
		    NULL, &w);
	tb_emit_rep(f->ctx, f->variant, 1, rep, &(struct tb_timing){ .seconds = f->second }, 0,
		    NULL, &w);
}

static size_t size_bytes(struct tb_ctx *ctx)
{
	return ((size_t)TB_OPTS(ctx, struct firsttouch_opts)->size_mib << 20) & ~(size_t)(HUGE - 1);
}

static bool supported(struct tb_ctx *ctx, void *state, const struct tb_variant *v, char *why,
		      size_t len)
{
	(void)state;
	char mode[32];
	if (v->arg && !tb_thp_usable(mode, sizeof(mode)) &&
	    tb_proc_kib("/proc/meminfo", "HugePages_Free:") * (long long)HUGE <
		    (long long)size_bytes(ctx)) {
		snprintf(why, len, "no 2 MiB pages: transparent huge pages are '%s' and too few "
			 "hugetlb pages are reserved", mode);
		return false;
	}
	return true;
}

/* Twice the region: fresh pages must come from free memory, not from reclaim, or the
 * reclaim is what gets timed. */
static uint64_t memory(struct tb_ctx *ctx, void *state, const struct tb_variant *variant)
{
	(void)state;
	(void)variant;
	return 2ull * size_bytes(ctx);
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	(void)state;
	size_t bytes = size_bytes(ctx);
	/* Rep 0 is the warm-up (page-table pages, the allocator's own caches); not written. */
	struct ft_reps f = { .ctx = ctx, .variant = v->name, .bytes = bytes, .huge = v->arg };
	struct tb_rep_plan plan = { .warmup = true, .prepare = rep_prepare, .measure = rep_measure,
				    .finish = rep_finish, .record = rep_record };
	return tb_reps_run(ctx, &plan, &f);
}

TB_BENCH(firsttouch_bench, "mem.firsttouch",
	 "first and second touch of fresh anonymous memory (one byte per 4 KiB), "
	 "4 KiB and 2 MiB pages; Unaccepted: from /proc/meminfo in detail",
	 struct firsttouch_opts, .supported = supported, .memory = memory, .run = run);
