/* A log-linear latency histogram (HdrHistogram's idea): constant memory, < 0.8% error. */
#ifndef TINYBEN_HIST_H
#define TINYBEN_HIST_H

#include <stdint.h>

/* Values below 256 have their own bucket; above, each power of two is split in 128
 * buckets, so a bucket is at most 1/128 of its value wide. */
#define TB_HIST_SUB_BITS 7
#define TB_HIST_BUCKETS (256 + (64 - 8) * 128)

struct tb_hist {
	uint64_t count;
	uint64_t min, max;
	double sum;
	uint64_t buckets[TB_HIST_BUCKETS];
};

void tb_hist_init(struct tb_hist *h);
void tb_hist_add(struct tb_hist *h, uint64_t value);
void tb_hist_merge(struct tb_hist *into, const struct tb_hist *from);
/* q in [0, 1]: the value below which a fraction q of the samples lie (bucket midpoint,
 * clamped to the exact min and max). 0 for an empty histogram. */
double tb_hist_quantile(const struct tb_hist *h, double q);
double tb_hist_mean(const struct tb_hist *h);

#endif
