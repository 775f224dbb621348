/* io.net and serve: addresses, connecting with a deadline, the control lines. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tinyben/ctx.h"
#include "tinyben/timer.h"
#include "tinyben/util.h"
#include "io/net_proto.h"

int tb_net_addr_parse(const char *s, struct tb_net_addr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	const char *colon = s ? strrchr(s, ':') : NULL;
	long long port;
	size_t hlen = colon ? (size_t)(colon - s) : 0;
	bool bad = !colon || hlen == 0 || hlen >= sizeof(a->host) ||
		   tb_parse_ll(colon + 1, 1, 65535, &port) != 0 ||
		   strspn(colon + 1, "0123456789") != strlen(colon + 1);
	for (const char *p = s; !bad && p < colon; p++)
		bad = (unsigned char)*p <= ' ' || *p == 0x7f || *p == '/' || *p == ',';
	if (bad) {
		snprintf(err, errlen, "'%s': expected HOST:PORT (port 1-65535), e.g. 10.0.2.2:%d",
			 s ? s : "", TB_NET_DEFAULT_PORT);
		return -EINVAL;
	}
	memcpy(a->host, s, hlen);
	if (a->host[0] == '[' && a->host[hlen - 1] == ']') { /* [::1]:5290 */
		memmove(a->host, a->host + 1, hlen - 2);
		a->host[hlen - 2] = '\0';
	} else if (strchr(a->host, ':')) {
		snprintf(err, errlen, "'%s': write an IPv6 address in brackets, [ADDR]:PORT", s);
		return -EINVAL;
	}
	a->port = (int)port;
	return 0;
}

/* The static binary resolves through /etc/hosts and DNS only (see io/redis_server.c). */
int tb_net_addr_resolve(struct tb_net_addr *a, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	char port[8];
	snprintf(port, sizeof(port), "%d", a->port);
	int rc = getaddrinfo(a->host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s (give an address such as 10.0.2.2)",
			 a->host, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	memcpy(&a->sa, res->ai_addr, res->ai_addrlen);
	a->sa_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

void tb_net_addr_name(const struct tb_net_addr *a, char *buf, size_t len)
{
	snprintf(buf, len, strchr(a->host, ':') ? "[%s]:%d" : "%s:%d", a->host, a->port);
}

int tb_net_connect(const struct tb_net_addr *a, int type, double timeout_s, char *err,
		   size_t errlen)
{
	char name[300];
	tb_net_addr_name(a, name, sizeof(name));
	int fd = socket(a->sa.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "socket: %s", strerror(e));
		return -e;
	}
	int rc = connect(fd, (const struct sockaddr *)&a->sa, a->sa_len) == 0 ? 0 : -errno;
	double deadline = tb_now() + timeout_s;
	while (rc == -EINPROGRESS || rc == -EINTR) {
		double left = deadline - tb_now();
		if (tb_interrupted()) {
			rc = -EINTR;
			break;
		}
		if (left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		/* Slices of 100 ms: a Ctrl-C must not wait for the whole timeout. */
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int n = poll(&p, 1, left > 0.1 ? 100 : (int)(left * 1000) + 1);
		if (n > 0) {
			int so = 0;
			socklen_t sl = sizeof(so);
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl);
			rc = -so;
		} else if (n < 0 && errno != EINTR) {
			rc = -errno;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s%s", name, strerror(-rc),
			 rc == -ETIMEDOUT ? " (no answer within the connect timeout)" : "");
		close(fd);
		return rc;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int tb_net_read_line(int fd, char *line, size_t len, double timeout_s)
{
	double deadline = tb_now() + timeout_s;
	size_t n = 0;
	for (;;) {
		double left = deadline - tb_now();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, left > 0.1 ? 100 : (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (tb_interrupted())
			return -EINTR;
		if (r <= 0)
			continue;
		char c;
		ssize_t got = recv(fd, &c, 1, MSG_DONTWAIT);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EPROTO;
		if (c == '\n') {
			line[n] = '\0';
			return 0;
		}
		if (n + 1 >= len)
			return -EPROTO;
		line[n++] = c;
	}
}

int tb_net_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR && !tb_interrupted())
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
