/* The report's one statistics stage: comparisons, headline rows, group figures. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "tinyben/stats.h"
#include "tinyben/util.h"
#include "report/stage.h"
#include "report/svg.h"

const char *tb_call_name(enum tb_call c)
{
	static const char *const names[TB_NCALLS] = {
		"worse", "better", "equivalent", "no difference shown", "undetermined",
	};
	return names[c];
}

static enum tb_call call_of(const struct tb_cmp_row *r)
{
	if (!r->ok || (r->verdict != TB_VERDICT_YES && r->verdict != TB_VERDICT_NO))
		return TB_CALL_UNDETERMINED;
	if (r->equiv == TB_EQUIV_EQUIVALENT)
		return TB_CALL_EQUIVALENT;
	if (r->significant || r->equiv == TB_EQUIV_DIFFERENT)
		return r->overhead > 0 ? TB_CALL_WORSE : TB_CALL_BETTER;
	return TB_CALL_NONE_SHOWN;
}

/* Where a metric stands among the primary metrics of its bench's descriptor (0 = the first);
 * SIZE_MAX when it is not one, or the bench is unknown to this tinyben (an older or newer
 * file). */
static size_t primary_rank(const struct tb_series *s)
{
	const struct tb_bench *b = tb_bench_find(s->bench);
	size_t k = 0;
	for (const struct tb_metric *m = b ? b->metrics : NULL; m && m->name; m++) {
		if (!m->primary)
			continue;
		if (strcmp(m->name, s->metric) == 0)
			return k;
		k++;
	}
	return SIZE_MAX;
}

static size_t group_rank(const char *const *groups, size_t ng, const char *g)
{
	for (size_t i = 0; i < ng; i++)
		if (strcmp(groups[i], g) == 0)
			return i;
	return ng;
}

/* qsort has no context: the group order of the stage being sorted. */
static const char *const *sort_groups;
static size_t sort_ng;

static int by_group_effect(const void *a, const void *b)
{
	const struct tb_headline *x = a, *y = b;
	size_t gx = group_rank(sort_groups, sort_ng, x->row->b->group),
	       gy = group_rank(sort_groups, sort_ng, y->row->b->group);
	if (gx != gy)
		return gx < gy ? -1 : 1;
	/* Rows without a ratio last; then the worst first. */
	if (x->row->ok != y->row->ok)
		return x->row->ok ? -1 : 1;
	double ox = x->row->ok ? x->row->overhead : 0, oy = y->row->ok ? y->row->overhead : 0;
	if (ox != oy)
		return ox > oy ? -1 : 1;
	int k = strcmp(x->row->b->bench, y->row->b->bench);
	return k ? k : strcmp(x->row->b->variant, y->row->b->variant);
}

/* A group's figure: the geometric mean of the cost ratios (1 + overhead/100) of its rows.
 * Its interval: the log ratios' mean -+ t * (mean of their standard errors), with the
 * fewest degrees of freedom among them. The rows share their runs and so are not
 * independent; the mean of the standard errors is the standard error of the mean when
 * they move together, and wider than it when they do not: never too narrow. */
static void group_sum(struct tb_group_sum *g, const struct tb_headline *h, size_t n,
		      double margin_pct)
{
	double sum = 0, se = 0, df = INFINITY;
	size_t ok = 0;
	g->lo = g->hi = g->lo90 = g->hi90 = g->ov = NAN;
	for (size_t i = 0; i < n; i++) {
		const struct tb_cmp_row *r = h[i].row;
		if (h[i].call == TB_CALL_UNDETERMINED)
			g->n_undetermined++;
		if (!r->ok)
			continue;
		ok++;
		sum += log1p(r->overhead / 100);
		se += r->r.se_log;
		df = fmin(df, r->r.df);
	}
	g->n = n;
	if (ok)
		g->ov = expm1(sum / (double)ok) * 100;
	if (!ok || g->n_undetermined) {
		g->call = TB_CALL_UNDETERMINED;
		return;
	}
	double d = sum / (double)ok;
	se /= (double)ok;
	double t95 = tb_t_upper(0.025, df), t90 = tb_t_upper(0.05, df);
	g->lo = expm1(d - t95 * se) * 100;
	g->hi = expm1(d + t95 * se) * 100;
	g->lo90 = expm1(d - t90 * se) * 100;
	g->hi90 = expm1(d + t90 * se) * 100;
	if (!isnan(margin_pct) && g->lo90 > -margin_pct && g->hi90 < margin_pct)
		g->call = TB_CALL_EQUIVALENT;
	else if (g->lo > 0 || (!isnan(margin_pct) && g->lo90 >= margin_pct))
		g->call = TB_CALL_WORSE;
	else if (g->hi < 0 || (!isnan(margin_pct) && g->hi90 <= -margin_pct))
		g->call = TB_CALL_BETTER;
	else
		g->call = TB_CALL_NONE_SHOWN;
}

/* The metric drawn for each (bench, variant): the first primary metric of the descriptor
 * that this comparison holds; without one, the variant's first metric in the file. One pass
 * with a map: a file may hold a million distinct metrics. */
static void build_headlines(struct tb_pair *p, const char *const *groups, size_t ng,
			    double margin_pct)
{
	const struct tb_cmp *c = &p->cmp;
	p->head = calloc(c->n + 1, sizeof(*p->head));
	size_t *rank = calloc(c->n + 1, sizeof(*rank));
	if (!p->head || !rank)
		abort();
	struct tb_strmap seen = { 0 };
	for (size_t i = 0; i < c->n; i++) {
		const struct tb_cmp_row *r = &c->rows[i];
		if (r->kind != TB_CMP_BOTH || tb_is_latency_curve(r->b))
			continue;
		char *key = tb_strdupf("%s\x1f%s", r->b->bench, r->b->variant);
		size_t k = tb_strmap_get(&seen, key), rk = primary_rank(r->b);
		if (k == SIZE_MAX) {
			k = p->n_head++;
			tb_strmap_put(&seen, key, k);
			p->head[k].row = r;
			rank[k] = rk;
		} else if (rk < rank[k]) {
			p->head[k].row = r;
			rank[k] = rk;
		}
		free(key);
	}
	for (size_t k = 0; k < p->n_head; k++) {
		p->head[k].primary_declared = rank[k] != SIZE_MAX;
		p->head[k].call = call_of(p->head[k].row);
	}
	tb_strmap_free(&seen);
	free(rank);
	sort_groups = groups;
	sort_ng = ng;
	qsort(p->head, p->n_head, sizeof(*p->head), by_group_effect);
	p->groups = calloc(p->n_head + 1, sizeof(*p->groups));
	if (!p->groups)
		abort();
	for (size_t i = 0; i < p->n_head;) {
		size_t j = i;
		while (j < p->n_head && strcmp(p->head[j].row->b->group, p->head[i].row->b->group) == 0)
			j++;
		struct tb_group_sum *g = &p->groups[p->n_groups++];
		g->group = p->head[i].row->b->group;
		group_sum(g, &p->head[i], j - i, margin_pct);
		i = j;
	}
}

/* The value of tag key in the first listed run of side s ("" when absent). */
static void tag_of(const struct tb_side *s, const char *key, char *buf, size_t len)
{
	buf[0] = '\0';
	if (s->n_runs && s->runs[0].first)
		tb_detail_get(s->runs[0].first->f[TB_COL_DETAIL], key, buf, len);
}

/* A configuration's shape: its tag.* pairs except the --by tag, mode and boot. */
static void shape_of(const struct tb_side *s, const char *by_tag, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!s->n_runs || !s->runs[0].first)
		return;
	const char *d = s->runs[0].first->f[TB_COL_DETAIL];
	size_t used = 0;
	for (const char *p = d; (p = strstr(p, "tag.")) != NULL;) {
		if (p != d && p[-1] != ' ') {
			p += 4;
			continue;
		}
		size_t klen = strcspn(p, "= ");
		size_t vlen = strcspn(p, " ");
		bool skip = (strlen(by_tag) == klen && strncmp(p, by_tag, klen) == 0) ||
			    (klen == 8 && strncmp(p, "tag.mode", 8) == 0) ||
			    (klen == 8 && strncmp(p, "tag.boot", 8) == 0);
		if (!skip && used + vlen + 2 < len) {
			memcpy(buf + used, p, vlen);
			used += vlen;
			buf[used++] = ' ';
			buf[used] = '\0';
		}
		p += vlen;
	}
}

static bool is_plain(const struct tb_side *s)
{
	char mode[64];
	tag_of(s, "tag.mode", mode, sizeof(mode));
	return strcmp(mode, "plain") == 0;
}

/* The pairs: by shape when the sides are a matrix (more than two, tagged with mode and a
 * plain one among them), else every side against the first. */
static size_t plan_pairs(const struct tb_side *sides, size_t n, const char *by_tag,
			 size_t *base, size_t *cand, bool *by_shape)
{
	size_t np = 0;
	*by_shape = false;
	if (by_tag && n > 2) {
		size_t tagged = 0, plain = 0;
		for (size_t k = 0; k < n; k++) {
			char mode[64];
			tag_of(&sides[k], "tag.mode", mode, sizeof(mode));
			tagged += mode[0] != '\0';
			plain += is_plain(&sides[k]);
		}
		*by_shape = tagged == n && plain > 0;
	}
	for (size_t k = 0; k < n; k++) {
		if (!*by_shape) {
			if (k) {
				base[np] = 0;
				cand[np++] = k;
			}
			continue;
		}
		if (is_plain(&sides[k]))
			continue;
		char sk[512], sj[512];
		shape_of(&sides[k], by_tag, sk, sizeof(sk));
		size_t b = SIZE_MAX;
		for (size_t j = 0; j < n && b == SIZE_MAX; j++) {
			if (!is_plain(&sides[j]))
				continue;
			shape_of(&sides[j], by_tag, sj, sizeof(sj));
			if (strcmp(sk, sj) == 0)
				b = j;
		}
		/* No plain configuration of this shape: against the first plain one. */
		for (size_t j = 0; j < n && b == SIZE_MAX; j++)
			if (is_plain(&sides[j]))
				b = j;
		base[np] = b;
		cand[np++] = k;
	}
	return np;
}

/* Which series of side k a comparison put on the boot as the unit (between guests): their
 * drawn intervals are then between boots too, like the verdicts the tables print. A base of
 * several comparisons takes the boot when one of them did. */
static bool *boot_units(const struct tb_stage *st, size_t k)
{
	const struct tb_side *s = &st->sides[k];
	bool *by_boot = calloc(s->n + 1, sizeof(*by_boot));
	if (!by_boot)
		abort();
	for (size_t i = 0; i < st->n_pairs; i++) {
		const struct tb_pair *p = &st->pairs[i];
		if (p->base != k && p->cand != k)
			continue;
		for (size_t j = 0; j < p->cmp.n; j++) {
			const struct tb_cmp_row *r = &p->cmp.rows[j];
			if (r->kind == TB_CMP_BOTH && r->r.by_boot)
				by_boot[(p->base == k ? r->b : r->c) - s->s] = true;
		}
	}
	return by_boot;
}

/* The centre of every curve point of a side with its own interval (between its boots or
 * runs, the unit of its comparison, when it has enough; else within runs), seeded as the
 * comparison's bootstrap. */
static void centres(const struct tb_side *s, const bool *by_boot, struct tb_ratio *out)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct tb_series *x = &s->s[i];
		memset(&out[i], 0, sizeof(out[i]));
		out[i].base_med = NAN;
		if (!tb_is_latency_curve(x) || x->unit_mixed)
			continue;
		if ((tb_self_ci(x, s->n_runs, by_boot[i], &out[i]) != 0 || !out[i].has_ci) &&
		    tb_median_ci(x->v, x->n, TB_BOOT_REPLICATES, tb_series_seed(x),
				 &out[i]) != 0) {
			memset(&out[i], 0, sizeof(out[i]));
			out[i].base_med = NAN;
		}
	}
}

int tb_stage_build(const struct tb_side *sides, size_t n, double margin_pct,
		   const char *by_tag, struct tb_stage *out)
{
	memset(out, 0, sizeof(*out));
	out->sides = sides;
	out->n = n;
	out->margin_pct = margin_pct;
	size_t *base = calloc(n + 1, sizeof(*base)), *cand = calloc(n + 1, sizeof(*cand));
	out->pairs = calloc(n + 1, sizeof(*out->pairs));
	out->centre = calloc(n + 1, sizeof(*out->centre));
	if (!base || !cand || !out->pairs || !out->centre)
		abort();
	out->n_pairs = plan_pairs(sides, n, by_tag, base, cand, &out->by_shape);
	const char *groups[64];
	size_t ng = tb_report_groups(sides, n, groups, 64);
	int rc = 0;
	for (size_t i = 0; i < out->n_pairs && !rc; i++) {
		struct tb_pair *p = &out->pairs[i];
		p->base = base[i];
		p->cand = cand[i];
		struct tb_cmp_opts o = { .margin_pct = margin_pct };
		rc = tb_compare(&sides[p->base], &sides[p->cand], &o, &p->cmp);
		if (!rc)
			build_headlines(p, groups, ng, margin_pct);
	}
	for (size_t k = 0; k < n && !rc; k++) {
		out->centre[k] = calloc(sides[k].n + 1, sizeof(**out->centre));
		if (!out->centre[k])
			abort();
		bool *by_boot = boot_units(out, k);
		centres(&sides[k], by_boot, out->centre[k]);
		free(by_boot);
		rc = tb_interrupted() ? -EINTR : 0;
	}
	free(base);
	free(cand);
	if (rc)
		tb_stage_free(out);
	return rc;
}

void tb_stage_free(struct tb_stage *s)
{
	for (size_t i = 0; i < s->n_pairs; i++) {
		tb_cmp_free(&s->pairs[i].cmp);
		free(s->pairs[i].head);
		free(s->pairs[i].groups);
	}
	free(s->pairs);
	for (size_t k = 0; s->centre && k < s->n; k++)
		free(s->centre[k]);
	free(s->centre);
	memset(s, 0, sizeof(*s));
}

const struct tb_pair *tb_stage_pair_of(const struct tb_stage *s, size_t k)
{
	for (size_t i = 0; i < s->n_pairs; i++)
		if (s->pairs[i].cand == k)
			return &s->pairs[i];
	return NULL;
}

void tb_fmt_overhead(char *buf, size_t len, double ov, double lo, double hi)
{
	if (isnan(ov))
		snprintf(buf, len, "no ratio");
	else if (isnan(lo))
		snprintf(buf, len, "%+.1f%%", ov);
	else
		snprintf(buf, len, "%+.1f%% [%.1f, %.1f]", ov, lo, hi);
}

void tb_stage_warnings(const struct tb_stage *st, tb_say_fn say, void *arg)
{
	tb_sides_warn(st->sides, st->n, say, arg);
	for (size_t i = 0; i < st->n_pairs; i++)
		tb_pair_warn(&st->sides[st->pairs[i].base], &st->sides[st->pairs[i].cand], say,
			     arg);
}
