/* Monotonic time and cycle counters. */
#ifndef TINYBEN_TIMER_H
#define TINYBEN_TIMER_H

#include <stdint.h>

/* Seconds from CLOCK_MONOTONIC_RAW (CLOCK_MONOTONIC where RAW is missing). */
double tb_now(void);
uint64_t tb_now_ns(void);

static inline uint64_t tb_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* TSC frequency in Hz, measured once against the monotonic clock (about 50 ms). */
double tb_tsc_hz(void);

#endif
