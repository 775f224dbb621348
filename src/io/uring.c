/* io.uring: fio-style time-based jobs (randread, randwrite, read, write at depth 1 and 32)
 * on a file tinyben writes first, through io_uring with a registered file and fixed buffers,
 * or pread/pwrite where io_uring is unavailable; plus the latency of a 4 KiB write followed
 * by fdatasync, the price SQLite pays per transaction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/uring_job.h"
#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "tinyben/timer.h"
#include "tinyben/util.h"

/* Each job's row carries its job (qd 32 stands for the qd_deep option); fsync has none. */
#define JOB(name, op, rnd, depth) { name, .data = &(const struct uring_job){ .rw = op, \
						.random = rnd, .qd = depth } }
static const struct tb_variant variants[] = {
	JOB("randread-qd1", RW_READ, true, 1), JOB("randread-qd32", RW_READ, true, 32),
	JOB("randwrite-qd1", RW_WRITE, true, 1), JOB("randwrite-qd32", RW_WRITE, true, 32),
	JOB("read-qd1", RW_READ, false, 1), JOB("read-qd32", RW_READ, false, 32),
	JOB("write-qd1", RW_WRITE, false, 1), JOB("write-qd32", RW_WRITE, false, 32),
	{ "fsync", .data = NULL },
	{ 0 },
};

static const struct tb_metric metrics[] = {
	{ "iops", "IO/s", TB_HIGHER, "I/Os completed per second of the repetition",
	  .how = TB_OPS_PER_S, .primary = true },
	/* MB is 10^6 bytes, as fio's "(MB/s)" and as disk vendors count. */
	{ "bw", "MB/s", TB_HIGHER, "iops x block size (not for fsync)", .how = TB_BYTES_PER_S },
	TB_LATENCY_METRICS("us", "completion latency (fio clat)"),
	{ 0 },
};

/* The rows of one repetition: ios over the engine's own elapsed time (a time-based job
 * measures from its first submission to its last completion), bytes unless bs is 0. */
static void emit_rep(struct tb_ctx *ctx, const char *variant, int rep, uint64_t ios,
		     double elapsed, const struct tb_hist *clat, size_t bs, const char *detail)
{
	struct tb_work w = { .ops = (double)ios, .bytes = (double)ios * (double)bs, .hist = clat,
			     .detail = detail };
	tb_emit_rep(ctx, variant, 0, rep, &(struct tb_timing){ .seconds = elapsed }, 0, NULL, &w);
}

static const char *const engines[] = { "auto", "io_uring", "psync", NULL };

/* O_DIRECT transfers are whole logical blocks, so a block size that is not a multiple of
 * 512 is bad usage, refused with the other option errors before anything runs. */
static int check_bs(const char *value, char *err, size_t len)
{
	long long v = 0;
	if (tb_parse_ll(value, 512, 16 << 20, &v) == 0 && v % 512) {
		snprintf(err, len, "%lld is not a multiple of 512", v);
		return -EINVAL;
	}
	return 0;
}

/* file names a block device or nothing: tinyben never writes into a file it did not create. */
static int check_file(const char *value, char *err, size_t len)
{
	struct stat st;
	if (!*value)
		return 0;
	if (stat(value, &st) != 0) {
		snprintf(err, len, "'%s': %s", value, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISBLK(st.st_mode)) {
		snprintf(err, len, "'%s' is not a block device (files are only ever created by "
			 "tinyben, under --dir)", value);
		return -EINVAL;
	}
	return 0;
}

static const struct tb_option options[] = {
	TB_OPT_INT_FIELD(struct uring_opts, size, "1G", "64M", 1 << 20, 1LL << 50,
		         "test file size, bytes (k/M/G suffixes); checked against free space first"),
	{ TB_OPT_FIELD(struct uring_opts, rand_bs), .type = TB_OPT_INT, .def = "4k", .min = 512,
	  .max = 16 << 20, .check = check_bs, .help = "block size of randread/randwrite" },
	{ TB_OPT_FIELD(struct uring_opts, seq_bs), .type = TB_OPT_INT, .def = "128k", .min = 512,
	  .max = 16 << 20, .check = check_bs, .help = "block size of read/write" },
	TB_OPT_INT_FIELD(struct uring_opts, qd_deep, "32", NULL, 2, 4096,
		         "queue depth of the -qd32 variants (detail qd= records the depth used)"),
	TB_OPT_INT_FIELD(struct uring_opts, runtime_ms, "5000", "250", 10, 3600000,
		         "length of each time-based repetition, ms"),
	TB_OPT_INT_FIELD(struct uring_opts, ramp_ms, "1000", "50", 0, 600000,
		         "unrecorded warm-up run per job, ms"),
	{ TB_OPT_FIELD(struct uring_opts, direct), .type = TB_OPT_BOOL, .def = "1",
	  .help = "O_DIRECT (falls back to buffered where the file system refuses it)" },
	{ TB_OPT_FIELD(struct uring_opts, engine), .type = TB_OPT_CHOICE, .def = "auto",
	  .choices = engines,
	  .help = "auto (io_uring, else psync, said in detail), psync, or io_uring (as auto, "
		  "but ignores TINYBEN_NO_IO_URING=1)" },
	{ TB_OPT_FIELD(struct uring_opts, file), .type = TB_OPT_STR, .def = "", .check = check_file,
	  .help = "a block device to measure instead of a file under --dir (needs allow_device)" },
	{ TB_OPT_FIELD(struct uring_opts, allow_device), .type = TB_OPT_BOOL, .def = "0",
	  .help = "let file name a block device, whose data the write jobs destroy (--allow-device)" },
	{ 0 },
};

struct uring_state {
	struct uring_target t;
	bool opened;
	bool want_psync;        /* forced by option or environment */
	char engine_note[96];   /* why psync, once io_uring was found unavailable */
	struct tb_hist *clat;
};

/* io_uring can be compiled in and still refused: kernel.io_uring_disabled=2 (EPERM for
 * all), =1 (EPERM outside io_uring_group), seccomp filters of containers (EPERM/ENOSYS). */
static void disabled_note(char *buf, size_t len, int err)
{
	int v = -1;
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	if (v > 0)
		snprintf(buf, len, "engine=psync io_uring=%s(kernel.io_uring_disabled=%d)",
			 strerrorname_np(err) ? strerrorname_np(err) : "error", v);
	else
		snprintf(buf, len, "engine=psync io_uring=%s",
			 strerrorname_np(err) ? strerrorname_np(err) : "error");
}

static int setup(struct tb_ctx *ctx, void **state)
{
	struct uring_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*state = s;
	s->t.fd_direct = s->t.fd_buffered = -1;
	s->clat = malloc(sizeof(*s->clat));
	if (!s->clat)
		return -ENOMEM;
	int eng = TB_OPTS(ctx, struct uring_opts)->engine;
	const char *no = getenv("TINYBEN_NO_IO_URING");
	if (eng == ENGINE_PSYNC) {
		s->want_psync = true;
		snprintf(s->engine_note, sizeof(s->engine_note), "engine=psync forced=option");
	} else if (no && *no && strcmp(no, "0") && eng != ENGINE_IO_URING) {
		s->want_psync = true;
		snprintf(s->engine_note, sizeof(s->engine_note),
			 "engine=psync forced=TINYBEN_NO_IO_URING");
	}
	int rc = tb_uring_target_open(ctx, &s->t);
	s->opened = true;
	if (rc == 0 && s->t.skip[0])
		return tb_setup_skip(ctx, "%s", s->t.skip);
	if (rc == 0 && s->t.fail[0])
		return tb_setup_fail(ctx, "%s", s->t.fail);
	return rc;
}

/* The job of a variant row, with the sizes the options give. */
static struct uring_job job_of(const struct tb_variant *v, const struct tb_ctx *ctx)
{
	const struct uring_opts *o = TB_OPTS(ctx, struct uring_opts);
	struct uring_job job = *(const struct uring_job *)v->data;
	job.qd = job.qd == 1 ? 1 : (unsigned)o->qd_deep;
	job.bs = (size_t)(job.random ? o->rand_bs : o->seq_bs);
	return job;
}

/* One time-based run with the engine chosen; *psync tells which one ran. */
static int one_run(struct uring_state *s, struct uring_job *job, void *bufs, bool *psync,
		   struct uring_result *res)
{
	memset(res, 0, sizeof(*res));
	tb_hist_init(s->clat);
	res->clat = s->clat;
	if (!*psync) {
		struct uring_ring *r = NULL;
		int rc = tb_uring_ring_open(&r, job, bufs);
		if (rc == -ENOSYS || rc == -EPERM || rc == -EACCES) {
			disabled_note(s->engine_note, sizeof(s->engine_note), -rc);
			*psync = true;
		} else if (rc < 0) {
			snprintf(res->error, sizeof(res->error), "io_uring setup: %s", strerror(-rc));
			return rc;
		} else {
			rc = tb_uring_ring_run(r, job, bufs, res);
			bool fixed = tb_uring_ring_fixed_bufs(r);
			tb_uring_ring_close(r);
			snprintf(s->engine_note, sizeof(s->engine_note),
				 "engine=io_uring fixed_files=1 fixed_bufs=%d sqpoll=0", fixed);
			return rc;
		}
	}
	return tb_uring_psync_run(job, bufs, res);
}

/* One variant's repetitions, driven by the runner's loop (tb_reps_run). */
struct job_reps {
	struct tb_ctx *ctx;
	struct uring_state *s;
	const char *variant;
	struct uring_job job;
	void *bufs;
	bool psync;
	double ramp, runtime;
	struct uring_result res;
};

static int job_measure(void *arg, int rep)
{
	struct job_reps *j = arg;
	j->job.seconds = rep == 0 ? j->ramp : j->runtime;
	j->job.seed = 0x9e3779b97f4a7c15ull * (uint64_t)(rep + 1);
	int rc = one_run(j->s, &j->job, j->bufs, &j->psync, &j->res);
	if ((rc < 0 || j->res.error[0]) && !tb_interrupted()) {
		tb_fail(j->ctx, j->variant, "%s", j->res.error[0] ? j->res.error : strerror(-rc));
		return rc < 0 ? rc : -EIO;
	}
	return rc;
}

static void job_record(void *arg, int rep, double seconds)
{
	(void)seconds; /* the engine times its own run: first submission to last completion */
	struct job_reps *j = arg;
	const struct uring_state *s = j->s;
	if (j->res.ios == 0 || j->res.elapsed <= 0)
		return;
	char detail[320];
	snprintf(detail, sizeof(detail), "%s bs=%zu qd=%u%s direct=%s size_mib=%llu "
		 "runtime_s=%.3f ios=%llu%s",
		 s->engine_note, j->job.bs, j->psync ? 1 : j->job.qd,
		 j->psync && j->job.qd > 1 ? " qd_requested_but_psync_is_synchronous=1" : "",
		 s->t.direct ? "1" : s->t.direct_note,
		 (unsigned long long)(j->job.size >> 20), j->res.elapsed,
		 (unsigned long long)j->res.ios, s->t.is_device ? " device=1" : "");
	emit_rep(j->ctx, j->variant, rep, j->res.ios, j->res.elapsed, j->res.clat, j->job.bs,
		 detail);
}

static int run_job(struct tb_ctx *ctx, struct uring_state *s, const struct tb_variant *v)
{
	const char *variant = v->name;
	struct uring_job job = job_of(v, ctx);
	job.fd = s->t.fd_direct;
	job.size = s->t.size;
	if (job.size < job.bs) {
		tb_skip(ctx, variant, "the %llu-byte file is smaller than one %zu-byte block",
			(unsigned long long)job.size, job.bs);
		return 0;
	}
	struct job_reps j = {
		.ctx = ctx, .s = s, .variant = variant, .job = job, .psync = s->want_psync,
		.ramp = (double)TB_OPTS(ctx, struct uring_opts)->ramp_ms / 1e3,
		.runtime = (double)TB_OPTS(ctx, struct uring_opts)->runtime_ms / 1e3,
	};
	if (posix_memalign(&j.bufs, 4096, job.bs * job.qd))
		return -ENOMEM;
	tb_uring_fill_random(j.bufs, job.bs * job.qd, 0x51ed270b7a3f1c4dull);
	/* rep 0: the warm-up (fio's ramp_time), none when ramp_ms=0. */
	struct tb_rep_plan plan = { .warmup = j.ramp > 0, .measure = job_measure,
				    .record = job_record };
	int rc = tb_reps_run(ctx, &plan, &j);
	free(j.bufs);
	return rc;
}

/* pwrite 4 KiB + fdatasync through the page cache, as SQLite commits: sequential 4 KiB
 * overwrites inside the already written file, so no allocation and no size change. */
struct fsync_reps {
	struct tb_ctx *ctx;
	struct uring_state *s;
	double ramp, runtime;
	uint64_t ios;
	double elapsed;
};

static int fsync_measure(void *arg, int rep)
{
	struct fsync_reps *f = arg;
	struct uring_state *s = f->s;
	double seconds = rep == 0 ? f->ramp : f->runtime;
	enum { BS = 4096 };
	static char page[BS] __attribute__((aligned(4096)));
	tb_uring_fill_random(page, BS, 0x7f4a7c159e3779b9ull + (uint64_t)rep);
	tb_hist_init(s->clat);
	uint64_t off = 0, ios = 0;
	uint64_t start = tb_now_ns(), now = start, end = start + (uint64_t)(seconds * 1e9);
	while (now < end && !tb_interrupted()) {
		uint64_t t0 = tb_now_ns();
		ssize_t n = pwrite(s->t.fd_buffered, page, BS, (off_t)off);
		if (n == BS && fdatasync(s->t.fd_buffered) != 0)
			n = -1;
		now = tb_now_ns();
		if (n < 0 && errno == EINTR)
			continue;
		if (n != BS) {
			tb_fail(f->ctx, "fsync", "pwrite+fdatasync: %s",
				n < 0 ? strerror(errno) : "short write");
			return -EIO;
		}
		tb_hist_add(s->clat, now - t0);
		ios++;
		off = off + BS >= s->t.size ? 0 : off + BS;
	}
	f->ios = ios;
	f->elapsed = (double)(now - start) / 1e9;
	return 0;
}

static void fsync_record(void *arg, int rep, double seconds)
{
	(void)seconds; /* the loop times itself, as the engines do */
	struct fsync_reps *f = arg;
	struct tb_ctx *ctx = f->ctx;
	const struct uring_state *s = f->s;
	uint64_t ios = f->ios;
	double el = f->elapsed;
	if (ios == 0)
		return;
	char detail[200];
	snprintf(detail, sizeof(detail), "engine=pwrite+fdatasync bs=4096 buffered=1 size_mib=%llu "
		 "runtime_s=%.3f ios=%llu%s", (unsigned long long)(s->t.size >> 20), el,
		 (unsigned long long)ios, s->t.is_device ? " device=1" : "");
	emit_rep(ctx, "fsync", rep, ios, el, s->clat, 0, detail);
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	struct uring_state *s = state;
	if (v->data)
		return run_job(ctx, s, v);
	struct fsync_reps f = { .ctx = ctx, .s = s,
				.ramp = (double)TB_OPTS(ctx, struct uring_opts)->ramp_ms / 1e3,
				.runtime = (double)TB_OPTS(ctx, struct uring_opts)->runtime_ms / 1e3 };
	struct tb_rep_plan plan = { .warmup = f.ramp > 0, .measure = fsync_measure,
				    .record = fsync_record };
	return tb_reps_run(ctx, &plan, &f);
}

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct uring_state *s = state;
	if (s->opened)
		tb_uring_target_close(&s->t);
	free(s->clat);
	free(s);
}

TB_BENCH(uring_bench, "io.uring",
	 "fio-style io_uring jobs (rand/seq read/write, QD 1/32) and write+fdatasync",
	 struct uring_opts, .io = true, .setup = setup, .run = run, .teardown = teardown);
