/* A sample row of one series for the report's unit tests: every field empty but those a side
 * needs to file it (cc_level none, status ok); the caller sets run, boot and value. */
#ifndef TB_TEST_SIMROW_H
#define TB_TEST_SIMROW_H

#include "report/table.h"

static inline struct tb_row sim_row(const char *group, const char *bench, const char *variant,
				    const char *metric, const char *unit, const char *better)
{
	struct tb_row r = { 0 };
	for (int i = 0; i < TB_NCOLS; i++)
		r.f[i] = "";
	r.f[TB_COL_CC_LEVEL] = "none";
	r.f[TB_COL_GROUP] = group;
	r.f[TB_COL_BENCH] = bench;
	r.f[TB_COL_VARIANT] = variant;
	r.f[TB_COL_METRIC] = metric;
	r.f[TB_COL_UNIT] = unit;
	r.f[TB_COL_BETTER] = better;
	r.f[TB_COL_STATUS] = "ok";
	return r;
}

#endif
