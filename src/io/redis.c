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
/* What must be in place, untimed, before a command is measured (redis-benchmark's order:
 * GET after SET, LPOP after LPUSH). */
enum keys {
	KEYS_NONE,
	KEYS_VALUE,       /* the key GET reads holds a value (nil is fine with random keys) */
	KEYS_EMPTY_LIST,  /* the list does not grow across repetitions */
	KEYS_FULL_LIST,   /* every LPOP finds an element */
};

struct command {
	const char *name;
	const char *fmt;          /* %s is the payload */
	enum tb_redis_expect expect;
	enum keys keys;
};

enum { SET, GET, INCR, LPUSH, LPOP, SADD };
static const struct command commands[] = {
	[SET] = { "SET", "SET key:__rand_int__ %s", TB_EXPECT_OK, KEYS_NONE },
	[GET] = { "GET", "GET key:__rand_int__", TB_EXPECT_BULK, KEYS_VALUE },
	[INCR] = { "INCR", "INCR counter:__rand_int__", TB_EXPECT_INT, KEYS_NONE },
	[LPUSH] = { "LPUSH", "LPUSH mylist %s", TB_EXPECT_INT, KEYS_EMPTY_LIST },
	[LPOP] = { "LPOP", "LPOP mylist", TB_EXPECT_BULK, KEYS_FULL_LIST },
	[SADD] = { "SADD", "SADD myset element:__rand_int__", TB_EXPECT_INT, KEYS_NONE },
};

/* Each row carries its command; arg is the pipeline depth, 0 for the `pipeline` option.
 * "-P16" variants: the pipelined case of the issue, whatever the option says. */
#define CMD(name, c, depth) { name, .data = &commands[c], .arg = depth }
static const struct tb_variant variants[] = {
	CMD("SET", SET, 0), CMD("GET", GET, 0), CMD("INCR", INCR, 0), CMD("LPUSH", LPUSH, 0),
	CMD("LPOP", LPOP, 0), CMD("SADD", SADD, 0),
	CMD("SET-P16", SET, 16), CMD("GET-P16", GET, 16), CMD("INCR-P16", INCR, 16),
	CMD("LPUSH-P16", LPUSH, 16), CMD("LPOP-P16", LPOP, 16), CMD("SADD-P16", SADD, 16),
	{ 0 },
};

struct redis_opts {
	long long clients;
	long long pipeline;
	long long data_bytes;
	long long requests;
	long long keyspace;
	const char *server;
};

static const struct tb_metric metrics[] = {
	{ "rps", "req/s", TB_HIGHER, "requests answered per second of wall time",
	  .how = TB_OPS_PER_S, .primary = true },
	TB_LATENCY_METRICS("us", "request to answer (histogram)"),
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
	TB_OPT_INT_FIELD(struct redis_opts, clients, "50", NULL, 1, 10000,
		         "parallel connections (redis-benchmark -c)"),
	TB_OPT_INT_FIELD(struct redis_opts, pipeline, "1", NULL, 1, 1024,
		         "requests in flight per connection for the variants without -P16 (redis-benchmark -P)"),
	TB_OPT_INT_FIELD(struct redis_opts, data_bytes, "3", NULL, 1, 1 << 20,
		         "payload of SET and LPUSH, bytes (redis-benchmark -d)"),
	TB_OPT_INT_FIELD(struct redis_opts, requests, "100000", "5000", 1, 1LL << 40,
		         "requests per repetition (redis-benchmark -n)"),
	TB_OPT_INT_FIELD(struct redis_opts, keyspace, "0", NULL, 0, 999999999999LL,
		         "0: one key as redis-benchmark without -r; N: random keys below N (redis-benchmark -r)"),
	{ TB_OPT_FIELD(struct redis_opts, server), .type = TB_OPT_STR, .def = "",
	  .check = check_server,
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
	char where[160];          /* for detail: server=... version=... */
	char *payload;
	size_t payload_len;
	struct tb_hist *hist;
};

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct redis_state *st = state;
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

/* What stops every variant (no redis-server to start, a server that does not answer) is
 * tb_setup_skip or tb_setup_fail: the runner writes it on every selected variant's row. */
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
	int rc = 0;
	if (*server) {
		if (tb_redis_addr_parse(server, &st->addr, err, sizeof(err)) < 0 ||
		    tb_redis_addr_resolve(&st->addr, err, sizeof(err)) < 0)
			return tb_setup_fail(ctx, "%s", err);
	} else {
		rc = tb_redis_server_start(&st->server, err, sizeof(err));
		if (rc == -EINTR) {
			/* The runner calls no teardown after a failed setup. */
			teardown(ctx, st);
			*state = NULL;
			return rc;
		}
		if (rc == -ENOENT)
			return tb_setup_skip(ctx, "%s", err);
		if (rc < 0)
			return tb_setup_fail(ctx, "%s", err);
		st->own = true;
		st->addr = st->server.addr;
		snprintf(version, sizeof(version), "%s", st->server.version);
	}
	st->admin = tb_redis_connect(&st->addr, 5.0, err, sizeof(err));
	if (!st->admin)
		return tb_setup_fail(ctx, "%s", err);
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
			rc = tb_setup_fail(ctx, "%s: INFO failed: %s", server,
					   r && r->type == REDIS_REPLY_ERROR ? r->str
					   : r ? "no redis_version" : err);
		}
		if (r)
			freeReplyObject(r);
		if (!v)
			return rc;
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
	if (cmd->keys == KEYS_VALUE) {
		const char *a[] = { "SET", "key:__rand_int__", st->payload };
		size_t l[] = { 3, 16, st->payload_len };
		return admin(st, err, len, 3, a, l);
	}
	if (cmd->keys == KEYS_NONE)
		return true;
	const char *del[] = { "DEL", "mylist" };
	size_t dl[] = { 3, 6 };
	if (!admin(st, err, len, 2, del, dl))
		return false;
	if (cmd->keys == KEYS_EMPTY_LIST)
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

/* One variant's repetitions: the keys a command needs are loaded and the connections
 * opened untimed (prepare), then the runner times the load (measure). */
struct redis_reps {
	struct tb_ctx *ctx;
	struct redis_state *st;
	const struct command *cmd;
	const char *variant;
	const struct tb_rep_plan *plan;
	struct tb_redis_load l;
	uint64_t full;
	struct tb_redis_loop *loop;
	struct tb_redis_result res;
};

/* The runner calls it after every prepare that succeeded; prepare, when it fails. */
static void rep_finish(void *arg, int rep)
{
	(void)rep;
	struct redis_reps *r = arg;
	tb_redis_load_close(r->loop);
	r->loop = NULL;
}

static int rep_prepare(void *arg, int rep)
{
	struct redis_reps *r = arg;
	/* The warm-up (a share of the load the runner sets) still sends at least one batch per
	 * client: it fills the server's allocator, the connections and the caches. */
	uint64_t batch = (uint64_t)r->l.clients * (uint64_t)r->l.pipeline;
	uint64_t n = (uint64_t)((double)r->full * tb_rep_share(r->plan, rep));
	r->l.requests = n < batch ? (batch < r->full ? batch : r->full) : n;
	char err[256];
	if (!prepare(r->st, r->cmd, r->l.requests, err, sizeof(err))) {
		tb_fail(r->ctx, r->variant, "%s", err);
		return -EIO;
	}
	int rc = tb_redis_load_open(&r->l, &r->res, &r->loop);
	if (rc < 0) {
		if (rc != -EINTR)
			tb_fail(r->ctx, r->variant, "%s", r->res.error);
		rep_finish(r, rep);
	}
	return rc;
}

static int rep_measure(void *arg, int rep)
{
	(void)rep;
	struct redis_reps *r = arg;
	int rc = tb_redis_load_drive(r->loop, &r->res);
	if (rc < 0 && rc != -EINTR)
		tb_fail(r->ctx, r->variant, "%s", r->res.error);
	return rc;
}

static void rep_record(void *arg, int rep, double seconds)
{
	struct redis_reps *r = arg;
	const struct redis_state *st = r->st;
	const struct tb_redis_result *res = &r->res;
	char detail[512];
	snprintf(detail, sizeof(detail), "pipeline=%d requests=%llu client_cpu_s=%.6f %s",
		 r->l.pipeline, (unsigned long long)res->done, res->cpu_seconds, st->where);
	struct tb_work w = { .ops = (double)res->done, .hist = st->hist, .detail = detail };
	tb_emit_rep(r->ctx, r->variant, 0, rep, &(struct tb_timing){ .seconds = seconds }, 0, NULL,
		    &w);
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	struct redis_state *st = state;
	const struct command *cmd = v->data;
	const struct redis_opts *o = TB_OPTS(ctx, struct redis_opts);
	struct tb_redis_load l = {
		.addr = &st->addr,
		.name = cmd->name,
		.clients = (int)o->clients,
		.pipeline = v->arg ? (int)v->arg : (int)o->pipeline,
		.requests = (uint64_t)o->requests,
		.keyspace = (uint64_t)o->keyspace,
		.expect = cmd->expect,
		.bulk_len = st->payload_len,
	};
	/* With random keys a GET may ask for a key no SET wrote: nil is a valid answer then. */
	l.nil_ok = l.keyspace > 0 && cmd->keys == KEYS_VALUE;
	char *buf = NULL;
	int len = strstr(cmd->fmt, "%s") ? redisFormatCommand(&buf, cmd->fmt, st->payload)
					 : redisFormatCommand(&buf, cmd->fmt);
	if (len < 0)
		return -ENOMEM;
	l.cmd = buf;
	l.cmd_len = (size_t)len;

	/* Warm-up: a tenth of the load; its figures are dropped. */
	struct tb_rep_plan plan = { .warmup = true, .warmup_share = 0.1, .prepare = rep_prepare,
				    .measure = rep_measure, .finish = rep_finish,
				    .record = rep_record };
	struct redis_reps r = { .ctx = ctx, .st = st, .cmd = cmd, .variant = v->name, .l = l,
				.plan = &plan, .full = l.requests, .res = { .hist = st->hist } };
	int rc = tb_reps_run(ctx, &plan, &r);
	free(buf);
	return rc;
}

TB_BENCH(redis_bench, "io.redis",
	 "redis-benchmark's SET/GET/INCR/LPUSH/LPOP/SADD: rps and latency, 50 clients, P=1 and 16",
	 struct redis_opts, .io = true, .setup = setup, .run = run, .teardown = teardown);
