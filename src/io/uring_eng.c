/* io.uring's two engines: io_uring driven the way fio's io_uring engine drives it (submit a
 * batch, stamp its issue time when the submitting call returns, reap what completed, refill
 * at once), and fio's psync (pread/pwrite, depth 1) for kernels without io_uring. */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/uring_job.h"
#include "tinyben/ctx.h"
#include "tinyben/timer.h"

struct uring_ring {
	struct io_uring ring;
	bool fixed_bufs;
};

/* fio's ring flags: CQ no larger than the SQ, no IPIs for completions (COOP_TASKRUN), and
 * completion work deferred to the reaping call (SINGLE_ISSUER | DEFER_TASKRUN). Older
 * kernels reject the newer flags with EINVAL: drop them one by one, as fio does. SQPOLL
 * stays off, as in fio's default: a polling kernel thread would take one of a small
 * guest's vCPUs. */
static int ring_init(struct io_uring *ring, unsigned depth)
{
	struct io_uring_params p;
	unsigned flags = IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN |
			 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	for (;;) {
		memset(&p, 0, sizeof(p));
		p.flags = flags;
		p.cq_entries = depth;
		int rc = io_uring_queue_init_params(depth, ring, &p);
		if (rc != -EINVAL)
			return rc;
		if (flags & IORING_SETUP_DEFER_TASKRUN)
			flags &= ~(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER);
		else if (flags & IORING_SETUP_COOP_TASKRUN)
			flags &= ~IORING_SETUP_COOP_TASKRUN;
		else if (flags & IORING_SETUP_CQSIZE)
			flags &= ~IORING_SETUP_CQSIZE;
		else
			return rc;
	}
}

int tb_uring_ring_open(struct uring_ring **out, const struct uring_job *job, void *bufs)
{
	struct uring_ring *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	int rc = ring_init(&r->ring, job->qd);
	if (rc < 0) {
		free(r);
		return rc;
	}
	/* A registered file saves the fd lookup and reference per I/O (fio registerfiles). */
	rc = io_uring_register_files(&r->ring, &job->fd, 1);
	if (rc < 0) {
		io_uring_queue_exit(&r->ring);
		free(r);
		return rc;
	}
	/* Fixed buffers are pinned once instead of per I/O (fio fixedbufs). Pinning counts
	 * against RLIMIT_MEMLOCK for unprivileged users: without it, plain buffers. */
	struct iovec iov[job->qd];
	for (unsigned i = 0; i < job->qd; i++) {
		iov[i].iov_base = (char *)bufs + (size_t)i * job->bs;
		iov[i].iov_len = job->bs;
	}
	r->fixed_bufs = io_uring_register_buffers(&r->ring, iov, job->qd) == 0;
	*out = r;
	return 0;
}

bool tb_uring_ring_fixed_bufs(const struct uring_ring *r)
{
	return r->fixed_bufs;
}

void tb_uring_ring_close(struct uring_ring *r)
{
	if (!r)
		return;
	io_uring_queue_exit(&r->ring);
	free(r);
}

static void prep(struct uring_ring *r, struct io_uring_sqe *sqe, const struct uring_job *job,
		 void *buf, unsigned slot, uint64_t off)
{
	/* fd 0 is the index of the registered file. */
	if (r->fixed_bufs && job->rw == RW_READ)
		io_uring_prep_read_fixed(sqe, 0, buf, (unsigned)job->bs, off, (int)slot);
	else if (r->fixed_bufs)
		io_uring_prep_write_fixed(sqe, 0, buf, (unsigned)job->bs, off, (int)slot);
	else if (job->rw == RW_READ)
		io_uring_prep_read(sqe, 0, buf, (unsigned)job->bs, off);
	else
		io_uring_prep_write(sqe, 0, buf, (unsigned)job->bs, off);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, slot);
}

int tb_uring_ring_run(struct uring_ring *r, const struct uring_job *job, void *bufs,
		      struct uring_result *res)
{
	unsigned qd = job->qd;
	uint64_t issue[qd];
	unsigned free_slots[qd], n_free = qd;
	for (unsigned i = 0; i < qd; i++)
		free_slots[i] = qd - 1 - i;
	uint64_t rnd = job->seed | 1, seq = 0;
	unsigned inflight = 0;
	int rc = 0;

	uint64_t start = tb_now_ns(), last = start;
	uint64_t end = start + (uint64_t)(job->seconds * 1e9);
	bool stop = false;
	while (!stop || inflight) {
		/* Refill every free slot, then one submitting call for the whole batch. */
		unsigned queued = 0, batch[qd];
		while (!stop && n_free) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
			if (!sqe)
				break;
			unsigned slot = free_slots[--n_free];
			prep(r, sqe, job, (char *)bufs + (size_t)slot * job->bs, slot,
			     uring_next_offset(job, &rnd, &seq));
			batch[queued++] = slot;
		}
		if (queued) {
			/* Until the kernel took the whole batch: a signal or a transient
			 * shortage (EINTR, EAGAIN) takes none, and waiting for completions of
			 * SQEs never submitted would wait for ever. */
			unsigned left = queued;
			int n = 0, tries = 0;
			while (left && tries++ < 1000) {
				n = io_uring_submit(&r->ring);
				if (n > 0)
					left -= (unsigned)n < left ? (unsigned)n : left;
				else if (n < 0 && n != -EINTR && n != -EAGAIN)
					break;
			}
			uint64_t now = tb_now_ns();
			if (left) {
				snprintf(res->error, sizeof(res->error), "io_uring_submit: %s",
					 strerror(n < 0 ? -n : EAGAIN));
				rc = n < 0 ? n : -EAGAIN;
				break; /* the ring's exit cancels and waits for what is left */
			}
			for (unsigned i = 0; i < queued; i++)
				issue[batch[i]] = now;
			inflight += queued;
		}
		if (!inflight)
			break;
		struct io_uring_cqe *cqe;
		int w = io_uring_wait_cqe(&r->ring, &cqe);
		uint64_t now = tb_now_ns();
		if (w == -EINTR || w == -EAGAIN || w == -ETIME) {
			if (tb_interrupted())
				stop = true;
			continue;
		}
		if (w < 0) {
			snprintf(res->error, sizeof(res->error), "io_uring_wait_cqe: %s", strerror(-w));
			rc = w;
			break; /* the ring's exit cancels and waits for what is left */
		}
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&r->ring, head, cqe) {
			unsigned slot = (unsigned)io_uring_cqe_get_data64(cqe);
			seen++;
			if (cqe->res != (int)job->bs && !res->error[0]) {
				snprintf(res->error, sizeof(res->error), "%s of %zu bytes: %s",
					 job->rw == RW_READ ? "read" : "write", job->bs,
					 cqe->res < 0 ? strerror(-cqe->res) : "short transfer");
				rc = cqe->res < 0 ? cqe->res : -EIO;
				stop = true;
			}
			if (slot < qd) {
				tb_hist_add(res->clat, now - issue[slot]);
				free_slots[n_free++] = slot;
			}
		}
		io_uring_cq_advance(&r->ring, seen);
		inflight -= seen;
		res->ios += seen;
		last = now;
		if (now >= end || tb_interrupted())
			stop = true;
	}
	res->elapsed = (double)(last - start) / 1e9;
	return rc;
}

int tb_uring_psync_run(const struct uring_job *job, void *bufs, struct uring_result *res)
{
	uint64_t rnd = job->seed | 1, seq = 0;
	uint64_t start = tb_now_ns(), now = start;
	uint64_t end = start + (uint64_t)(job->seconds * 1e9);
	while (now < end && !tb_interrupted()) {
		off_t off = (off_t)uring_next_offset(job, &rnd, &seq);
		uint64_t t0 = tb_now_ns();
		ssize_t n = job->rw == RW_READ ? pread(job->fd, bufs, job->bs, off)
					       : pwrite(job->fd, bufs, job->bs, off);
		now = tb_now_ns();
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)job->bs) {
			snprintf(res->error, sizeof(res->error), "%s of %zu bytes: %s",
				 job->rw == RW_READ ? "pread" : "pwrite", job->bs,
				 n < 0 ? strerror(errno) : "short transfer");
			res->elapsed = (double)(now - start) / 1e9;
			return n < 0 ? -errno : -EIO;
		}
		tb_hist_add(res->clat, now - t0);
		res->ios++;
	}
	res->elapsed = (double)(now - start) / 1e9;
	return 0;
}
