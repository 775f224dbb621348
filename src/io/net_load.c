/* io.net's loads: bulk streams, TCP and UDP request/response, connect-request-close, and
 * UDP small packets; each runs for a fixed time, the loop around it is the runner's. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tinyben/ctx.h"
#include "tinyben/timer.h"
#include "io/net.h"

int tb_net_data_hello(char *buf, size_t len, uint64_t token)
{
	return snprintf(buf, len, "%s %d data %016llx\n", TB_NET_MAGIC, TB_NET_VERSION,
			(unsigned long long)token);
}

static void set_timeouts(int fd, double s)
{
	struct timeval tv = { .tv_sec = (time_t)s, .tv_usec = (suseconds_t)((s - (time_t)s) * 1e6) };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

int tb_net_data_connect(const struct tb_net_addr *a, uint64_t token, char *err, size_t errlen)
{
	int fd = tb_net_connect(a, SOCK_STREAM, NET_TIMEOUT_S, err, errlen);
	if (fd < 0)
		return fd;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* A peer that stops answering fails the repetition instead of hanging it. */
	set_timeouts(fd, NET_TIMEOUT_S);
	char hello[64];
	int rc = tb_net_write_all(fd, hello, (size_t)tb_net_data_hello(hello, sizeof(hello), token));
	if (rc < 0) {
		snprintf(err, errlen, "data connection: %s", strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

static int io_error(struct net_load *l, const char *what, ssize_t n)
{
	if (n == 0) {
		snprintf(l->error, sizeof(l->error), "%s: the serve closed the connection", what);
		return -ECONNRESET;
	}
	int e = errno == EAGAIN ? ETIMEDOUT : errno;
	if (e == EINTR && tb_interrupted())
		return -EINTR;
	snprintf(l->error, sizeof(l->error), "%s: %s", what,
		 e == ETIMEDOUT ? "no progress within the timeout" : strerror(e));
	return -e;
}

/* One stream of a bulk transfer, in its own thread when there are several. */
struct stream {
	struct net_load *l;
	int fd;
	bool send;
	char *buf;
	uint64_t bytes, start, end;
	int rc;
	char error[200];
};

static void *stream_run(void *arg)
{
	struct stream *st = arg;
	size_t len = st->l->write_bytes;
	st->start = tb_now_ns();
	uint64_t stop = st->start + (uint64_t)(st->l->seconds * 1e9), now = st->start;
	while (now < stop && !tb_interrupted()) {
		ssize_t n = st->send ? send(st->fd, st->buf, len, MSG_NOSIGNAL)
				     : recv(st->fd, st->buf, len, 0);
		now = tb_now_ns();
		if (n <= 0 && !(n < 0 && errno == EINTR)) {
			struct net_load tmp = { 0 };
			st->rc = io_error(&tmp, st->send ? "send" : "recv", n);
			memcpy(st->error, tmp.error, sizeof(st->error));
			break;
		}
		if (n > 0)
			st->bytes += (uint64_t)n;
	}
	st->end = now;
	return NULL;
}

static int streams(struct net_load *l, bool send)
{
	struct stream st[TB_NET_STREAMS_MAX];
	pthread_t th[TB_NET_STREAMS_MAX];
	int n = l->n_fds, started = 0, rc = 0;
	for (int i = 0; i < n; i++) {
		st[i] = (struct stream){ .l = l, .fd = l->fds[i], .send = send };
		st[i].buf = malloc(l->write_bytes);
		if (!st[i].buf) {
			for (int j = 0; j < i; j++)
				free(st[j].buf);
			return -ENOMEM;
		}
		memset(st[i].buf, 0x5a, l->write_bytes);
	}
	/* One stream runs here; the others in threads (like iperf3 -P since 3.16). */
	for (int i = 1; i < n; i++) {
		if (pthread_create(&th[i], NULL, stream_run, &st[i]) != 0)
			break;
		started = i;
	}
	stream_run(&st[0]);
	for (int i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	uint64_t first = UINT64_MAX, last = 0;
	l->bytes = 0;
	for (int i = 0; i < n; i++) {
		if (i > started)
			st[i].rc = -EAGAIN; /* no thread for it */
		if (st[i].rc && !rc) {
			rc = st[i].rc;
			memcpy(l->error, st[i].error, sizeof(l->error));
		}
		l->bytes += st[i].bytes;
		first = st[i].start < first ? st[i].start : first;
		last = st[i].end > last ? st[i].end : last;
		free(st[i].buf);
	}
	if (rc == -EAGAIN && !l->error[0])
		snprintf(l->error, sizeof(l->error), "cannot start a thread per stream");
	l->elapsed = (double)(last - first) / 1e9;
	return rc;
}

int tb_net_stream_send(struct net_load *l)
{
	return streams(l, true);
}

int tb_net_stream_recv(struct net_load *l)
{
	return streams(l, false);
}

static int read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);
		if (n < 0 && errno == EINTR && !tb_interrupted())
			continue;
		if (n <= 0)
			return (int)n;
		got += (size_t)n;
	}
	return 1;
}

int tb_net_rr(struct net_load *l)
{
	char *buf = calloc(1, l->msg_bytes);
	if (!buf)
		return -ENOMEM;
	int fd = l->fds[0], rc = 0;
	uint64_t start = tb_now_ns(), stop = start + (uint64_t)(l->seconds * 1e9), now = start;
	l->transactions = 0;
	while (now < stop && !tb_interrupted()) {
		uint64_t t0 = now;
		ssize_t n = send(fd, buf, l->msg_bytes, MSG_NOSIGNAL);
		if (n != (ssize_t)l->msg_bytes) {
			rc = io_error(l, "send", n < 0 ? n : 0);
			break;
		}
		int r = read_full(fd, buf, l->msg_bytes);
		if (r <= 0) {
			rc = io_error(l, "recv", r);
			break;
		}
		now = tb_now_ns();
		tb_hist_add(l->lat, now - t0);
		l->transactions++;
	}
	l->elapsed = (double)(now - start) / 1e9;
	free(buf);
	return rc;
}

/* One connection per transaction. The client resets the connection (SO_LINGER 0) instead of
 * leaving it in TIME_WAIT: tens of thousands of them a second would use up the ephemeral
 * ports long before the repetitions end. */
int tb_net_crr(struct net_load *l)
{
	char hello[64];
	size_t hl = (size_t)tb_net_data_hello(hello, sizeof(hello), l->token);
	char *buf = calloc(1, hl + l->msg_bytes);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, hello, hl);
	int rc = 0, one = 1;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	uint64_t start = tb_now_ns(), stop = start + (uint64_t)(l->seconds * 1e9), now = start;
	l->transactions = 0;
	while (now < stop && !tb_interrupted()) {
		uint64_t t0 = now;
		int fd = socket(l->addr->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			rc = io_error(l, "socket", -1);
			break;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		set_timeouts(fd, NET_TIMEOUT_S);
		ssize_t n = connect(fd, (const struct sockaddr *)&l->addr->sa, l->addr->sa_len);
		if (n != 0)
			rc = io_error(l, "connect", -1);
		else if ((n = send(fd, buf, hl + l->msg_bytes, MSG_NOSIGNAL)) != (ssize_t)(hl + l->msg_bytes))
			rc = io_error(l, "send", n < 0 ? n : 0);
		else if ((n = read_full(fd, buf + hl, l->msg_bytes)) <= 0)
			rc = io_error(l, "recv", n);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		now = tb_now_ns();
		if (rc)
			break;
		tb_hist_add(l->lat, now - t0);
		l->transactions++;
	}
	l->elapsed = (double)(now - start) / 1e9;
	free(buf);
	return rc;
}

/* A datagram that waits longer than this for its answer counts as lost. */
#define UDP_RR_TIMEOUT_S 0.2

int tb_net_udp_rr(struct net_load *l)
{
	size_t len = l->udp_bytes;
	char *out = calloc(2, len);
	if (!out)
		return -ENOMEM;
	char *in = out + len;
	int fd = l->fds[0], rc = 0;
	set_timeouts(fd, UDP_RR_TIMEOUT_S);
	struct tb_net_udp_hdr h = { .magic = TB_NET_UDP_MAGIC, .echo = 1, .token = l->token };
	uint64_t start = tb_now_ns(), stop = start + (uint64_t)(l->seconds * 1e9), now = start;
	l->transactions = l->lost = 0;
	while (now < stop && !tb_interrupted()) {
		uint64_t t0 = now;
		h.seq++;
		memcpy(out, &h, sizeof(h));
		ssize_t n = send(fd, out, len, 0);
		if (n != (ssize_t)len) {
			rc = io_error(l, "send", n < 0 ? n : 0);
			break;
		}
		struct tb_net_udp_hdr back;
		do {
			n = recv(fd, in, len, 0);
			memcpy(&back, in, sizeof(back));
		} while (n == (ssize_t)len && back.seq != h.seq); /* a late answer to a lost one */
		now = tb_now_ns();
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			l->lost++;
			continue;
		}
		if (n != (ssize_t)len) {
			rc = io_error(l, "recv", n < 0 ? n : 0);
			break;
		}
		tb_hist_add(l->lat, now - t0);
		l->transactions++;
	}
	l->elapsed = (double)(now - start) / 1e9;
	free(out);
	return rc;
}

int tb_net_udp_send(struct net_load *l)
{
	char *out = calloc(1, l->udp_bytes);
	if (!out)
		return -ENOMEM;
	int fd = l->fds[0], rc = 0;
	struct tb_net_udp_hdr h = { .magic = TB_NET_UDP_MAGIC, .echo = 0, .token = l->token };
	uint64_t start = tb_now_ns(), stop = start + (uint64_t)(l->seconds * 1e9), now = start;
	l->sent = 0;
	for (unsigned i = 0; now < stop && !tb_interrupted(); i++) {
		h.seq++;
		memcpy(out, &h, sizeof(h));
		ssize_t n = send(fd, out, l->udp_bytes, 0);
		if (n == (ssize_t)l->udp_bytes)
			l->sent++;
		else if (n < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR &&
			 errno != ECONNREFUSED) {
			rc = io_error(l, "send", n);
			break;
		}
		if ((i & 15) == 0)
			now = tb_now_ns();
	}
	l->elapsed = (double)(tb_now_ns() - start) / 1e9;
	free(out);
	return rc;
}
