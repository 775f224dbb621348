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

static const struct tb_variant variants[] = {
	{ "level1", .arg = 1 }, { "level9", .arg = 9 }, { "level12", .arg = 12 }, { 0 },
};

enum { M_COMPRESS, M_RATIO, M_DECOMPRESS };
static const struct tb_metric metrics[] = {
	/* lz4 -b's MB/s: 10^6 bytes of input per second (bench.c divides by 1000000). */
	[M_COMPRESS] = { "compress_bw", "MB/s", TB_HIGHER,
			 "input bytes compressed per second, all streams together",
			 .how = TB_BYTES_PER_S, .primary = true },
	[M_RATIO] = { "ratio", "x", TB_HIGHER, "input size / compressed size", .how = TB_VALUE },
	[M_DECOMPRESS] = { "decompress_bw", "MB/s", TB_HIGHER,
			   "input bytes restored per second, all streams together",
			   .how = TB_BYTES_PER_S, .phase = 1 },
	{ 0 },
};

struct lz4_opts {
	long long size_mib;
	long long block_kib;
	const char *corpus;
};

/* What load_file takes, said before anything runs: a readable regular file, not empty (there
 * is nothing to compress), under 2 GiB (LZ4_MAX_INPUT_SIZE). */
static int check_corpus(const char *value, char *err, size_t len)
{
	struct stat st;
	int rc = tb_check_input_file(value, err, len);
	if (rc || !*value)
		return rc;
	if (stat(value, &st) != 0 || st.st_size == 0 || st.st_size >= (2LL << 30)) {
		snprintf(err, len, "'%s' is not a non-empty file under 2 GiB", value);
		return -EINVAL;
	}
	return 0;
}

static const struct tb_option options[] = {
	TB_OPT_INT_FIELD(struct lz4_opts, size_mib, "64", "4", 1, 2047,
		         "size of the generated corpus, MiB (ignored with --corpus)"),
	/* lz4 -b without -B benches each file as one block (bench.c: g_blockSize 0 means the
	 * whole input), so that is the default here too. */
	TB_OPT_INT_FIELD(struct lz4_opts, block_kib, "0", NULL, 0, 2047 * 1024,
		         "split the input into independent blocks of this size, KiB (lz4 -b -B); 0: one block"),
	{ TB_OPT_FIELD(struct lz4_opts, corpus), .type = TB_OPT_STR, .def = "",
	  .check = check_corpus,
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
	char skip[512];          /* why the corpus does not fit in memory (setup's reason) */
};

/* The variant being run: the input and the level, and the detail of its rows. */
struct job {
	const struct lz4 *z;
	int level;
	char detail[400];
};

/* One thread's buffers: its own output, so threads are independent streams. */
struct lane {
	const struct job *j;
	unsigned char *cbuf, *res;
	size_t *csize;
	void *state;             /* LZ4_stream_t or LZ4_streamHC_t */
};

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
	if (!tb_memory_fits(z->len, z->skip, sizeof(z->skip))) {
		close(fd);
		return 0;
	}
	z->src = tb_map_touched(z->len, 0);
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
		if (rc == 0 && z->skip[0])
			return tb_setup_skip(ctx, "the corpus %s", z->skip);
		if (rc < 0)
			return tb_setup_fail(ctx, "--corpus %s: %s", file,
					     rc == -EINVAL ? "not a regular non-empty file under 2 GiB"
							   : strerror(-rc));
	} else {
		z->len = (size_t)TB_OPTS(ctx, struct lz4_opts)->size_mib << 20;
		/* The shared input is allocated before any variant: the same memory check. */
		if (!tb_memory_fits(z->len, z->skip, sizeof(z->skip)))
			return tb_setup_skip(ctx, "the corpus %s", z->skip);
		z->src = tb_map_touched(z->len, 0);
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
	snprintf(z->origin, sizeof(z->origin), "input=%s bytes=%zu fnv1a64=%016" PRIx64
		 " blocks=%zu lz4=%s", *file ? "file" : "generated", z->len, z->hash, z->n_blocks,
		 LZ4_versionString());
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

/* The timed kernels: `iters` passes over every block, on this thread's buffers. */
static int passes(struct lane *l, uint64_t iters, int (*pass)(const struct job *, struct lane *))
{
	int rc = 0;
	for (uint64_t k = 0; k < iters && rc == 0; k++)
		rc = tb_interrupted() ? -EINTR : pass(l->j, l);
	return rc;
}

static int compress_kernel(void *arg, uint64_t iters)
{
	return passes(arg, iters, compress_pass);
}

static int decompress_kernel(void *arg, uint64_t iters)
{
	return passes(arg, iters, decompress_pass);
}

static void lane_set(void *thread_arg, void *arg)
{
	((struct lane *)thread_arg)->j = arg;
}

/* On the thread's own CPU: first touch places its memory near it. */
static int lane_init(void *arg)
{
	struct lane *l = arg;
	const struct lz4 *z = l->j->z;
	l->cbuf = tb_map_touched(z->cbytes, 0xe5);
	l->res = tb_map_touched(z->len, 0xd6);
	l->csize = calloc(z->n_blocks, sizeof(*l->csize));
	l->state = l->j->level < LZ4HC_CLEVEL_MIN ? calloc(1, (size_t)LZ4_sizeofState())
						  : calloc(1, (size_t)LZ4_sizeofStateHC());
	return l->cbuf && l->res && l->csize && l->state ? 0 : -ENOMEM;
}

/* Before decompressing: output left from anything earlier cannot pass the check. */
static int lane_spoil(void *arg)
{
	struct lane *l = arg;
	memset(l->res, 0xd6, l->j->z->len);
	return 0;
}

static void lane_free(void *arg)
{
	struct lane *l = arg;
	const struct lz4 *z = l->j->z;
	if (l->cbuf)
		munmap(l->cbuf, z->cbytes);
	if (l->res)
		munmap(l->res, z->len);
	free(l->csize);
	free(l->state);
}

/* Both phases measured: the round trip is checked on every thread (a fast decompressor of
 * garbage is wrong; tests/cpu/test_roundtrip.c) before the runner writes the rows. */
static bool check(struct tb_ctx *ctx, void *arg, const char *variant, int threads,
		  void *const *thread_args, struct tb_work *w)
{
	struct job *j = arg;
	int n = threads ? threads : 1;
	const unsigned char **outputs = malloc((size_t)n * sizeof(*outputs));
	if (!outputs) {
		tb_fail(ctx, variant, "%s", strerror(ENOMEM));
		return false;
	}
	for (int i = 0; i < n; i++)
		outputs[i] = ((const struct lane *)thread_args[i])->res;
	int bad = tb_roundtrip_mismatch(outputs, n, j->z->src, j->z->len);
	free(outputs);
	if (bad >= 0) {
		const struct lane *l = thread_args[bad];
		tb_fail(ctx, variant, "round trip mismatch on thread %d: decompressed data differs "
			"from the input (fnv1a64 %016" PRIx64 " vs %016" PRIx64 ")", bad,
			tb_fnv1a64(l->res, j->z->len), j->z->hash);
		return false;
	}
	const struct lane *l0 = thread_args[0];
	size_t csum = 0;
	for (size_t i = 0; i < j->z->n_blocks; i++)
		csum += l0->csize[i];
	snprintf(j->detail, sizeof(j->detail), "%s compressed=%zu", j->z->origin, csum);
	w->detail = j->detail;
	w->value = (double)j->z->len / (double)csum;
	return true;
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	const struct lz4 *z = state;
	struct job j = { .z = z, .level = (int)v->arg };
	tb_progress(ctx, "%s: %zu bytes, level %d", v->name, z->len, j.level);
	/* Each stream has its own compressed and decompressed buffers. */
	struct tb_scaling sc = {
		.arg_size = sizeof(struct lane), .bytes_per_thread = z->cbytes + z->len, .arg = &j,
		.init = lane_set,
		.phase = { { compress_kernel, lane_init }, { decompress_kernel, lane_spoil } },
		.work = { .bytes = (double)z->len }, .check = check, .release = lane_free,
		.eio_means = "liblz4 returned an error (compress 0 or decompress short)",
	};
	return tb_team_variants(ctx, v->name, &sc);
}

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct lz4 *z = state;
	if (z->src)
		munmap(z->src, z->len);
	free(z->blocks);
	free(z);
}

TB_BENCH(lz4_bench, "cpu.lz4",
	 "liblz4 in memory, as lz4 -b: levels 1, 9, 12 (HC); MB/s of input and ratio",
	 struct lz4_opts, .scales = true, .setup = setup, .run = run, .teardown = teardown);
