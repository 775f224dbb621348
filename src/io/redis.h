/* io.redis internals shared by its files: the server address, the server we start, the load. */
#ifndef TB_IO_REDIS_H
#define TB_IO_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tinyben/hist.h"

struct redisContext;
struct redisReader;

/* Where the server listens: a unix socket path, or host and port. */
struct tb_redis_addr {
	char path[108];           /* sun_path size; empty for TCP */
	char host[256];
	int port;
	char numeric[64];         /* host resolved once (tb_redis_addr_resolve); empty: not yet */
};

/* io.redis.server (--redis ADDR): "host:port", or a unix socket path (anything with a '/').
 * Returns 0, or -EINVAL with a reason in err. */
int tb_redis_addr_parse(const char *s, struct tb_redis_addr *a, char *err, size_t errlen);

/* Resolves a TCP address's host once, into a->numeric, so that the many connections of a load
 * do not look it up again each; nothing to do for a socket path. Returns 0, or -EHOSTUNREACH
 * with a reason in err that asks for an address when the name cannot be resolved. */
int tb_redis_addr_resolve(struct tb_redis_addr *a, char *err, size_t errlen);

/* A blocking connection with a timeout (seconds); NULL with the reason in err. */
struct redisContext *tb_redis_connect(const struct tb_redis_addr *a, double timeout_s, char *err,
				      size_t errlen);

/* One command on a blocking connection, answered within timeout_s. The answer is awaited
 * in slices of 100 ms, so that when interruptible a SIGINT/SIGTERM ends the wait at once
 * (a server that accepts and never answers must not hold a Ctrl-C for the whole timeout).
 * NULL with the reason in err when there is no answer. */
struct redisReply *tb_redis_call(struct redisContext *c, double timeout_s, bool interruptible,
				 int argc, const char **argv, const size_t *lens, char *err,
				 size_t errlen);

/* A redis-server this process started and owns. */
struct tb_redis_server {
	pid_t pid;                /* 0 when none runs */
	char dir[96];             /* private temp dir holding the socket and the log; short, as
				   * the socket path must fit in sun_path */
	char log[128];
	struct tb_redis_addr addr;
	char version[32];
};

/* Starts redis-server from PATH on a private unix socket (no TCP, no persistence), waits
 * until it answers PING. Returns 0; -ENOENT when redis-server is not on PATH; -EINTR;
 * other negative errno with a reason in err. Everything it creates is registered for
 * cleanup on error and signals. */
int tb_redis_server_start(struct tb_redis_server *s, char *err, size_t errlen);
/* Stops it (SIGTERM, wait) and removes its files. Safe to call when none runs. */
void tb_redis_server_stop(struct tb_redis_server *s);

/* One load run: `requests` requests of one preformatted command over `clients`
 * connections, `pipeline` requests in flight per connection, on one epoll loop. */
enum tb_redis_expect {
	TB_EXPECT_OK,             /* +OK */
	TB_EXPECT_INT,            /* :n */
	TB_EXPECT_BULK,           /* $len payload (nil allowed when nil_ok) */
};

struct tb_redis_load {
	const struct tb_redis_addr *addr;
	const char *name;         /* the command, for messages */
	const char *cmd;          /* one command in RESP, from redisFormatCommand */
	size_t cmd_len;
	int clients, pipeline;
	uint64_t requests;
	uint64_t keyspace;        /* > 0: __rand_int__ replaced by a random 12-digit key in [0, keyspace) */
	enum tb_redis_expect expect;
	size_t bulk_len;          /* expected payload length for TB_EXPECT_BULK */
	bool nil_ok;
};

struct tb_redis_result {
	uint64_t done;            /* replies received */
	double cpu_seconds;       /* this thread's user + system CPU while driving the load */
	struct tb_hist *hist;     /* latency per request, ns (caller-owned, initialised here) */
	char error[256];          /* why it failed, when it returns < 0 (not -EINTR) */
};

/* The last top-level reply a reader made (redis_reply.c). */
struct tb_redis_reply {
	int type;                 /* REDIS_REPLY_* */
	long long integer;
	size_t len;               /* bytes of a bulk string */
	char text[96];            /* start of a status or error line */
};
/* A hiredis reader whose replies land in *last instead of allocated objects. */
struct redisReader *tb_redis_reader_new(struct tb_redis_reply *last);
/* Is *r what l's command must answer? If not, why in err. */
bool tb_redis_reply_ok(const struct tb_redis_load *l, const struct tb_redis_reply *r, char *err,
		       size_t errlen);

/* One load run in three steps, so that the runner's clock holds only the requests:
 * open connects l->clients connections (res initialised); drive sends the requests and
 * reads every reply; close releases what open made (also after a failed open). Open and
 * drive return 0, -EINTR when interrupted, or a negative errno with res->error set. */
struct tb_redis_loop;
int tb_redis_load_open(const struct tb_redis_load *l, struct tb_redis_result *res,
		       struct tb_redis_loop **lp);
int tb_redis_load_drive(struct tb_redis_loop *lp, struct tb_redis_result *res);
void tb_redis_load_close(struct tb_redis_loop *lp);

#endif
