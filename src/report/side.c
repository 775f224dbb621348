/* Groups rows into a side: its series (bench, variant, metric), its runs, its non-samples. */
#include <stdlib.h>
#include <string.h>

#include "tinyben/util.h"
#include "report/table.h"

static void *grow(void *p, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	p = realloc(p, *cap * elem);
	if (!p)
		abort();
	return p;
}

void tb_side_init(struct tb_side *s, const char *label, size_t n_files)
{
	memset(s, 0, sizeof(*s));
	s->label = strdup(label);
	s->n_files = n_files;
	s->files_used = calloc(n_files ? n_files : 1, sizeof(*s->files_used));
	if (!s->label || !s->files_used)
		abort();
}

bool tb_detail_get(const char *detail, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	for (const char *p = detail; p && *p;) {
		while (*p == ' ')
			p++;
		const char *e = strchr(p, ' ');
		size_t tl = e ? (size_t)(e - p) : strlen(p);
		if (tl > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vl = tl - klen - 1;
			if (vl >= len)
				vl = len - 1;
			memcpy(buf, p + klen + 1, vl);
			buf[vl] = '\0';
			return true;
		}
		p += tl;
	}
	return false;
}

const struct tb_series *tb_side_find(const struct tb_side *s, const char *bench,
				     const char *variant, const char *metric)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct tb_series *x = &s->s[i];
		if (strcmp(x->bench, bench) == 0 && strcmp(x->variant, variant) == 0 &&
		    strcmp(x->metric, metric) == 0)
			return x;
	}
	return NULL;
}

static struct tb_run_env *run_of(struct tb_side *s, const struct tb_row *r)
{
	for (size_t i = 0; i < s->n_runs; i++)
		if (strcmp(s->runs[i].first->f[TB_COL_RUN_ID], r->f[TB_COL_RUN_ID]) == 0)
			return &s->runs[i];
	s->runs = grow(s->runs, &s->cap_runs, s->n_runs, sizeof(*s->runs));
	struct tb_run_env *e = &s->runs[s->n_runs++];
	memset(e, 0, sizeof(*e));
	e->first = r;
	return e;
}

void tb_side_add(struct tb_side *s, const struct tb_row *r)
{
	if (r->file < s->n_files)
		s->files_used[r->file] = true;
	struct tb_run_env *run = run_of(s, r);
	const char *st = r->f[TB_COL_STATUS];
	if (strcmp(st, "ok") != 0) {
		if (strcmp(st, "skipped") == 0)
			run->n_skipped++;
		else
			run->n_failed++;
		s->notok = grow(s->notok, &s->cap_notok, s->n_notok, sizeof(*s->notok));
		s->notok[s->n_notok++] = r;
		return;
	}
	run->n_ok++;
	struct tb_series *x = (struct tb_series *)tb_side_find(s, r->f[TB_COL_BENCH],
							       r->f[TB_COL_VARIANT],
							       r->f[TB_COL_METRIC]);
	if (!x) {
		s->s = grow(s->s, &s->cap, s->n, sizeof(*s->s));
		x = &s->s[s->n++];
		memset(x, 0, sizeof(*x));
		x->group = r->f[TB_COL_GROUP];
		x->bench = r->f[TB_COL_BENCH];
		x->variant = r->f[TB_COL_VARIANT];
		x->metric = r->f[TB_COL_METRIC];
		x->unit = r->f[TB_COL_UNIT];
		x->better = r->f[TB_COL_BETTER];
		x->block_bytes = -1;
		char buf[32];
		long long bb;
		if (tb_detail_get(r->f[TB_COL_DETAIL], "block_bytes", buf, sizeof(buf)) &&
		    tb_parse_ll(buf, 1, 1LL << 50, &bb) == 0)
			x->block_bytes = bb;
	} else if (strcmp(x->unit, r->f[TB_COL_UNIT]) != 0 ||
		   strcmp(x->better, r->f[TB_COL_BETTER]) != 0) {
		x->unit_mixed = true;
	}
	x->v = grow(x->v, &x->cap, x->n, sizeof(*x->v));
	x->v[x->n++] = r->value;
}

bool tb_side_mixed_cc(const struct tb_side *s, char *buf, size_t len)
{
	bool mixed = false;
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < s->n_runs; i++) {
		const char *lvl = s->runs[i].first->f[TB_COL_CC_LEVEL];
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->runs[j].first->f[TB_COL_CC_LEVEL], lvl) == 0)
				seen = true;
		if (seen)
			continue;
		if (i > 0)
			mixed = true;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", lvl);
		if (n > 0 && (size_t)n < len - used)
			used += (size_t)n;
	}
	return mixed;
}

void tb_side_free(struct tb_side *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->s[i].v);
	free(s->s);
	free(s->runs);
	free(s->notok);
	free(s->files_used);
	free(s->label);
	memset(s, 0, sizeof(*s));
}
