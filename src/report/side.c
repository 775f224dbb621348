/* Groups rows into a side: its series (bench, variant, metric), its runs, its non-samples. */
#include <stdint.h>
#include <stdio.h>
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
	s->last_series = s->last_run = SIZE_MAX;
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

/* Key of a series in the map: the three names joined by a byte no name contains. */
static char *series_key(const char *bench, const char *variant, const char *metric, char *buf,
			size_t len)
{
	size_t n = strlen(bench) + strlen(variant) + strlen(metric) + 3;
	char *k = n <= len ? buf : malloc(n);
	if (!k)
		abort();
	snprintf(k, n, "%s\x1f%s\x1f%s", bench, variant, metric);
	return k;
}

const struct tb_series *tb_side_find(const struct tb_side *s, const char *bench,
				     const char *variant, const char *metric)
{
	char buf[256];
	char *k = series_key(bench, variant, metric, buf, sizeof(buf));
	size_t i = tb_strmap_get(&s->series_idx, k);
	if (k != buf)
		free(k);
	return i == SIZE_MAX ? NULL : &s->s[i];
}

static const char *level_of(struct tb_side *s, const char *lvl)
{
	for (size_t i = 0; i < s->n_levels; i++)
		if (strcmp(s->levels[i], lvl) == 0)
			return s->levels[i];
	s->levels = realloc(s->levels, (s->n_levels + 1) * sizeof(*s->levels));
	if (!s->levels || !(s->levels[s->n_levels] = strdup(lvl)))
		abort();
	return s->levels[s->n_levels++];
}

/* Runs of one guest boot share where its memory landed on the host: the boot is the unit
 * above the run (cmpstats.c). A run's boot is that of its first row. */
static uint32_t boot_of(struct tb_side *s, const char *boot_id)
{
	if (!*boot_id) {
		s->n_runs_no_boot++;
		return TB_NO_BOOT;
	}
	size_t i = tb_strmap_get(&s->boot_idx, boot_id);
	if (i == SIZE_MAX) {
		i = s->n_boots++;
		tb_strmap_put(&s->boot_idx, boot_id, i);
	}
	return (uint32_t)i;
}

static size_t run_of(struct tb_side *s, const struct tb_row *r)
{
	const char *id = r->f[TB_COL_RUN_ID];
	size_t i = s->last_run < s->n_runs && strcmp(s->runs[s->last_run].id, id) == 0
			   ? s->last_run : tb_strmap_get(&s->run_idx, id);
	/* tinyben writes a run into one file: the same run in two files of a side is a
	 * copy (or the same file twice), whose samples would count twice. */
	if (i != SIZE_MAX && s->runs[i].file != r->file && !s->runs[i].in_two_files) {
		s->runs[i].in_two_files = true;
		s->n_runs_in_two_files++;
	}
	if (i == SIZE_MAX) {
		s->runs = grow(s->runs, &s->cap_runs, s->n_runs, sizeof(*s->runs));
		i = s->n_runs++;
		struct tb_run_env *e = &s->runs[i];
		memset(e, 0, sizeof(*e));
		e->cc_level = level_of(s, r->f[TB_COL_CC_LEVEL]);
		e->file = r->file;
		e->boot = boot_of(s, r->f[TB_COL_BOOT_ID]);
		if (i < TB_RUNS_LISTED)
			e->first = tb_row_dup(r);
		e->id = tb_strmap_put(&s->run_idx, id, i);
	}
	s->last_run = i;
	return i;
}

static char *dup(const char *x)
{
	char *d = strdup(x);
	if (!d)
		abort();
	return d;
}

static struct tb_series *series_of(struct tb_side *s, const struct tb_row *r)
{
	const char *bench = r->f[TB_COL_BENCH], *variant = r->f[TB_COL_VARIANT],
		   *metric = r->f[TB_COL_METRIC];
	if (s->last_series < s->n) {
		struct tb_series *x = &s->s[s->last_series];
		if (strcmp(x->metric, metric) == 0 && strcmp(x->variant, variant) == 0 &&
		    strcmp(x->bench, bench) == 0)
			return x;
	}
	char buf[256];
	char *k = series_key(bench, variant, metric, buf, sizeof(buf));
	size_t i = tb_strmap_get(&s->series_idx, k);
	if (i == SIZE_MAX) {
		s->s = grow(s->s, &s->cap, s->n, sizeof(*s->s));
		i = s->n++;
		struct tb_series *x = &s->s[i];
		memset(x, 0, sizeof(*x));
		/* One allocation for the names: a file may hold a million series. */
		const char *names[6] = { r->f[TB_COL_GROUP], bench, variant, metric,
					 r->f[TB_COL_UNIT], r->f[TB_COL_BETTER] }, *copy[6];
		x->names = tb_strings_pack(names, 6, copy);
		x->group = copy[0];
		x->bench = copy[1];
		x->variant = copy[2];
		x->metric = copy[3];
		x->unit = copy[4];
		x->better = copy[5];
		x->block_bytes = -1;
		char bb_s[32];
		long long bb;
		if (tb_detail_get(r->f[TB_COL_DETAIL], "block_bytes", bb_s, sizeof(bb_s)) &&
		    tb_parse_ll(bb_s, 1, 1LL << 50, &bb) == 0)
			x->block_bytes = bb;
		tb_strmap_put(&s->series_idx, k, i);
	}
	if (k != buf)
		free(k);
	s->last_series = i;
	return &s->s[i];
}

void tb_side_add(struct tb_side *s, const struct tb_row *r)
{
	if (r->file < s->n_files)
		s->files_used[r->file] = true;
	size_t ri = run_of(s, r);
	struct tb_run_env *run = &s->runs[ri];
	const char *st = r->f[TB_COL_STATUS];
	if (strcmp(st, "ok") != 0) {
		if (strcmp(st, "skipped") == 0)
			run->n_skipped++;
		else
			run->n_failed++;
		if (s->n_notok >= TB_NOTOK_LISTED) {
			s->n_notok_unlisted++;
			return;
		}
		s->notok = grow(s->notok, &s->cap_notok, s->n_notok, sizeof(*s->notok));
		s->notok[s->n_notok++] = tb_row_dup(r);
		return;
	}
	run->n_ok++;
	/* The fingerprint is in the run's first ok row (core/fingerprint.c). */
	if (!run->facts && run->first && strstr(r->f[TB_COL_DETAIL], "env.fp="))
		run->facts = dup(r->f[TB_COL_DETAIL]);
	struct tb_series *x = series_of(s, r);
	if (strcmp(x->unit, r->f[TB_COL_UNIT]) != 0 || strcmp(x->better, r->f[TB_COL_BETTER]) != 0)
		x->unit_mixed = true;
	if (x->n == x->cap) {
		/* Start small: a million distinct metrics of one sample each are possible. */
		x->cap = x->cap ? x->cap * 2 : 4;
		x->v = realloc(x->v, x->cap * sizeof(*x->v));
		x->run = realloc(x->run, x->cap * sizeof(*x->run));
		x->boot = realloc(x->boot, x->cap * sizeof(*x->boot));
		if (!x->v || !x->run || !x->boot)
			abort();
	}
	x->v[x->n] = r->value;
	x->boot[x->n] = run->boot;
	x->run[x->n++] = (uint32_t)ri;
}

bool tb_side_mixed_cc(const struct tb_side *s, char *buf, size_t len)
{
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < s->n_levels; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", s->levels[i]);
		if (n > 0 && (size_t)n < len - used)
			used += (size_t)n;
	}
	return s->n_levels > 1;
}

void tb_side_free(struct tb_side *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct tb_series *x = &s->s[i];
		free(x->v);
		free(x->run);
		free(x->boot);
		free(x->names);
	}
	free(s->s);
	for (size_t i = 0; i < s->n_runs; i++) {
		tb_row_free(s->runs[i].first);
		free(s->runs[i].facts);
	}
	free(s->runs);
	for (size_t i = 0; i < s->n_levels; i++)
		free(s->levels[i]);
	free(s->levels);
	for (size_t i = 0; i < s->n_notok; i++)
		tb_row_free(s->notok[i]);
	free(s->notok);
	tb_strmap_free(&s->series_idx);
	tb_strmap_free(&s->run_idx);
	tb_strmap_free(&s->boot_idx);
	free(s->files_used);
	free(s->label);
	memset(s, 0, sizeof(*s));
}
