/* Which benchmarks, variants and team rows a run's -b patterns and options select. */
#ifndef TB_CORE_SELECT_H
#define TB_CORE_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "tinyben/bench.h"

struct tb_ctx;

/* Does a row variant of the current benchmark (a table row or a team row, MEMCPY-t4)
 * match one of the -b patterns "GLOB[:VARIANTGLOB]"? */
bool tb_row_selected(const struct tb_ctx *ctx, const char *variant);

/* Is a row of the current benchmark's table part of this run: kept by the options
 * (planned), and selected itself or, for a benchmark that scales, through one of its
 * team rows? */
bool tb_variant_selected(const struct tb_ctx *ctx, const struct tb_variant *v);

/* The benchmarks with a selected variant, in registry order, into todo (room for max);
 * their number. *left_out: a benchmark -b names whose options leave every named variant
 * out (for the message when nothing else is selected), or NULL. */
size_t tb_select_benches(struct tb_ctx *ctx, const struct tb_bench **todo, size_t max,
			 const struct tb_bench **left_out);

#endif
