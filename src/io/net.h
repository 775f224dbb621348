/* io.net internals shared by its files: the options, a variant's connections, the loads. */
#ifndef TB_IO_NET_H
#define TB_IO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "tinyben/hist.h"
#include "io/net_proto.h"

struct net_opts {
	const char *peer;
	long long msg_bytes, udp_bytes, write_bytes, runtime_ms, ramp_ms;
};

/* The connect and answer timeout towards a peer: an unreachable one fails in bounded time. */
#define NET_TIMEOUT_S 3.0

/* What one repetition of a load needs, and what it measured. */
struct net_load {
	const struct tb_net_addr *addr;
	uint64_t token;
	int fds[TB_NET_STREAMS_MAX]; /* stream and rr: TCP data connections; udp: one socket */
	int n_fds;
	size_t msg_bytes, write_bytes, udp_bytes;
	double seconds;              /* how long the repetition runs */
	/* Out. */
	uint64_t bytes, transactions, sent, lost;
	double elapsed;
	struct tb_hist *lat;         /* ns per transaction */
	char error[200];
};

/* The loads (net_load.c): each runs for load->seconds; 0 or a negative errno with the
 * reason in load->error. */
int tb_net_stream_send(struct net_load *l);
int tb_net_stream_recv(struct net_load *l);
int tb_net_rr(struct net_load *l);
int tb_net_crr(struct net_load *l);
int tb_net_udp_rr(struct net_load *l);
int tb_net_udp_send(struct net_load *l);

/* A data connection of the session: connected, its first line sent. fd or negative errno. */
int tb_net_data_connect(const struct tb_net_addr *a, uint64_t token, char *err, size_t errlen);
/* The data connection's first line, for crr to send with its request. */
int tb_net_data_hello(char *buf, size_t len, uint64_t token);

#endif
