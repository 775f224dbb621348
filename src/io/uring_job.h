/* io.uring's job: what uring.c (the benchmark) hands to the engines (uring_eng.c) and the
 * target file (uring_file.c): the options, the file, the job, the result, the engines. */
#ifndef TINYBEN_IO_URING_JOB_H
#define TINYBEN_IO_URING_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tinyben/hist.h"
#include "tinyben/util.h"

struct tb_ctx;

/* Options of io.uring (tb_opts). */
enum { ENGINE_AUTO, ENGINE_IO_URING, ENGINE_PSYNC }; /* the engine choice, in its order */
struct uring_opts {
	long long size;
	long long rand_bs;
	long long seq_bs;
	long long qd_deep;
	long long runtime_ms;
	long long ramp_ms;
	bool direct;
	int engine;
	const char *file;
	bool allow_device;
};

/* The file every job runs on: one tinyben creates under --dir (or, with --allow-device,
 * a block device the user named). */
struct uring_target {
	char path[4096];
	bool created;          /* ours: unlink at the end */
	bool is_device;
	int fd_direct;         /* O_DIRECT where the file system allows it, else buffered */
	int fd_buffered;       /* for fsync: SQLite writes through the page cache */
	bool direct;
	char direct_note[64];  /* why O_DIRECT is off, for detail */
	uint64_t size;
	char skip[256];        /* non-empty: every variant is skipped with this reason */
	char fail[256];        /* non-empty: every variant fails with this reason */
};

/* Opens or creates, fills and checks the target; problems go into t->skip / t->fail
 * (returned 0) so that each variant reports them; a negative errno means interrupted or
 * out of memory. */
int tb_uring_target_open(struct tb_ctx *ctx, struct uring_target *t);
void tb_uring_target_close(struct uring_target *t);

enum uring_rw { RW_READ, RW_WRITE };

struct uring_job {
	enum uring_rw rw;
	bool random;
	size_t bs;
	unsigned qd;
	int fd;
	uint64_t size;         /* bytes of the file the job may touch */
	double seconds;        /* time-based run length */
	uint64_t seed;
};

/* What one run measured: I/Os completed over `elapsed` seconds, completion latency in ns
 * (fio's clat: from the return of the submitting call to the reaping of the completion). */
struct uring_result {
	uint64_t ios;
	double elapsed;
	struct tb_hist *clat;
	char error[160];       /* non-empty: an I/O failed */
};

/* An io_uring instance set up for one job: fixed file, fixed buffers where allowed. */
struct uring_ring;
/* 0, or the negative errno of io_uring_queue_init (ENOSYS, EPERM: use psync). */
int tb_uring_ring_open(struct uring_ring **r, const struct uring_job *job, void *bufs);
bool tb_uring_ring_fixed_bufs(const struct uring_ring *r);
void tb_uring_ring_close(struct uring_ring *r);
int tb_uring_ring_run(struct uring_ring *r, const struct uring_job *job, void *bufs,
		      struct uring_result *res);

/* pread/pwrite at depth 1: fio's psync engine. */
int tb_uring_psync_run(const struct uring_job *job, void *bufs, struct uring_result *res);

/* The next offset of a job: uniform random block, or sequential with wrap-around. */
static inline uint64_t uring_next_offset(const struct uring_job *job, uint64_t *state,
					 uint64_t *seq)
{
	uint64_t blocks = job->size / job->bs;
	if (!job->random) {
		uint64_t off = *seq;
		*seq = off + job->bs >= blocks * job->bs ? 0 : off + job->bs;
		return off;
	}
	return (tb_xorshift64(state) % blocks) * job->bs;
}

/* Fills buf with random, never all-zero data (xorshift64; the seed must be non-zero). */
void tb_uring_fill_random(void *buf, size_t len, uint64_t seed);

#endif
