/* Student's t tail and quantile through the regularized incomplete beta function: the one
 * t quantile of tinyben (Welch's fractional degrees of freedom need it; run's summary too). */
#include <math.h>

#include "tinyben/stats.h"

/* The continued fraction of I_x(a, b) (Abramowitz & Stegun 26.5.8), evaluated with the
 * modified Lentz method; it converges fast for x < (a + 1) / (a + b + 2). */
static double beta_cf(double x, double a, double b)
{
	const double tiny = 1e-300;
	double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	double f = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m;
		/* Even step: m (b - m) x / ((a + 2m - 1)(a + 2m)). */
		double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		d = 1.0 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		f *= d * c;
		/* Odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)). */
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		d = 1.0 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		double step = d * c;
		f *= step;
		if (fabs(step - 1.0) < 1e-15)
			break;
	}
	return f;
}

double tb_incbeta(double x, double a, double b)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double lfront = a * log(x) + b * log1p(-x) - (lgamma(a) + lgamma(b) - lgamma(a + b));
	if (x < (a + 1.0) / (a + b + 2.0))
		return exp(lfront) * beta_cf(x, a, b) / a;
	/* Symmetry I_x(a, b) = 1 - I_{1-x}(b, a) keeps the fraction in its fast region. */
	return 1.0 - exp(lfront) * beta_cf(1.0 - x, b, a) / b;
}

double tb_t_two_sided(double t, double df)
{
	return tb_incbeta(df / (df + t * t), df / 2.0, 0.5);
}

/* Density of Student's t at t. */
static double t_pdf(double t, double df)
{
	return exp(lgamma((df + 1) / 2) - lgamma(df / 2) - (df + 1) / 2 * log1p(t * t / df)) /
	       sqrt(df * M_PI);
}

double tb_t_upper(double p, double df)
{
	/* Newton's method on the tail (its slope is -2 pdf), kept inside a bracket that
	 * halves whenever a step leaves it: a few tail evaluations instead of fifty. */
	double lo = 0, hi = 1;
	while (tb_t_two_sided(hi, df) > 2 * p && hi < 1e12)
		hi *= 2;
	double t = hi / 2;
	for (int i = 0; i < 100; i++) {
		double g = tb_t_two_sided(t, df) - 2 * p;
		if (g > 0)
			lo = t;
		else
			hi = t;
		double next = t + g / (2 * t_pdf(t, df));
		if (!(next > lo && next < hi))
			next = (lo + hi) / 2;
		if (fabs(next - t) <= 1e-14 * t || hi - lo <= 1e-14 * hi)
			return next;
		t = next;
	}
	return t;
}
