/* Student's t distribution for fractional degrees of freedom (Welch's test needs them). */
#ifndef TB_REPORT_TDIST_H
#define TB_REPORT_TDIST_H

/* Regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1. */
double tb_incbeta(double x, double a, double b);
/* Two-sided tail P(|T| > t) of Student's t with df > 0 degrees of freedom. */
double tb_t_two_sided(double t, double df);
/* The t with P(T > t) = p (0 < p < 0.5): t_{0.975} for p = 0.025. */
double tb_t_upper(double p, double df);

#endif
