/* Reference for bench/memcpy-vs-glibc.sh: the plainest program that measures glibc's memcpy
 * or memset bandwidth, with nothing of tinyben in it. Two buffers of SIZE MiB from malloc,
 * written once before timing; each repetition loops the call until 0.5 s have passed and
 * prints MB/s (10^6 bytes/s), one line per repetition.
 * Usage: memcpy_ref memcpy|memset SIZE_MIB REPS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s memcpy|memset SIZE_MIB REPS\n", argv[0]);
		return 2;
	}
	int set = strcmp(argv[1], "memset") == 0;
	size_t size = (size_t)atol(argv[2]) << 20;
	int reps = atoi(argv[3]);
	char *src = malloc(size), *dst = malloc(size);
	if (!src || !dst)
		return 1;
	memset(src, 0xcc, size);
	memset(dst, 0xcc, size);
	for (int r = 0; r <= reps; r++) { /* r == 0 is a warm-up */
		long n = 0;
		double t0 = now(), t;
		do {
			if (set)
				memset(dst, 0xaa, size);
			else
				memcpy(dst, src, size);
			__asm__ __volatile__("" : : "r"(dst) : "memory");
			n++;
		} while ((t = now() - t0) < 0.5);
		if (r)
			printf("%.1f\n", (double)size * (double)n / t / 1e6);
	}
	return 0;
}
