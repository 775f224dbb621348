/* tinyben: the command line dispatches to one function per verb. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tinyben/cc.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"
#include "core/registry.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "tinyben %s: benchmarks for confidential VMs, run inside each guest\n\n"
		   "usage: tinyben VERB [options]      (tinyben VERB --help for each)\n",
		TINYBEN_VERSION);
	for (const struct tb_verb *const *v = tb_verbs(); *v; v++)
		fprintf(f, "  %-9s %s\n", (*v)->name, (*v)->summary);
	fprintf(f, "\nexit codes: 0 ok (skips allowed), 1 a benchmark failed, 2 bad usage or input,\n"
		   "130 interrupted (results so far are written)\n");
}

/* Output that never arrived (disk full, stdout closed) is a failure, whatever printed it;
 * verbs that check on their own have already turned it into exit 1. */
static int stdout_checked(int rc)
{
	int e = fflush(stdout) != 0 ? errno : ferror(stdout) ? EIO : 0;
	if (!e || rc != TB_EXIT_OK)
		return rc;
	tb_error("cannot write to stdout: %s", strerror(e));
	return TB_EXIT_FAILED;
}

/* A closed standard descriptor would be taken by the next open (-o FILE): tinyben's own
 * messages, or exec's COMMAND's output, would then land in the results. Each closed one is held
 * by /dev/null opened read-only, so that writes to it still fail as on a closed one. */
static void hold_closed_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDONLY); /* the lowest free descriptor: fd itself */
		if (n > fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

int main(int argc, char **argv)
{
	hold_closed_std_fds();
	if (argc < 2) {
		usage(stderr);
		return TB_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return stdout_checked(TB_EXIT_OK);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("tinyben %s\n", TINYBEN_VERSION);
		return stdout_checked(TB_EXIT_OK);
	}
	const struct tb_verb *v = tb_verb_find(argv[1]);
	if (!v) {
		tb_error("unknown verb '%s' (see 'tinyben --help')", argv[1]);
		return TB_EXIT_USAGE;
	}
	tb_signals_install();
	tb_env_set_cc_probe(tb_cc_current);
	int rc = tb_run_with_stack(v->main, argc - 1, argv + 1);
	tb_cleanup_all();
	return stdout_checked(rc);
}
