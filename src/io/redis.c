/* io.redis: redis-benchmark's SET, GET, INCR, LPUSH, LPOP and SADD tests, at pipeline 1 and 16,
 * against a redis-server we start on a private unix socket or the one --redis names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "io/redis.h"

/* Same commands and keys as redis-benchmark (src/redis-benchmark.c, non-cluster mode), so
 * the server does the same work; without -r / keyspace every request hits the literal key
 * "key:__rand_int__", as redis-benchmark does. */
struct command {
	const char *name;
	const char *fmt;          /* %s is the payload */
	enum tb_redis_expect expect;
};

static const struct command commands[] = {
	{ "SET", "SET key:__rand_int__ %s", TB_EXPECT_OK },
	{ "GET", "GET key:__rand_int__", TB_EXPECT_BULK },
	{ "INCR", "INCR counter:__rand_int__", TB_EXPECT_INT },
	{ "LPUSH", "LPUSH mylist %s", TB_EXPECT_INT },
	{ "LPOP", "LPOP mylist", TB_EXPECT_BULK },
	{ "SADD", "SADD myset element:__rand_int__", TB_EXPECT_INT },
};

/* "-P16" variants: the pipelined case of the issue, whatever the `pipeline` option says. */
#define DEEP_PIPELINE 16
static const char *const variants[] = {
	"SET", "GET", "INCR", "LPUSH", "LPOP", "SADD",
	"SET-P16", "GET-P16", "INCR-P16", "LPUSH-P16", "LPOP-P16", "SADD-P16", NULL,
};

struct redis_opts {
	long long clients;
	long long pipeline;
	long long data_bytes;
	long long requests;
	long long keyspace;
	const char *server;
};

enum { M_RPS, M_P50, M_P99, M_P999 };
static const struct tb_metric metrics[] = {
	[M_RPS] = { "rps", "req/s", TB_HIGHER, "requests answered per second of wall time",
		.primary = true },
	[M_P50] = { "latency_p50", "us", TB_LOWER, "request to answer, median (histogram)",
		.primary = false },
	[M_P99] = { "latency_p99", "us", TB_LOWER, "request to answer, 99th percentile",
		.primary = false },
	[M_P999] = { "latency_p99.9", "us", TB_LOWER, "request to answer, 99.9th percentile",
		.primary = false },
	{ 0 },
};

/* A malformed address is bad usage, found before anything runs; so is a path that exists and
 * is no socket (one that does not exist yet may be a server still starting: a failed row). */
static int check_server(const char *value, char *err, size_t len)
{
	struct tb_redis_addr a;
	struct stat st;
	if (!*value)
		return 0;
	int rc = tb_redis_addr_parse(value, &a, err, len);
	if (rc == 0 && value[0] == '/' && stat(value, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, len, "'%s' exists and is not a socket", value);
		return -EINVAL;
	}
	return rc;
}

static const struct tb_option options[] = {
	{ .name = "clients", .type = TB_OPT_INT, .def = "50",
	  .min = 1, .max = 10000,
	  .offset = offsetof(struct redis_opts, clients),
	  .help = "parallel connections (redis-benchmark -c)" },
	{ .name = "pipeline", .type = TB_OPT_INT, .def = "1",
	  .min = 1, .max = 1024,
	  .offset = offsetof(struct redis_opts, pipeline),
	  .help = "requests in flight per connection for the variants without -P16 (redis-benchmark -P)" },
	{ .name = "data_bytes", .type = TB_OPT_INT, .def = "3",
	  .min = 1, .max = 1 << 20,
	  .offset = offsetof(struct redis_opts, data_bytes),
	  .help = "payload of SET and LPUSH, bytes (redis-benchmark -d)" },
	{ .name = "requests", .type = TB_OPT_INT, .def = "100000", .quick = "5000",
	  .min = 1, .max = 1LL << 40,
	  .offset = offsetof(struct redis_opts, requests),
	  .help = "requests per repetition (redis-benchmark -n)" },
	{ .name = "keyspace", .type = TB_OPT_INT, .def = "0",
	  .min = 0, .max = 999999999999LL,
	  .offset = offsetof(struct redis_opts, keyspace),
	  .help = "0: one key as redis-benchmark without -r; N: random keys below N (redis-benchmark -r)" },
	{ .name = "server", .type = TB_OPT_STR, .def = "",
	  .offset = offsetof(struct redis_opts, server), .check = check_server,
	  .help = "host:port or a unix socket path of a server to use (--redis ADDR); "
		  "empty: start a private redis-server" },
	{ 0 },
};

/* Preparing keys may take a while (DEL of a list of millions of elements, LPUSH of as many
 * as the requests): a generous timeout for the admin commands (Ctrl-C still ends the wait). */
#define ADMIN_TIMEOUT_S 60.0

struct redis_state {
	struct tb_redis_server server;
	struct tb_redis_addr addr;
	redisContext *admin;      /* blocking connection for preparing keys */
	bool own;
	char skip[256], fail[256];/* one of them set: every variant is skipped or failed */
	char where[160];          /* for detail: server=... version=... */
	char *payload;
	size_t payload_len;
	struct tb_hist *hist;
};

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct redis_state *st = state;
	if (!st)
		return;
	if (st->admin && !st->own) {
		/* Someone else's server: remove the fixed-name keys this run wrote (the same ones
		 * redis-benchmark writes). Random keys (keyspace > 0) stay, as with redis-benchmark. */
		static const char *const del[] = { "DEL", "key:__rand_int__", "counter:__rand_int__",
						   "mylist", "myset" };
		char err[128];
		/* Not interruptible (it runs after a Ctrl-C too), but short: a server that does
		 * not answer in a second does not hold the exit. */
		redisReply *r = tb_redis_call(st->admin, 1.0, false, 5, (const char **)del, NULL,
					      err, sizeof(err));
		if (r)
			freeReplyObject(r);
	}
	if (st->admin)
		redisFree(st->admin);
	tb_redis_server_stop(&st->server);
	free(st->payload);
	free(st->hist);
	free(st);
}

/* Setup never fails the whole benchmark: the reason goes on every selected variant's row. */
static int setup(struct tb_ctx *ctx, void **state)
{
	struct redis_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	*state = st;
	const char *server = TB_OPTS(ctx, struct redis_opts)->server;
	st->payload_len = (size_t)TB_OPTS(ctx, struct redis_opts)->data_bytes;
	st->payload = malloc(st->payload_len + 1);
	st->hist = malloc(sizeof(*st->hist));
	if (!st->payload || !st->hist) {
		teardown(ctx, st);
		*state = NULL;
		return -ENOMEM;
	}
	/* redis-benchmark's payload is 'x' repeated. */
	memset(st->payload, 'x', st->payload_len);
	st->payload[st->payload_len] = '\0';

	char err[256] = "";
	char version[32] = "unknown";
	if (*server) {
		if (tb_redis_addr_parse(server, &st->addr, err, sizeof(err)) < 0 ||
		    tb_redis_addr_resolve(&st->addr, err, sizeof(err)) < 0) {
			snprintf(st->fail, sizeof(st->fail), "%s", err);
			return 0;
		}
	} else {
		int rc = tb_redis_server_start(&st->server, err, sizeof(err));
		if (rc == -EINTR) {
			/* The runner calls no teardown after a failed setup. */
			teardown(ctx, st);
			*state = NULL;
			return rc;
		}
		if (rc == -ENOENT) {
			snprintf(st->skip, sizeof(st->skip), "%s", err);
			return 0;
		}
		if (rc < 0) {
			snprintf(st->fail, sizeof(st->fail), "%s", err);
			return 0;
		}
		st->own = true;
		st->addr = st->server.addr;
		snprintf(version, sizeof(version), "%s", st->server.version);
	}
	st->admin = tb_redis_connect(&st->addr, 5.0, err, sizeof(err));
	if (!st->admin) {
		snprintf(st->fail, sizeof(st->fail), "%s", err);
		return 0;
	}
	if (!st->own) {
		static const char *const info[] = { "INFO", "server" };
		redisReply *r = tb_redis_call(st->admin, ADMIN_TIMEOUT_S, true, 2,
					      (const char **)info, NULL, err, sizeof(err));
		if (!r && tb_interrupted()) {
			teardown(ctx, st);
			*state = NULL;
			return -EINTR;
		}
		const char *v = r && r->type == REDIS_REPLY_STRING ? strstr(r->str, "redis_version:") : NULL;
		if (v) {
			v += strlen("redis_version:");
			snprintf(version, sizeof(version), "%.*s", (int)strcspn(v, "\r\n"), v);
		} else {
			snprintf(st->fail, sizeof(st->fail), "%s: INFO failed: %s", server,
				 r && r->type == REDIS_REPLY_ERROR ? r->str
				 : r ? "no redis_version" : err);
		}
		if (r)
			freeReplyObject(r);
	}
	snprintf(st->where, sizeof(st->where), "server=%s redis_version=%s",
		 st->own ? "private-unix-socket" : server, version);
	return 0;
}

/* One admin command; false with the reason in err when it failed. */
static bool admin(struct redis_state *st, char *err, size_t len, int argc, const char **argv,
		  const size_t *lens)
{
	char why[200];
	redisReply *r = tb_redis_call(st->admin, ADMIN_TIMEOUT_S, true, argc, argv, lens, why,
				      sizeof(why));
	bool ok = r && r->type != REDIS_REPLY_ERROR;
	if (!ok)
		snprintf(err, len, "preparing %s: %s", argv[0], r ? r->str : why);
	if (r)
		freeReplyObject(r);
	return ok;
}

/* Puts the keys where the measured command finds them as in redis-benchmark's sequence
 * (GET after SET, LPOP after LPUSH), and keeps the list from growing across repetitions. */
static bool prepare(struct redis_state *st, const struct command *cmd, uint64_t requests,
		    char *err, size_t len)
{
	if (strcmp(cmd->name, "GET") == 0) {
		const char *a[] = { "SET", "key:__rand_int__", st->payload };
		size_t l[] = { 3, 16, st->payload_len };
		return admin(st, err, len, 3, a, l);
	}
	if (strcmp(cmd->name, "LPUSH") != 0 && strcmp(cmd->name, "LPOP") != 0)
		return true;
	const char *del[] = { "DEL", "mylist" };
	size_t dl[] = { 3, 6 };
	if (!admin(st, err, len, 2, del, dl))
		return false;
	if (strcmp(cmd->name, "LPOP") != 0)
		return true;
	/* Every LPOP must find an element: fill the list in chunks of up to 1000 values and
	 * about 16 MiB, far below redis' limit on one request (client-query-buffer-limit). */
	enum { CHUNK = 1000 };
	uint64_t chunk = (16u << 20) / st->payload_len;
	chunk = chunk < 1 ? 1 : chunk > CHUNK ? CHUNK : chunk;
	const char *a[CHUNK + 2];
	size_t l[CHUNK + 2];
	a[0] = "LPUSH", l[0] = 5;
	a[1] = "mylist", l[1] = 6;
	for (int i = 0; i < CHUNK; i++)
		a[i + 2] = st->payload, l[i + 2] = st->payload_len;
	for (uint64_t done = 0; done < requests;) {
		int k = (int)(requests - done < chunk ? requests - done : chunk);
		if (!admin(st, err, len, k + 2, a, l))
			return false;
		done += (uint64_t)k;
	}
	return true;
}

/* One variant's repetitions: the keys a command needs are loaded untimed (prepare), then
 * the load runs (measure). */
struct redis_reps {
	struct tb_ctx *ctx;
	struct redis_state *st;
	const struct command *cmd;
	const char *variant;
	struct tb_redis_load l;
	uint64_t full, warm;
	struct tb_redis_result res;
};

static int rep_prepare(void *arg, int rep)
{
	struct redis_reps *r = arg;
	r->l.requests = rep == 0 ? (r->warm < r->full ? r->warm : r->full) : r->full;
	char err[256];
	if (!prepare(r->st, r->cmd, r->l.requests, err, sizeof(err))) {
		tb_fail(r->ctx, r->variant, "%s", err);
		return -EIO;
	}
	return 0;
}

static int rep_measure(void *arg, int rep)
{
	(void)rep;
	struct redis_reps *r = arg;
	int rc = tb_redis_load_run(&r->l, &r->res);
	if (rc < 0 && rc != -EINTR)
		tb_fail(r->ctx, r->variant, "%s", r->res.error);
	return rc;
}

static void rep_record(void *arg, int rep)
{
	struct redis_reps *r = arg;
	const struct redis_state *st = r->st;
	const struct tb_redis_result *res = &r->res;
	char detail[512];
	snprintf(detail, sizeof(detail),
		 "clients=%d pipeline=%d data_bytes=%zu requests=%llu keyspace=%llu "
		 "seconds=%.6f client_cpu_s=%.6f %s",
		 r->l.clients, r->l.pipeline, st->payload_len, (unsigned long long)res->done,
		 (unsigned long long)r->l.keyspace, res->seconds, res->cpu_seconds, st->where);
	tb_emit(r->ctx, r->variant, &metrics[M_RPS], rep, (double)res->done / res->seconds,
		detail);
	tb_emit(r->ctx, r->variant, &metrics[M_P50], rep, tb_hist_quantile(st->hist, 0.50) / 1e3,
		detail);
	tb_emit(r->ctx, r->variant, &metrics[M_P99], rep, tb_hist_quantile(st->hist, 0.99) / 1e3,
		detail);
	tb_emit(r->ctx, r->variant, &metrics[M_P999], rep,
		tb_hist_quantile(st->hist, 0.999) / 1e3, detail);
}

/* What setup found (no server and no redis-server to start) applies to every variant. */
static bool supported(struct tb_ctx *ctx, void *state, const char *variant, char *why,
		      size_t len)
{
	(void)ctx;
	(void)variant;
	const struct redis_state *st = state;
	snprintf(why, len, "%s", st->skip);
	return st->skip[0] == '\0';
}

static int run(struct tb_ctx *ctx, void *state, const char *variant)
{
	struct redis_state *st = state;
	if (st->fail[0]) {
		tb_fail(ctx, variant, "%s", st->fail);
		return -EIO;
	}
	const struct command *cmd = NULL;
	size_t nlen = strcspn(variant, "-");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strlen(commands[i].name) == nlen && strncmp(commands[i].name, variant, nlen) == 0)
			cmd = &commands[i];
	if (!cmd)
		return -EINVAL;

	struct tb_redis_load l = {
		.addr = &st->addr,
		.name = cmd->name,
		.clients = (int)TB_OPTS(ctx, struct redis_opts)->clients,
		.pipeline = variant[nlen] ? DEEP_PIPELINE : (int)TB_OPTS(ctx, struct redis_opts)->pipeline,
		.requests = (uint64_t)TB_OPTS(ctx, struct redis_opts)->requests,
		.keyspace = (uint64_t)TB_OPTS(ctx, struct redis_opts)->keyspace,
		.expect = cmd->expect,
		.bulk_len = st->payload_len,
	};
	/* With random keys a GET may ask for a key no SET wrote: nil is a valid answer then. */
	l.nil_ok = l.keyspace > 0 && strcmp(cmd->name, "GET") == 0;
	char *buf = NULL;
	int len = strstr(cmd->fmt, "%s") ? redisFormatCommand(&buf, cmd->fmt, st->payload)
					 : redisFormatCommand(&buf, cmd->fmt);
	if (len < 0)
		return -ENOMEM;
	l.cmd = buf;
	l.cmd_len = (size_t)len;

	struct redis_reps r = { .ctx = ctx, .st = st, .cmd = cmd, .variant = variant, .l = l,
				.full = l.requests, .res = { .hist = st->hist } };
	/* Warm-up: a tenth of the load (at least one batch per client) fills the server's
	 * allocator, the connections and the caches; its figures are dropped. */
	r.warm = r.full / 10;
	if (r.warm < (uint64_t)l.clients * (uint64_t)l.pipeline)
		r.warm = (uint64_t)l.clients * (uint64_t)l.pipeline;
	struct tb_rep_plan plan = { .warmup = true, .prepare = rep_prepare, .measure = rep_measure,
				    .record = rep_record };
	int rc = tb_reps_run(ctx, &plan, &r);
	free(buf);
	return rc;
}

static const struct tb_bench redis_bench = {
	.name = "io.redis",
	.description = "redis-benchmark's SET/GET/INCR/LPUSH/LPOP/SADD: rps and latency, 50 clients, P=1 and 16",
	.variants = variants, .metrics = metrics, .options = options,
	.opts_size = sizeof(struct redis_opts),
	.setup = setup, .supported = supported, .run = run, .teardown = teardown,
};
TB_REGISTER_BENCH(redis_bench);
