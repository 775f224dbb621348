/* io.redis: the load generator — many connections, pipelined raw requests, one epoll loop.
 *
 * Shaped like redis-benchmark (one request buffer of P copies of a preformatted command per
 * client, a new batch when the last reply of the previous one is in, latency = reply time
 * minus batch write time, rps = replies / wall time), but lighter, because on a small guest
 * the client competes with the server for CPU:
 * - replies are parsed by hiredis' reader with object functions that allocate nothing
 *   (redis_reply.c; redis-benchmark builds and frees a redisReply per reply);
 * - EPOLLIN stays registered and the next batch is written at once, no per-request
 *   epoll_ctl (redis-benchmark's ae swaps the write and read handlers for every batch);
 * - one clock read per epoll wake-up for all the replies it brings. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "tinyben/ctx.h"
#include "tinyben/timer.h"
#include "tinyben/util.h"
#include "io/redis.h"

/* No reply at all for this long means the server is stuck or gone. */
#define STALL_NS (10ull * 1000 * 1000 * 1000)
#define RAND_TOKEN "__rand_int__"
#define RAND_LEN 12

struct conn {
	int fd;
	redisContext *ctx;
	redisReader *reader;
	char *obuf;               /* P requests back to back */
	size_t olen, written;
	unsigned inflight;
	uint64_t sent_ns;
	bool want_out;
	struct tb_redis_reply last;
};

struct tb_redis_loop {
	const struct tb_redis_load *l;
	struct conn *conns;
	int nconns;
	int ep;
	struct epoll_event *evs;
	char *buf;                /* RECV_BYTES for reading replies */
	size_t *rand_off;         /* offsets of __rand_int__ in one request */
	int n_rand;
	uint64_t rng;
	uint64_t issued;
};

static uint64_t next_rand(struct tb_redis_loop *lp)
{
	/* Cheap and plenty for spreading keys (redis-benchmark uses random()). */
	return tb_xorshift64(&lp->rng);
}

/* redis-benchmark -r: each __rand_int__ becomes a 12-digit key number below keyspace. */
static void randomize(struct tb_redis_loop *lp, struct conn *c, unsigned k)
{
	for (unsigned i = 0; i < k; i++) {
		char *req = c->obuf + (size_t)i * lp->l->cmd_len;
		for (int j = 0; j < lp->n_rand; j++) {
			uint64_t v = next_rand(lp) % lp->l->keyspace;
			char *p = req + lp->rand_off[j] + RAND_LEN;
			for (int d = 0; d < RAND_LEN; d++) {
				*--p = (char)('0' + v % 10);
				v /= 10;
			}
		}
	}
}

static int set_events(struct tb_redis_loop *lp, struct conn *c, bool out)
{
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c };
	c->want_out = out;
	return epoll_ctl(lp->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0 ? 0 : -errno;
}

/* Writes what is left of the batch; waits for EPOLLOUT only when the socket is full. */
static int flush(struct tb_redis_loop *lp, struct conn *c, char *err, size_t len)
{
	while (c->written < c->olen) {
		ssize_t n = write(c->fd, c->obuf + c->written, c->olen - c->written);
		if (n > 0) {
			c->written += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return c->want_out ? 0 : set_events(lp, c, true);
		snprintf(err, len, "write to the server: %s", n < 0 ? strerror(errno) : "closed");
		return -EIO;
	}
	return c->want_out ? set_events(lp, c, false) : 0;
}

/* Starts the next batch of up to P requests on c (nothing when all are issued). */
static int issue(struct tb_redis_loop *lp, struct conn *c, char *err, size_t len)
{
	const struct tb_redis_load *l = lp->l;
	if (lp->issued >= l->requests)
		return 0;
	uint64_t left = l->requests - lp->issued;
	unsigned k = left < (uint64_t)l->pipeline ? (unsigned)left : (unsigned)l->pipeline;
	lp->issued += k;
	if (lp->n_rand)
		randomize(lp, c, k);
	c->olen = (size_t)k * l->cmd_len;
	c->written = 0;
	c->inflight = k;
	c->sent_ns = tb_now_ns();
	return flush(lp, c, err, len);
}

/* Reads what arrived, checks each reply, records its latency. */
static int receive(struct tb_redis_loop *lp, struct conn *c, uint64_t now, char *buf, size_t buflen,
		   struct tb_redis_result *res)
{
	ssize_t n = read(c->fd, buf, buflen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		snprintf(res->error, sizeof(res->error), "read from the server: %s",
			 n < 0 ? strerror(errno) : "connection closed");
		return -EIO;
	}
	if (redisReaderFeed(c->reader, buf, (size_t)n) != REDIS_OK) {
		snprintf(res->error, sizeof(res->error), "reply parser: %s", c->reader->errstr);
		return -EPROTO;
	}
	for (;;) {
		void *reply = NULL;
		if (redisReaderGetReply(c->reader, &reply) != REDIS_OK) {
			snprintf(res->error, sizeof(res->error), "bad reply: %s", c->reader->errstr);
			return -EPROTO;
		}
		if (!reply)
			break;
		if (c->inflight == 0) {
			snprintf(res->error, sizeof(res->error), "reply to no request");
			return -EPROTO;
		}
		if (!tb_redis_reply_ok(lp->l, &c->last, res->error, sizeof(res->error)))
			return -EPROTO;
		tb_hist_add(res->hist, now - c->sent_ns);
		res->done++;
		c->inflight--;
	}
	if (c->inflight == 0)
		return issue(lp, c, res->error, sizeof(res->error));
	return 0;
}

static int open_conns(struct tb_redis_loop *lp, char *err, size_t len)
{
	const struct tb_redis_load *l = lp->l;
	size_t blen = (size_t)l->pipeline * l->cmd_len;
	for (int i = 0; i < lp->nconns; i++) {
		struct conn *c = &lp->conns[i];
		c->fd = -1;
		c->ctx = tb_redis_connect(l->addr, 5.0, err, len);
		if (!c->ctx)
			return -ECONNREFUSED;
		c->fd = c->ctx->fd;
		/* A non-blocking context: our own reads and writes never wait. */
		int fl = fcntl(c->fd, F_GETFL);
		if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0)
			return -errno;
		c->reader = tb_redis_reader_new(&c->last);
		if (!c->reader)
			return -ENOMEM;
		c->obuf = malloc(blen);
		if (!c->obuf)
			return -ENOMEM;
		for (int j = 0; j < l->pipeline; j++)
			memcpy(c->obuf + (size_t)j * l->cmd_len, l->cmd, l->cmd_len);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(lp->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
			return -errno;
	}
	return 0;
}

/* The connections, however far open_conns got (none when their array is missing). */
static void close_conns(struct tb_redis_loop *lp)
{
	for (int i = 0; lp->conns && i < lp->nconns; i++) {
		struct conn *c = &lp->conns[i];
		if (c->reader)
			redisReaderFree(c->reader);
		if (c->ctx)
			redisFree(c->ctx);
		free(c->obuf);
	}
	free(lp->conns);
}

static double thread_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static int find_rand(struct tb_redis_loop *lp)
{
	const struct tb_redis_load *l = lp->l;
	if (l->keyspace == 0)
		return 0;
	lp->rand_off = calloc(l->cmd_len / RAND_LEN + 1, sizeof(*lp->rand_off));
	if (!lp->rand_off)
		return -ENOMEM;
	for (const char *p = l->cmd; (p = memmem(p, l->cmd_len - (size_t)(p - l->cmd), RAND_TOKEN,
						  RAND_LEN)) != NULL; p += RAND_LEN)
		lp->rand_off[lp->n_rand++] = (size_t)(p - l->cmd);
	lp->rng = tb_now_ns() | 1;
	return 0;
}

#define RECV_BYTES (64 * 1024)

int tb_redis_load_drive(struct tb_redis_loop *lp, struct tb_redis_result *res)
{
	int rc = 0;
	double cpu0 = thread_cpu();
	uint64_t last = tb_now_ns();
	for (int i = 0; i < lp->nconns && rc == 0; i++)
		rc = issue(lp, &lp->conns[i], res->error, sizeof(res->error));
	while (rc == 0 && res->done < lp->l->requests) {
		int n = epoll_wait(lp->ep, lp->evs, lp->nconns, 1000);
		if (tb_interrupted()) {
			rc = -EINTR;
			break;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(res->error, sizeof(res->error), "epoll_wait: %s", strerror(errno));
			break;
		}
		uint64_t now = tb_now_ns();
		if (n == 0) {
			if (now - last > STALL_NS) {
				snprintf(res->error, sizeof(res->error),
					 "no reply for %llu s (%llu of %llu requests done)",
					 (unsigned long long)(STALL_NS / 1000000000ull),
					 (unsigned long long)res->done,
					 (unsigned long long)lp->l->requests);
				rc = -ETIMEDOUT;
			}
			continue;
		}
		last = now;
		for (int i = 0; i < n && rc == 0; i++) {
			struct conn *c = lp->evs[i].data.ptr;
			if (lp->evs[i].events & EPOLLOUT)
				rc = flush(lp, c, res->error, sizeof(res->error));
			if (rc == 0 && (lp->evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
				rc = receive(lp, c, now, lp->buf, RECV_BYTES, res);
		}
	}
	res->cpu_seconds = thread_cpu() - cpu0;
	return rc;
}

/* One descriptor per client: the usual soft limit of 1024 would stop the option's 10000
 * clients at "Too many open files" although the hard limit allows them. */
static void allow_clients(int clients)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)clients + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int tb_redis_load_open(const struct tb_redis_load *l, struct tb_redis_result *res,
		       struct tb_redis_loop **out)
{
	res->done = 0;
	res->cpu_seconds = 0;
	res->error[0] = '\0';
	tb_hist_init(res->hist);
	allow_clients(l->clients);
	struct tb_redis_loop *lp = calloc(1, sizeof(*lp));
	if (!lp)
		return -ENOMEM;
	*lp = (struct tb_redis_loop){ .l = l, .nconns = l->clients, .ep = -1 };
	*out = lp;
	lp->conns = calloc((size_t)l->clients, sizeof(*lp->conns));
	lp->evs = calloc((size_t)l->clients, sizeof(*lp->evs));
	lp->buf = malloc(RECV_BYTES);
	if (!lp->conns || !lp->evs || !lp->buf)
		return -ENOMEM;
	int rc = find_rand(lp);
	if (rc == 0) {
		lp->ep = epoll_create1(EPOLL_CLOEXEC);
		rc = lp->ep < 0 ? -errno : 0;
	}
	if (rc == 0)
		rc = open_conns(lp, res->error, sizeof(res->error));
	if (rc < 0 && rc != -EINTR && !res->error[0])
		snprintf(res->error, sizeof(res->error), "setting up %d connections: %s", l->clients,
			 strerror(-rc));
	return rc;
}

void tb_redis_load_close(struct tb_redis_loop *lp)
{
	if (!lp)
		return;
	if (lp->ep >= 0)
		close(lp->ep);
	close_conns(lp);
	free(lp->rand_off);
	free(lp->evs);
	free(lp->buf);
	free(lp);
}
