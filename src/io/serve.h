/* `tinyben serve`'s event loop, shared by the verb and by io.net's loopback server. */
#ifndef TB_IO_SERVE_H
#define TB_IO_SERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "io/net_proto.h"

#define TB_SERVE_MAX_CONNS 1000      /* default --max-conns */
#define TB_SERVE_SESSIONS_MAX 64     /* control connections at once */
#define TB_SERVE_HELLO_TIMEOUT_S 5.0 /* a connection must say its first line within this */
#define TB_SERVE_IDLE_TIMEOUT_S 120.0 /* a session with no traffic at all is ended */

struct tb_serve_cfg {
	int tcp_fd, udp_fd;   /* bound and listening (tb_serve_open) */
	int max_conns;        /* TCP connections at once, control and data */
	double duration;      /* seconds; 0: until stopped */
	bool once;            /* stop after the first session ends */
	bool signals;         /* stop on SIGINT/SIGTERM (tb_interrupted) */
	int stop_fd;          /* readable: stop (io.net's in-process server); -1: none */
	double hello_timeout, idle_timeout;
};

/* Binds TCP (listening) and UDP on the same address and port; port 0 picks a free one,
 * the same number for both. 0, or a negative errno with the reason in err. */
int tb_serve_open(const struct tb_net_addr *a, int *tcp_fd, int *udp_fd, int *port, char *err,
		  size_t errlen);

/* Serves until stopped. 0, or a negative errno with the reason in err. */
int tb_serve_loop(const struct tb_serve_cfg *cfg, char *err, size_t errlen);

#endif
