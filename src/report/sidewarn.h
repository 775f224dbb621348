/* Warnings about the sides themselves, the one wording of compare and report: what the data
 * is not, whatever its labels say. */
#ifndef TB_REPORT_SIDEWARN_H
#define TB_REPORT_SIDEWARN_H

#include <stdbool.h>
#include <stddef.h>

#include "report/table.h"

/* Receives one warning line, without the verb. */
typedef void (*tb_say_fn)(void *arg, const char *line);
/* The say of a verb on stderr: "tinyben: warning: VERB: line", arg the verb's name. */
void tb_say_warning(void *verb, const char *line);

/* About each side and each two of them: mixed cc_levels, runs in two files of a side,
 * metrics in more than one unit, the same runs on two sides. */
void tb_sides_warn(const struct tb_side *sides, size_t n, tb_say_fn say, void *arg);

/* About one comparison of cand against base: the sides ran different tinyben versions. */
void tb_pair_warn(const struct tb_side *base, const struct tb_side *cand, tb_say_fn say,
		  void *arg);

/* The line about a side that mixes cc_levels into buf (compare's text repeats it beside
 * the side's runs); false when its runs share one level. */
bool tb_side_cc_warning(const struct tb_side *s, char *buf, size_t len);

#endif
