/* Small stack limits (ulimit -s 16, 24, 32): the verb runs on a thread with a stack of
 * its own.
 *
 * RLIMIT_STACK bounds only the main thread's stack (and glibc's default for new threads);
 * under 24 KiB `run` crashed with SIGSEGV, io.sqlite:wal under 32 KiB (leaving its
 * database behind), while sqlite3's shell works there. Below TB_STACK_WANT the verb runs
 * on a thread whose stack is mapped at that size, and so do the threads it starts; where
 * even that cannot be had (RLIMIT_AS), it is one clear line and exit 2, never a crash.
 * Signals go to that thread (the main thread blocks them all while it waits), so a
 * blocking call in a benchmark still sees EINTR on Ctrl-C. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "tinyben/util.h"
#include "tinyben/verb.h"

#define TB_STACK_WANT (8u << 20)

struct verb_call {
	int (*fn)(int argc, char **argv);
	int argc;
	char **argv;
	sigset_t mask;
	int rc;
};

static void *call(void *arg)
{
	struct verb_call *c = arg;
	pthread_sigmask(SIG_SETMASK, &c->mask, NULL);
	c->rc = c->fn(c->argc, c->argv);
	return NULL;
}

int tb_run_with_stack(int (*fn)(int argc, char **argv), int argc, char **argv)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= TB_STACK_WANT)
		return fn(argc, argv);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, TB_STACK_WANT);
	/* Team threads and the like get a working stack too. */
	pthread_setattr_default_np(&attr);
	struct verb_call c = { .fn = fn, .argc = argc, .argv = argv };
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &c.mask);
	pthread_t t;
	int err = pthread_create(&t, &attr, call, &c);
	pthread_attr_destroy(&attr);
	if (err) {
		pthread_sigmask(SIG_SETMASK, &c.mask, NULL);
		tb_error("the stack limit (ulimit -s) is %llu KiB and a %u MiB stack cannot be "
			 "mapped either (%s): raise ulimit -s", (unsigned long long)rl.rlim_cur >> 10,
			 TB_STACK_WANT >> 20, strerror(err));
		return TB_EXIT_USAGE;
	}
	pthread_join(t, NULL);
	pthread_sigmask(SIG_SETMASK, &c.mask, NULL);
	return c.rc;
}
