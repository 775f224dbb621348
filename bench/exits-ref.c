/* Reference loops for cpu.exits: N getppid system calls and N vDSO clock_gettime calls,
 * timed with CLOCK_MONOTONIC around the whole loop, ns per call on stdout.
 * Build: cc -O2 -o exits-ref bench/exits-ref.c     Run: ./exits-ref [N]          */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec ts;
	double t0 = now();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	double t1 = now();
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	double t2 = now();
	printf("getppid %.1f\nclock_gettime %.2f\n", (t1 - t0) * 1e9 / (double)n,
	       (t2 - t1) * 1e9 / (double)n);
	return 0;
}
