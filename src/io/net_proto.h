/* The wire protocol between io.net and `tinyben serve` (docs/DESIGN.md, "io.net and serve"),
 * and the socket helpers both ends share. */
#ifndef TB_IO_NET_PROTO_H
#define TB_IO_NET_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Every TCP connection opens with one line: "tinyben-net 1 control\n" or
 * "tinyben-net 1 data TOKEN\n". Anything else (another magic, another version, a line
 * longer than TB_NET_LINE_MAX) ends that connection. */
#define TB_NET_MAGIC "tinyben-net"
#define TB_NET_VERSION 1
#define TB_NET_LINE_MAX 128
#define TB_NET_DEFAULT_PORT 5290

/* A UDP datagram starts with this header (little-endian on the wire as in memory: both
 * ends are the same binary, and a foreign byte order only fails the magic). */
#define TB_NET_UDP_MAGIC 0x554e4254u /* "TBNU" */
struct tb_net_udp_hdr {
	uint32_t magic;
	uint32_t echo;   /* 1: reflect it; 0: count it (udp-send) */
	uint64_t token;  /* the session's token: nothing else is reflected or counted */
	uint64_t seq;
};

/* The largest message rr/crr/udp-rr may ask an echo for: what one echo connection of serve
 * may hold while its client does not read. */
#define TB_NET_MSG_MAX (64 * 1024)
#define TB_NET_STREAMS_MAX 64

/* A parsed HOST:PORT ([v6]:PORT too) with its address resolved once. */
struct tb_net_addr {
	char host[256];
	int port;
	struct sockaddr_storage sa;
	socklen_t sa_len;
};

/* Syntax only (no lookup): 0, or -EINVAL with the reason in err. */
int tb_net_addr_parse(const char *s, struct tb_net_addr *a, char *err, size_t errlen);
/* Looks the host up (numeric addresses, /etc/hosts, DNS); 0 or -EHOSTUNREACH + reason. */
int tb_net_addr_resolve(struct tb_net_addr *a, char *err, size_t errlen);
/* "host:port" as the user wrote it, "[v6]:port" for IPv6. */
void tb_net_addr_name(const struct tb_net_addr *a, char *buf, size_t len);

/* A TCP connection within timeout_s (non-blocking connect + poll, interruptible by
 * SIGINT): the blocking fd, or a negative errno with the reason in err. */
int tb_net_connect(const struct tb_net_addr *a, int type, double timeout_s, char *err,
		   size_t errlen);
/* Reads one '\n'-terminated line (without it) within timeout_s: 0, -ETIMEDOUT, -EPROTO
 * (too long / closed), or another negative errno. Reads byte by byte: only for the few
 * control lines, never for data. */
int tb_net_read_line(int fd, char *line, size_t len, double timeout_s);
/* Writes all of buf (MSG_NOSIGNAL): 0 or a negative errno. */
int tb_net_write_all(int fd, const void *buf, size_t len);

#endif
