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

/* Appends the rows of one run's file to out; skip_header: a CSV header is already there. */
static int append(const char *path, FILE *out, bool skip_header)
{
	FILE *in = fopen(path, "rb");
	if (!in)
		return -errno;
	char buf[1 << 16];
	bool at_start = skip_header;
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		size_t from = 0;
		if (at_start) {
			char *nl = memchr(buf, '\n', n);
			if (!nl)
				continue; /* the header goes on in the next block */
			from = (size_t)(nl - buf) + 1;
			at_start = false;
		}
		if (fwrite(buf + from, 1, n - from, out) != n - from) {
			fclose(in);
			return -EIO;
		}
	}
	int rc = ferror(in) ? -EIO : 0;
	fclose(in);
	return rc;
}

/* Runs one child and waits for it. The child has a process group of its own, so that a
 * Ctrl-C at the terminal reaches only us and the child gets exactly one signal from us:
 * a second one would make it quit without writing its last rows. */
static int spawn(const char *exe, char **cargv)
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
	return WIFSIGNALED(st) && (WTERMSIG(st) == SIGINT || WTERMSIG(st) == SIGTERM)
		       ? TB_EXIT_INTERRUPTED : TB_EXIT_FAILED;
}

static const char *temp_dir(const char *output, char *buf, size_t len)
{
	if (output) {
		/* Beside the output: the same file system, and a place the user chose. */
		snprintf(buf, len, "%s", output);
		return dirname(buf);
	}
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

int tb_runs_main(int argc, char **argv, const struct tb_run_args *a,
		 int (*one_run)(int argc, char **argv))
{
	/* The output is checked now (an existing file is refused before any run) but created
	 * only once the first run is over: a bad -b or option makes that run exit 2 at
	 * once, and a plain `run` then leaves no file behind either. */
	FILE *out = a->output ? NULL : stdout;
	struct stat st;
	if (a->output && stat(a->output, &st) == 0 && (!S_ISREG(st.st_mode) || !a->force)) {
		tb_output_open(a->output, a->force, &out); /* refuses it, with its message */
		return TB_EXIT_USAGE;
	}
	char obuf[PATH_MAX];
	if (a->output && snprintf(obuf, sizeof(obuf), "%s", a->output) < (int)sizeof(obuf) &&
	    access(dirname(obuf), W_OK | X_OK) != 0) {
		tb_error("%s: cannot create: %s", a->output, strerror(errno));
		return TB_EXIT_USAGE;
	}
	char exe[PATH_MAX];
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	bool fresh = el > 0 && (size_t)el < sizeof(exe) - 1;
	if (fresh)
		exe[el] = '\0';
	if (fresh && access(exe, X_OK) != 0)
		fresh = false;
	char dbuf[PATH_MAX];
	const char *dir = temp_dir(a->output, dbuf, sizeof(dbuf));
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t s = (uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 20) ^ (uint64_t)getpid();

	/* The run's arguments, then ours: the option parser keeps the last value of an option. */
	char **cargv = calloc((size_t)argc + 14, sizeof(*cargv));
	if (!cargv)
		abort();
	int cargc = 0;
	cargv[cargc++] = "tinyben";
	for (int i = 0; i < argc; i++)
		cargv[cargc++] = argv[i];
	int base = cargc;
	char path[PATH_MAX], seed_s[24];
	int worst = TB_EXIT_OK;
	bool csv = a->format != TB_FORMAT_JSON;
	for (int i = 0; i < a->runs && worst != TB_EXIT_INTERRUPTED; i++) {
		if (tb_interrupted()) {
			worst = TB_EXIT_INTERRUPTED;
			break;
		}
		int fd = tb_tmp_create(dir, "run", path, sizeof(path));
		if (fd < 0) {
			tb_error("--runs: cannot create a temporary file in %s: %s", dir,
				 strerror(-fd));
			worst = TB_EXIT_FAILED;
			break;
		}
		close(fd);
		uint64_t seed = next(&s) | 1;
		snprintf(seed_s, sizeof(seed_s), "%016llx", (unsigned long long)seed);
		cargc = base;
		cargv[cargc++] = "--runs";
		cargv[cargc++] = "1";
		cargv[cargc++] = "-o";
		cargv[cargc++] = path;
		cargv[cargc++] = "--force";
		cargv[cargc++] = "--format";
		cargv[cargc++] = csv ? "csv" : "json";
		cargv[cargc++] = "--shuffle";
		cargv[cargc++] = seed_s;
		cargv[cargc] = NULL;
		if (!a->quiet)
			fprintf(stderr, "tinyben: run %d of %d (%s, order %s)\n", i + 1, a->runs,
				fresh ? "fresh process" : "in this process", seed_s);
		/* In this process the run ends with tb_cleanup_all(), which would remove the
		 * file before we read it: it is ours to remove then. */
		if (!fresh)
			tb_tmp_forget(path);
		int rc = fresh ? spawn(exe, cargv) : one_run(cargc - 1, cargv + 1);
		if (rc < 0) {
			tb_error("--runs: cannot start run %d: %s", i + 1, strerror(-rc));
			rc = TB_EXIT_FAILED;
		}
		if (!out && i == 0 && rc == TB_EXIT_USAGE) {
			unlink(path);
			tb_tmp_forget(path);
			worst = rc;
			break;
		}
		if (!out && tb_output_open(a->output, a->force, &out) < 0) {
			unlink(path);
			tb_tmp_forget(path);
			worst = TB_EXIT_USAGE;
			break;
		}
		/* Whatever the run wrote is whole rows (the runner's promise), even when it was
		 * interrupted: keep them. */
		if (append(path, out, csv && i > 0) != 0 || fflush(out) != 0) {
			tb_error("--runs: cannot write %s: %s", a->output ? a->output : "stdout",
				 strerror(errno));
			rc = TB_EXIT_FAILED;
			worst = rc;
		}
		unlink(path);
		tb_tmp_forget(path);
		if (rc == TB_EXIT_INTERRUPTED || rc == TB_EXIT_USAGE || tb_interrupted()) {
			worst = rc == TB_EXIT_USAGE ? rc : TB_EXIT_INTERRUPTED;
			break;
		}
		if (rc != TB_EXIT_OK)
			worst = TB_EXIT_FAILED;
	}
	free(cargv);
	if (out && out != stdout) {
		if (fsync(fileno(out)) != 0 && errno != EINVAL && worst == TB_EXIT_OK)
			worst = TB_EXIT_FAILED;
		if (fclose(out) != 0) {
			tb_error("--runs: cannot write %s: %s", a->output, strerror(errno));
			worst = TB_EXIT_FAILED;
		}
	} else if (fflush(stdout) != 0) {
		worst = TB_EXIT_FAILED;
	}
	if (worst == TB_EXIT_INTERRUPTED)
		tb_error("interrupted: the rows of the finished runs (and the whole rows of the "
			 "interrupted one) are written");
	return worst;
}
