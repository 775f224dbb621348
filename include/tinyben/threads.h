/* A team of pinned worker threads that start together, for aggregate-throughput runs. */
#ifndef TINYBEN_THREADS_H
#define TINYBEN_THREADS_H

#include <stddef.h>

struct tb_team;

/* Worker: index in [0, n). Returns 0 or a negative errno. */
typedef int (*tb_worker_fn)(struct tb_team *team, int index, void *arg);

/* Runs worker on n threads, thread i pinned to the i-th CPU this process may use
 * (wrapping around when n exceeds them). Writes the pinning ("cpus=0,1,2,3") into
 * pinning when not NULL. Returns the first worker error, or 0. n == 1 runs on the
 * calling thread, pinned too. */
int tb_team_run(int n, tb_worker_fn worker, void *arg, char *pinning, size_t pinning_len);

/* All n workers wait here until each has arrived (reusable). */
void tb_team_barrier(struct tb_team *team);
int tb_team_size(const struct tb_team *team);

/* CPUs this process may run on (sched_getaffinity; works without /proc and /sys). */
int tb_cpu_count_allowed(void);

#endif
