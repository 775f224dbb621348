/* io.net: TCP bulk throughput both ways (1 and 4 streams), TCP request/response,
 * connect-request-close, UDP request/response and UDP small packets, against a
 * `tinyben serve`: the one io.net starts on loopback, or --peer HOST:PORT across a network
 * (in a guest: across the virtual NIC, where confidential guests pay for bounce buffers
 * and exits). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "io/net.h"
#include "io/serve.h"

enum { M_BW, M_RPS, M_PPS, M_LOSS, M_P50, M_P99, M_P999 };
/* Written by net_record (tb_emit) from the load's own elapsed time: TB_EMITTED (no .how). */
static const struct tb_metric metrics[] = {
	[M_BW] = { "bw", "MB/s", TB_HIGHER, "payload bytes of all streams / elapsed (10^6 B/s)",
		   .primary = true },
	[M_RPS] = { "rps", "req/s", TB_HIGHER, "transactions (request and response) per second",
		    .primary = true },
	[M_PPS] = { "pps", "pkt/s", TB_HIGHER, "64-byte datagrams received by the serve per second",
		    .primary = true },
	[M_LOSS] = { "loss", "%", TB_LOWER, "datagrams sent that the serve did not receive" },
	[M_P50] = { "latency_p50", "us", TB_LOWER, "transaction round trip, median" },
	[M_P99] = { "latency_p99", "us", TB_LOWER, "transaction round trip, 99th percentile" },
	[M_P999] = { "latency_p99.9", "us", TB_LOWER, "transaction round trip, 99.9th percentile" },
	{ 0 },
};

/* What a variant asks the serve for, and which load it runs. */
struct variant {
	const char *name;
	const char *mode;      /* the serve's side: sink, source, echo, udp */
	int streams;           /* TCP data connections held for the whole variant */
	int (*load)(struct net_load *l);
	bool udp;
};
static const struct variant table[] = {
	{ "stream-send", "sink", 1, tb_net_stream_send, false },
	{ "stream-recv", "source", 1, tb_net_stream_recv, false },
	{ "stream-send-p4", "sink", 4, tb_net_stream_send, false },
	{ "stream-recv-p4", "source", 4, tb_net_stream_recv, false },
	{ "rr", "rr", 1, tb_net_rr, false },
	{ "crr", "echo", 0, tb_net_crr, false },
	{ "udp-rr", "udp", 0, tb_net_udp_rr, true },
	{ "udp-send", "udp", 0, tb_net_udp_send, true },
};
static const struct tb_variant variants[] = {
	{ "stream-send", .data = &table[0] }, { "stream-recv", .data = &table[1] },
	{ "stream-send-p4", .data = &table[2] }, { "stream-recv-p4", .data = &table[3] },
	{ "rr", .data = &table[4] }, { "crr", .data = &table[5] },
	{ "udp-rr", .data = &table[6] }, { "udp-send", .data = &table[7] },
	{ 0 },
};

static int check_peer(const char *value, char *err, size_t len)
{
	struct tb_net_addr a;
	return *value ? tb_net_addr_parse(value, &a, err, len) : 0;
}

static const struct tb_option options[] = {
	{ TB_OPT_FIELD(struct net_opts, peer), .type = TB_OPT_STR, .def = "", .check = check_peer,
	  .help = "HOST:PORT of a `tinyben serve` (--peer); empty: one started on loopback" },
	TB_OPT_INT_FIELD(struct net_opts, msg_bytes, "1", NULL, 1, TB_NET_MSG_MAX,
		         "request and response size of rr and crr, bytes"),
	TB_OPT_INT_FIELD(struct net_opts, udp_bytes, "64", NULL,
		         (long long)sizeof(struct tb_net_udp_hdr), 1472,
		         "datagram payload of udp-rr and udp-send, bytes (24-byte header included)"),
	TB_OPT_INT_FIELD(struct net_opts, write_bytes, "128k", NULL, 1024, 16 << 20,
		         "bytes per send()/recv() of the stream variants (iperf3's default, 128 KiB)"),
	TB_OPT_INT_FIELD(struct net_opts, runtime_ms, "2000", "200", 10, 3600000,
		         "length of each repetition, ms"),
	TB_OPT_INT_FIELD(struct net_opts, ramp_ms, "500", "50", 0, 600000,
		         "unrecorded warm-up per variant, ms (TCP windows grow, caches fill)"),
	{ 0 },
};

struct net_state {
	struct tb_net_addr addr;
	char peer[300];          /* "loopback" or HOST:PORT, for detail */
	char fail[400];          /* why nothing can run: every variant fails with it */
	int control;             /* the session's control connection */
	uint64_t token;
	/* The serve io.net started itself. */
	pthread_t server;
	bool server_running;
	int stop_pipe[2];
	struct tb_serve_cfg cfg;
	struct tb_hist *lat;
};

static void *server_thread(void *arg)
{
	struct net_state *s = arg;
	char err[200];
	tb_serve_loop(&s->cfg, err, sizeof(err));
	return NULL;
}

static int start_loopback(struct net_state *s)
{
	char err[200];
	tb_net_addr_parse("127.0.0.1:1", &s->addr, err, sizeof(err));
	s->addr.port = 0;
	int rc = tb_net_addr_resolve(&s->addr, err, sizeof(err));
	int port = 0;
	if (rc == 0)
		rc = tb_serve_open(&s->addr, &s->cfg.tcp_fd, &s->cfg.udp_fd, &port, err, sizeof(err));
	if (rc == 0 && pipe2(s->stop_pipe, O_CLOEXEC) != 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(s->fail, sizeof(s->fail), "loopback serve: %s", err);
		return 0;
	}
	s->addr.port = port;
	((struct sockaddr_in *)&s->addr.sa)->sin_port = htons((uint16_t)port);
	s->cfg.max_conns = TB_SERVE_MAX_CONNS;
	s->cfg.stop_fd = s->stop_pipe[0];
	s->cfg.hello_timeout = TB_SERVE_HELLO_TIMEOUT_S;
	s->cfg.idle_timeout = TB_SERVE_IDLE_TIMEOUT_S;
	if (pthread_create(&s->server, NULL, server_thread, s) != 0) {
		snprintf(s->fail, sizeof(s->fail), "loopback serve: cannot start its thread");
		return 0;
	}
	s->server_running = true;
	snprintf(s->peer, sizeof(s->peer), "loopback");
	return 0;
}

/* Connects the control connection and checks that a tinyben serve answers on it. */
static void handshake(struct net_state *s, const char *name)
{
	char err[300];
	s->control = tb_net_connect(&s->addr, SOCK_STREAM, NET_TIMEOUT_S, err, sizeof(err));
	if (s->control < 0) {
		/* A fresh network namespace or a bare initramfs has lo down. */
		snprintf(s->fail, sizeof(s->fail), "%s%s", err,
			 s->control == -ENETUNREACH && s->server_running
				 ? " (the loopback interface is down here: ip link set lo up)" : "");
		return;
	}
	char hello[64], line[TB_NET_LINE_MAX];
	snprintf(hello, sizeof(hello), "%s %d control\n", TB_NET_MAGIC, TB_NET_VERSION);
	int rc = tb_net_write_all(s->control, hello, strlen(hello));
	if (rc == 0)
		rc = tb_net_read_line(s->control, line, sizeof(line), NET_TIMEOUT_S);
	unsigned long long token = 0;
	char ok[8];
	if (rc == 0 && sscanf(line, TB_NET_MAGIC " 1 %7s %llx", ok, &token) == 2 &&
	    strcmp(ok, "ok") == 0) {
		s->token = token;
		return;
	}
	/* What it said, printable and short, helps to tell which service it was. */
	char said[40] = "";
	for (size_t i = 0, j = 0; rc == 0 && line[i] && j + 1 < sizeof(said); i++)
		said[j++] = line[i] >= ' ' && line[i] < 0x7f && line[i] != ',' ? line[i] : '?';
	if (rc == -EINTR)
		snprintf(s->fail, sizeof(s->fail), "interrupted");
	else if (rc == 0 && strncmp(line, TB_NET_MAGIC " ", sizeof(TB_NET_MAGIC)) == 0)
		snprintf(s->fail, sizeof(s->fail), "the tinyben serve at %s refused: %s", name, said);
	else
		snprintf(s->fail, sizeof(s->fail), "not a tinyben serve at %s (%s)", name,
			 rc == 0 ? "it answered something else" :
			 rc == -ETIMEDOUT ? "no answer to the handshake" : "it closed the connection");
}

static int setup(struct tb_ctx *ctx, void **state)
{
	struct net_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*state = s;
	s->control = s->stop_pipe[0] = s->stop_pipe[1] = -1;
	s->cfg.tcp_fd = s->cfg.udp_fd = -1;
	s->lat = malloc(sizeof(*s->lat));
	if (!s->lat)
		return -ENOMEM;
	const char *peer = TB_OPTS(ctx, struct net_opts)->peer;
	char err[300];
	if (!*peer) {
		start_loopback(s);
	} else {
		tb_net_addr_parse(peer, &s->addr, err, sizeof(err)); /* checked with the options */
		tb_net_addr_name(&s->addr, s->peer, sizeof(s->peer));
		if (tb_net_addr_resolve(&s->addr, err, sizeof(err)) != 0)
			snprintf(s->fail, sizeof(s->fail), "%s", err);
	}
	if (!s->fail[0])
		handshake(s, s->peer[0] == 'l' ? "loopback" : s->peer);
	return 0;
}

/* "test MODE STREAMS" on the control connection: the serve's side of the next variant. */
static int announce(struct net_state *s, const struct variant *v, char *err, size_t len)
{
	char cmd[64], line[TB_NET_LINE_MAX];
	snprintf(cmd, sizeof(cmd), "test %s %d\n", v->mode, v->streams ? v->streams : 1);
	int rc = tb_net_write_all(s->control, cmd, strlen(cmd));
	if (rc == 0)
		rc = tb_net_read_line(s->control, line, sizeof(line), NET_TIMEOUT_S);
	if (rc == 0 && strcmp(line, "ok") != 0)
		rc = -EPROTO;
	if (rc < 0)
		snprintf(err, len, "control connection: %s",
			 rc == -EPROTO ? "the serve refused the test" : strerror(-rc));
	return rc;
}

/* udp-send: how many datagrams arrived since the last asking (and the count restarts). */
static int udp_count(struct net_state *s, uint64_t *count)
{
	char line[TB_NET_LINE_MAX];
	int rc = tb_net_write_all(s->control, "udp-count\n", 10);
	if (rc == 0)
		rc = tb_net_read_line(s->control, line, sizeof(line), NET_TIMEOUT_S);
	unsigned long long n;
	if (rc == 0 && sscanf(line, "udp-count %llu", &n) != 1)
		rc = -EPROTO;
	*count = rc == 0 ? n : 0;
	return rc;
}

struct net_reps {
	struct tb_ctx *ctx;
	struct net_state *s;
	const struct variant *v;
	struct net_load load;
	double ramp, runtime;
};

static int net_measure(void *arg, int rep)
{
	struct net_reps *r = arg;
	struct net_load *l = &r->load;
	l->seconds = rep == 0 ? r->ramp : r->runtime;
	l->error[0] = '\0';
	tb_hist_init(l->lat);
	uint64_t received = 0;
	int rc = r->v->load == tb_net_udp_send ? udp_count(r->s, &received) : 0;
	if (rc == 0)
		rc = r->v->load(l);
	if (rc == 0 && r->v->load == tb_net_udp_send) {
		/* The last datagrams are still on their way: wait for them (untimed). */
		usleep(100000);
		rc = udp_count(r->s, &received);
		l->lost = received < l->sent ? l->sent - received : 0;
		l->transactions = received;
	}
	if (rc < 0 && !tb_interrupted())
		tb_fail(r->ctx, r->v->name, "%s", l->error[0] ? l->error : strerror(-rc));
	return rc;
}

static void net_record(void *arg, int rep, double seconds)
{
	(void)seconds; /* the load's own elapsed: its clock stops with the last answer */
	struct net_reps *r = arg;
	struct net_load *l = &r->load;
	struct tb_ctx *ctx = r->ctx;
	const char *name = r->v->name;
	if (l->elapsed <= 0)
		return;
	char detail[400];
	int n = snprintf(detail, sizeof(detail), "peer=%s runtime_s=%.3f", r->s->peer, l->elapsed);
	if (r->v->load == tb_net_stream_send || r->v->load == tb_net_stream_recv) {
		snprintf(detail + n, sizeof(detail) - (size_t)n, " streams=%d write_bytes=%zu bytes=%llu",
			 r->v->streams, l->write_bytes, (unsigned long long)l->bytes);
		tb_emit(ctx, name, &metrics[M_BW], rep, (double)l->bytes / l->elapsed / 1e6, detail);
		return;
	}
	if (r->v->load == tb_net_udp_send) {
		snprintf(detail + n, sizeof(detail) - (size_t)n,
			 " udp_bytes=%zu sent=%llu received=%llu", l->udp_bytes,
			 (unsigned long long)l->sent, (unsigned long long)l->transactions);
		tb_emit(ctx, name, &metrics[M_PPS], rep, (double)l->transactions / l->elapsed,
			detail);
		if (l->sent)
			tb_emit(ctx, name, &metrics[M_LOSS], rep,
				100.0 * (double)l->lost / (double)l->sent, detail);
		return;
	}
	if (l->transactions == 0)
		return;
	if (r->v->udp)
		snprintf(detail + n, sizeof(detail) - (size_t)n, " udp_bytes=%zu transactions=%llu "
			 "lost=%llu", l->udp_bytes, (unsigned long long)l->transactions,
			 (unsigned long long)l->lost);
	else
		snprintf(detail + n, sizeof(detail) - (size_t)n, " msg_bytes=%zu transactions=%llu",
			 l->msg_bytes, (unsigned long long)l->transactions);
	tb_emit(ctx, name, &metrics[M_RPS], rep, (double)l->transactions / l->elapsed, detail);
	tb_emit(ctx, name, &metrics[M_P50], rep, tb_hist_quantile(l->lat, 0.50) / 1e3, detail);
	tb_emit(ctx, name, &metrics[M_P99], rep, tb_hist_quantile(l->lat, 0.99) / 1e3, detail);
	tb_emit(ctx, name, &metrics[M_P999], rep, tb_hist_quantile(l->lat, 0.999) / 1e3, detail);
}

/* The variant's sockets, held from its warm-up to its last repetition. */
static int open_fds(struct net_state *s, const struct variant *v, struct net_load *l, char *err,
		    size_t len)
{
	if (v->udp) {
		int fd = tb_net_connect(&s->addr, SOCK_DGRAM, NET_TIMEOUT_S, err, len);
		if (fd < 0)
			return fd;
		l->fds[l->n_fds++] = fd;
		return 0;
	}
	for (int i = 0; i < v->streams; i++) {
		int fd = tb_net_data_connect(&s->addr, s->token, err, len);
		if (fd < 0)
			return fd;
		l->fds[l->n_fds++] = fd;
	}
	return 0;
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *tv)
{
	struct net_state *s = state;
	const struct variant *v = tv->data;
	const char *variant = tv->name;
	if (s->fail[0]) {
		tb_fail(ctx, variant, "peer=%s %s", s->peer[0] ? s->peer : "?", s->fail);
		return -EHOSTUNREACH;
	}
	const struct net_opts *o = TB_OPTS(ctx, struct net_opts);
	struct net_reps r = {
		.ctx = ctx, .s = s, .v = v,
		.ramp = (double)o->ramp_ms / 1e3, .runtime = (double)o->runtime_ms / 1e3,
		.load = { .addr = &s->addr, .token = s->token, .lat = s->lat,
			  .msg_bytes = (size_t)o->msg_bytes, .udp_bytes = (size_t)o->udp_bytes,
			  .write_bytes = (size_t)o->write_bytes },
	};
	char err[300];
	int rc = announce(s, v, err, sizeof(err));
	if (rc == 0)
		rc = open_fds(s, v, &r.load, err, sizeof(err));
	if (rc == 0) {
		struct tb_rep_plan plan = { .warmup = r.ramp > 0, .measure = net_measure,
					    .record = net_record };
		rc = tb_reps_run(ctx, &plan, &r);
	} else if (!tb_interrupted()) {
		tb_fail(ctx, variant, "peer=%s %s", s->peer, err);
	}
	for (int i = 0; i < r.load.n_fds; i++)
		close(r.load.fds[i]);
	return rc;
}

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct net_state *s = state;
	if (s->control >= 0)
		close(s->control);
	if (s->server_running) {
		if (write(s->stop_pipe[1], "x", 1) != 1)
			pthread_cancel(s->server);
		pthread_join(s->server, NULL);
	}
	int fds[] = { s->cfg.tcp_fd, s->cfg.udp_fd, s->stop_pipe[0], s->stop_pipe[1] };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(s->lat);
	free(s);
}

TB_BENCH(net_bench, "io.net",
	 "TCP streams, request/response, connect-request-close and UDP against a "
	 "tinyben serve (loopback, or --peer HOST:PORT)",
	 struct net_opts, .io = true, .setup = setup, .run = run, .teardown = teardown);
