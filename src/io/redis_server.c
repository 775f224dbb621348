/* io.redis: the server address, blocking connections, and the private redis-server we start. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "tinyben/ctx.h"
#include "tinyben/timer.h"
#include "tinyben/util.h"
#include "io/redis.h"

/* How long a fresh redis-server may take to answer PING (it loads no data: well under 1 s
 * even on a small guest), and to exit after SIGTERM. */
#define START_TIMEOUT_S 10.0
#define STOP_TIMEOUT_S 5.0

int tb_redis_addr_parse(const char *s, struct tb_redis_addr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (!s || !*s) {
		snprintf(err, errlen, "empty address: expected host:port or a socket path");
		return -EINVAL;
	}
	if (strchr(s, '/')) {
		if (strlen(s) >= sizeof(a->path)) {
			snprintf(err, errlen, "'%s': socket path longer than %zu bytes", s,
				 sizeof(a->path) - 1);
			return -EINVAL;
		}
		strcpy(a->path, s);
		return 0;
	}
	const char *colon = strrchr(s, ':');
	long long port;
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(a->host) ||
	    tb_parse_ll(colon + 1, 1, 65535, &port) != 0) {
		snprintf(err, errlen, "'%s': expected host:port (port 1-65535) or a socket path", s);
		return -EINVAL;
	}
	memcpy(a->host, s, (size_t)(colon - s));
	/* [::1]:6379 */
	if (a->host[0] == '[' && a->host[strlen(a->host) - 1] == ']') {
		memmove(a->host, a->host + 1, strlen(a->host));
		a->host[strlen(a->host) - 1] = '\0';
	}
	a->port = (int)port;
	return 0;
}

/*
 * The static tinyben carries glibc's resolver for /etc/hosts and DNS only: a name that a guest
 * serves through another NSS module (myhostname, mdns, sss, ...) would need that module's shared
 * library from the glibc tinyben was linked with. So names are resolved here, once, and a
 * failure says what to give instead; hiredis then only ever sees a numeric address.
 */
int tb_redis_addr_resolve(struct tb_redis_addr *a, char *err, size_t errlen)
{
	if (a->path[0] || a->numeric[0])
		return 0;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	int rc = getaddrinfo(a->host, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s (tinyben is static: it looks names up in "
			 "/etc/hosts and DNS only; give an address such as 127.0.0.1)", a->host,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, a->numeric, sizeof(a->numeric), NULL, 0,
			 NI_NUMERICHOST);
	freeaddrinfo(res);
	if (rc != 0) {
		a->numeric[0] = '\0';
		snprintf(err, errlen, "cannot resolve %s: %s", a->host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	return 0;
}

redisReply *tb_redis_call(redisContext *c, double timeout_s, bool interruptible, int argc,
			  const char **argv, const size_t *lens, char *err, size_t errlen)
{
	if (redisAppendCommandArgv(c, argc, argv, lens) != REDIS_OK) {
		snprintf(err, errlen, "%s", c->errstr);
		return NULL;
	}
	int done = 0;
	while (!done)
		if (redisBufferWrite(c, &done) != REDIS_OK) {
			snprintf(err, errlen, "%s", c->errstr);
			return NULL;
		}
	double deadline = tb_now() + timeout_s;
	for (;;) {
		void *reply = NULL;
		if (redisGetReplyFromReader(c, &reply) != REDIS_OK) {
			snprintf(err, errlen, "%s", c->errstr);
			return NULL;
		}
		if (reply)
			return reply;
		if (interruptible && tb_interrupted()) {
			snprintf(err, errlen, "interrupted");
			return NULL;
		}
		if (tb_now() > deadline) {
			snprintf(err, errlen, "no answer within %.0f s", timeout_s);
			return NULL;
		}
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int n = poll(&p, 1, 100);
		if (n > 0 && redisBufferRead(c) != REDIS_OK) {
			snprintf(err, errlen, "%s", c->errstr);
			return NULL;
		}
	}
}

redisContext *tb_redis_connect(const struct tb_redis_addr *a, double timeout_s, char *err,
			       size_t errlen)
{
	struct timeval tv = { (time_t)timeout_s, (suseconds_t)((timeout_s - (time_t)timeout_s) * 1e6) };
	struct tb_redis_addr resolved = *a;
	if (tb_redis_addr_resolve(&resolved, err, errlen) != 0)
		return NULL;
	/* A unix socket whose listen queue is full refuses a connect() at once with EAGAIN
	 * (a TCP one would wait): hundreds of clients connecting back to back outrun a
	 * server that accepts between its other work. Retried with a growing pause, within
	 * the timeout. */
	redisContext *c = NULL;
	double waited = 0, pause = 0.001;
	for (;;) {
		c = a->path[0] ? redisConnectUnixWithTimeout(a->path, tv)
			       : redisConnectWithTimeout(resolved.numeric, a->port, tv);
		if (!c || !c->err || c->err != REDIS_ERR_IO || errno != EAGAIN ||
		    waited >= timeout_s || tb_interrupted())
			break;
		redisFree(c);
		struct timespec ts = { 0, (long)(pause * 1e9) };
		nanosleep(&ts, NULL);
		waited += pause;
		pause = pause * 2 > 0.05 ? 0.05 : pause * 2;
	}
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (c->err) {
		if (a->path[0])
			snprintf(err, errlen, "cannot connect to %s: %s", a->path, c->errstr);
		else
			snprintf(err, errlen, "cannot connect to %s:%d: %s", a->host, a->port, c->errstr);
		redisFree(c);
		return NULL;
	}
	return c;
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char *copy = strdup(path), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char full[4096];
		snprintf(full, sizeof(full), "%s/%s", *d ? d : ".", prog);
		found = access(full, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* The last non-empty line of the server's log: why it refused to start. */
static void last_log_line(const char *log, char *out, size_t len)
{
	out[0] = '\0';
	FILE *f = fopen(log, "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0])
			snprintf(out, len, "%.300s", line);
	}
	fclose(f);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Fills s->version from INFO server; the version goes into every row's detail. */
static void read_version(redisContext *c, char *version, size_t len)
{
	snprintf(version, len, "unknown");
	redisReply *r = redisCommand(c, "INFO server");
	if (r && r->type == REDIS_REPLY_STRING) {
		const char *v = strstr(r->str, "redis_version:");
		if (v) {
			v += strlen("redis_version:");
			snprintf(version, len, "%.*s", (int)strcspn(v, "\r\n"), v);
		}
	}
	if (r)
		freeReplyObject(r);
}

/* PING until PONG, the child exits, or the timeout. */
static int wait_ready(struct tb_redis_server *s, char *err, size_t errlen)
{
	double deadline = tb_now() + START_TIMEOUT_S;
	char why[256] = "no answer";
	while (tb_now() < deadline) {
		if (tb_interrupted())
			return -EINTR;
		int status;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			tb_child_forget(s->pid);
			s->pid = 0;
			char line[400];
			last_log_line(s->log, line, sizeof(line));
			snprintf(err, errlen, "redis-server exited at start (%s %d): %s",
				 WIFEXITED(status) ? "status" : "signal",
				 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				 line[0] ? line : "no log");
			return -ECHILD;
		}
		redisContext *c = tb_redis_connect(&s->addr, 0.5, why, sizeof(why));
		if (c) {
			redisReply *r = redisCommand(c, "PING");
			bool pong = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
			if (r && r->type == REDIS_REPLY_ERROR)
				snprintf(why, sizeof(why), "PING: %s", r->str);
			if (r)
				freeReplyObject(r);
			if (pong)
				read_version(c, s->version, sizeof(s->version));
			redisFree(c);
			if (pong)
				return 0;
		}
		sleep_ms(10);
	}
	snprintf(err, errlen, "redis-server did not answer PING within %.0f s (%s)", START_TIMEOUT_S,
		 why);
	return -ETIMEDOUT;
}

/* The socket lives in a private directory under $TMPDIR (or /tmp), not under --dir:
 * a unix socket path must fit in 108 bytes, and nothing of ours belongs in the user's
 * data directory. */
static int make_dir(struct tb_redis_server *s, char *err, size_t errlen)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base || strlen(base) > 60)
		base = "/tmp";
	int rc = tb_tmpdir_create(base, "redis", s->dir, sizeof(s->dir));
	if (rc < 0) {
		snprintf(err, errlen, "cannot create a temp dir in %s: %s", base, strerror(-rc));
		s->dir[0] = '\0';
		return rc;
	}
	snprintf(s->addr.path, sizeof(s->addr.path), "%s/redis.sock", s->dir);
	snprintf(s->log, sizeof(s->log), "%s/redis.log", s->dir);
	/* Registered before the server exists, so a signal at any point removes them. */
	tb_tmp_register(s->addr.path);
	tb_tmp_register(s->log);
	return 0;
}

/* As deep as the kernel allows (net.core.somaxconn), up to io.redis's 10000 clients. */
static int listen_backlog(void)
{
	int v = 4096;
	FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 4096;
		fclose(f);
	}
	return v < 511 ? 511 : v > 10000 ? 10000 : v;
}

int tb_redis_server_start(struct tb_redis_server *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (!on_path("redis-server")) {
		snprintf(err, errlen, "redis-server not found on PATH and no --redis given");
		return -ENOENT;
	}
	int rc = make_dir(s, err, errlen);
	if (rc < 0)
		return rc;
	int logfd = open(s->log, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (logfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", s->log, strerror(errno));
		tb_redis_server_stop(s);
		return rc;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		rc = -errno;
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(logfd);
		tb_redis_server_stop(s);
		return rc;
	}
	if (pid == 0) {
		/* Dies with us even if we are SIGKILLed; its own process group, so a terminal's
		 * Ctrl-C reaches only tinyben, which stops it in order. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		setpgid(0, 0);
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		/* No TCP listener, no RDB or AOF: the benchmark measures request handling, not
		 * disk; the working dir is the private one so nothing lands elsewhere. */
		/* The listen queue of the socket is tcp-backlog (511 by default), capped by the
		 * kernel at net.core.somaxconn: io.redis allows 10000 clients. */
		char backlog[16];
		snprintf(backlog, sizeof(backlog), "%d", listen_backlog());
		/* redis-server sizes maxclients from its descriptor limit. */
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 10100 ? 10100
											   : rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", s->addr.path,
		       "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", s->dir,
		       "--tcp-backlog", backlog, "--daemonize", "no", "--logfile", "", (char *)NULL);
		_exit(127);
	}
	close(logfd);
	s->pid = pid;
	tb_child_register(pid);
	rc = wait_ready(s, err, errlen);
	if (rc < 0)
		tb_redis_server_stop(s);
	return rc;
}

void tb_redis_server_stop(struct tb_redis_server *s)
{
	if (s->pid > 0) {
		/* redis-server exits cleanly on SIGTERM; with save '' it writes nothing. */
		kill(s->pid, SIGTERM);
		double deadline = tb_now() + STOP_TIMEOUT_S;
		for (;;) {
			pid_t w = waitpid(s->pid, NULL, WNOHANG);
			if (w == s->pid || (w < 0 && errno != EINTR))
				break;
			if (tb_now() > deadline) {
				kill(s->pid, SIGKILL);
				waitpid(s->pid, NULL, 0);
				break;
			}
			sleep_ms(5);
		}
		tb_child_forget(s->pid);
		s->pid = 0;
	}
	if (s->dir[0]) {
		unlink(s->addr.path);
		unlink(s->log);
		rmdir(s->dir);
		tb_tmp_forget(s->addr.path);
		tb_tmp_forget(s->log);
		tb_tmp_forget(s->dir);
		s->dir[0] = '\0';
	}
}
