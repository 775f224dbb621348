/* Rows outside `tinyben run` (e.g. `tinyben exec`): the same writer, header and env columns. */
#ifndef TINYBEN_ROWS_H
#define TINYBEN_ROWS_H

#include <stdbool.h>
#include <stdio.h>

#include "tinyben/bench.h"

struct tb_ctx;

/* A context that writes rows of `bench` (name and group only are used) to output (stdout
 * when NULL), CSV, header first. NULL after an error line (existing file, cannot create;
 * errno EBUSY when another writer holds the output: tb_output_exit_code(-errno)).
 * tb_emit()/tb_fail()/tb_skip() then work as inside `tinyben run`. */
struct tb_ctx *tb_rows_open(const struct tb_bench *bench, const char *output, bool force,
			    bool progress);

/* Writes the rows so far (whole lines) and flushes; false when the output failed. */
bool tb_rows_flush(struct tb_ctx *ctx);

/* Flushes and closes; returns TB_EXIT_OK, or TB_EXIT_FAILED when a row failed or the
 * output could not be written. Frees ctx. */
int tb_rows_close(struct tb_ctx *ctx);

#endif
