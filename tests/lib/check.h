/* A tiny assertion kit for unit tests: TAP output, one line per check, exit 1 on failure. */
#ifndef TB_TEST_CHECK_H
#define TB_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_count, check_failed;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		check_count++;                                                           \
		if (cond) {                                                              \
			printf("ok %d - %s\n", check_count, #cond);                      \
		} else {                                                                 \
			check_failed++;                                                  \
			printf("not ok %d - %s (%s:%d)\n", check_count, #cond, __FILE__, \
			       __LINE__);                                                \
		}                                                                        \
	} while (0)

#define CHECK_STR(a, b)                                                                  \
	do {                                                                             \
		const char *check_a_ = (a), *check_b_ = (b);                             \
		check_count++;                                                           \
		if (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0) {           \
			printf("ok %d - %s\n", check_count, #a);     \
		} else {                                                                 \
			check_failed++;                                                  \
			printf("not ok %d - %s: got \"%s\", want \"%s\" (%s:%d)\n",      \
			       check_count, #a, check_a_ ? check_a_ : "(null)",          \
			       check_b_ ? check_b_ : "(null)", __FILE__, __LINE__);      \
		}                                                                        \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                            \
	do {                                                                             \
		double check_x_ = (a), check_y_ = (b);                                   \
		check_count++;                                                           \
		if (fabs(check_x_ - check_y_) <= (tol)) {                                \
			printf("ok %d - %s ~ %g\n", check_count, #a, check_y_);          \
		} else {                                                                 \
			check_failed++;                                                  \
			printf("not ok %d - %s: got %.10g, want %.10g (%s:%d)\n",        \
			       check_count, #a, check_x_, check_y_, __FILE__, __LINE__); \
		}                                                                        \
	} while (0)

static inline int check_done(void)
{
	printf("1..%d\n", check_count);
	return check_failed ? 1 : 0;
}

#endif
