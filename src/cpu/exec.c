/* `tinyben exec`: time a whole command (a kernel build) REPS times, rows like any benchmark. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tinyben/bench.h"
#include "tinyben/cli.h"
#include "tinyben/ctx.h"
#include "tinyben/rows.h"
#include "tinyben/timer.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"

static const char usage[] =
	"usage: tinyben exec [-r REPS] [--name NAME] [--prepare 'CMD'] [-o FILE] [--force] [-q]\n"
	"                    -- COMMAND [ARG...]\n"
	"  -r, --reps N          run COMMAND N times (default 5)\n"
	"      --name NAME       rows are bench exec.NAME (default: COMMAND's base name)\n"
	"      --prepare 'CMD'   run CMD with /bin/sh -c before each run, untimed (make clean)\n"
	"  -o, --output FILE     write the CSV rows to FILE (default: stdout)\n"
	"      --force           replace FILE if it exists\n"
	"  -q, --quiet           no progress on stderr\n"
	"Metrics per run: wall_s, user_s, sys_s (of the command and its children), max_rss_kib.\n"
	"COMMAND's own output goes to tinyben's stderr, never into the rows.\n";

struct outcome {
	double wall;
	struct rusage ru;
	int status;
	int exec_errno; /* the child could not exec COMMAND */
};

/* Is `cmd` something execvp can run? Checked before any row is written, so a typo is a
 * usage error (exit 2) and not a failed measurement. */
static bool runnable(const char *cmd)
{
	struct stat st;
	/* A directory passes access(X_OK) (searchable) but cannot be executed. */
	if (strchr(cmd, '/'))
		return stat(cmd, &st) == 0 && S_ISREG(st.st_mode) && access(cmd, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;; p++) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		char full[4096];
		snprintf(full, sizeof(full), "%.*s%s%s", (int)n, p, n ? "/" : "", cmd);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
			return true;
		if (!colon)
			return false;
		p = colon;
	}
}

/* SIGTERM first, so that make can remove half-written targets; then SIGKILL. The same
 * grace period as servers get at cleanup. */
#define GRACE_S 2.0

/* Sleeps until the command exits, a signal arrives or timeout_s passes (< 0: no limit).
 * With a pidfd, ppoll unblocks INT/TERM/HUP atomically: an interrupt that lands just before
 * the sleep cannot be slept through. Without one (old kernel, gVisor) wait4 blocks with the
 * signals unblocked, which leaves that small window open. */
static void sleep_until_exit(pid_t pid, int pidfd, const sigset_t *unblocked, double timeout_s)
{
	struct timespec ts = { (time_t)timeout_s, (long)((timeout_s - (time_t)timeout_s) * 1e9) };
	if (pidfd >= 0) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		ppoll(&pfd, 1, timeout_s < 0 ? NULL : &ts, unblocked);
		return;
	}
	sigset_t blocked;
	sigprocmask(SIG_SETMASK, unblocked, &blocked);
	if (timeout_s < 0)
		waitid(P_PID, (id_t)pid, NULL, WEXITED | WNOWAIT);
	else
		nanosleep(&ts, NULL);
	sigprocmask(SIG_SETMASK, &blocked, NULL);
}

/* Ends what is left of the command's process group once the command itself has exited:
 * SIGTERM, SIGKILL after the grace period. tinyben is a child subreaper (exec_main), so
 * orphans of the group become its children and are reaped here, not left as zombies. */
static void end_group(pid_t pgid, const char *why, bool interrupted)
{
	if (kill(-pgid, 0) != 0)
		return;
	/* Not progress but a fact about the measurement (even with -q): something the
	 * command started kept running after the clock stopped. */
	if (!interrupted)
		tb_warn("exec: %s left processes running (process group %d); ending them", why,
			(int)pgid);
	kill(-pgid, SIGTERM);
	kill(-pgid, SIGCONT); /* a stopped process acts on SIGTERM only once continued */
	double kill_at = tb_now() + GRACE_S;
	bool killed = false;
	while (kill(-pgid, 0) == 0) {
		while (waitpid(-pgid, NULL, WNOHANG) > 0)
			;
		if (!killed && tb_now() >= kill_at) {
			tb_warn("exec: %s: processes ignored SIGTERM for %.0f s; sent SIGKILL", why, GRACE_S);
			kill(-pgid, SIGKILL);
			killed = true;
		} else if (killed && tb_now() >= kill_at + GRACE_S) {
			/* Only a process stuck in the kernel (state D) outlives SIGKILL this long. */
			tb_warn("exec: %s: processes of group %d survive SIGKILL; leaving them", why,
				(int)pgid);
			break;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* The first child tinyben still has, or 0. Once the command's group is ended, any child is
 * something the command started that left the group (setsid) and was re-parented to
 * tinyben, its subreaper. Linux lists a thread's children in /proc (CONFIG_PROC_CHILDREN). */
static pid_t first_child(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)syscall(SYS_gettid));
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	long pid = 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

/* Ends what left the group for a session of its own, group by group (its own descendants
 * included). Every child of tinyben at this point is such a leftover, so any may be reaped. */
static void end_orphans(const char *why, bool interrupted)
{
	pid_t last = 0;
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		pid_t c = first_child();
		if (c <= 0)
			return;
		if (c == last) {
			/* end_group gave up on it (stuck in the kernel): so do we. */
			tb_warn("exec: %s: process %d survives SIGKILL; leaving it", why, (int)c);
			return;
		}
		pid_t pg = getpgid(c);
		if (pg > 0 && pg != getpgrp()) {
			end_group(pg, why, interrupted);
		} else {
			kill(c, SIGKILL); /* it joined tinyben's own group: that process alone */
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		last = c;
	}
}

/* Fork, exec, wait4: rusage of the child and every process it waited for (RUSAGE of
 * wait4 covers the child's reaped descendants, as time(1) reports). COMMAND leads its own
 * process group, so an interrupt reaches everything it started (sh -c 'a; b' included),
 * not only the direct child. */
static int spawn(char *const argv[], bool quiet_stdout, struct outcome *o)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -errno;
	/* Interrupts stay pending outside ppoll (sleep_until_exit), never lost in between. */
	sigset_t stop, unblocked;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, &unblocked);
	double t0 = tb_now();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		close(pfd[0]);
		close(pfd[1]);
		return -e;
	}
	if (pid == 0) {
		setpgid(0, 0);
		/* tinyben's dispositions are not the command's: ignored SIGPIPE would survive
		 * exec and turn `cmd | head` inside COMMAND into a busy EPIPE loop. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		/* A background process group that reads the terminal is stopped (SIGTTIN) and
		 * the run would never end: a command timed here gets no terminal input. */
		if (isatty(STDIN_FILENO)) {
			int null = open("/dev/null", O_RDONLY);
			if (null >= 0)
				dup2(null, STDIN_FILENO);
		}
		/* The rows may be on stdout: the command's output goes to stderr instead. */
		if (quiet_stdout)
			dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[0], argv);
		int e = errno;
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	setpgid(pid, pid); /* also here: whichever of parent and child runs first */
	close(pfd[1]);
	tb_child_register(pid);
	o->exec_errno = 0;
	ssize_t got;
	do
		got = read(pfd[0], &o->exec_errno, sizeof(o->exec_errno));
	while (got < 0 && errno == EINTR);
	close(pfd[0]);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	bool termed = false, killed = false;
	double kill_at = 0;
	int rc = 0;
	for (;;) {
		pid_t w = wait4(pid, &o->status, WNOHANG, &o->ru);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		/* An interrupt ends the whole group: SIGTERM, then SIGKILL after the grace. */
		if (tb_interrupted() && !termed) {
			kill(-pid, SIGTERM);
			kill(-pid, SIGCONT); /* a stopped process acts on SIGTERM only once continued */
			termed = true;
			kill_at = tb_now() + GRACE_S;
		}
		if (termed && !killed && tb_now() >= kill_at) {
			tb_warn("exec: the command ignored SIGTERM for %.0f s; sent SIGKILL to its "
				"process group", GRACE_S);
			kill(-pid, SIGKILL);
			killed = true;
		}
		sleep_until_exit(pid, pidfd, &unblocked, termed ? 0.01 : -1);
	}
	o->wall = tb_now() - t0;
	if (pidfd >= 0)
		close(pidfd);
	if (rc == 0) {
		end_group(pid, termed ? "the interrupted command" : "the command", termed);
		end_orphans(termed ? "the interrupted command" : "the command", termed);
	}
	tb_child_forget(pid);
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	return rc;
}

static int prepare(const char *cmd, bool quiet_stdout, int *status)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	struct outcome o;
	int rc = spawn(argv, quiet_stdout, &o);
	*status = o.status;
	if (rc == 0 && o.exec_errno)
		rc = -o.exec_errno;
	return rc;
}

static void describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status 0x%x", status);
}

static char *join(char *const argv[])
{
	size_t n = 1;
	for (int i = 0; argv[i]; i++)
		n += strlen(argv[i]) + 1;
	char *s = calloc(1, n);
	if (!s)
		abort();
	for (int i = 0; argv[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static double tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

/* Runs the repetitions; returns the exit code. */
enum { M_WALL, M_USER, M_SYS, M_RSS };
static const struct tb_metric exec_metrics[] = {
	/* Written by the command's timing (tb_emit), not derived: TB_EMITTED (no .how). */
	[M_WALL] = { "wall_s", "s", TB_LOWER, "wall time of the command", .primary = true },
	[M_USER] = { "user_s", "s", TB_LOWER, "user CPU time of the command and its children" },
	[M_SYS] = { "sys_s", "s", TB_LOWER, "system CPU time of the command and its children" },
	[M_RSS] = { "max_rss_kib", "KiB", TB_LOWER, "largest resident set (getrusage)" },
	{ 0 },
};

static int measure(struct tb_ctx *ctx, int reps, const char *prep, char *const argv[],
		   bool to_stdout, bool quiet)
{
	char *command = join(argv);
	int code = TB_EXIT_OK;
	for (int r = 1; r <= reps && code == TB_EXIT_OK; r++) {
		if (tb_interrupted())
			break;
		char why[128];
		if (prep) {
			int st = 0;
			int rc = prepare(prep, to_stdout, &st);
			if (tb_interrupted())
				break;
			if (rc < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				describe(st, why, sizeof(why));
				tb_fail(ctx, "", "rep %d: --prepare '%s' failed: %s", r, prep,
					rc < 0 ? strerror(-rc) : why);
				code = TB_EXIT_FAILED;
				break;
			}
		}
		if (!quiet)
			fprintf(stderr, "tinyben exec: run %d/%d: %s\n", r, reps, command);
		struct outcome o;
		int rc = spawn(argv, to_stdout, &o);
		if (tb_interrupted())
			break; /* a run cut short is not a sample */
		if (rc < 0 || o.exec_errno) {
			tb_fail(ctx, "", "rep %d: cannot run %s: %s", r, argv[0],
				strerror(rc < 0 ? -rc : o.exec_errno));
			code = TB_EXIT_FAILED;
			break;
		}
		describe(o.status, why, sizeof(why));
		if (!WIFEXITED(o.status) || WEXITSTATUS(o.status) != 0) {
			tb_fail(ctx, "", "rep %d: %s: %s (after %.3f s)", r, command, why, o.wall);
			code = TB_EXIT_FAILED;
			break;
		}
		/* `command=` comes last and runs to the end of detail: it may hold spaces. */
		char *detail = tb_strdupf("exit_status=%d prepare=%s command=%s",
					  WEXITSTATUS(o.status), prep ? "yes" : "no", command);
		tb_emit(ctx, "", &exec_metrics[M_WALL], r, o.wall, detail);
		tb_emit(ctx, "", &exec_metrics[M_USER], r, tv(o.ru.ru_utime), detail);
		tb_emit(ctx, "", &exec_metrics[M_SYS], r, tv(o.ru.ru_stime), detail);
		/* Linux reports ru_maxrss in KiB (getrusage(2)). */
		tb_emit(ctx, "", &exec_metrics[M_RSS], r, (double)o.ru.ru_maxrss, detail);
		free(detail);
		if (!tb_rows_flush(ctx))
			code = TB_EXIT_FAILED;
	}
	free(command);
	if (tb_interrupted()) {
		tb_error("interrupted: the rows measured so far are written");
		return TB_EXIT_INTERRUPTED;
	}
	return code;
}

struct exec_args {
	const char *name, *prep, *out;
	long long reps;
	bool force, quiet;
};

static int on_option(void *user, int id, const char *value)
{
	struct exec_args *e = user;
	switch (id) {
	case 'r':
		if (tb_parse_ll(value, 1, 1000000, &e->reps) != 0) {
			tb_error("exec: -r '%s': expected a whole number >= 1", value);
			return -1;
		}
		break;
	case 'n': e->name = value; break;
	case 'p': e->prep = value; break;
	case 'o': e->out = value; break;
	case 'f': e->force = true; break;
	case 'q': e->quiet = true; break;
	}
	return 0;
}

static bool bench_name_ok(const char *name)
{
	return *name && !strpbrk(name, " ,\"':*?[]\\") && !tb_has_control(name);
}

static int exec_main(int argc, char **argv)
{
	static const struct tb_arg args[] = {
		{ .name = "reps", .short_name = 'r', .value = true, .id = 'r' },
		{ .name = "name", .value = true, .id = 'n' },
		{ .name = "prepare", .value = true, .id = 'p' },
		{ .name = "output", .short_name = 'o', .value = true, .id = 'o' },
		{ .name = "force", .id = 'f' },
		{ .name = "quiet", .short_name = 'q', .id = 'q' },
		{ 0 },
	};
	struct exec_args e = { .reps = 5 };
	/* operands: the first one is COMMAND, whose own options are left alone. */
	struct tb_args spec = { .verb = "exec", .usage = usage, .table = args, .operands = true };
	TB_ARGS_OR_RETURN(&spec, argc, argv, on_option, &e);
	const char *name = e.name, *prep = e.prep, *out = e.out;
	long long reps = e.reps;
	bool force = e.force, quiet = e.quiet;
	int optind = spec.first_operand;
	if (optind >= argc) {
		tb_error("exec: no command given (tinyben exec [options] -- COMMAND [ARG...])");
		return TB_EXIT_USAGE;
	}
	char **cmd = argv + optind;
	if (!runnable(cmd[0])) {
		tb_error("exec: %s: command not found or not executable", cmd[0]);
		return TB_EXIT_USAGE;
	}
	bool named = name != NULL;
	if (!named) {
		const char *slash = strrchr(cmd[0], '/');
		name = slash ? slash + 1 : cmd[0];
	}
	/* exec.NAME is a bench name: a colon would split it in -b and compare --metrics
	 * (bench:variant:metric), a glob character would match other benchmarks there, and a
	 * control character would break the row. */
	if (!bench_name_ok(name)) {
		if (named)
			tb_error("exec: --name: use a name without spaces, commas, quotes, colons, "
				 "control or glob characters (*?[]\\)");
		else
			tb_error("exec: the command's name cannot name the rows (spaces, commas, "
				 "quotes, colons, control or glob characters): give --name NAME");
		return TB_EXIT_USAGE;
	}
	/* Orphans of the command's group are re-parented to tinyben, which reaps them when it
	 * ends the group (end_group): none is left behind as a zombie or a runaway. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	char *bench_name = tb_strdupf("exec.%s", name);
	const struct tb_variant no_variants[] = { { 0 } };
	const struct tb_bench desc = {
		.name = bench_name,
		.description = "a whole command, timed",
		.variants = no_variants,
		.metrics = exec_metrics,
	};
	struct tb_ctx *ctx = tb_rows_open(&desc, out, force, !quiet);
	if (!ctx) {
		free(bench_name);
		return tb_output_exit_code(-errno);
	}
	int code = measure(ctx, (int)reps, prep, cmd, out == NULL, quiet);
	int closed = tb_rows_close(ctx);
	free(bench_name);
	if (code == TB_EXIT_OK)
		code = closed;
	return code;
}

TB_VERB(exec,
	.order = 70,
	.synopsis = "exec [-r REPS] [--name NAME] [--prepare 'CMD'] [-o FILE] [--force] -- COMMAND "
		    "[ARG...]",
	.summary = "time a command REPS times (wall, user, sys, max RSS) as benchmark rows");
