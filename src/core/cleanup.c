/* Temp-file and child-process hygiene, and the SIGINT/SIGTERM path that relies on it.
 *
 * The first signal only sets a flag: benchmarks notice it within one inner loop, the
 * runner writes the rows measured so far and exits 130 after cleaning up. A second
 * signal means the user will not wait: clean up from the handler (unlink, rmdir, kill,
 * waitpid and nanosleep are async-signal-safe) and _exit(130) at once; children get
 * SIGTERM and a short grace, then SIGKILL, so none (a redis-server that ignores SIGTERM)
 * outlives us. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tinyben/ctx.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"

#define MAX_ENTRIES 64
#define PATH_LEN 4096

struct entry {
	volatile sig_atomic_t used;
	int is_dir;
	char path[PATH_LEN];
};

static struct entry paths[MAX_ENTRIES];
static volatile pid_t children[MAX_ENTRIES];
static volatile sig_atomic_t interrupted;

bool tb_interrupted(void)
{
	return interrupted != 0;
}

static int add_path(const char *path, int is_dir)
{
	if (strlen(path) >= PATH_LEN)
		return -ENAMETOOLONG;
	for (int i = 0; i < MAX_ENTRIES; i++) {
		if (!paths[i].used) {
			strcpy(paths[i].path, path);
			paths[i].is_dir = is_dir;
			paths[i].used = 1;
			return 0;
		}
	}
	return -ENOSPC;
}

int tb_tmp_register(const char *path)
{
	return add_path(path, 0);
}

int tb_tmpdir_register(const char *path)
{
	return add_path(path, 1);
}

void tb_tmp_forget(const char *path)
{
	for (int i = 0; i < MAX_ENTRIES; i++)
		if (paths[i].used && strcmp(paths[i].path, path) == 0)
			paths[i].used = 0;
}

int tb_child_register(pid_t pid)
{
	for (int i = 0; i < MAX_ENTRIES; i++) {
		if (children[i] == 0) {
			children[i] = pid;
			return 0;
		}
	}
	return -ENOSPC;
}

void tb_child_forget(pid_t pid)
{
	for (int i = 0; i < MAX_ENTRIES; i++)
		if (children[i] == pid)
			children[i] = 0;
}

/* Registered children lead their own process group (exec's COMMAND, redis-server): the
 * group goes too, so that grandchildren do not outlive tinyben. */
static int signal_child(pid_t pid, int sig)
{
	return kill(-pid, sig) == 0 ? 0 : kill(pid, sig);
}

/* Async-signal-safe: SIGTERM to every child, up to grace_ms for them to go, SIGKILL to the
 * rest (a child that ignores SIGTERM would outlive tinyben otherwise), each one reaped. */
static void end_children_signal_safe(int grace_ms)
{
	int left = 0;
	for (int i = 0; i < MAX_ENTRIES; i++)
		if (children[i] > 0 && signal_child(children[i], SIGTERM) == 0)
			left++;
	for (int waited = 0; left > 0 && waited < grace_ms; waited += 10) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		left = 0;
		for (int i = 0; i < MAX_ENTRIES; i++) {
			pid_t pid = children[i];
			if (pid <= 0)
				continue;
			if (waitpid(pid, NULL, WNOHANG) == 0)
				left++;
			else
				children[i] = 0;
		}
	}
	for (int i = 0; i < MAX_ENTRIES; i++) {
		pid_t pid = children[i];
		if (pid > 0) {
			signal_child(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			children[i] = 0;
		}
	}
}

/* Async-signal-safe: only unlink, rmdir. Files first, then directories, newest last. */
static void remove_all_signal_safe(void)
{
	for (int i = 0; i < MAX_ENTRIES; i++)
		if (paths[i].used && !paths[i].is_dir)
			unlink(paths[i].path);
	for (int i = MAX_ENTRIES - 1; i >= 0; i--)
		if (paths[i].used && paths[i].is_dir)
			rmdir(paths[i].path);
}

void tb_cleanup_all(void)
{
	/* Children get SIGTERM and up to 2 s to leave, then SIGKILL: never leave a server behind. */
	end_children_signal_safe(2000);
	remove_all_signal_safe();
	for (int i = 0; i < MAX_ENTRIES; i++)
		paths[i].used = 0;
}

static void on_signal(int sig)
{
	(void)sig;
	if (interrupted) {
		end_children_signal_safe(300);
		remove_all_signal_safe();
		_exit(TB_EXIT_INTERRUPTED);
	}
	interrupted = 1;
}

void tb_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a benchmark blocked in a read or a wait sees EINTR and returns. */
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed stdout pipe (tinyben run | head) must not kill us before cleanup. */
	signal(SIGPIPE, SIG_IGN);
	/* A file size limit (ulimit -f) must be an EFBIG error the writer reports and cleans
	 * up after, not a kill that leaves a cut output and temp files behind. */
	signal(SIGXFSZ, SIG_IGN);
}
