/* Writes a comparison as an aligned text table, CSV or Markdown. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/csv.h"
#include "tinyben/stats.h"
#include "report/cmpfmt.h"
#include "report/comparable.h"
#include "report/sidewarn.h"

const char *const tb_cmp_cell_names[TB_CMP_NCELLS] = {
	"bench", "variant", "metric", "unit", "runs base/cand", "n base/cand", "base median",
	"cand median", "ratio", "ratio 95% CI", "overhead", "overhead 95% CI", "interval",
	"detectable", "significant", "equivalent",
};
const unsigned char tb_cmp_cell_numeric[TB_CMP_NCELLS] = { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
							    0, 1, 0, 0 };

int tb_cmp_ncells(const struct tb_cmp *c)
{
	return isnan(c->margin_pct) ? TB_CMP_NCELLS - 1 : TB_CMP_NCELLS;
}

void tb_cmp_cell_name(const struct tb_cmp *c, int j, char *buf, size_t len)
{
	if (j == TB_CMP_NCELLS - 1)
		snprintf(buf, len, "equivalent +-%g%%", c->margin_pct);
	else
		snprintf(buf, len, "%s", tb_cmp_cell_names[j]);
}

void tb_cmp_cells(const struct tb_cmp_row *r, char cells[TB_CMP_NCELLS][TB_CMP_CELL])
{
	const struct tb_series *b = r->b, *c = r->c;
	snprintf(cells[0], TB_CMP_CELL, "%s", b->bench);
	snprintf(cells[1], TB_CMP_CELL, "%s", b->variant);
	snprintf(cells[2], TB_CMP_CELL, "%s", b->metric);
	snprintf(cells[3], TB_CMP_CELL, "%s", b->unit);
	snprintf(cells[4], TB_CMP_CELL, "%zu/%zu", r->r.runs_b, r->r.runs_c);
	snprintf(cells[5], TB_CMP_CELL, "%zu/%zu", b->n, c->n);
	snprintf(cells[6], TB_CMP_CELL, "%.6g", r->r.base_med);
	snprintf(cells[7], TB_CMP_CELL, "%.6g", r->r.cand_med);
	if (!r->ok) {
		for (int i = 8; i < TB_CMP_NCELLS; i++)
			snprintf(cells[i], TB_CMP_CELL, "n/a");
		snprintf(cells[14], TB_CMP_CELL, "%s", tb_verdict_name(r->verdict));
		return;
	}
	snprintf(cells[8], TB_CMP_CELL, "%.4f", r->r.ratio);
	if (r->r.has_ci)
		snprintf(cells[9], TB_CMP_CELL, "[%.4f, %.4f]", r->r.lo, r->r.hi);
	else
		snprintf(cells[9], TB_CMP_CELL, "n/a (n<2)");
	snprintf(cells[10], TB_CMP_CELL, "%+.2f%%", r->overhead);
	if (!isnan(r->ov_lo))
		snprintf(cells[11], TB_CMP_CELL, "[%+.2f%%, %+.2f%%]", r->ov_lo, r->ov_hi);
	else
		snprintf(cells[11], TB_CMP_CELL, "n/a");
	switch (r->r.method) {
	case TB_CI_RUNS:
		snprintf(cells[12], TB_CMP_CELL, "%s, df %.1f", r->r.by_boot ? "boots" : "runs",
			 r->r.df);
		break;
	case TB_CI_BOOT:
		snprintf(cells[12], TB_CMP_CELL, "within run, bootstrap");
		break;
	case TB_CI_ORDER:
		snprintf(cells[12], TB_CMP_CELL, "within run, order stat.");
		break;
	default:
		snprintf(cells[12], TB_CMP_CELL, "none");
	}
	if (!isnan(r->detect_pct))
		snprintf(cells[13], TB_CMP_CELL, "%.2f%%", r->detect_pct);
	else
		snprintf(cells[13], TB_CMP_CELL, "n/a");
	/* Every verdict says its unit: a "no (run)" is about this guest, not guests. */
	if (r->verdict == TB_VERDICT_YES || r->verdict == TB_VERDICT_NO)
		snprintf(cells[14], TB_CMP_CELL, "%s (%s)", tb_verdict_name(r->verdict),
			 r->r.by_boot ? "boot" : "run");
	else
		snprintf(cells[14], TB_CMP_CELL, "%s", tb_verdict_name(r->verdict));
	snprintf(cells[15], TB_CMP_CELL, "%s", tb_equiv_name(r->equiv));
}

void tb_cmp_reasons(const struct tb_cmp *c, void (*fn)(void *arg, const char *reason,
						       size_t n), void *arg)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct tb_cmp_row *r = &c->rows[i];
		if (r->kind != TB_CMP_BOTH || r->verdict != TB_VERDICT_UNDETERMINED)
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = c->rows[j].kind == TB_CMP_BOTH &&
			       c->rows[j].verdict == TB_VERDICT_UNDETERMINED &&
			       strcmp(c->rows[j].reason, r->reason) == 0;
		if (seen)
			continue;
		size_t n = 0;
		for (size_t j = i; j < c->n; j++)
			n += c->rows[j].kind == TB_CMP_BOTH &&
			     c->rows[j].verdict == TB_VERDICT_UNDETERMINED &&
			     strcmp(c->rows[j].reason, r->reason) == 0;
		fn(arg, r->reason, n);
	}
}

/* Plain words, wrapped at width columns (0: one line per paragraph, for HTML). */
static void para(FILE *f, int width, const char *text)
{
	if (width <= 0) {
		fprintf(f, "%s\n", text);
		return;
	}
	const char *p = text;
	while (*p) {
		size_t len = strlen(p);
		if ((int)len <= width) {
			fprintf(f, "%s\n", p);
			break;
		}
		size_t cut = (size_t)width;
		while (cut > 0 && p[cut] != ' ')
			cut--;
		if (cut == 0)
			cut = (size_t)width;
		fprintf(f, "%.*s\n", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

void tb_cmp_explain(FILE *f, const struct tb_cmp *c, int width)
{
	char buf[1400];
	snprintf(buf, sizeof(buf),
		 "How: the run is the unit. Samples of one run share its conditions (placement, "
		 "clock, caches, neighbours), so each run is summarised by its median, and the "
		 "interval of the ratio cand/base comes from the spread between runs: Welch's t "
		 "interval on the logs of the run medians (base and cand median = geometric mean "
		 "of their runs' medians). This needs %d runs a side ('tinyben run --runs N'); "
		 "with fewer, the ratio of the pooled medians is shown with an interval within "
		 "runs only (bootstrap of the samples, %d resamples, fixed seed; order statistics "
		 "above %d samples), which leaves the run-to-run variation out and is too narrow "
		 "to judge by. overhead > 0 means cand is worse: the extra time it needs for the "
		 "same work.", TB_MIN_RUNS, TB_BOOT_REPLICATES, TB_BOOT_MAX_N);
	para(f, width, buf);
	fputc('\n', f);
	snprintf(buf, sizeof(buf),
		 "Boots: runs of one guest boot share where its memory landed on the host, so "
		 "when every run carries a boot_id and each side has %d boots or more, the boot "
		 "is the unit instead: each boot is the median of its runs' log medians, and "
		 "the interval, the verdict and the detectable change come from the spread "
		 "between boots. A verdict marked (run) compares runs of the guests measured and "
		 "leaves the variation between boots of a guest out.", TB_MIN_BOOTS);
	para(f, width, buf);
	fputc('\n', f);
	para(f, width, "significant = yes: the 95% interval between runs excludes 1, so cand "
		       "differs from base by more than the runs differ among themselves; = no: "
		       "the interval includes 1, no difference was shown (which is not proof "
		       "that there is none: see --margin).");
	fputc('\n', f);
	para(f, width, "detectable: the smallest change these runs would find 4 times in 5 (80% "
		       "power, from the spread between runs): cand worse by that much, or better "
		       "by the same factor. A 'no' says nothing about smaller changes. More runs "
		       "shrink it: at 3-6 runs a side, doubling the runs about halves it.");
	fputc('\n', f);
	para(f, width, "undetermined: too few runs on a side (or a run median that is not "
		       "above 0) to estimate how much runs differ; the numbers are shown, but "
		       "no verdict is given. Record more runs.");
	if (!isnan(c->margin_pct)) {
		fputc('\n', f);
		snprintf(buf, sizeof(buf),
			 "equivalent: the 90%% interval of the overhead lies inside +-%g%% (two "
			 "one-sided tests at 5%%), so cand is shown to cost less than %g%% and to "
			 "gain less than %g%%; different: the whole 90%% interval lies outside the "
			 "band, the change is larger than %g%%; undetermined: the interval straddles "
			 "an edge of the band (or too few runs), more runs are needed to tell.",
			 c->margin_pct, c->margin_pct, c->margin_pct, c->margin_pct);
		para(f, width, buf);
	}
}

void tb_env_line(const struct tb_run_env *e, char *buf, size_t len)
{
	const char *const *f = e->first->f;
	snprintf(buf, len, "cc_level %s%s%s%s, kernel %s, cpu %s, %s vCPUs, %s MiB, host %s, "
		 "tinyben %s, %zu ok / %zu skipped / %zu failed rows",
		 f[TB_COL_CC_LEVEL], *f[TB_COL_CC_FEATURES] ? " (" : "", f[TB_COL_CC_FEATURES],
		 *f[TB_COL_CC_FEATURES] ? ")" : "", f[TB_COL_KERNEL], f[TB_COL_CPU_MODEL],
		 f[TB_COL_VCPUS], f[TB_COL_MEM_MIB], f[TB_COL_HOST], f[TB_COL_VERSION], e->n_ok,
		 e->n_skipped, e->n_failed);
}

void tb_side_files(const struct tb_side *s, const struct tb_table *t, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < t->n_files && i < s->n_files; i++) {
		if (!s->files_used[i])
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", t->files[i]);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/* An '_' between two letters or digits (ns_per_op) is no emphasis in CommonMark: kept bare. */
static bool intraword(const char *start, const char *s)
{
	return s > start && isalnum((unsigned char)s[-1]) && isalnum((unsigned char)s[1]);
}

void tb_md_put(FILE *f, const char *s)
{
	for (const char *start = s; *s; s++) {
		if (strchr("\\`*<>|&~", *s) || (*s == '_' && !intraword(start, s)))
			fputc('\\', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
}

static void put(FILE *f, enum tb_cmp_format fmt, const char *s)
{
	if (fmt == TB_CMPF_MARKDOWN)
		tb_md_put(f, s);
	else
		fputs(s, f);
}

static void write_env(FILE *f, enum tb_cmp_format fmt, const struct tb_table *t,
		      const char *name, const struct tb_side *s)
{
	char files[1024], line[1024], warning[512];
	tb_side_files(s, t, files, sizeof(files));
	fprintf(f, fmt == TB_CMPF_MARKDOWN ? "- **%s**: " : "%s: ", name);
	put(f, fmt, files);
	fprintf(f, " (%zu run%s)\n", s->n_runs, s->n_runs == 1 ? "" : "s");
	for (size_t i = 0; i < s->n_runs; i++) {
		if (!s->runs[i].first) {
			fprintf(f, "%s... and %zu more runs\n", fmt == TB_CMPF_MARKDOWN ? "  - " : "  ",
				s->n_runs - i);
			break;
		}
		tb_env_line(&s->runs[i], line, sizeof(line));
		fprintf(f, fmt == TB_CMPF_MARKDOWN ? "  - run `" : "  run ");
		put(f, fmt, s->runs[i].id);
		fprintf(f, fmt == TB_CMPF_MARKDOWN ? "`: " : ": ");
		put(f, fmt, line);
		fputc('\n', f);
	}
	/* Beside the side's runs, the line compare warned on stderr (its label is name). */
	if (tb_side_cc_warning(s, warning, sizeof(warning)))
		fprintf(f, "%s: %s\n%s", fmt == TB_CMPF_MARKDOWN ? "\n**warning**" : "warning",
			warning, fmt == TB_CMPF_MARKDOWN ? "\n" : "");
}

/* Numbers right-aligned, text left-aligned; no trailing blanks. */
static void print_line(FILE *f, const char *const *cell, const size_t *w, int nc)
{
	for (int j = 0; j < nc; j++) {
		bool last = j == nc - 1;
		fprintf(f, tb_cmp_cell_numeric[j] ? "%s%*s" : "%s%-*s", j ? "  " : "",
			last && !tb_cmp_cell_numeric[j] ? 0 : (int)w[j], cell[j]);
	}
	fputc('\n', f);
}

/* Two passes over the rows, each formatting one row at a time: the widths first, then the
 * lines. Keeping every formatted row instead costs 1.4 KB a row, 1.4 GB for a million
 * distinct metrics; formatting twice costs a fraction of a second. */
static void write_table(FILE *f, enum tb_cmp_format fmt, const struct tb_cmp *c)
{
	size_t rows = 0;
	for (size_t i = 0; i < c->n; i++)
		rows += c->rows[i].kind == TB_CMP_BOTH;
	if (!rows) {
		fprintf(f, "\nno (bench, variant, metric) measured on both sides\n");
		return;
	}
	char cells[TB_CMP_NCELLS][TB_CMP_CELL];
	int nc = tb_cmp_ncells(c);
	char names[TB_CMP_NCELLS][TB_CMP_CELL];
	const char *head[TB_CMP_NCELLS], *line[TB_CMP_NCELLS];
	size_t w[TB_CMP_NCELLS];
	for (int j = 0; j < nc; j++) {
		tb_cmp_cell_name(c, j, names[j], sizeof(names[j]));
		head[j] = names[j];
		line[j] = cells[j];
		w[j] = strlen(names[j]);
	}
	if (fmt != TB_CMPF_MARKDOWN)
		for (size_t i = 0; i < c->n; i++) {
			if (c->rows[i].kind != TB_CMP_BOTH)
				continue;
			tb_cmp_cells(&c->rows[i], cells);
			for (int j = 0; j < nc; j++)
				if (strlen(cells[j]) > w[j])
					w[j] = strlen(cells[j]);
		}
	fputc('\n', f);
	if (fmt == TB_CMPF_MARKDOWN) {
		fputc('|', f);
		for (int j = 0; j < nc; j++)
			fprintf(f, " %s |", head[j]);
		fputs("\n|", f);
		for (int j = 0; j < nc; j++)
			fputs(tb_cmp_cell_numeric[j] ? "---:|" : "---|", f);
		fputc('\n', f);
	} else {
		print_line(f, head, w, nc);
	}
	for (size_t i = 0; i < c->n; i++) {
		if (c->rows[i].kind != TB_CMP_BOTH)
			continue;
		tb_cmp_cells(&c->rows[i], cells);
		if (fmt != TB_CMPF_MARKDOWN) {
			print_line(f, line, w, nc);
			continue;
		}
		fputc('|', f);
		for (int j = 0; j < nc; j++) {
			fputc(' ', f);
			tb_md_put(f, cells[j]);
			fputs(" |", f);
		}
		fputc('\n', f);
	}
}

static void write_lists(FILE *f, enum tb_cmp_format fmt, const struct tb_table *t,
			const struct tb_side *base, const struct tb_side *cand,
			const struct tb_cmp *c)
{
	static const struct { enum tb_cmp_kind kind; const char *title; } sec[] = {
		{ TB_CMP_BASE_ONLY, "only in base (not compared)" },
		{ TB_CMP_CAND_ONLY, "only in cand (not compared)" },
		{ TB_CMP_UNIT_MISMATCH, "not comparable (unit or better differs)" },
	};
	const char *item = fmt == TB_CMPF_MARKDOWN ? "- " : "  ";
	for (size_t k = 0; k < sizeof(sec) / sizeof(sec[0]); k++) {
		bool any = false;
		for (size_t i = 0; i < c->n; i++) {
			const struct tb_cmp_row *r = &c->rows[i];
			if (r->kind != sec[k].kind)
				continue;
			if (!any)
				fprintf(f, "\n%s:\n", sec[k].title);
			any = true;
			const struct tb_series *s = r->b ? r->b : r->c;
			fputs(item, f);
			put(f, fmt, s->bench);
			fputc(' ', f);
			put(f, fmt, s->variant);
			fputc(' ', f);
			put(f, fmt, s->metric);
			fprintf(f, " (%zu sample%s", s->n, s->n == 1 ? "" : "s");
			if (r->kind == TB_CMP_UNIT_MISMATCH) {
				fputs("; base ", f);
				put(f, fmt, r->b->unit);
				fputs(" ", f);
				put(f, fmt, r->b->better);
				fputs(", cand ", f);
				put(f, fmt, r->c->unit);
				fputs(" ", f);
				put(f, fmt, r->c->better);
			}
			fputs(")\n", f);
		}
	}
	const struct tb_side *sides[2] = { base, cand };
	bool any = false;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < sides[k]->n_notok; i++) {
			const struct tb_row *r = sides[k]->notok[i];
			if (!any)
				fprintf(f, "\nnot measured (skipped and failed rows are not samples):\n");
			any = true;
			fprintf(f, "%s%s ", item, k ? "cand" : "base");
			put(f, fmt, r->f[TB_COL_BENCH]);
			if (*r->f[TB_COL_VARIANT]) {
				fputc(' ', f);
				put(f, fmt, r->f[TB_COL_VARIANT]);
			}
			fprintf(f, " %s: ", r->f[TB_COL_STATUS]);
			put(f, fmt, r->f[TB_COL_DETAIL]);
			fprintf(f, " (");
			put(f, fmt, t->files[r->file]);
			fprintf(f, ":%zu)\n", r->line);
		}
		if (sides[k]->n_notok_unlisted)
			fprintf(f, "%s%s: %zu more skipped or failed rows not listed\n", item,
				k ? "cand" : "base", sides[k]->n_notok_unlisted);
	}
}

static void csv_field(FILE *f, const char *s, bool last)
{
	size_t need = tb_csv_quote(NULL, 0, s);
	char *b = malloc(need + 1);
	if (!b)
		abort();
	tb_csv_quote(b, need + 1, s);
	fputs(b, f);
	fputs(last ? "\r\n" : ",", f);
	free(b);
}

static void csv_num(FILE *f, double v)
{
	if (isnan(v))
		fputc(',', f);
	else
		fprintf(f, "%.10g,", v);
}

static const char *kind_name(enum tb_cmp_kind k)
{
	switch (k) {
	case TB_CMP_BOTH: return "compared";
	case TB_CMP_BASE_ONLY: return "base_only";
	case TB_CMP_CAND_ONLY: return "cand_only";
	default: return "unit_mismatch";
	}
}

static void env_summary(const struct tb_side *s, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->n_runs && s->runs[i].first; i++) {
		const char *const *f = s->runs[i].first->f;
		int n = snprintf(buf + used, len - used,
				 "%scc_level=%s kernel=%s cpu_model=%s vcpus=%s run_id=%s",
				 i ? "; " : "", f[TB_COL_CC_LEVEL], f[TB_COL_KERNEL],
				 f[TB_COL_CPU_MODEL], f[TB_COL_VCPUS], f[TB_COL_RUN_ID]);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/* CSV: one row per (bench, variant, metric) of either side; the environment of each
 * side in the last two columns, so that the file stands alone. */
static void write_csv(FILE *f, const struct tb_side *base, const struct tb_side *cand,
		      const struct tb_cmp *c)
{
	char be[4096], ce[4096];
	env_summary(base, be, sizeof(be));
	env_summary(cand, ce, sizeof(ce));
	fputs("bench,variant,metric,unit,better,status,base_n,base_median,cand_n,cand_median,"
	      "ratio,ratio_ci_lo,ratio_ci_hi,overhead_pct,overhead_ci_lo,overhead_ci_hi,"
	      "significant,base_runs,cand_runs,ci_method,ci_df,ratio_ci90_lo,ratio_ci90_hi,"
	      "detectable_pct,margin_pct,equivalence,reason,base_env,cand_env,unit,base_boots,"
	      "cand_boots\r\n", f);
	for (size_t i = 0; i < c->n; i++) {
		const struct tb_cmp_row *r = &c->rows[i];
		const struct tb_series *s = r->b ? r->b : r->c;
		csv_field(f, s->bench, false);
		csv_field(f, s->variant, false);
		csv_field(f, s->metric, false);
		csv_field(f, s->unit, false);
		csv_field(f, s->better, false);
		fprintf(f, "%s,", kind_name(r->kind));
		bool both = r->kind == TB_CMP_BOTH;
		if (r->b)
			fprintf(f, "%zu,%.10g,", r->b->n,
				both ? r->r.base_med : tb_median(r->b->v, r->b->n));
		else
			fputs(",,", f);
		if (r->c)
			fprintf(f, "%zu,%.10g,", r->c->n,
				both ? r->r.cand_med : tb_median(r->c->v, r->c->n));
		else
			fputs(",,", f);
		if (r->ok) {
			csv_num(f, r->r.ratio);
			csv_num(f, r->r.lo);
			csv_num(f, r->r.hi);
			csv_num(f, r->overhead);
			csv_num(f, r->ov_lo);
			csv_num(f, r->ov_hi);
			fprintf(f, "%s,%zu,%zu,%s,", tb_verdict_name(r->verdict), r->r.runs_b,
				r->r.runs_c, r->r.method == TB_CI_RUNS ? "runs"
					     : r->r.method == TB_CI_BOOT ? "within_bootstrap"
					     : r->r.method == TB_CI_ORDER ? "within_order_statistics"
					     : "");
			csv_num(f, r->r.method == TB_CI_RUNS ? r->r.df : NAN);
			csv_num(f, r->r.lo90);
			csv_num(f, r->r.hi90);
			csv_num(f, r->detect_pct);
			csv_num(f, c->margin_pct);
			fprintf(f, "%s,", tb_equiv_name(r->equiv));
			csv_field(f, r->reason, false);
		} else if (r->kind == TB_CMP_BOTH && r->verdict == TB_VERDICT_UNDETERMINED) {
			/* No ratio, but the verdict, the runs and the reason. */
			fprintf(f, ",,,,,,%s,%zu,%zu,,,,,,", tb_verdict_name(r->verdict),
				r->r.runs_b, r->r.runs_c);
			csv_num(f, c->margin_pct); /* as on every row compared (not on one-side rows) */
			fprintf(f, "%s,", isnan(c->margin_pct) ? "" : "undetermined");
			csv_field(f, r->reason, false);
		} else {
			fputs(",,,,,,,,,,,,,,,,,", f);
		}
		csv_field(f, be, false);
		csv_field(f, ce, false);
		/* The unit of the interval (boot or run); the boots with samples a side. */
		if (r->kind == TB_CMP_BOTH)
			fprintf(f, "%s,%zu,%zu\r\n", r->r.by_boot ? "boot" : "run", r->r.boots_b,
				r->r.boots_c);
		else
			fputs(",,\r\n", f);
	}
}

struct reason_arg {
	FILE *f;
	enum tb_cmp_format fmt;
};

static void print_reason(void *arg, const char *reason, size_t n)
{
	struct reason_arg *a = arg;
	fprintf(a->f, "%sundetermined (%zu metric%s): %s\n", a->fmt == TB_CMPF_MARKDOWN ? "\n" : "",
		n, n == 1 ? "" : "s", reason);
}

void tb_cmp_write(FILE *f, enum tb_cmp_format fmt, const struct tb_table *t,
		  const struct tb_side *base, const struct tb_side *cand, const struct tb_cmp *c)
{
	if (fmt == TB_CMPF_CSV) {
		write_csv(f, base, cand, c);
		return;
	}
	if (fmt == TB_CMPF_MARKDOWN)
		fputs("## tinyben compare\n\n", f);
	write_env(f, fmt, t, "base", base);
	write_env(f, fmt, t, "cand", cand);
	tb_comparability_write(f, fmt == TB_CMPF_MARKDOWN, base, cand);
	char unit[320];
	tb_cmp_unit_line(c, unit, sizeof(unit));
	fprintf(f, fmt == TB_CMPF_MARKDOWN ? "\n**%s**\n" : "%s\n", unit);
	write_table(f, fmt, c);
	struct reason_arg ra = { f, fmt };
	tb_cmp_reasons(c, print_reason, &ra);
	fputc('\n', f);
	tb_cmp_explain(f, c, fmt == TB_CMPF_MARKDOWN ? 0 : 88);
	write_lists(f, fmt, t, base, cand, c);
}
