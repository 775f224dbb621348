/* The serve loop: one thread, one epoll, every connection a small fixed struct.
 *
 * serve will run on hosts, reachable by whoever can reach the port, so nothing a client
 * sends decides how much it holds: a connection is one struct (its first line at most
 * TB_NET_LINE_MAX bytes) plus, for an echo whose client does not read, at most one
 * unsent message (TB_NET_MSG_MAX); reads of sink and writes of source go through one
 * shared buffer. Connections are capped (the oldest one that never said its first line
 * makes room for a new one, so idle connections cannot lock real clients out), first
 * lines and idle sessions time out, and a bad line ends that connection only. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

#include "tinyben/ctx.h"
#include "tinyben/timer.h"
#include "io/serve.h"
#include "io/serve_echo.h"

#define IOBUF (256 * 1024)
#define UDP_BATCH 32
#define UDP_BUF 2048
/* Data connections a session may hold beyond its test's streams: crr's closed ones that
 * the loop has not seen go yet. */
#define DATA_SLACK 8

enum kind { HELLO, CONTROL, SINK, SOURCE, ECHO, ECHO_THREAD };
/* rr is an echo that a worker thread may answer (serve_echo.h); crr's are on the loop. */
enum mode { MODE_NONE, MODE_SINK, MODE_SOURCE, MODE_ECHO, MODE_UDP, MODE_RR };
static const char *const mode_names[] = { "none", "sink", "source", "echo", "udp", "rr", NULL };

struct conn {
	int fd;
	enum kind kind;
	bool dead;                  /* closed; freed after the current batch of events */
	struct conn *dead_next;
	struct conn *prev, *next;   /* every connection, oldest first */
	uint64_t born_ns, last_ns;
	char line[TB_NET_LINE_MAX];
	size_t line_len;
	struct conn *session;       /* a data connection's control connection */
	/* A control connection: its session. */
	uint64_t token;
	enum mode mode;
	int streams, n_data;
	uint64_t udp_count;
	/* An echo's bytes the client has not taken yet. */
	char *pend;
	size_t pend_len, pend_off;
	struct tb_echo_worker *worker; /* ECHO_THREAD */
};

struct serve {
	const struct tb_serve_cfg *cfg;
	int ep;
	struct conn *head, *tail;
	int n_conns;
	struct conn *sessions[TB_SERVE_SESSIONS_MAX];
	char *iobuf;
	struct conn *dead;          /* closed this turn: events of the batch may still name them */
	int n_workers;              /* echo worker threads running */
	bool done;
};

/* epoll tags of the three fds that are not connections. */
static char tag_listen, tag_udp, tag_stop;

int tb_serve_open(const struct tb_net_addr *a, int *tcp_fd, int *udp_fd, int *port, char *err,
		  size_t errlen)
{
	struct sockaddr_storage sa = a->sa;
	int one = 1;
	/* With port 0 the kernel picks the TCP port; UDP may find it taken: try again. */
	for (int attempt = 0; attempt < 20; attempt++) {
		int t = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (t < 0)
			goto fail_errno;
		setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(t, (struct sockaddr *)&sa, a->sa_len) != 0 || listen(t, 1024) != 0) {
			int e = errno;
			close(t);
			snprintf(err, errlen, "cannot listen on %s:%d: %s", a->host, a->port,
				 strerror(e));
			return -e;
		}
		struct sockaddr_storage got;
		socklen_t gl = sizeof(got);
		getsockname(t, (struct sockaddr *)&got, &gl);
		int u = socket(sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (u >= 0 && bind(u, (struct sockaddr *)&got, gl) == 0) {
			/* A large receive buffer: udp-send's loss should be the path's, not ours. */
			int rcv = 4 << 20;
			setsockopt(u, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
			*tcp_fd = t;
			*udp_fd = u;
			*port = ntohs(got.ss_family == AF_INET6 ?
					      ((struct sockaddr_in6 *)&got)->sin6_port :
					      ((struct sockaddr_in *)&got)->sin_port);
			return 0;
		}
		int e = errno;
		if (u >= 0)
			close(u);
		close(t);
		if (a->port != 0) {
			snprintf(err, errlen, "cannot bind UDP %s:%d: %s", a->host, a->port,
				 strerror(e));
			return -e;
		}
	}
	errno = EADDRINUSE;
fail_errno:;
	int e = errno;
	snprintf(err, errlen, "cannot open a socket: %s", strerror(e));
	return -e;
}

static void watch(struct serve *s, struct conn *c, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };
	epoll_ctl(s->ep, op, c->fd, &ev);
}

static void conn_close(struct serve *s, struct conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	if (c->kind == CONTROL) {
		for (int i = 0; i < TB_SERVE_SESSIONS_MAX; i++)
			if (s->sessions[i] == c)
				s->sessions[i] = NULL;
		/* A session's data connections end with it. */
		for (struct conn *d = s->head, *next; d; d = next) {
			next = d->next;
			if (d->session == c)
				conn_close(s, d);
		}
		if (s->cfg->once)
			s->done = true;
	}
	if (c->session)
		c->session->n_data--;
	if (c->worker) {
		tb_echo_stop(c->worker);
		s->n_workers--;
	}
	/* Leave the epoll set explicitly: close() alone does not while another fd table still
	 * holds the socket (the runner's vfork'ed row writer, when serve runs inside io.net),
	 * and its events would then name this struct after it is freed. */
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	*(c->prev ? &c->prev->next : &s->head) = c->next;
	*(c->next ? &c->next->prev : &s->tail) = c->prev;
	s->n_conns--;
	c->dead_next = s->dead;
	s->dead = c;
}

static void reap(struct serve *s)
{
	while (s->dead) {
		struct conn *c = s->dead;
		s->dead = c->dead_next;
		free(c->pend);
		free(c);
	}
}

static void on_accept(struct serve *s)
{
	for (int i = 0; i < 64; i++) {
		int fd = accept4(s->cfg->tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or EMFILE: the connection waits in the backlog */
		if (s->n_conns >= s->cfg->max_conns) {
			struct conn *old = s->head;
			while (old && old->kind != HELLO)
				old = old->next;
			if (!old) {
				close(fd); /* full of real work: refused */
				continue;
			}
			conn_close(s, old);
		}
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->born_ns = c->last_ns = tb_now_ns();
		c->prev = s->tail;
		*(s->tail ? &s->tail->next : &s->head) = c;
		s->tail = c;
		s->n_conns++;
		watch(s, c, EPOLLIN, EPOLL_CTL_ADD);
	}
}

static int reply(struct conn *c, const char *text)
{
	/* A control line is tiny: it fits in any socket buffer, or the client is hostile. */
	ssize_t n = send(c->fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static struct conn *find_session(struct serve *s, uint64_t token)
{
	for (int i = 0; i < TB_SERVE_SESSIONS_MAX; i++)
		if (s->sessions[i] && s->sessions[i]->token == token)
			return s->sessions[i];
	return NULL;
}

/* The first line: "tinyben-net 1 control" or "tinyben-net 1 data TOKEN". */
static int on_hello(struct serve *s, struct conn *c, const char *line)
{
	char magic[16], what[16];
	unsigned version;
	unsigned long long token = 0;
	int n = sscanf(line, "%15s %u %15s %llx", magic, &version, what, &token);
	if (n < 3 || strcmp(magic, TB_NET_MAGIC) != 0)
		return -1;
	if (version != TB_NET_VERSION) {
		char msg[64];
		snprintf(msg, sizeof(msg), "error version %d only\n", TB_NET_VERSION);
		reply(c, msg);
		return -1;
	}
	if (strcmp(what, "control") == 0 && n == 3) {
		int slot = 0;
		while (slot < TB_SERVE_SESSIONS_MAX && s->sessions[slot])
			slot++;
		if (slot == TB_SERVE_SESSIONS_MAX) {
			reply(c, "error busy\n");
			return -1;
		}
		uint64_t t = 0;
		while (t == 0 || find_session(s, t))
			if (getrandom(&t, sizeof(t), 0) != sizeof(t))
				t = tb_now_ns() * 0x9e3779b97f4a7c15ull;
		c->kind = CONTROL;
		c->token = t;
		s->sessions[slot] = c;
		char msg[64];
		snprintf(msg, sizeof(msg), "%s %d ok %016llx\n", TB_NET_MAGIC, TB_NET_VERSION,
			 (unsigned long long)t);
		return reply(c, msg);
	}
	struct conn *ses = n == 4 && strcmp(what, "data") == 0 ? find_session(s, token) : NULL;
	if (!ses || ses->mode == MODE_NONE || ses->mode == MODE_UDP ||
	    ses->n_data >= ses->streams + DATA_SLACK)
		return -1;
	c->session = ses;
	ses->n_data++;
	ses->last_ns = tb_now_ns();
	c->kind = ses->mode == MODE_SINK ? SINK : ses->mode == MODE_SOURCE ? SOURCE : ECHO;
	if (c->kind == SOURCE)
		watch(s, c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
	if (c->kind == SINK) {
		/* Woken for 64 KiB at least, not for every segment: several streams sharing the
		 * one loop would otherwise cost a wake-up each per segment (iperf3's one-thread
		 * client sends in turn and batches them for its server by chance). */
		int lowat = 64 * 1024;
		setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat));
	}
	return 0;
}

/* Commands of a control connection: "test MODE STREAMS", "udp-count". */
static int on_command(struct serve *s, struct conn *c, const char *line)
{
	(void)s;
	char mode[16];
	int streams;
	if (sscanf(line, "test %15s %d", mode, &streams) == 2) {
		int m = 1;
		while (mode_names[m] && strcmp(mode_names[m], mode) != 0)
			m++;
		if (!mode_names[m] || streams < 1 || streams > TB_NET_STREAMS_MAX) {
			reply(c, "error bad test\n");
			return -1;
		}
		c->mode = (enum mode)m;
		c->streams = streams;
		return reply(c, "ok\n");
	}
	if (strcmp(line, "udp-count") == 0) {
		char msg[48];
		snprintf(msg, sizeof(msg), "udp-count %llu\n", (unsigned long long)c->udp_count);
		c->udp_count = 0;
		return reply(c, msg);
	}
	reply(c, "error unknown command\n");
	return -1;
}

static int echo_bytes(struct serve *s, struct conn *c, const char *buf, size_t len);

/* Reads lines until the connection turns into data (the rest of the read is data). */
static int on_lines(struct serve *s, struct conn *c)
{
	ssize_t n = recv(c->fd, c->line + c->line_len, sizeof(c->line) - c->line_len, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (n < 0)
		return 0;
	c->line_len += (size_t)n;
	c->last_ns = tb_now_ns();
	char *nl;
	while ((c->kind == HELLO || c->kind == CONTROL) &&
	       (nl = memchr(c->line, '\n', c->line_len))) {
		*nl = '\0';
		size_t used = (size_t)(nl - c->line) + 1;
		int rc = c->kind == HELLO ? on_hello(s, c, c->line) : on_command(s, c, c->line);
		if (rc < 0)
			return -1;
		memmove(c->line, c->line + used, c->line_len - used);
		c->line_len -= used;
	}
	if ((c->kind == HELLO || c->kind == CONTROL) && c->line_len == sizeof(c->line))
		return -1; /* a line longer than any the protocol has: not a client of ours */
	if (c->kind == ECHO && c->session->mode == MODE_RR &&
	    s->n_workers < TB_SERVE_ECHO_WORKERS) {
		epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
		c->worker = tb_echo_start(c->fd, c->line, c->line_len, s->cfg->idle_timeout);
		if (c->worker) {
			c->kind = ECHO_THREAD;
			c->line_len = 0;
			s->n_workers++;
			return 0;
		}
		watch(s, c, EPOLLIN, EPOLL_CTL_ADD); /* no thread: the loop answers it */
	}
	if (c->kind == ECHO && c->line_len) {
		size_t len = c->line_len;
		c->line_len = 0;
		return echo_bytes(s, c, c->line, len);
	}
	if (c->kind != HELLO && c->kind != CONTROL)
		c->line_len = 0; /* sink and source: what follows the line is discarded */
	return 0;
}

/* Sends what it can; the rest waits (reading stops) until the client takes it. */
static int echo_bytes(struct serve *s, struct conn *c, const char *buf, size_t len)
{
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return -1;
	size_t sent = n > 0 ? (size_t)n : 0;
	if (sent == len)
		return 0;
	c->pend = malloc(len - sent);
	if (!c->pend)
		return -1;
	memcpy(c->pend, buf + sent, len - sent);
	c->pend_len = len - sent;
	c->pend_off = 0;
	watch(s, c, EPOLLOUT, EPOLL_CTL_MOD);
	return 0;
}

static int on_data(struct serve *s, struct conn *c, uint32_t events)
{
	c->session->last_ns = tb_now_ns();
	if (c->kind == ECHO && c->pend) {
		ssize_t n = send(c->fd, c->pend + c->pend_off, c->pend_len - c->pend_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		c->pend_off += n > 0 ? (size_t)n : 0;
		if (c->pend_off == c->pend_len) {
			free(c->pend);
			c->pend = NULL;
			watch(s, c, EPOLLIN, EPOLL_CTL_MOD);
		}
		return 0;
	}
	if (c->kind == SOURCE && (events & EPOLLOUT)) {
		for (int i = 0; i < 16; i++) {
			ssize_t n = send(c->fd, s->iobuf, IOBUF / 2, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n < 0)
				return -1;
			if (n < IOBUF / 2)
				break; /* the socket is full: a further send would only say EAGAIN */
		}
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return 0;
	/* Sink reads everything; echo at most one message's worth per turn, so that what
	 * it may have to hold stays bounded; source only notices the end. */
	size_t want = c->kind == ECHO ? TB_NET_MSG_MAX : IOBUF;
	for (int i = 0; i < (c->kind == SINK ? 16 : 1); i++) {
		ssize_t n = recv(c->fd, s->iobuf, want, 0);
		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (c->kind == ECHO)
			return echo_bytes(s, c, s->iobuf, (size_t)n);
		if ((size_t)n < want)
			break; /* drained: a further recv would only say EAGAIN */
	}
	return 0;
}

static void on_udp(struct serve *s)
{
	static char bufs[UDP_BATCH][UDP_BUF];
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < UDP_BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], UDP_BUF };
			msgs[i] = (struct mmsghdr){ .msg_hdr = {
				.msg_name = &from[i], .msg_namelen = sizeof(from[i]),
				.msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		int n = recvmmsg(s->cfg->udp_fd, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			struct tb_net_udp_hdr h;
			if (msgs[i].msg_len < sizeof(h) || (msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
				continue;
			memcpy(&h, bufs[i], sizeof(h));
			struct conn *ses = h.magic == TB_NET_UDP_MAGIC ? find_session(s, h.token)
								       : NULL;
			if (!ses)
				continue;
			ses->last_ns = tb_now_ns();
			if (!h.echo) {
				ses->udp_count++;
				continue;
			}
			/* 1:1 in size, and only for a session's token: no amplifier. */
			sendto(s->cfg->udp_fd, bufs[i], msgs[i].msg_len, MSG_DONTWAIT,
			       (struct sockaddr *)&from[i], msgs[i].msg_hdr.msg_namelen);
		}
		if (n < UDP_BATCH)
			return;
	}
}

static void expire(struct serve *s)
{
	/* Read now, not before the batch: a connection of the batch may be newer than that. */
	uint64_t now = tb_now_ns();
	uint64_t hello = (uint64_t)(s->cfg->hello_timeout * 1e9);
	uint64_t idle = (uint64_t)(s->cfg->idle_timeout * 1e9);
	/* Workers first: a finished one goes, a running one keeps its session from looking idle
	 * (the session's control connection comes earlier in the walk below). */
	for (struct conn *c = s->head; c; c = c->next)
		if (c->kind == ECHO_THREAD && !tb_echo_finished(c->worker))
			c->session->last_ns = now;
	/* A closed node keeps its next pointer until reap(): the walks go on. */
	for (struct conn *c = s->head, *next; c; c = next) {
		next = c->next;
		if (!c->dead && ((c->kind == HELLO && now > c->born_ns + hello) ||
				 (c->kind == CONTROL && now > c->last_ns + idle) ||
				 (c->kind == ECHO_THREAD && tb_echo_finished(c->worker))))
			conn_close(s, c);
	}
}

int tb_serve_loop(const struct tb_serve_cfg *cfg, char *err, size_t errlen)
{
	struct serve s = { .cfg = cfg, .ep = epoll_create1(EPOLL_CLOEXEC) };
	s.iobuf = malloc(IOBUF);
	if (s.ep < 0 || !s.iobuf) {
		snprintf(err, errlen, "epoll/buffer: %s", strerror(errno));
		free(s.iobuf);
		if (s.ep >= 0)
			close(s.ep);
		return -ENOMEM;
	}
	for (size_t i = 0; i < IOBUF; i++)
		s.iobuf[i] = (char)(i * 131 + 7);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &tag_listen };
	epoll_ctl(s.ep, EPOLL_CTL_ADD, cfg->tcp_fd, &ev);
	ev.data.ptr = &tag_udp;
	epoll_ctl(s.ep, EPOLL_CTL_ADD, cfg->udp_fd, &ev);
	if (cfg->stop_fd >= 0) {
		ev.data.ptr = &tag_stop;
		epoll_ctl(s.ep, EPOLL_CTL_ADD, cfg->stop_fd, &ev);
	}
	uint64_t start = tb_now_ns(), last_expire = start;
	uint64_t end = cfg->duration > 0 ? start + (uint64_t)(cfg->duration * 1e9) : UINT64_MAX;
	struct epoll_event evs[64];
	while (!s.done && !(cfg->signals && tb_interrupted())) {
		int n = epoll_wait(s.ep, evs, 64, 250);
		uint64_t now = tb_now_ns();
		if (now >= end)
			break;
		for (int i = 0; i < n && !s.done; i++) {
			void *p = evs[i].data.ptr;
			if (p == &tag_stop) {
				s.done = true;
			} else if (p == &tag_listen) {
				on_accept(&s);
			} else if (p == &tag_udp) {
				on_udp(&s);
			} else {
				struct conn *c = p;
				if (c->dead)
					continue;
				int rc = c->kind == HELLO || c->kind == CONTROL
						 ? on_lines(&s, c)
						 : on_data(&s, c, evs[i].events);
				if (rc < 0)
					conn_close(&s, c);
			}
		}
		if (now - last_expire > 1000000000ull) {
			expire(&s);
			last_expire = now;
		}
		reap(&s);
	}
	while (s.head)
		conn_close(&s, s.head);
	reap(&s);
	close(s.ep);
	free(s.iobuf);
	return 0;
}
