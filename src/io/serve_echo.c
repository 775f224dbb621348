/* serve's blocking echo workers (serve_echo.h). sockperf's server answers its connection
 * with a blocking recv and a send, two system calls per message; the epoll loop needs a
 * third (epoll_wait) and that is a measurable part of a loopback round trip. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "io/net_proto.h"
#include "io/serve_echo.h"

struct tb_echo_worker {
	int fd;
	pthread_t thread;
	bool finished;          /* written by the worker, read by the loop (__atomic) */
	size_t len;
	char buf[TB_NET_MSG_MAX];
};

static bool send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void *echo_run(void *arg)
{
	struct tb_echo_worker *w = arg;
	bool ok = send_all(w->fd, w->buf, w->len);
	while (ok) {
		ssize_t n = recv(w->fd, w->buf, sizeof(w->buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		/* 0: closed; EAGAIN: quiet for idle_s; others: reset. The loop then closes it. */
		ok = n > 0 && send_all(w->fd, w->buf, (size_t)n);
	}
	__atomic_store_n(&w->finished, true, __ATOMIC_RELEASE);
	return NULL;
}

struct tb_echo_worker *tb_echo_start(int fd, const char *pending, size_t len, double idle_s)
{
	struct tb_echo_worker *w = calloc(1, sizeof(*w));
	if (!w || len > sizeof(w->buf)) {
		free(w);
		return NULL;
	}
	w->fd = fd;
	w->len = len;
	memcpy(w->buf, pending, len);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	struct timeval rcv = { .tv_sec = (time_t)idle_s };
	/* A client that stops reading its answers blocks a send: 5 s, then it is let go. */
	struct timeval snd = { .tv_sec = 5 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof(rcv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd));
	/* Signals go to the loop's thread (it watches tb_interrupted), never to a worker. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	int rc = pthread_create(&w->thread, &attr, echo_run, w);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		free(w);
		return NULL;
	}
	return w;
}

bool tb_echo_finished(const struct tb_echo_worker *w)
{
	return __atomic_load_n(&w->finished, __ATOMIC_ACQUIRE);
}

void tb_echo_stop(struct tb_echo_worker *w)
{
	shutdown(w->fd, SHUT_RDWR);
	pthread_join(w->thread, NULL);
	free(w);
}
