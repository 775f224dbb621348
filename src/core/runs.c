/* `tinyben run --runs N`: independent runs, each its own process and order, one file.
 *
 * Why: samples of one run share its conditions (placement, clock, caches, neighbours), so
 * compare needs several runs a side to see how much runs differ (the run is its unit of
 * replication). A fresh process per run re-rolls what a process inherits (its memory
 * placement, its CPU, its allocator state); a new order per run keeps a slow drift of
 * the machine from always landing on the same benchmark. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tinyben/ctx.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"
#include "runs.h"

static uint64_t next(uint64_t *s)
{
	/* splitmix64 (Steele, Lea & Flood 2014): small and well mixed. */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void tb_runs_shuffle(void *items, size_t n, size_t size, uint64_t seed)
{
	if (!seed || n < 2)
		return;
	char *p = items, tmp[64];
	if (size > sizeof(tmp))
		return;
	uint64_t s = seed;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(((unsigned __int128)next(&s) * (i + 1)) >> 64);
		memcpy(tmp, p + i * size, size);
		memcpy(p + i * size, p + j * size, size);
		memcpy(p + j * size, tmp, size);
	}
}

void tb_runs_variant_order(const struct tb_variant *variants, const char *bench, uint64_t seed,
			   const struct tb_variant **order, size_t max)
{
	size_t n = 0;
	for (; variants[n].name && n < max; n++)
		order[n] = &variants[n];
	order[n] = NULL;
	uint64_t h = seed;
	for (const char *c = bench; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	tb_runs_shuffle(order, n, sizeof(*order), seed ? h | 1 : 0);
}

/* Rows (lines) in [from, end of fd): what a run added to the output. */
static long long rows_since(int fd, off_t from)
{
	char buf[1 << 14];
	long long lines = 0;
	ssize_t n;
	while ((n = pread(fd, buf, sizeof(buf), from)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		from += n;
	}
	return lines;
}

/* Runs one child and waits for it. The child has a process group of its own, so that a
 * Ctrl-C at the terminal reaches only us and the child gets exactly one signal from us:
 * a second one would make it quit without writing its last rows. */
static int spawn(const char *exe, char **cargv, int *killed_by)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* In a process group of its own the child sees no Ctrl-C: were we killed
		 * (SIGKILL, OOM), it would run on alone for minutes. The kernel tells it
		 * instead; a parent already gone before that is checked by hand. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(TB_EXIT_INTERRUPTED);
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(exe, cargv);
		_exit(127);
	}
	setpgid(pid, pid);
	tb_child_register(pid);
	bool told = false;
	int st;
	/* Polled, not a blocking wait: a signal that lands just before a blocking waitpid
	 * would not interrupt it, and the child would run to its end. */
	for (;;) {
		if (tb_interrupted() && !told) {
			kill(pid, SIGTERM);
			told = true;
		}
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			tb_child_forget(pid);
			return -errno;
		}
		struct timespec tick = { 0, 50 * 1000 * 1000 };
		nanosleep(&tick, NULL);
	}
	tb_child_forget(pid);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st) && (WTERMSIG(st) == SIGINT || WTERMSIG(st) == SIGTERM))
		return TB_EXIT_INTERRUPTED;
	*killed_by = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	return TB_EXIT_FAILED;
}

int tb_runs_main(int argc, char **argv, const struct tb_run_args *a,
		 int (*one_run)(int argc, char **argv))
{
	/* The output is claimed (locked, one writer) before the first run, and every run
	 * appends its rows straight into it through the inherited descriptor, each variant
	 * made durable as it ends: a SIGKILL of this process or of a run keeps every row
	 * measured before it, in -o and nowhere else. An existing file (--force) is truncated
	 * by the first run, after it has checked its selection, and a file made for a first
	 * run that is bad usage is removed: a bad -b changes nothing. */
	int fd = STDOUT_FILENO;
	bool created = false;
	if (a->output) {
		int rc = tb_output_claim(a->output, a->force, &fd, &created);
		if (rc < 0)
			return tb_output_exit_code(rc);
	}
	char exe[PATH_MAX];
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	bool fresh = el > 0 && (size_t)el < sizeof(exe) - 1;
	if (fresh)
		exe[el] = '\0';
	if (fresh && access(exe, X_OK) != 0)
		fresh = false;
	/* Until the first run has written to it; a run in this process ends with
	 * tb_cleanup_all(), which must not take the output with it. */
	if (created && fresh)
		tb_tmp_register(a->output);
	/* Inherited by the runs (their own output fd is close-on-exec). */
	int child_fd = a->output ? fcntl(fd, F_DUPFD, 3) : -1;
	char fd_s[16];
	snprintf(fd_s, sizeof(fd_s), "%d", child_fd);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t s = (uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 20) ^ (uint64_t)getpid();

	/* The run's arguments, then ours: the option parser keeps the last value of an option. */
	char **cargv = calloc((size_t)argc + 16, sizeof(*cargv));
	if (!cargv)
		abort();
	int cargc = 0;
	cargv[cargc++] = "tinyben";
	for (int i = 0; i < argc; i++)
		cargv[cargc++] = argv[i];
	int base = cargc;
	char seed_s[24];
	int worst = TB_EXIT_OK;
	bool csv = a->format != TB_FORMAT_JSON;
	for (int i = 0; i < a->runs && worst != TB_EXIT_INTERRUPTED; i++) {
		if (tb_interrupted()) {
			worst = TB_EXIT_INTERRUPTED;
			break;
		}
		uint64_t seed = next(&s) | 1;
		snprintf(seed_s, sizeof(seed_s), "%016llx", (unsigned long long)seed);
		cargc = base;
		cargv[cargc++] = "--runs";
		cargv[cargc++] = "1";
		cargv[cargc++] = "--format";
		cargv[cargc++] = csv ? "csv" : "json";
		cargv[cargc++] = "--shuffle";
		cargv[cargc++] = seed_s;
		if (a->output) {
			cargv[cargc++] = "--output-fd";
			cargv[cargc++] = fd_s;
			if (i == 0 && !created)
				cargv[cargc++] = "--output-truncate";
		}
		if (i > 0)
			cargv[cargc++] = "--no-header";
		cargv[cargc] = NULL;
		if (!a->quiet)
			fprintf(stderr, "tinyben: run %d of %d (%s, order %s)\n", i + 1, a->runs,
				fresh ? "fresh process" : "in this process", seed_s);
		fflush(stdout);
		off_t before = a->output ? lseek(fd, 0, SEEK_END) : 0;
		int killed_by = 0;
		int rc = child_fd < 0 && a->output ? -EMFILE
			 : fresh ? spawn(exe, cargv, &killed_by) : one_run(cargc - 1, cargv + 1);
		if (rc < 0) {
			tb_error("--runs: cannot start run %d: %s", i + 1, strerror(-rc));
			rc = TB_EXIT_FAILED;
		}
		if (i == 0 && rc == TB_EXIT_USAGE) {
			worst = rc;
			break;
		}
		if (created) {
			tb_tmp_forget(a->output); /* it holds the first run's rows now */
			created = false;
		}
		if (killed_by) {
			char kept[96] = "";
			long long rows = a->output ? rows_since(fd, before) : 0;
			if (rows && csv && i == 0)
				rows--; /* the header */
			if (a->output)
				snprintf(kept, sizeof(kept), " (%lld row%s)", rows, rows == 1 ? "" : "s");
			tb_error("--runs: run %d of %d was killed by signal %d (%s): the rows of "
				 "the variants it finished are kept in %s%s, the variant under way "
				 "is lost", i + 1, a->runs, killed_by, strsignal(killed_by),
				 a->output ? a->output : "stdout", kept);
		}
		if (rc == TB_EXIT_INTERRUPTED || rc == TB_EXIT_USAGE || tb_interrupted()) {
			worst = rc == TB_EXIT_USAGE ? rc : TB_EXIT_INTERRUPTED;
			break;
		}
		if (rc != TB_EXIT_OK)
			worst = TB_EXIT_FAILED;
	}
	free(cargv);
	if (child_fd >= 0)
		close(child_fd);
	if (a->output) {
		if (created) { /* the first run refused its arguments: it wrote nothing */
			unlink(a->output);
			tb_tmp_forget(a->output);
		}
		close(fd);
	}
	if (worst == TB_EXIT_INTERRUPTED)
		tb_error("interrupted: the rows of the finished runs (and the whole rows of the "
			 "interrupted one) are written");
	return worst;
}
