/* The statistics of a report, computed once: every comparison, its headline rows (one
 * primary metric per bench and variant) and its per-group figures. The plots, the tables,
 * the summary and the Markdown only read it. */
#ifndef TB_REPORT_STAGE_H
#define TB_REPORT_STAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "report/cmpstats.h"
#include "report/sidewarn.h"
#include "report/table.h"

/* What a row or a group says, in the five words of the forest plot's legend. */
enum tb_call {
	TB_CALL_WORSE,        /* the candidate costs more: its interval excludes 0 */
	TB_CALL_BETTER,       /* the candidate costs less */
	TB_CALL_EQUIVALENT,   /* the 90% interval lies inside +-margin */
	TB_CALL_NONE_SHOWN,   /* no difference shown: the interval holds 0 */
	TB_CALL_UNDETERMINED, /* too few runs for an interval between runs */
};
#define TB_NCALLS 5
const char *tb_call_name(enum tb_call c);

/* One headline row: the primary metric of a (bench, variant) in one comparison. */
struct tb_headline {
	const struct tb_cmp_row *row;    /* kind TB_CMP_BOTH */
	enum tb_call call;
	bool primary_declared;           /* false: the bench is unknown to this tinyben, or
					  * declares no primary metric its rows hold (then
					  * the variant's first metric in the file) */
};

/* One group's figure: geometric mean over its headline rows of the cost ratio. */
struct tb_group_sum {
	const char *group;
	size_t n, n_undetermined;        /* headline rows; those without a verdict */
	double ov, lo, hi;               /* overhead %, 95% interval (NAN: none) */
	double lo90, hi90;
	enum tb_call call;
};

/* One comparison: sides[cand] against sides[base]. */
struct tb_pair {
	size_t base, cand;
	struct tb_cmp cmp;
	struct tb_headline *head;        /* sorted by group, then by overhead, worst first */
	size_t n_head;
	struct tb_group_sum *groups;     /* in tb_report_groups order, only groups present */
	size_t n_groups;
};

struct tb_stage {
	const struct tb_side *sides;
	size_t n;
	double margin_pct;               /* NAN: none */
	bool by_shape;                   /* each configuration against the plain one of its
					  * shape (matrix tags), not all against sides[0] */
	struct tb_pair *pairs;
	size_t n_pairs;
	struct tb_ratio **centre;        /* [side][series]: its own centre and interval
					  * (latency curves), between boots where its
					  * comparison's unit is the boot (by_boot); has_ci
					  * false when none */
};

/* Computes every comparison: sides[k] against sides[0] for k >= 1, or, when by_tag names
 * the --by tag and more than two sides carry tag.mode, each configuration against the plain
 * one of its shape (the same tags but mode and boot). Returns 0, or -EINTR on SIGINT/
 * SIGTERM (out is then freed). */
int tb_stage_build(const struct tb_side *sides, size_t n, double margin_pct,
		   const char *by_tag, struct tb_stage *out);
void tb_stage_free(struct tb_stage *s);

/* The pair whose candidate is side k, or NULL (k is a base). */
const struct tb_pair *tb_stage_pair_of(const struct tb_stage *s, size_t k);

/* Overhead in % with its interval written as "+2.1% [1.2, 3.0]" (or without interval). */
void tb_fmt_overhead(char *buf, size_t len, double ov, double lo, double hi);

/* The warnings about the sides (report/sidewarn.h, the same as compare's): each side, each
 * two sides, each comparison. */
void tb_stage_warnings(const struct tb_stage *s, tb_say_fn say, void *arg);

#endif
