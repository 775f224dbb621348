/* serve's blocking echo workers: rr's one connection answered without an epoll_wait per
 * message, from a small bounded pool (serve.c falls back to its loop when it is full). */
#ifndef TB_IO_SERVE_ECHO_H
#define TB_IO_SERVE_ECHO_H

#include <stdbool.h>
#include <stddef.h>

#define TB_SERVE_ECHO_WORKERS 4 /* at most this many at once, whatever the clients do */

struct tb_echo_worker;

/* Echoes on fd (made blocking; reads time out after idle_s) in a thread of its own, first
 * sending back the len bytes already read. NULL when no thread could be started. */
struct tb_echo_worker *tb_echo_start(int fd, const char *pending, size_t len, double idle_s);
/* True once the client closed, went quiet for idle_s, or stopped reading its answers. */
bool tb_echo_finished(const struct tb_echo_worker *w);
/* Ends the worker (a shutdown of its socket wakes it), waits for it, frees it. The fd stays
 * open: the caller closes it. */
void tb_echo_stop(struct tb_echo_worker *w);

#endif
