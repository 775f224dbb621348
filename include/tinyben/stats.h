/* Summary statistics over raw samples. */
#ifndef TINYBEN_STATS_H
#define TINYBEN_STATS_H

#include <stddef.h>

struct tb_summary {
	size_t n;
	double min, max, mean, median, stddev; /* stddev: sample (n-1) */
	double cv;                             /* stddev / mean, 0 when n < 2 */
	double ci95_lo, ci95_hi;               /* Student-t interval of the mean */
};

/* Does not modify x. Returns 0, or -EINVAL for n == 0. */
int tb_summarize(const double *x, size_t n, struct tb_summary *out);
double tb_median(const double *x, size_t n);            /* copies and sorts */
double tb_quantile_sorted(const double *sorted, size_t n, double q); /* linear, R type 7 */
double tb_student_t975(size_t df);                      /* two-sided 95% critical value */

/* Student's t for fractional degrees of freedom (Welch's test needs them), exact through
 * the incomplete beta function (tdist.c): the one t quantile of tinyben. */
/* Regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1. */
double tb_incbeta(double x, double a, double b);
/* Two-sided tail P(|T| > t) of Student's t with df > 0 degrees of freedom. */
double tb_t_two_sided(double t, double df);
/* The t with P(T > t) = p (0 < p < 0.5): t_{0.975} for p = 0.025. */
double tb_t_upper(double p, double df);

#endif
