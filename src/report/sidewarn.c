/* Warnings about the sides themselves, said alike by compare and report (one wording). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tinyben/util.h"
#include "report/sidewarn.h"

void tb_say_warning(void *verb, const char *line)
{
	tb_warn("%s: %s", (const char *)verb, line);
}

static void say_f(tb_say_fn say, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say_f(tb_say_fn say, void *arg, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	say(arg, line);
}

bool tb_side_cc_warning(const struct tb_side *s, char *buf, size_t len)
{
	char lv[256];
	if (!tb_side_mixed_cc(s, lv, sizeof(lv)))
		return false;
	snprintf(buf, len, "%s mixes cc_levels (%s): its samples are pooled", s->label, lv);
	return true;
}

/* Runs (run_id) of side a that side b holds too. */
static size_t shared_runs(const struct tb_side *a, const struct tb_side *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->n_runs; i++)
		n += tb_strmap_get(&a->run_idx, b->runs[i].id) != SIZE_MAX;
	return n;
}

/* Metrics of s whose rows disagree on unit or direction; *first: the first of them. */
static size_t unit_mixed(const struct tb_side *s, const struct tb_series **first)
{
	size_t mixed = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->s[i].unit_mixed && !mixed++)
			*first = &s->s[i];
	return mixed;
}

static void side_warn(const struct tb_side *s, tb_say_fn say, void *arg)
{
	char line[512];
	if (tb_side_cc_warning(s, line, sizeof(line)))
		say(arg, line);
	size_t twice = s->n_runs_in_two_files;
	if (twice)
		say_f(say, arg, "%s: %zu run%s (run_id) in more than one file: if the files are "
		      "copies, their samples count twice", s->label, twice, twice == 1 ? "" : "s");
	const struct tb_series *first = NULL;
	size_t mixed = unit_mixed(s, &first);
	if (mixed)
		say_f(say, arg, "%s: %zu metric%s measured in more than one unit or direction "
		      "(e.g. %s %s %s): not comparable, left out of the comparison", s->label,
		      mixed, mixed == 1 ? "" : "s", first->bench, first->variant, first->metric);
}

void tb_sides_warn(const struct tb_side *sides, size_t n, tb_say_fn say, void *arg)
{
	for (size_t k = 0; k < n; k++) {
		side_warn(&sides[k], say, arg);
		/* The same runs on two sides (the same file twice, a copy under another name):
		 * the intervals assume independent sides, and an A/A check of a file against
		 * itself says nothing about noise. */
		for (size_t j = k + 1; j < n; j++) {
			size_t sh = shared_runs(&sides[k], &sides[j]);
			if (sh)
				say_f(say, arg, "%zu run%s (run_id) %s in both %s and %s: copies of "
				      "the same runs, so the two are not independent", sh,
				      sh == 1 ? "" : "s", sh == 1 ? "is" : "are", sides[k].label,
				      sides[j].label);
		}
	}
}

/* Does a listed run of s carry tinyben version v? */
static bool ran(const struct tb_side *s, const char *v)
{
	for (size_t i = 0; i < s->n_runs && s->runs[i].first; i++)
		if (strcmp(s->runs[i].first->f[TB_COL_VERSION], v) == 0)
			return true;
	return false;
}

/* The distinct tinyben versions of a side's listed runs, " and "-joined, into buf; whether
 * one of them is missing from other. */
static bool versions_of(const struct tb_side *s, const struct tb_side *other, char *buf,
			size_t len)
{
	size_t used = 0;
	bool missing = false, full = false;
	buf[0] = '\0';
	for (size_t i = 0; i < s->n_runs && s->runs[i].first; i++) {
		const char *v = s->runs[i].first->f[TB_COL_VERSION];
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(s->runs[j].first->f[TB_COL_VERSION], v) == 0;
		if (seen)
			continue;
		missing = missing || !ran(other, v);
		int n = full ? 0 : snprintf(buf + used, len - used, "%s%s", used ? " and " : "", v);
		if (n < 0 || (size_t)n >= len - used)
			full = true;
		else
			used += (size_t)n;
	}
	return missing;
}

void tb_pair_warn(const struct tb_side *base, const struct tb_side *cand, tb_say_fn say,
		  void *arg)
{
	/* Another version may measure differently: its change would read as overhead. */
	char vb[128], vc[128];
	bool differ = versions_of(base, cand, vb, sizeof(vb));
	differ = versions_of(cand, base, vc, sizeof(vc)) || differ;
	if (differ)
		say_f(say, arg, "%s ran tinyben %s, %s ran %s: a change in tinyben itself would "
		      "read as overhead", base->label, vb, cand->label, vc);
}
