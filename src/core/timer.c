/* Monotonic clock and the TSC frequency. */
#include <time.h>

#include "tinyben/timer.h"

static clockid_t clock_id(void)
{
	static clockid_t id = (clockid_t)-1;
	if (id == (clockid_t)-1) {
		struct timespec ts;
		/* MONOTONIC_RAW is not slewed by NTP, so a rate adjustment cannot bend a sample. */
		id = clock_gettime(CLOCK_MONOTONIC_RAW, &ts) == 0 ? CLOCK_MONOTONIC_RAW : CLOCK_MONOTONIC;
	}
	return id;
}

uint64_t tb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(clock_id(), &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double tb_now(void)
{
	struct timespec ts;
	clock_gettime(clock_id(), &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double tb_tsc_hz(void)
{
	static double hz;
	if (hz > 0)
		return hz;
	/* Median of three 20 ms windows: a preemption between reading the clock and the
	 * TSC skews one window either way, the median ignores it. */
	double f3[3];
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = tb_now_ns(), c0 = tb_rdtsc(), t1, c1;
		do {
			t1 = tb_now_ns();
		} while (t1 - t0 < 20 * 1000 * 1000);
		c1 = tb_rdtsc();
		f3[i] = (double)(c1 - c0) / ((double)(t1 - t0) * 1e-9);
	}
	double lo = f3[0] < f3[1] ? f3[0] : f3[1], hi = f3[0] < f3[1] ? f3[1] : f3[0];
	hz = f3[2] < lo ? lo : (f3[2] > hi ? hi : f3[2]);
	return hz;
}
