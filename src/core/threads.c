/* Pinned worker teams: N threads, one per allowed CPU, started together. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/threads.h"

struct tb_team {
	int n;
	pthread_barrier_t barrier;
	/* Start gate: workers begin only once every thread exists, or leave if one could not
	 * be created (a worker waiting in a barrier sized for n would otherwise hang). */
	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	int gate; /* 0 closed, 1 go, -1 abandon */
	tb_worker_fn worker;
	void *arg;
	int *cpus;
};

struct seat {
	struct tb_team *team;
	int index;
	int rc;
	pthread_t thread;
};

int tb_cpu_count_allowed(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	int n = CPU_COUNT(&set);
	return n > 0 ? n : 1;
}

static int allowed_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int wait_gate(struct tb_team *team)
{
	pthread_mutex_lock(&team->gate_lock);
	while (team->gate == 0)
		pthread_cond_wait(&team->gate_cond, &team->gate_lock);
	int gate = team->gate;
	pthread_mutex_unlock(&team->gate_lock);
	return gate;
}

static void open_gate(struct tb_team *team, int value)
{
	pthread_mutex_lock(&team->gate_lock);
	team->gate = value;
	pthread_cond_broadcast(&team->gate_cond);
	pthread_mutex_unlock(&team->gate_lock);
}

static void *seat_main(void *p)
{
	struct seat *s = p;
	if (s->index != 0 && wait_gate(s->team) < 0)
		return NULL;
	if (s->team->cpus)
		pin(s->team->cpus[s->index]);
	s->rc = s->team->worker(s->team, s->index, s->team->arg);
	return NULL;
}

void tb_team_barrier(struct tb_team *team)
{
	pthread_barrier_wait(&team->barrier);
}

int tb_team_size(const struct tb_team *team)
{
	return team->n;
}

int tb_team_run(int n, tb_worker_fn worker, void *arg, char *pinning, size_t pinning_len)
{
	if (n < 1)
		return -EINVAL;
	int avail[CPU_SETSIZE];
	int n_avail = allowed_cpus(avail, CPU_SETSIZE);
	struct tb_team team = { .n = n, .worker = worker, .arg = arg };
	struct seat *seats = calloc((size_t)n, sizeof(*seats));
	team.cpus = n_avail ? calloc((size_t)n, sizeof(int)) : NULL;
	if (!seats || (n_avail && !team.cpus)) {
		free(seats);
		free(team.cpus);
		return -ENOMEM;
	}
	for (int i = 0; i < n && n_avail; i++)
		team.cpus[i] = avail[i % n_avail];
	if (pinning && pinning_len) {
		size_t used = (size_t)snprintf(pinning, pinning_len, "cpus=");
		for (int i = 0; i < n && used < pinning_len; i++)
			used += (size_t)snprintf(pinning + used, pinning_len - used, "%s%d",
						 i ? "," : "", team.cpus ? team.cpus[i] : -1);
	}
	pthread_barrier_init(&team.barrier, NULL, (unsigned)n);
	pthread_mutex_init(&team.gate_lock, NULL);
	pthread_cond_init(&team.gate_cond, NULL);

	/* The caller's own affinity is restored afterwards: pinning is for the team only. */
	cpu_set_t saved;
	int have_saved = sched_getaffinity(0, sizeof(saved), &saved) == 0;
	int rc = 0, started = 1;
	for (int i = 1; i < n; i++) {
		seats[i] = (struct seat){ .team = &team, .index = i };
		if (pthread_create(&seats[i].thread, NULL, seat_main, &seats[i]) != 0) {
			rc = -EAGAIN;
			break;
		}
		started++;
	}
	open_gate(&team, rc == 0 ? 1 : -1);
	if (rc == 0) {
		seats[0] = (struct seat){ .team = &team, .index = 0 };
		seat_main(&seats[0]);
	}
	for (int i = 1; i < started; i++)
		pthread_join(seats[i].thread, NULL);
	for (int i = 0; i < started && rc == 0; i++)
		if (seats[i].rc)
			rc = seats[i].rc;
	if (have_saved)
		sched_setaffinity(0, sizeof(saved), &saved);
	pthread_barrier_destroy(&team.barrier);
	pthread_cond_destroy(&team.gate_cond);
	pthread_mutex_destroy(&team.gate_lock);
	free(team.cpus);
	free(seats);
	return rc;
}
