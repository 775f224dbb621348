/* `tinyben serve`: the other end of io.net (sink, source, echo, UDP reflector), in the
 * foreground until Ctrl-C, SIGTERM, --duration or, with --once, the end of one session. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tinyben/cli.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"
#include "io/serve.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static const char usage[] =
	"usage: tinyben serve [--listen ADDR:PORT] [--duration S] [--once] [--max-conns N]\n"
	"  --listen ADDR:PORT  where to listen, TCP and UDP on the same port (default\n"
	"                      127.0.0.1:" STR(TB_NET_DEFAULT_PORT) "; 0.0.0.0:PORT or [::]:PORT "
	"to be reached from elsewhere)\n"
	"  --duration S        stop after S seconds (default: until Ctrl-C or SIGTERM)\n"
	"  --once              stop when the first client's session ends\n"
	"  --max-conns N       TCP connections at once (default " STR(TB_SERVE_MAX_CONNS) "; "
	"connections that never\n"
	"                      said their first line make room for new ones)\n"
	"Measure against it with: tinyben run -b io.net --peer HOST:PORT (docs/NET.md).\n";

enum { A_LISTEN, A_DURATION, A_ONCE, A_MAX_CONNS, A_N };

static int serve_main(int argc, char **argv)
{
	static const struct tb_arg args[] = {
		{ .name = "listen", .value = true, .id = A_LISTEN },
		{ .name = "duration", .value = true, .id = A_DURATION },
		{ .name = "once", .id = A_ONCE },
		{ .name = "max-conns", .value = true, .id = A_MAX_CONNS },
		{ 0 },
	};
	const char *given[A_N] = { 0 };
	struct tb_args spec = { .verb = "serve", .usage = usage, .table = args };
	TB_ARGS_OR_RETURN(&spec, argc, argv, tb_args_keep, given);
	char err[400];
	struct tb_net_addr addr;
	const char *listen_at = given[A_LISTEN] ? given[A_LISTEN] : "127.0.0.1:" STR(TB_NET_DEFAULT_PORT);
	/* Port 0 is allowed here (a free port, printed in the banner), not for --peer. */
	char with_port[300];
	size_t ll = strlen(listen_at);
	bool port0 = ll >= 2 && strcmp(listen_at + ll - 2, ":0") == 0;
	snprintf(with_port, sizeof(with_port), "%.*s%s", (int)(port0 ? ll - 1 : ll), listen_at,
		 port0 ? "1" : "");
	if (tb_net_addr_parse(with_port, &addr, err, sizeof(err)) != 0) {
		tb_error("serve: --listen %s", err);
		return TB_EXIT_USAGE;
	}
	if (port0)
		addr.port = 0;
	struct tb_serve_cfg cfg = {
		.max_conns = TB_SERVE_MAX_CONNS, .once = given[A_ONCE] != NULL, .signals = true,
		.stop_fd = -1, .hello_timeout = TB_SERVE_HELLO_TIMEOUT_S,
		.idle_timeout = TB_SERVE_IDLE_TIMEOUT_S,
	};
	if (given[A_DURATION] && tb_parse_double(given[A_DURATION], 0.001, 1e9, &cfg.duration)) {
		tb_error("serve: --duration '%s': expected seconds, 0.001 to 1e9", given[A_DURATION]);
		return TB_EXIT_USAGE;
	}
	long long maxc = TB_SERVE_MAX_CONNS;
	if (given[A_MAX_CONNS] && tb_parse_ll(given[A_MAX_CONNS], 1, 1000000, &maxc)) {
		tb_error("serve: --max-conns '%s': expected 1 to 1000000", given[A_MAX_CONNS]);
		return TB_EXIT_USAGE;
	}
	/* Every connection is an fd: the cap must leave room under the fd limit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max &&
	    rl.rlim_cur < (rlim_t)maxc + 32) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)maxc + 32 ? rl.rlim_max : (rlim_t)maxc + 32;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && (rlim_t)maxc + 32 > rl.rlim_cur)
		maxc = rl.rlim_cur > 64 ? (long long)rl.rlim_cur - 32 : 32;
	cfg.max_conns = (int)maxc;
	if (tb_net_addr_resolve(&addr, err, sizeof(err)) != 0) {
		tb_error("serve: --listen: %s", err);
		return TB_EXIT_USAGE;
	}
	int port;
	if (tb_serve_open(&addr, &cfg.tcp_fd, &cfg.udp_fd, &port, err, sizeof(err)) != 0) {
		tb_error("serve: %s", err);
		return TB_EXIT_FAILED;
	}
	addr.port = port;
	char name[300];
	tb_net_addr_name(&addr, name, sizeof(name));
	fprintf(stderr, "tinyben serve: listening on %s (TCP and UDP, protocol %s/%d, at most %d "
		"connections%s); Ctrl-C stops\n", name, TB_NET_MAGIC, TB_NET_VERSION,
		cfg.max_conns, cfg.once ? ", one session" : "");
	int rc = tb_serve_loop(&cfg, err, sizeof(err));
	close(cfg.tcp_fd);
	close(cfg.udp_fd);
	if (rc != 0) {
		tb_error("serve: %s", err);
		return TB_EXIT_FAILED;
	}
	return TB_EXIT_OK;
}

TB_VERB(serve,
	.order = 85,
	.synopsis = "serve [--listen ADDR:PORT] [--duration S] [--once] [--max-conns N]",
	.summary = "the other end of io.net: sink, source, echo, UDP reflector (docs/NET.md)");
