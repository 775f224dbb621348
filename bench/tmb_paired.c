/* mem.tmb's kernels against tinymembench's own, in one process, on the same buffers, window
 * by window: the question "is our kernel as fast as theirs?" without the load of a shared
 * machine in the answer. Whole runs of the two tools meet different load minutes apart (on
 * this host two whole-run comparisons in a row gave one line 0.87 and then 1.24); here a
 * window of ours and a window of theirs follow each other within tens of milliseconds, so load
 * that changes slower than a window hits both alike, and the ratio of each adjacent pair is
 * a paired sample.
 *
 * Built by bench/tmb-paired.sh in a temporary directory with tinymembench's util.c and
 * x86-sse2.S (from TMB_SRC) and tinyben's src/mem/tmb_kernels.c; never part of tinyben.
 *
 * usage: tmb_paired WINDOWS CALLS_PER_WINDOW SIZE_MIB [KERNEL...]
 * prints one line per kernel: name, windows, median of the paired ratios (ours / theirs, in
 * bandwidth), its quartiles, best / best and median / median, and both tools' MB/s. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem/tmb_kernels.h"
#include "util.h"
#include "x86-sse2.h"

typedef void (*theirs_fn)(int64_t *__restrict dst, int64_t *__restrict src, int size);

/* tinymembench's "standard memcpy/memset" lines call libc through a wrapper of this shape. */
static void libc_memcpy_theirs(int64_t *__restrict dst, int64_t *__restrict src, int size)
{
	memcpy(dst, src, (size_t)size);
}

static void libc_memset_theirs(int64_t *__restrict dst, int64_t *__restrict src, int size)
{
	memset(dst, (int)src[0], (size_t)size);
}

/* Our variant name and the tinymembench function its line calls (asm-opt.c, util.c). The
 * 2-pass lines are left out: they differ only in the driver loop, which is not a kernel. */
static const struct pair {
	const char *ours;
	theirs_fn theirs;
} pairs[] = {
	{ "c-copy-backwards", aligned_block_copy_backwards },
	{ "c-copy", aligned_block_copy },
	{ "c-copy-pf32", aligned_block_copy_pf32 },
	{ "c-copy-pf64", aligned_block_copy_pf64 },
	{ "c-fill", aligned_block_fill },
	{ "memcpy", libc_memcpy_theirs },
	{ "memset", libc_memset_theirs },
	{ "movsb-copy", aligned_block_copy_movsb },
	{ "movsd-copy", aligned_block_copy_movsd },
	{ "sse2-copy", aligned_block_copy_sse2 },
	{ "sse2-nt-copy", aligned_block_copy_nt_sse2 },
	{ "sse2-fill", aligned_block_fill_sse2 },
	{ "sse2-nt-fill", aligned_block_fill_nt_sse2 },
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The q-quantile of sorted v (linear between neighbours). */
static double quantile(const double *v, int n, double q)
{
	double pos = q * (n - 1);
	int i = (int)pos;
	return i + 1 < n ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[n - 1];
}

static const struct tb_tmb_kernel *our_kernel(const char *name)
{
	for (size_t i = 0; i < tb_tmb_kernel_count; i++)
		if (strcmp(tb_tmb_kernels[i].variant, name) == 0)
			return &tb_tmb_kernels[i];
	return NULL;
}

/* MB/s of one window: calls back-to-back copies (or fills) of size bytes. */
static double window_ours(tb_tmb_fn fn, int64_t *dst, int64_t *src, size_t size, int calls)
{
	double t0 = now();
	for (int c = 0; c < calls; c++)
		fn(dst, src, size);
	return (double)size * calls / (now() - t0) / 1e6;
}

static double window_theirs(theirs_fn fn, int64_t *dst, int64_t *src, size_t size, int calls)
{
	double t0 = now();
	for (int c = 0; c < calls; c++)
		fn(dst, src, (int)size);
	return (double)size * calls / (now() - t0) / 1e6;
}

static void compare_pair(const struct pair *p, int windows, int calls, int64_t *dst, int64_t *src,
			 size_t size)
{
	const struct tb_tmb_kernel *k = our_kernel(p->ours);
	if (!k) {
		fprintf(stderr, "tmb_paired: no kernel %s in this tinyben\n", p->ours);
		exit(1);
	}
	double *ours = calloc((size_t)windows, sizeof(double));
	double *theirs = calloc((size_t)windows, sizeof(double));
	double *ratio = calloc((size_t)windows, sizeof(double));
	if (!ours || !theirs || !ratio) {
		perror("tmb_paired");
		exit(1);
	}
	/* One warm-up window each: page faults and the first touch of the buffers. */
	window_ours(k->fn, dst, src, size, 1);
	window_theirs(p->theirs, dst, src, size, 1);
	for (int w = 0; w < windows; w++) {
		/* Alternate which goes first, so neither always follows the other's cache state. */
		if (w & 1) {
			theirs[w] = window_theirs(p->theirs, dst, src, size, calls);
			ours[w] = window_ours(k->fn, dst, src, size, calls);
		} else {
			ours[w] = window_ours(k->fn, dst, src, size, calls);
			theirs[w] = window_theirs(p->theirs, dst, src, size, calls);
		}
		ratio[w] = ours[w] / theirs[w];
	}
	qsort(ours, (size_t)windows, sizeof(double), cmp_double);
	qsort(theirs, (size_t)windows, sizeof(double), cmp_double);
	qsort(ratio, (size_t)windows, sizeof(double), cmp_double);
	printf("%-17s %4d %7.3f %7.3f %7.3f %7.3f %7.3f %9.0f %9.0f\n", p->ours, windows,
	       quantile(ratio, windows, 0.5), quantile(ratio, windows, 0.25),
	       quantile(ratio, windows, 0.75), ours[windows - 1] / theirs[windows - 1],
	       quantile(ours, windows, 0.5) / quantile(theirs, windows, 0.5),
	       quantile(ours, windows, 0.5), quantile(theirs, windows, 0.5));
	fflush(stdout);
	free(ours);
	free(theirs);
	free(ratio);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: tmb_paired WINDOWS CALLS_PER_WINDOW SIZE_MIB [KERNEL...]\n");
		return 2;
	}
	int windows = atoi(argv[1]), calls = atoi(argv[2]), mib = atoi(argv[3]);
	if (windows < 2 || calls < 1 || mib < 1 || mib > 1024) {
		fprintf(stderr, "tmb_paired: WINDOWS >= 2, CALLS >= 1, 1 <= SIZE_MIB <= 1024\n");
		return 2;
	}
	size_t size = (size_t)mib << 20;
	void *dst, *src;
	/* tinymembench's own placement (its anti-aliasing offsets), used by both kernels. */
	if (!alloc_four_nonaliased_buffers(&dst, (int)size, &src, (int)size, NULL, 0, NULL, 0)) {
		fprintf(stderr, "tmb_paired: cannot allocate 2 x %d MiB\n", mib);
		return 1;
	}
	printf("%-17s %4s %7s %7s %7s %7s %7s %9s %9s\n", "kernel", "win", "ratio", "q1", "q3",
	       "best", "med/med", "ours_MB/s", "tmb_MB/s");
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		int wanted = argc == 4;
		for (int a = 4; a < argc; a++)
			wanted |= strcmp(argv[a], pairs[i].ours) == 0;
		if (wanted)
			compare_pair(&pairs[i], windows, calls, dst, src, size);
	}
	return 0;
}
