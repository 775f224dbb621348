/* The CSV contract (DESIGN.md): the columns, and RFC 4180 field quoting. */
#ifndef TINYBEN_CSV_H
#define TINYBEN_CSV_H

#include <stddef.h>
#include <stdio.h>

enum tb_col {
	TB_COL_TIMESTAMP, TB_COL_RUN_ID, TB_COL_HOST, TB_COL_CC_LEVEL, TB_COL_CC_FEATURES,
	TB_COL_KERNEL, TB_COL_CPU_MODEL, TB_COL_VCPUS, TB_COL_MEM_MIB, TB_COL_VERSION,
	TB_COL_GROUP, TB_COL_BENCH, TB_COL_VARIANT, TB_COL_METRIC, TB_COL_UNIT, TB_COL_BETTER,
	TB_COL_REP, TB_COL_VALUE, TB_COL_STATUS, TB_COL_DETAIL,
	/* Appended later (files written before it end at detail; readers accept both): the
	 * kernel's boot_id, so that runs of one boot can be told from runs of several boots. */
	TB_COL_BOOT_ID,
	TB_NCOLS
};

/* Columns of files written before boot_id existed. */
#define TB_NCOLS_NO_BOOT_ID TB_COL_BOOT_ID

extern const char *const tb_csv_columns[TB_NCOLS];

/* Appends field to buf (size cap), quoted when it holds a comma, quote, CR or LF.
 * Returns the length it needed (like snprintf). */
size_t tb_csv_quote(char *buf, size_t cap, const char *field);

/* Appends field as a JSON string (with quotes and escapes; bytes that are not valid UTF-8
 * become \ufffd). Same return convention. */
size_t tb_json_quote(char *buf, size_t cap, const char *field);

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 when p starts none (or at NUL). */
size_t tb_utf8_valid_len(const unsigned char *p);

#endif
