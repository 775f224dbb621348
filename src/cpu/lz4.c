/* cpu.lz4: liblz4 compress and decompress in memory, measured as `lz4 -b` does. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lz4.h>
#include <lz4hc.h>

#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "tinyben/threads.h"
#include "tinyben/util.h"
#include "corpus.h"
#include "roundtrip.h"

static const char *const variants[] = { "level1", "level9", "level12", NULL };

enum { M_COMPRESS, M_DECOMPRESS, M_RATIO };
static const struct tb_metric metrics[] = {
	/* lz4 -b's MB/s: 10^6 bytes of input per second (bench.c divides by 1000000). */
	[M_COMPRESS] = { "compress_bw", "MB/s", TB_HIGHER,
			 "input bytes compressed per second, all streams together" },
	[M_DECOMPRESS] = { "decompress_bw", "MB/s", TB_HIGHER,
			   "input bytes restored per second, all streams together" },
	[M_RATIO] = { "ratio", "x", TB_HIGHER, "input size / compressed size" },
	{ 0 },
};

struct lz4_opts {
	long long size_mib;
	long long block_kib;
	const char *corpus;
};

static const struct tb_option options[] = {
	{ .name = "size_mib", .type = TB_OPT_INT, .def = "64", .quick = "8",
	  .min = 1, .max = 2047,
	  .offset = offsetof(struct lz4_opts, size_mib),
	  .help = "size of the generated corpus, MiB (ignored with --corpus)" },
	/* lz4 -b without -B benches each file as one block (bench.c: g_blockSize 0 means the
	 * whole input), so that is the default here too. */
	{ .name = "block_kib", .type = TB_OPT_INT, .def = "0",
	  .min = 0, .max = 2047 * 1024,
	  .offset = offsetof(struct lz4_opts, block_kib),
	  .help = "split the input into independent blocks of this size, KiB (lz4 -b -B); 0: one block" },
	{ .name = "corpus", .type = TB_OPT_STR, .def = "",
	  .offset = offsetof(struct lz4_opts, corpus), .check = tb_check_input_file,
	  .help = "compress this file instead of the generated corpus (--corpus FILE)" },
	{ 0 },
};

struct block {
	size_t off, len;  /* in the source and in the result */
	size_t coff, cap; /* room in the compressed buffer: LZ4_compressBound(len) */
};

struct lz4 {
	unsigned char *src;
	size_t len;
	struct block *blocks;
	size_t n_blocks, cbytes; /* cbytes: the whole compressed buffer's size */
	uint64_t hash;
	char origin[320];        /* detail words describing the input */
};

/* One thread's buffers: its own output, so threads are independent streams. */
struct lane {
	unsigned char *cbuf, *res;
	size_t *csize;
	void *state;             /* LZ4_stream_t or LZ4_streamHC_t */
	int err;
};

enum cmd { COMPRESS, DECOMPRESS, STOP };

struct job {
	struct lz4 *z;
	struct tb_ctx *ctx;
	const char *variant;
	int level, threads;
	struct lane *lanes;
	struct tb_team *team;
	enum cmd cmd;
	uint64_t iters;
	char pinning[256];
	int rc;
};

static void *map_touched(size_t bytes, int fill)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, fill, bytes); /* page faults are not compression cost */
	return p;
}

static int load_file(struct lz4 *z, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > LZ4_MAX_INPUT_SIZE) {
		close(fd);
		return -EINVAL;
	}
	z->len = (size_t)st.st_size;
	z->src = map_touched(z->len, 0);
	if (!z->src) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < z->len) {
		ssize_t r = read(fd, z->src + got, z->len - got);
		if (r < 0 && errno == EINTR && !tb_interrupted())
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : EIO;
			close(fd);
			return -e;
		}
		got += (size_t)r;
	}
	close(fd);
	return 0;
}

static int setup(struct tb_ctx *ctx, void **state)
{
	struct lz4 *z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	*state = z;
	const char *file = TB_OPTS(ctx, struct lz4_opts)->corpus;
	if (*file) {
		int rc = load_file(z, file);
		if (rc < 0) {
			const char *why = rc == -EINVAL ? "not a regular non-empty file under 2 GiB"
							: strerror(-rc);
			for (const char *const *v = variants; *v; v++)
				tb_fail(ctx, *v, "--corpus %s: %s", file, why);
			return rc;
		}
	} else {
		z->len = (size_t)TB_OPTS(ctx, struct lz4_opts)->size_mib << 20;
		z->src = map_touched(z->len, 0);
		if (!z->src)
			return -ENOMEM;
		tb_corpus_fill(z->src, z->len);
	}
	z->hash = tb_fnv1a64(z->src, z->len);
	size_t bs = (size_t)TB_OPTS(ctx, struct lz4_opts)->block_kib << 10;
	if (bs == 0 || bs > z->len)
		bs = z->len;
	z->n_blocks = (z->len + bs - 1) / bs;
	z->blocks = calloc(z->n_blocks, sizeof(*z->blocks));
	if (!z->blocks)
		return -ENOMEM;
	for (size_t i = 0, off = 0; i < z->n_blocks; i++, off += bs) {
		struct block *b = &z->blocks[i];
		b->off = off;
		b->len = z->len - off < bs ? z->len - off : bs;
		b->coff = z->cbytes;
		b->cap = (size_t)LZ4_compressBound((int)b->len);
		z->cbytes += b->cap;
	}
	snprintf(z->origin, sizeof(z->origin), "corpus=%s bytes=%zu fnv1a64=%016" PRIx64
		 " block_kib=%zu blocks=%zu lz4=%s", file ? file : "generated", z->len, z->hash,
		 bs >> 10, z->n_blocks, LZ4_versionString());
	return 0;
}

/* One pass over every block: what lz4 -b times (LZ4_compress_fast at acceleration 1 is
 * LZ4_compress_fast_extState with a stack state; LZ4_compress_HC is the extStateHC form
 * with a heap state), here with a state allocated once per thread. */
static int compress_pass(const struct job *j, struct lane *l)
{
	const struct lz4 *z = j->z;
	for (size_t i = 0; i < z->n_blocks; i++) {
		const struct block *b = &z->blocks[i];
		const char *in = (const char *)z->src + b->off;
		char *out = (char *)l->cbuf + b->coff;
		int n = j->level < LZ4HC_CLEVEL_MIN
				? LZ4_compress_fast_extState(l->state, in, out, (int)b->len, (int)b->cap, 1)
				: LZ4_compress_HC_extStateHC(l->state, in, out, (int)b->len, (int)b->cap,
							     j->level);
		if (n <= 0)
			return -EIO;
		l->csize[i] = (size_t)n;
	}
	return 0;
}

static int decompress_pass(const struct job *j, struct lane *l)
{
	const struct lz4 *z = j->z;
	for (size_t i = 0; i < z->n_blocks; i++) {
		const struct block *b = &z->blocks[i];
		int n = LZ4_decompress_safe((const char *)l->cbuf + b->coff, (char *)l->res + b->off,
					    (int)l->csize[i], (int)b->len);
		if (n != (int)b->len)
			return -EIO; /* corrupt or short: the round trip failed */
	}
	return 0;
}

static void do_work(struct job *j, int index)
{
	struct lane *l = &j->lanes[index];
	for (uint64_t k = 0; k < j->iters && l->err == 0; k++) {
		if (tb_interrupted()) {
			l->err = -EINTR;
			break;
		}
		l->err = j->cmd == COMPRESS ? compress_pass(j, l) : decompress_pass(j, l);
	}
}

/* No team (one unpinned stream): nothing to wait for. */
static void barrier(struct job *j)
{
	if (j->team)
		tb_team_barrier(j->team);
}

/* Thread 0's kernel for tb_time_reps: every thread runs `iters` passes between two
 * barriers, so the time covers the slowest stream and throughput is the aggregate. */
static int team_kernel(void *arg, uint64_t iters)
{
	struct job *j = arg;
	j->iters = iters;
	barrier(j);
	do_work(j, 0);
	barrier(j);
	for (int i = 0; i < j->threads; i++)
		if (j->lanes[i].err)
			return j->lanes[i].err;
	return 0;
}

static int lane_init(struct job *j, struct lane *l)
{
	const struct lz4 *z = j->z;
	l->cbuf = map_touched(z->cbytes, 0xe5);
	l->res = map_touched(z->len, 0xd6);
	l->csize = calloc(z->n_blocks, sizeof(*l->csize));
	l->state = j->level < LZ4HC_CLEVEL_MIN ? calloc(1, (size_t)LZ4_sizeofState())
					       : calloc(1, (size_t)LZ4_sizeofStateHC());
	return l->cbuf && l->res && l->csize && l->state ? 0 : -ENOMEM;
}

static void lane_free(const struct lz4 *z, struct lane *l)
{
	if (l->cbuf)
		munmap(l->cbuf, z->cbytes);
	if (l->res)
		munmap(l->res, z->len);
	free(l->csize);
	free(l->state);
}

static void emit(struct job *j, int metric, const struct tb_timing *t, int measured)
{
	const struct lz4 *z = j->z;
	size_t csum = 0;
	for (size_t i = 0; i < z->n_blocks; i++)
		csum += j->lanes[0].csize[i];
	char detail[640];
	for (int r = 0; r < measured; r++) {
		snprintf(detail, sizeof(detail), "%s threads=%d %s passes=%" PRIu64 " compressed=%zu",
			 z->origin, j->threads, j->pinning, t[r].iters, csum);
		double mb = (double)z->len * (double)t[r].iters * j->threads / 1e6;
		tb_emit(j->ctx, j->variant, &metrics[metric], r + 1, mb / t[r].seconds, detail);
		if (metric == M_COMPRESS)
			tb_emit(j->ctx, j->variant, &metrics[M_RATIO], r + 1,
				(double)z->len / (double)csum, detail);
	}
}

/* Thread 0 drives the measurement; the others wait for commands at the barrier. */
static int worker(struct tb_team *team, int index, void *arg)
{
	struct job *j = arg;
	j->team = team;
	struct lane *l = &j->lanes[index];
	l->err = lane_init(j, l); /* on its own CPU: first touch places memory near it */
	barrier(j);
	if (index != 0) {
		for (;;) {
			tb_team_barrier(team);
			if (j->cmd == STOP)
				return 0;
			do_work(j, index);
			tb_team_barrier(team);
		}
	}
	struct tb_timing *tc = tb_timings(j->ctx, 0), *td = tb_timings(j->ctx, 1);
	int rc = 0, nc = 0, nd = 0;
	for (int i = 0; i < j->threads; i++)
		if (j->lanes[i].err)
			rc = j->lanes[i].err;
	if (rc == 0) {
		j->cmd = COMPRESS;
		nc = rc = tb_time_reps(j->ctx, team_kernel, j, tc);
	}
	if (rc > 0) {
		for (int i = 0; i < j->threads; i++)
			memset(j->lanes[i].res, 0xd6, j->z->len); /* stale output cannot pass */
		j->cmd = DECOMPRESS;
		nd = rc = tb_time_reps(j->ctx, team_kernel, j, td);
	}
	j->cmd = STOP;
	barrier(j);
	if (rc < 0 || nc == 0 || nd == 0) {
		j->rc = rc < 0 ? rc : -EINTR; /* nothing measured means interrupted */
		return 0;
	}
	/* The round trip, checked on every thread (tests/cpu/test_roundtrip.c). */
	const unsigned char **outputs = malloc((size_t)j->threads * sizeof(*outputs));
	if (!outputs) {
		j->rc = -ENOMEM;
		return 0;
	}
	for (int i = 0; i < j->threads; i++)
		outputs[i] = j->lanes[i].res;
	int bad = tb_roundtrip_mismatch(outputs, j->threads, j->z->src, j->z->len);
	free(outputs);
	if (bad >= 0) {
		tb_fail(j->ctx, j->variant, "round trip mismatch on thread %d: decompressed "
			"data differs from the input (fnv1a64 %016" PRIx64 " vs %016" PRIx64 ")",
			bad, tb_fnv1a64(j->lanes[bad].res, j->z->len), j->z->hash);
		j->rc = -EBADMSG;
		return 0;
	}
	emit(j, M_COMPRESS, tc, nc);
	emit(j, M_DECOMPRESS, td, nd);
	j->rc = tb_interrupted() ? -EINTR : 0;
	return 0;
}

static int run(struct tb_ctx *ctx, void *state, const char *variant)
{
	struct lz4 *z = state;
	if (!z->src)
		return -EIO; /* setup reported it */
	const struct tb_settings *s = tb_settings(ctx);
	int level = atoi(variant + strlen("level"));
	for (int k = 0; k < s->n_thread_counts; k++) {
		int threads = s->thread_counts[k];
		/* One stream keeps the plain variant name; more streams are their own variant,
		 * so a comparison never mixes 1-thread and N-thread rows. */
		char name[32];
		if (threads == 1)
			snprintf(name, sizeof(name), "%s", variant);
		else
			snprintf(name, sizeof(name), "%s-t%d", variant, threads);
		/* Each stream has its own compressed and decompressed buffers. */
		if (!tb_memory_check(ctx, name, (uint64_t)threads * (z->cbytes + z->len)))
			continue;
		tb_progress(ctx, "%s: %d thread(s), %zu bytes, level %d", name, threads, z->len, level);
		struct job j = { .z = z, .ctx = ctx, .variant = name, .level = level,
				 .threads = threads };
		j.lanes = calloc((size_t)threads, sizeof(*j.lanes));
		if (!j.lanes)
			return -ENOMEM;
		/* Without --threads, one stream runs where the scheduler puts it, as `lz4 -b`
		 * does: pinned to the first CPU it would lose to anything else pinned there
		 * (measured here: half of lz4 -b's speed on a shared 2-CPU machine). */
		int rc;
		if (threads == 1 && !s->threads_given) {
			snprintf(j.pinning, sizeof(j.pinning), "pinned=no");
			rc = worker(NULL, 0, &j);
		} else {
			rc = tb_team_run(threads, worker, &j, j.pinning, sizeof(j.pinning));
		}
		for (int i = 0; i < threads; i++)
			lane_free(z, &j.lanes[i]);
		free(j.lanes);
		if (rc == 0)
			rc = j.rc;
		if (rc == -EINTR || tb_interrupted())
			return -EINTR;
		if (rc == -EBADMSG)
			continue; /* the round-trip failure row is written */
		if (rc == -EIO)
			tb_fail(ctx, name, "liblz4 returned an error (compress 0 or decompress short)");
		else if (rc < 0)
			tb_fail(ctx, name, "%s", strerror(-rc));
	}
	return 0;
}

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct lz4 *z = state;
	if (!z)
		return;
	if (z->src)
		munmap(z->src, z->len);
	free(z->blocks);
	free(z);
}

static const struct tb_bench lz4_bench = {
	.name = "cpu.lz4",
	.group = "cpu",
	.description = "liblz4 in memory, as lz4 -b: levels 1, 9, 12 (HC); MB/s of input and ratio",
	.variants = variants,
	.metrics = metrics,
	.options = options,
	.opts_size = sizeof(struct lz4_opts),
	.setup = setup,
	.run = run,
	.teardown = teardown,
};
TB_REGISTER_BENCH(lz4_bench);
